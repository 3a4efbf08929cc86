package dev.ferry.cli.client;

import picocli.AutoComplete;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

/** {@code ferry completion}: the bash (and zsh) completion script of every command and option. */
@Command(name = "completion", header = "Shell completion for bash and zsh: source <(ferry completion).",
        description = {"Prints a completion script for every command and option of ferry.",
            "bash: source <(ferry completion), or save it under /etc/bash_completion.d/ferry.",
            "zsh: autoload -U +X bashcompinit && bashcompinit, then the same."},
        mixinStandardHelpOptions = true)
public final class CompletionCommand implements Runnable {
    @Spec
    CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().getOut().print(AutoComplete.bash("ferry", spec.root().commandLine()));
        spec.commandLine().getOut().flush();
    }
}
