package dev.ferry.cli;

import java.time.InstantSource;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/**
 * Ferry's entry point and composition root: every command is built here, by hand, with the real
 * clock; nothing below reads the wall clock itself.
 */
@Command(name = "ferry", mixinStandardHelpOptions = true, version = "ferry 0.1.0",
        description = "Patch a fleet of hypervisor hosts without losing the instances on them.",
        subcommands = {DemoCommand.class, FleetCommand.class, PlanCommand.class, SimulateCommand.class, ServerCommand.class,
                AgentCommand.class, LabCommand.class, CaCommand.class})
public final class Main {

    public static void main(String[] args) {
        System.exit(run(args));
    }

    /** Runs a command line with the system clock; returns the exit code. */
    public static int run(String... args) {
        return commandLine(InstantSource.system()).execute(args);
    }

    static CommandLine commandLine(InstantSource clock) {
        CommandLine.IFactory factory = new CommandLine.IFactory() {
            @Override
            public <K> K create(Class<K> cls) throws Exception {
                if (cls == PlanCommand.class) {
                    return cls.cast(new PlanCommand(clock));
                }
                if (cls == ServerCommand.class) {
                    return cls.cast(new ServerCommand(clock));
                }
                if (cls == SimulateCommand.class) {
                    return cls.cast(new SimulateCommand(clock));
                }
                return CommandLine.defaultFactory().create(cls);
            }
        };
        CommandLine cl = new CommandLine(new Main(), factory);
        cl.setExecutionExceptionHandler((ex, line, parsed) -> {
            line.getErr().println("error: " + ex);
            return ExitCodes.INTERNAL;
        });
        cl.setParameterExceptionHandler((ex, argv) -> {
            CommandLine c = ex.getCommandLine();
            c.getErr().println("error: " + ex.getMessage());
            c.getErr().println("Try '" + c.getCommandSpec().qualifiedName() + " --help'.");
            return ExitCodes.INVALID_INPUT;
        });
        return cl;
    }
}
