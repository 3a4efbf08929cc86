package dev.ferry.cli;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.time.Instant;
import java.time.InstantSource;
import picocli.CommandLine;

/** Runs the real command line in-process with a fixed clock, capturing both streams. */
record Cli(int exitCode, String out, String err) {
    static final Instant NOW = Instant.parse("2014-09-26T12:00:00Z");

    static Cli run(String... args) {
        return run(System.getenv(), args);
    }

    /** With {@code env} as the environment the client commands read. */
    static Cli run(java.util.Map<String, String> env, String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        CommandLine cl = Main.commandLine(InstantSource.fixed(NOW), env);
        cl.setOut(new PrintWriter(out));
        cl.setErr(new PrintWriter(err));
        int code = Main.execute(cl, args);
        return new Cli(code, out.toString(), err.toString());
    }
}
