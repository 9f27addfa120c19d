package org.syncsuite.cli;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code powersync link self-hosted --api-url URL}: points the project's commands at an instance. */
@Command(name = "link", mixinStandardHelpOptions = true, description = "Point this project's commands at an instance.")
final class LinkCommand {

    @Spec
    CommandSpec spec;

    @Option(names = "--directory", paramLabel = "DIR", defaultValue = Project.DEFAULT_DIRECTORY,
            description = "The project folder (default: ${DEFAULT-VALUE}).")
    Path directory;

    @Command(name = "self-hosted", mixinStandardHelpOptions = true,
            description = "Write cli.yaml with the instance's URL; its admin token is read from PS_ADMIN_TOKEN.")
    int selfHosted(@Option(names = "--api-url", required = true, paramLabel = "URL",
            description = "The instance's URL, such as https://sync.example.com") String apiUrl) {
        Project project = new Project(directory);
        try {
            Files.createDirectories(project.directory());
            Files.writeString(project.cliConfig(), """
                    # Which instance the powersync commands of this folder talk to.
                    type: self-hosted
                    api_url: %s
                    # One of the instance's api.tokens.
                    api_key: !env PS_ADMIN_TOKEN
                    """.formatted(apiUrl), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new CliException("Could not write " + project.cliConfig() + ": " + e.getMessage(), e);
        }
        spec.commandLine().getOut().println("Linked " + project.directory() + " to " + apiUrl + " (" + project.cliConfig() + ")");
        return PowerSync.ExitCodes.OK;
    }
}
