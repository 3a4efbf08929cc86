package dev.ferry.cli.client;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.io.PrintWriter;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Map;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * What every client command takes: the controller ({@code --server}, else {@code $FERRY_SERVER},
 * else http://127.0.0.1:8080), the token (from the file {@code --token-file}, else
 * {@code $FERRY_TOKEN}, else the file {@code $FERRY_TOKEN_FILE}: never from the command line, where other users
 * of the machine and the shell's history would see it) and the output ({@code --format}). Runs a
 * command's work and turns its failure into one line and an exit code.
 */
public final class ClientOptions {
    /** The server's default address (ferry server's default port, on this machine). */
    static final String DEFAULT_SERVER = "http://127.0.0.1:8080";

    @Option(names = "--server", paramLabel = "URL", description = "The controller (default $FERRY_SERVER, else " + DEFAULT_SERVER + ").")
    String server;

    @Option(names = "--token-file", paramLabel = "FILE", description = "The file holding the token; without it $FERRY_TOKEN (the"
            + " token itself), else $FERRY_TOKEN_FILE. Never the token on the command line.")
    Path tokenFile;

    @Option(names = "--format", defaultValue = "table", paramLabel = "table|json", description = "Output: a table (default), or"
            + " the server's JSON answer.")
    String format;

    @Spec(Spec.Target.MIXEE)
    CommandSpec spec;

    private final Map<String, String> env;

    public ClientOptions(Map<String, String> env) {
        this.env = env;
    }

    /** The work of one client command: what it prints, through the API. */
    @FunctionalInterface
    interface Work {
        int run(ServerApi api, Output out) throws ClientError;
    }

    /** Runs {@code work} against the server: its exit code, or that of its failure after one line on standard error. */
    int run(Work work) {
        PrintWriter err = spec.commandLine().getErr();
        try {
            if (!format.equals("table") && !format.equals("json")) {
                throw new ClientError(ClientError.INVALID, "--format is table or json, not '" + format + "'");
            }
            int code = work.run(new ServerApi(serverUri(), token()), new Output(spec.commandLine().getOut(), format.equals("json")));
            spec.commandLine().getOut().flush();
            return code;
        } catch (ClientError e) {
            spec.commandLine().getOut().flush();
            err.println("error: " + e.getMessage());
            err.flush();
            return e.exitCode();
        }
    }

    /** Shows what {@code GET path} answers, as {@code table} (or JSON). */
    int show(String path, Tables.Table table) {
        return run((api, out) -> {
            out.print(api.get(path), table);
            return 0;
        });
    }

    private URI serverUri() throws ClientError {
        String s = server != null ? server : env.getOrDefault("FERRY_SERVER", DEFAULT_SERVER);
        try {
            URI u = new URI(s.endsWith("/") ? s : s + "/");
            if (!"http".equals(u.getScheme()) && !"https".equals(u.getScheme()) || u.getHost() == null) {
                throw new ClientError(ClientError.INVALID, "the server is an http:// or https:// URL, not '" + s + "'");
            }
            return u;
        } catch (java.net.URISyntaxException e) {
            throw new ClientError(ClientError.INVALID, "the server is an http:// or https:// URL, not '" + s + "'");
        }
    }

    /** The token: of --token-file when given, else $FERRY_TOKEN, else of $FERRY_TOKEN_FILE. */
    private String token() throws ClientError {
        String t = env.get("FERRY_TOKEN");
        if (tokenFile == null && t != null && !t.isBlank()) {
            return t.strip();
        }
        Path file = tokenFile != null ? tokenFile : env.get("FERRY_TOKEN_FILE") != null ? Path.of(env.get("FERRY_TOKEN_FILE")) : null;
        if (file == null) {
            throw new ClientError(ClientError.INVALID, "no token: set FERRY_TOKEN, or give --token-file FILE (or FERRY_TOKEN_FILE)");
        }
        try {
            String read = Files.readString(file).strip();
            if (read.isEmpty() || read.contains("\n")) {
                throw new ClientError(ClientError.INVALID, "the token file " + file + " holds " + (read.isEmpty() ? "nothing"
                        : "more than one line") + ": one token expected");
            }
            return read;
        } catch (NoSuchFileException e) {
            throw new ClientError(ClientError.INVALID, "no such token file: " + file);
        } catch (IOException e) {
            throw new ClientError(ClientError.INVALID, "cannot read the token file " + file + ": " + e.getMessage());
        }
    }

    /** Where a command's answer goes: a table, or the server's JSON as it is. */
    record Output(PrintWriter out, boolean json) {
        /** JSON: the answer; a table: {@code table} of it. */
        void print(JsonNode answer, Tables.Table table) {
            if (json) {
                out.println(answer.toPrettyString());
            } else {
                table.print(out, answer);
            }
        }
    }
}
