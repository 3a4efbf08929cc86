package dev.ferry.cli;

import java.io.IOException;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.List;
import java.util.Properties;
import java.util.TreeSet;
import picocli.CommandLine;
import picocli.CommandLine.Model.OptionSpec;

/**
 * {@code --config FILE} of {@code ferry server} and {@code ferry agent}: a Java properties file, one
 * key per long option of the command without its dashes ({@code port = 8080},
 * {@code jdbc-url = jdbc:postgresql://db/ferry}, {@code insecure-agents = true}); an option given on
 * the command line wins over the file. Read strictly: an unknown key is invalid input. Secrets stay
 * out of it as they stay off the command line (the database password comes from
 * {@code FERRY_DB_PASSWORD}). docs/install.md.
 */
final class ConfigFile {
    /** The commands that take {@code --config}. */
    static final List<String> COMMANDS = List.of("server", "agent");

    private ConfigFile() {
    }

    /**
     * When {@code args} run one of {@link #COMMANDS} with {@code --config FILE}, makes the file's
     * values that command's defaults; null when that went well (or there is no file), else what is
     * wrong with it.
     */
    /** Properties keep a value's trailing blanks; a path or a port must not. */
    private static String strip(String v) {
        return v == null ? null : v.strip();
    }

    static String apply(CommandLine root, String[] args) {
        if (args.length == 0 || !COMMANDS.contains(args[0])) {
            return null;
        }
        Path file = null;
        for (int k = 1; k < args.length; k++) {
            if (args[k].equals("--config") && k + 1 < args.length) {
                file = Path.of(args[k + 1]);
            } else if (args[k].startsWith("--config=")) {
                file = Path.of(args[k].substring("--config=".length()));
            }
        }
        if (file == null) {
            return null;
        }
        CommandLine command = root.getSubcommands().get(args[0]);
        Properties values = new Properties();
        try (Reader in = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
            values.load(in);
        } catch (NoSuchFileException e) {
            return "no such config file: " + file;
        } catch (IOException | IllegalArgumentException e) {
            return "cannot read the config file " + file + ": " + e.getMessage();
        }
        TreeSet<String> keys = new TreeSet<>();
        for (OptionSpec o : command.getCommandSpec().options()) {
            if (o.longestName().startsWith("--") && !o.usageHelp() && !o.versionHelp() && !o.longestName().equals("--config")) {
                keys.add(o.longestName().substring(2));
            }
        }
        for (String key : values.stringPropertyNames()) {
            if (!keys.contains(key)) {
                return file + ": unknown key '" + key + "' for ferry " + args[0] + " (the keys are its options without the dashes: "
                        + String.join(", ", keys) + ")";
            }
        }
        command.setDefaultValueProvider(arg -> arg instanceof OptionSpec o && o.longestName().startsWith("--")
                ? strip(values.getProperty(o.longestName().substring(2))) : null);
        return null;
    }
}
