package org.syncsuite.cli;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

import org.syncsuite.core.service.ServiceConfig;
import org.syncsuite.core.service.ServiceConfigReader;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code powersync init self-hosted}: scaffolds a project folder for a self-hosted instance on MySQL or MariaDB. */
@Command(name = "init", mixinStandardHelpOptions = true,
        description = "Create a project folder (service.yaml, sync-config.yaml, cli.yaml).")
final class InitCommand {

    @Spec
    CommandSpec spec;

    @Option(names = "--directory", paramLabel = "DIR", defaultValue = Project.DEFAULT_DIRECTORY,
            scope = picocli.CommandLine.ScopeType.INHERIT,
            description = "The folder to create (default: ${DEFAULT-VALUE}).")
    Path directory;

    @Option(names = "--force", scope = picocli.CommandLine.ScopeType.INHERIT, description = "Overwrite files that exist already.")
    boolean force;

    @Command(name = "self-hosted", mixinStandardHelpOptions = true,
            description = {"Scaffold service.yaml and sync-config.yaml for a self-hosted instance replicating MySQL or MariaDB, "
                    + "commented, and cli.yaml pointing the commands at it.",
                "When a local stack was started in this working directory, the files point at it, so that validate, "
                    + "deploy, status and generate work at once."})
    int selfHosted() {
        PrintWriter out = spec.commandLine().getOut();
        Project project = new Project(directory);
        Optional<ServiceConfig> stack = localStackConfig();
        String service = stack.map(InitCommand::stackServiceYaml).orElse(GENERIC_SERVICE_YAML);
        String cli = stack.isPresent() ? STACK_CLI_YAML : GENERIC_CLI_YAML;
        List<Path> written = new java.util.ArrayList<>();
        try {
            Files.createDirectories(project.directory());
            write(project.serviceConfig(), service, written);
            write(project.directory().resolve("sync-config.yaml"), SYNC_CONFIG_YAML, written);
            write(project.cliConfig(), cli, written);
        } catch (IOException e) {
            throw new CliException("Could not write " + project.directory() + ": " + e.getMessage(), e);
        }
        if (written.isEmpty()) {
            out.println("Nothing written: " + project.directory() + " has these files already (--force overwrites them).");
            return PowerSync.ExitCodes.OK;
        }
        written.forEach(file -> out.println("Created " + file));
        out.println();
        if (stack.isPresent()) {
            out.println("The files point at the local stack started in this directory (" + StackDirectory.DEFAULT_NAME + "/).");
        } else {
            out.println("Fill in the placeholders of service.yaml (the !env variables), then link the CLI to your instance with "
                    + "'powersync link self-hosted --api-url URL' and PS_ADMIN_TOKEN.");
        }
        out.println("Next: edit sync-config.yaml, then 'powersync validate' and 'powersync deploy'.");
        return PowerSync.ExitCodes.OK;
    }

    private void write(Path file, String text, List<Path> written) throws IOException {
        if (Files.exists(file) && !force) {
            spec.commandLine().getErr().println("Kept " + file + " (exists; --force overwrites it)");
            return;
        }
        Files.writeString(file, text, StandardCharsets.UTF_8);
        written.add(file);
    }

    /** The service config a local stack in the working directory runs with, if there is one. */
    static Optional<ServiceConfig> localStackConfig() {
        Path file = Path.of(StackDirectory.DEFAULT_NAME, "service.yaml");
        if (!Files.isRegularFile(file)) {
            return Optional.empty();
        }
        try {
            return Optional.of(ServiceConfigReader.read(file));
        } catch (RuntimeException e) {
            return Optional.empty();
        }
    }

    private static String stackServiceYaml(ServiceConfig stack) {
        ServiceConfig.SourceConnection source = stack.connection();
        ServiceConfig.StorageConfig storage = stack.storage().orElseThrow();
        String jwk = stack.clientAuth().jwksJson().flatMap(org.syncsuite.core.auth.Hs256Tokens::firstKey)
                .map(k -> java.util.Base64.getUrlEncoder().withoutPadding().encodeToString(k.secret())).orElse("");
        return """
                # The service config of a self-hosted instance, in PowerSync's format plus the kafka: section.
                # Every service of the suite reads it (the replicator, the sync gateway, the attachments service);
                # each ignores the sections it does not use. Values may come from the environment: !env NAME.
                # These values point at the local stack started in this directory ('powersync stack start').

                # The source database: MySQL 5.7+/8 or MariaDB 10.6+, with binlog_format=ROW and GTIDs on.
                replication:
                  connections:
                    - type: %s
                      id: default
                      hostname: %s
                      port: %d
                      database: %s
                      username: %s
                      password: "%s"

                # Bucket storage: a MySQL or MariaDB database of its own, never the source database.
                storage:
                  type: mysql
                  hostname: %s
                  port: %d
                  database: %s
                  username: %s
                  password: "%s"

                # The Kafka cluster the changes travel through (any Kafka client property may be added under properties:).
                kafka:
                  bootstrap_servers: %s
                  topic_prefix: %s

                # Client tokens: the development key of the local stack (HS256). 'powersync generate token' signs with it.
                client_auth:
                  audience: [%s]
                  jwks:
                    keys:
                      - kty: oct
                        alg: HS256
                        kid: dev
                        k: %s

                # Admin API tokens: what the CLI and the dashboard send (Authorization: Bearer <token>).
                api:
                  tokens: ["%s"]

                # The sync config: 'powersync validate' and 'powersync deploy' use this file.
                sync_config:
                  path: sync-config.yaml

                port: 8080
                """.formatted(source.type(), source.hostname(), source.port(), source.database(), source.username(), source.password(),
                storage.hostname(), storage.port(), storage.database(), storage.username(), storage.password(),
                stack.kafka().map(ServiceConfig.KafkaConfig::bootstrapServers).orElse("127.0.0.1:9092"),
                stack.kafka().map(ServiceConfig.KafkaConfig::topicPrefix).orElse("powersync"),
                String.join(", ", stack.clientAuth().audience()), jwk,
                stack.api().tokens().isEmpty() ? "" : stack.api().tokens().get(0));
    }

    static final String GENERIC_SERVICE_YAML = """
            # The service config of a self-hosted instance, in PowerSync's format plus the kafka: section.
            # Every service of the suite reads it (the replicator, the sync gateway, the attachments service);
            # each ignores the sections it does not use. Values may come from the environment: !env NAME
            # (!env NAME::number and !env NAME::boolean for other types).

            # The source database: MySQL 5.7+/8 or MariaDB 10.6+, with binlog_format=ROW and GTIDs on
            # (gtid_mode=ON and enforce_gtid_consistency=ON on MySQL). The user needs SELECT, REPLICATION SLAVE
            # and REPLICATION CLIENT.
            replication:
              connections:
                - type: mysql
                  id: default
                  hostname: !env PS_MYSQL_HOST
                  port: 3306
                  database: !env PS_MYSQL_DATABASE
                  username: !env PS_MYSQL_USER
                  password: !env PS_MYSQL_PASSWORD

            # Bucket storage: a MySQL or MariaDB database of its own, never the source database. It can be
            # rebuilt from Kafka, so it needs no backup of its own.
            storage:
              type: mysql
              hostname: !env PS_STORAGE_HOST
              port: 3306
              database: powersync_storage
              username: !env PS_STORAGE_USER
              password: !env PS_STORAGE_PASSWORD

            # The Kafka cluster the changes travel through. Any Kafka client property may be added under
            # properties: (security.protocol, sasl.mechanism, ssl.truststore.location ...).
            kafka:
              bootstrap_servers: !env PS_KAFKA_BOOTSTRAP_SERVERS
              topic_prefix: powersync

            # Client tokens. Use your auth provider's key set (jwks_uri), or an HS256 key for development:
            # 'powersync generate token' signs development tokens with the first HS256 key listed here.
            client_auth:
              # jwks_uri: https://auth.example.com/.well-known/jwks.json
              audience: [powersync]
              jwks:
                keys:
                  - kty: oct
                    alg: HS256
                    kid: dev
                    k: !env PS_DEV_JWT_KEY

            # Admin API tokens: what the CLI and the dashboard send (Authorization: Bearer <token>).
            api:
              tokens:
                - !env PS_ADMIN_TOKEN

            # The sync config. The replicator replicates the tables it reads; the gateway deploys it at start
            # when the file changed. 'powersync deploy' rolls out edits without a restart (a version deployed
            # so is kept until this file changes); a new table needs the replicator restarted with the file.
            sync_config:
              path: sync-config.yaml

            port: 8080
            """;

    static final String GENERIC_CLI_YAML = """
            # Which instance the powersync commands of this folder talk to.
            type: self-hosted
            api_url: !env API_URL
            # One of the instance's api.tokens.
            api_key: !env PS_ADMIN_TOKEN
            """;

    static final String STACK_CLI_YAML = """
            # Which instance the powersync commands of this folder talk to. With no api_url, they use the local
            # stack started in the working directory ('powersync stack start'), with its admin token.
            type: self-hosted
            # api_url: http://127.0.0.1:8080
            # api_key: !env PS_ADMIN_TOKEN
            """;

    static final String SYNC_CONFIG_YAML = """
            # The sync config: which rows each user's devices receive (PowerSync's Sync Streams, edition 3).
            # 'powersync validate' checks it against the source database, 'powersync deploy' rolls it out:
            # the new version is built beside the one that serves, which keeps serving until it takes over.
            config:
              edition: 3

            streams:
              # Every device of a user gets the user's own lists: auth.user_id() is the token's subject.
              my_lists:
                auto_subscribe: true
                query: SELECT * FROM lists WHERE owner_id = auth.user_id()

              # ... and the todos of those lists.
              list_todos:
                auto_subscribe: true
                query: SELECT * FROM todos WHERE list_id IN (SELECT id FROM lists WHERE owner_id = auth.user_id())

              # A stream that clients subscribe to on demand, with a parameter:
              #   db.syncStream('list', {list_id: '...'}).subscribe()
              # list:
              #   query: SELECT * FROM todos WHERE list_id = subscription.parameter('list_id')
            """;
}
