package org.syncsuite.cli;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import java.util.concurrent.Callable;

import org.syncsuite.cli.migrate.MigrationProblem;
import org.syncsuite.cli.migrate.SyncRulesMigrationException;
import org.syncsuite.cli.migrate.SyncRulesMigrator;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code powersync migrate sync-rules}: legacy {@code bucket_definitions} to Sync Streams. */
@Command(name = "migrate", mixinStandardHelpOptions = true, description = "Migrate configuration to its current form.",
        subcommands = MigrateCommand.SyncRules.class)
final class MigrateCommand {

    @Command(name = "sync-rules", mixinStandardHelpOptions = true,
            description = {"Convert legacy sync rules (bucket_definitions) to Sync Streams (edition 3).",
                "Each bucket definition becomes a stream of the same name that sends the same rows."})
    static final class SyncRules implements Callable<Integer> {
        @Spec
        CommandSpec spec;
        @Mixin
        ProjectOptions options;
        @Option(names = "--input-file", paramLabel = "FILE", description = "The legacy sync rules (default: the project's sync config).")
        Optional<Path> input;
        @Option(names = "--output-file", paramLabel = "FILE", description = "Where to write the streams (default: standard output).")
        Optional<Path> output;

        @Override
        public Integer call() {
            Path file = input.orElseGet(() -> options.project().syncConfig(Optional.empty()));
            String legacy;
            try {
                legacy = Files.readString(file, StandardCharsets.UTF_8);
            } catch (IOException e) {
                throw new CliException("Could not read " + file + ": " + e.getMessage(), e);
            }
            String streams;
            try {
                streams = SyncRulesMigrator.migrate(file.toString(), legacy);
            } catch (SyncRulesMigrationException e) {
                for (MigrationProblem problem : e.problems()) {
                    spec.commandLine().getErr().println(problem.describe(file.toString()));
                }
                spec.commandLine().getErr().println("Not migrated: " + e.problems().size() + " problem(s)");
                return PowerSync.ExitCodes.FAILED;
            }
            if (output.isEmpty()) {
                spec.commandLine().getOut().print(streams);
                spec.commandLine().getOut().flush();
                return PowerSync.ExitCodes.OK;
            }
            try {
                Files.writeString(output.get(), streams, StandardCharsets.UTF_8);
            } catch (IOException e) {
                throw new CliException("Could not write " + output.get() + ": " + e.getMessage(), e);
            }
            spec.commandLine().getErr().println("Wrote the Sync Streams of " + file + " to " + output.get());
            return PowerSync.ExitCodes.OK;
        }
    }
}
