package org.syncsuite.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/** The {@code powersync} command line. {@code ./powersync} at the repository root runs it. */
@Command(name = "powersync",
        mixinStandardHelpOptions = true,
        versionProvider = PowerSync.Version.class,
        description = {"Operate the sync suite: scaffold a project, validate and deploy its sync config to a running instance, "
                + "inspect it, generate tokens and client schemas, and run a local stack on embedded services.",
            "Commands that talk to an instance find it with --api-url, API_URL, cli.yaml of the project, or the local stack "
                + "started in the working directory."},
        subcommands = {InitCommand.class, LinkCommand.class, ValidateCommand.class, DeployCommand.class, StatusCommand.class,
            GenerateCommand.class, CompactCommand.class, ReprocessCommand.class, MigrateCommand.class, StackCommand.class,
            CommandLine.HelpCommand.class},
        exitCodeListHeading = "%nExit codes:%n",
        exitCodeList = {
            "0:success",
            "1:the command failed (the message says why)",
            "2:invalid command line (unknown command or option, missing value)",
            "3:stack status: the stack is not running"})
public final class PowerSync {

    public static void main(String[] args) {
        CliLogging.configure();
        System.exit(commandLine().execute(args));
    }

    static CommandLine commandLine() {
        CommandLine commandLine = new CommandLine(new PowerSync());
        commandLine.addSubcommand("completion", new picocli.AutoComplete.GenerateCompletion());
        commandLine.getSubcommands().get("completion").getCommandSpec().usageMessage().hidden(false)
                .description("Print a bash/zsh completion script: source <(./powersync completion)");
        commandLine.setExecutionExceptionHandler((e, cmd, parsed) -> {
            if (e instanceof CliException || e instanceof org.syncsuite.core.SyncException) {
                cmd.getErr().println(cmd.getColorScheme().errorText("Error: " + e.getMessage()));
                return ExitCodes.FAILED;
            }
            cmd.getErr().println(cmd.getColorScheme().errorText("Error: " + e.getMessage()));
            if (Boolean.getBoolean("powersync.debug")) {
                e.printStackTrace(cmd.getErr());
            }
            return ExitCodes.FAILED;
        });
        return commandLine;
    }

    /** Exit codes shared by the commands. */
    static final class ExitCodes {
        static final int OK = 0;
        static final int FAILED = 1;
        static final int NOT_RUNNING = 3;

        private ExitCodes() {
        }
    }

    static final class Version implements CommandLine.IVersionProvider {
        @Override
        public String[] getVersion() {
            String version = PowerSync.class.getPackage().getImplementationVersion();
            return new String[] {"powersync " + (version == null ? "development build" : version)};
        }
    }
}
