package dev.ferry.cli;

import java.time.InstantSource;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/**
 * Ferry's entry point and composition root: every command is built here, by hand, with the real
 * clock; nothing below reads the wall clock itself.
 */
@Command(name = "ferry", mixinStandardHelpOptions = true, versionProvider = Main.Version.class,
        description = "Patch a fleet of hypervisor hosts without losing the instances on them.",
        subcommands = {DemoCommand.class, FleetCommand.class, PlanCommand.class, SimulateCommand.class, ServerCommand.class,
                AgentCommand.class, LabCommand.class, CaCommand.class, dev.ferry.cli.client.CampaignsCommand.class,
                dev.ferry.cli.client.HostsCommand.Hosts.class, dev.ferry.cli.client.HostsCommand.Inventory.class,
                dev.ferry.cli.client.AdvisoriesCommand.class, dev.ferry.cli.client.RecordsCommand.History.class,
                dev.ferry.cli.client.RecordsCommand.Audit.class, dev.ferry.cli.client.TenantCommands.Events.class,
                dev.ferry.cli.client.TenantCommands.Instances.class, dev.ferry.cli.client.CompletionCommand.class})
public final class Main {

    public static void main(String[] args) {
        System.exit(run(args));
    }

    /** Runs a command line with the system clock; returns the exit code. */
    public static int run(String... args) {
        return execute(commandLine(InstantSource.system()), args);
    }

    /** Runs {@code args} on {@code cl}, with the config file of server or agent applied first ({@link ConfigFile}). */
    static int execute(CommandLine cl, String... args) {
        String problem = ConfigFile.apply(cl, args);
        if (problem != null) {
            cl.getErr().println("error: " + problem);
            cl.getErr().flush();
            return ExitCodes.INVALID_INPUT;
        }
        return cl.execute(args);
    }

    /** {@code ferry --version}: the version the build wrote into the jar's manifest. */
    static final class Version implements CommandLine.IVersionProvider {
        @Override
        public String[] getVersion() {
            String v = Main.class.getPackage().getImplementationVersion();
            return new String[] {"ferry " + (v == null ? "(a development build, not from a release jar)" : v)};
        }
    }

    static CommandLine commandLine(InstantSource clock) {
        return commandLine(clock, System.getenv());
    }

    /** @param env the environment the client commands read ({@code FERRY_SERVER}, {@code FERRY_TOKEN}, {@code FERRY_TOKEN_FILE}) */
    static CommandLine commandLine(InstantSource clock, java.util.Map<String, String> env) {
        CommandLine.IFactory factory = new CommandLine.IFactory() {
            @Override
            public <K> K create(Class<K> cls) throws Exception {
                if (cls == dev.ferry.cli.client.ClientOptions.class) {
                    return cls.cast(new dev.ferry.cli.client.ClientOptions(env));
                }
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
        cl.getHelpSectionMap().put(CommandLine.Model.UsageMessageSpec.SECTION_KEY_COMMAND_LIST_HEADING, help -> "");
        cl.getHelpSectionMap().put(CommandLine.Model.UsageMessageSpec.SECTION_KEY_COMMAND_LIST, Main::groupedCommands);
        cl.setExecutionStrategy(parsed -> {
            // a word no command knows is an error even beside --help (picocli would print the help and exit 0)
            CommandLine.ParseResult last = parsed;
            while (last.hasSubcommand()) {
                last = last.subcommand();
            }
            if (!last.unmatched().isEmpty()) {
                CommandLine c = last.commandSpec().commandLine();
                unknown(c, last.unmatched().get(0));
                return ExitCodes.INVALID_INPUT;
            }
            return new CommandLine.RunLast().execute(parsed);
        });
        cl.setExecutionExceptionHandler((ex, line, parsed) -> {
            line.getErr().println("error: " + ex);
            return ExitCodes.INTERNAL;
        });
        cl.setParameterExceptionHandler((ex, argv) -> {
            CommandLine c = ex.getCommandLine();
            if (ex instanceof CommandLine.UnmatchedArgumentException u && !u.getUnmatched().isEmpty()
                    && !c.getSubcommands().isEmpty() && !u.getUnmatched().get(0).startsWith("-")) {
                unknown(c, u.getUnmatched().get(0));
                return ExitCodes.INVALID_INPUT;
            }
            c.getErr().println("error: " + ex.getMessage());
            c.getErr().println("Try '" + c.getCommandSpec().qualifiedName() + " --help'.");
            return ExitCodes.INVALID_INPUT;
        });
        return cl;
    }

    /** The commands by what they need, one line each. */
    static final java.util.Map<String, java.util.List<String>> GROUPS = groups();

    private static java.util.Map<String, java.util.List<String>> groups() {
        java.util.Map<String, java.util.List<String>> g = new java.util.LinkedHashMap<>();
        g.put("Local tools (files in, files out; no controller)", java.util.List.of("demo", "fleet", "plan", "simulate", "lab"));
        g.put("Controller", java.util.List.of("server", "ca"));
        g.put("Host", java.util.List.of("agent"));
        g.put("Client (a running controller: --server URL, the token in $FERRY_TOKEN or --token-file)", java.util.List.of("campaigns",
                "hosts", "inventory", "advisories", "history", "audit", "events", "instances", "completion"));
        return g;
    }

    /** The top-level command list: each group's commands with their one-line summary (the header), in the groups' order. */
    static String groupedCommands(CommandLine.Help help) {
        java.util.Map<String, CommandLine.Help> commands = help.subcommands();
        StringBuilder out = new StringBuilder();
        java.util.Set<String> listed = new java.util.HashSet<>();
        for (var group : GROUPS.entrySet()) {
            out.append(group.getKey()).append(":\n");
            for (String name : group.getValue()) {
                if (commands.containsKey(name)) {
                    out.append(line(name, commands.get(name)));
                    listed.add(name);
                }
            }
        }
        for (var other : commands.entrySet()) {
            if (!listed.contains(other.getKey())) {
                throw new IllegalStateException("command " + other.getKey() + " is in no group of Main.GROUPS");
            }
        }
        return out.toString();
    }

    private static String line(String name, CommandLine.Help sub) {
        String[] header = sub.commandSpec().usageMessage().header();
        String[] description = sub.commandSpec().usageMessage().description();
        String summary = header.length > 0 ? header[0] : description.length > 0 ? description[0] : "";
        return String.format(java.util.Locale.ROOT, "  %-11s %s%n", name, summary);
    }

    /** An argument that is no command here: one line naming it, the closest commands, and where the list is. */
    private static void unknown(CommandLine c, String word) {
        String name = c.getCommandSpec().qualifiedName();
        if (c.getSubcommands().isEmpty() || word.startsWith("-")) {
            c.getErr().println("error: " + name + " takes no " + (word.startsWith("-") ? "option '" : "argument '") + word + "'");
            c.getErr().println("Try '" + name + " --help'.");
            return;
        }
        java.util.List<String> close = new CommandLine.UnmatchedArgumentException(c, java.util.List.of(word)).getSuggestions(); // picocli's
        c.getErr().println("error: '" + word + "' is not a " + name + " command"
                + (close.isEmpty() ? "" : " (did you mean " + String.join(" or ", close) + "?)"));
        c.getErr().println("Try '" + name + " --help' for the list.");
    }
}
