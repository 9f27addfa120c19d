package org.syncsuite.cli;

import java.nio.file.Path;
import java.util.Optional;

import picocli.CommandLine.Option;

/** The options every project command takes: the project folder and the instance to talk to. */
final class ProjectOptions {

    @Option(names = "--directory", paramLabel = "DIR", scope = picocli.CommandLine.ScopeType.INHERIT, defaultValue = Project.DEFAULT_DIRECTORY,
            description = "The project folder with service.yaml, sync-config.yaml and cli.yaml (default: ${DEFAULT-VALUE}).")
    Path directory;

    @Option(names = "--api-url", paramLabel = "URL", scope = picocli.CommandLine.ScopeType.INHERIT,
            description = "The instance's URL (default: API_URL, else api_url of cli.yaml, else the local stack started here). "
                    + "Its admin token comes from api_key of cli.yaml, else PS_ADMIN_TOKEN, else the local stack.")
    Optional<String> apiUrl;

    Project project() {
        return new Project(directory);
    }

    Target target() {
        return Target.resolve(apiUrl, project());
    }

    AdminClient client() {
        return new AdminClient(target());
    }
}
