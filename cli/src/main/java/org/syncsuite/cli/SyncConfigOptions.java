package org.syncsuite.cli;

import java.nio.file.Path;
import java.util.Optional;

import picocli.CommandLine.Option;

/** {@code --sync-config-file-path}: a sync config other than the project's. */
final class SyncConfigOptions {

    @Option(names = "--sync-config-file-path", paramLabel = "FILE", scope = picocli.CommandLine.ScopeType.INHERIT,
            description = "The sync config to use (default: sync_config.path of service.yaml, else sync-config.yaml in the project folder).")
    Optional<Path> file;
}
