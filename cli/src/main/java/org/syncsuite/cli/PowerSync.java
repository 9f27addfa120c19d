package org.syncsuite.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/** The {@code powersync} command line. {@code ./powersync} at the repository root runs it. */
@Command(name = "powersync",
        mixinStandardHelpOptions = true,
        versionProvider = PowerSync.Version.class,
        description = "Operate the sync suite: run a local stack on embedded services.",
        subcommands = {StackCommand.class, CommandLine.HelpCommand.class},
        exitCodeListHeading = "%nExit codes:%n",
        exitCodeList = {
            "0:success",
            "1:the command failed (the message says why)",
            "2:invalid command line",
            "3:stack status: the stack is not running"})
public final class PowerSync {

    public static void main(String[] args) {
        CliLogging.configure();
        System.exit(commandLine().execute(args));
    }

    static CommandLine commandLine() {
        CommandLine commandLine = new CommandLine(new PowerSync());
        commandLine.setExecutionExceptionHandler((e, cmd, parsed) -> {
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
