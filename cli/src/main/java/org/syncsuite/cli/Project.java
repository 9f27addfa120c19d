package org.syncsuite.cli;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;

import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;
import org.yaml.snakeyaml.constructor.AbstractConstruct;
import org.yaml.snakeyaml.constructor.SafeConstructor;
import org.yaml.snakeyaml.nodes.Node;
import org.yaml.snakeyaml.nodes.ScalarNode;
import org.yaml.snakeyaml.nodes.Tag;

/**
 * A project folder as PowerSync's CLI lays it out ({@code powersync/} by default):
 * {@code service.yaml}, {@code sync-config.yaml} and {@code cli.yaml}, which says which instance
 * the commands talk to ({@code type: self-hosted}, {@code api_url}, {@code api_key}; values may be
 * {@code !env NAME}).
 */
final class Project {

    static final String DEFAULT_DIRECTORY = "powersync";

    private final Path directory;

    Project(Path directory) {
        this.directory = directory.toAbsolutePath().normalize();
    }

    Path directory() {
        return directory;
    }

    Path serviceConfig() {
        return directory.resolve("service.yaml");
    }

    Path cliConfig() {
        return directory.resolve("cli.yaml");
    }

    /** The sync config file: the flag's, else {@code sync_config.path} of service.yaml, else {@code sync-config.yaml}. */
    Path syncConfig(Optional<Path> flag) {
        if (flag.isPresent()) {
            return flag.get();
        }
        Map<String, Object> service = readYaml(serviceConfig()).orElse(Map.of());
        for (String key : new String[] {"sync_config", "sync_rules"}) {
            if (service.get(key) instanceof Map<?, ?> section && section.get("path") instanceof String path) {
                return serviceConfig().resolveSibling(path);
            }
        }
        return directory.resolve("sync-config.yaml");
    }

    /** The sync config's text. */
    String readSyncConfig(Optional<Path> flag) {
        Path file = syncConfig(flag);
        if (!Files.isRegularFile(file)) {
            throw new CliException("No sync config at " + file + " (run 'powersync init self-hosted', or pass "
                    + "--sync-config-file-path)");
        }
        try {
            return Files.readString(file, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new CliException("Could not read " + file + ": " + e.getMessage(), e);
        }
    }

    /** {@code cli.yaml}, with {@code !env} values resolved, if the folder has one. */
    Map<String, Object> cliYaml() {
        return readYaml(cliConfig()).orElse(Map.of());
    }

    /** A YAML mapping file, {@code !env NAME} resolved from the environment (empty text when unset). */
    @SuppressWarnings("unchecked")
    static Optional<Map<String, Object>> readYaml(Path file) {
        if (!Files.isRegularFile(file)) {
            return Optional.empty();
        }
        try {
            Object loaded = new Yaml(new EnvConstructor()).load(Files.readString(file, StandardCharsets.UTF_8));
            return loaded instanceof Map<?, ?> map ? Optional.of((Map<String, Object>) map) : Optional.empty();
        } catch (IOException e) {
            throw new CliException("Could not read " + file + ": " + e.getMessage(), e);
        } catch (RuntimeException e) {
            throw new CliException(file + " is not valid YAML: " + e.getMessage(), e);
        }
    }

    /** Resolves {@code !env NAME} (and {@code !env NAME::type}) scalars to the variable's text. */
    private static final class EnvConstructor extends SafeConstructor {
        EnvConstructor() {
            super(new LoaderOptions());
            yamlConstructors.put(new Tag("!env"), new AbstractConstruct() {
                @Override
                public Object construct(Node node) {
                    String name = ((ScalarNode) node).getValue().strip();
                    int type = name.indexOf("::");
                    String value = System.getenv(type < 0 ? name : name.substring(0, type));
                    return value == null ? "" : value;
                }
            });
        }
    }
}
