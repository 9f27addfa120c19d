package org.syncsuite.cli;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Base64;
import java.util.Properties;

import org.syncsuite.demo.DemoBackendMain;
import org.syncsuite.demo.DemoSchema;
import org.syncsuite.services.DevTokens;
import org.syncsuite.services.EmbeddedKafka;
import org.syncsuite.services.EmbeddedMariaDb;
import org.syncsuite.services.EmbeddedS3;

/**
 * The demo app the local stack runs: a to-do list schema with a few rows in the {@code demo}
 * database, its sync config (written once, then the user's to edit), and a {@code service.yaml}
 * pointing at the stack's servers (written at every start, as their ports may change).
 */
final class DemoApp {

    static final String DATABASE = "demo";

    private DemoApp() {
    }

    /** Creates the demo database, its tables and seed rows when missing. */
    static void createSchema(EmbeddedMariaDb db) {
        db.createDatabase(DATABASE);
        db.execute(DemoSchema.statements(DATABASE).toArray(String[]::new));
    }

    /** The sync config file, created from the demo's when absent. */
    static Path syncConfig(StackDirectory directory) {
        Path file = directory.root().resolve("sync-config.yaml");
        try {
            if (!Files.exists(file)) {
                Files.writeString(file, DemoSchema.syncConfig(), StandardCharsets.UTF_8);
            }
            return file;
        } catch (IOException e) {
            throw new UncheckedIOException("Could not write " + file, e);
        }
    }

    /** {@code service.yaml} for the stack's servers, in PowerSync's format plus the kafka section. */
    static Path serviceConfig(StackDirectory directory, EmbeddedMariaDb db, EmbeddedKafka kafka, EmbeddedS3 s3, Path syncConfig) {
        Path file = directory.root().resolve("service.yaml");
        String yaml = """
                # Written by 'powersync stack start' at each start: the stack's servers and their ports.
                replication:
                  connections:
                    - type: mariadb
                      id: default
                      hostname: %s
                      port: %d
                      database: %s
                      username: %s
                      password: %s
                storage:
                  type: mysql
                  hostname: %s
                  port: %d
                  database: powersync_storage
                  username: %s
                  password: ""
                kafka:
                  bootstrap_servers: %s
                  topic_prefix: powersync
                # The stack's development key (dev-key beside this file): 'stack start' prints a token it signed.
                client_auth:
                  audience: [%s]
                  jwks:
                    keys:
                      - kty: oct
                        alg: HS256
                        k: %s
                # The admin API token (admin-token beside this file), for service-to-service calls.
                api:
                  tokens: ["%s"]
                sync_config:
                  path: %s
                port: 8080
                # The attachments service: bytes in the stack's S3, metadata in powersync_attachments.
                attachments:
                  s3:
                    endpoint: %s
                    bucket: attachments
                    access_key: %s
                    secret_key: %s
                    region: %s
                  max_file_size_mb: 100
                  user_quota_mb: 1024
                """.formatted(db.host(), db.port(), DATABASE, db.replicationUser(), db.replicationPassword(),
                db.host(), db.port(), db.rootUser(), kafka.bootstrapServers(), DevToken.AUDIENCE,
                DevToken.key(directory.root()), DevToken.adminToken(directory.root()), syncConfig.getFileName(),
                s3.endpoint(), s3.accessKey(), s3.secretKey(), s3.region());
        try {
            Files.writeString(file, yaml, StandardCharsets.UTF_8);
            return file;
        } catch (IOException e) {
            throw new UncheckedIOException("Could not write " + file, e);
        }
    }

    /**
     * {@code demo-backend.properties}: the demo backend's MicroProfile Config for the stack: the
     * demo database (as root), the development key as the JWT key set, and its port.
     */
    static Path backendConfig(StackDirectory directory, EmbeddedMariaDb db, int port) {
        Path file = directory.root().resolve("demo-backend.properties");
        Properties properties = new Properties();
        properties.setProperty("javax.sql.DataSource.demo.dataSource.url", db.jdbcUrl(DATABASE));
        properties.setProperty("javax.sql.DataSource.demo.dataSource.user", db.rootUser());
        properties.setProperty("javax.sql.DataSource.demo.dataSource.password", db.rootPassword());
        properties.setProperty("mp.jwt.verify.publickey", DevTokens.jwks(Base64.getUrlDecoder().decode(DevToken.key(directory.root()))));
        properties.setProperty("mp.jwt.verify.audiences", DevToken.AUDIENCE);
        properties.setProperty("server.port", Integer.toString(port));
        properties.setProperty(DemoBackendMain.OBJECT_STORE, directory.root().resolve("demo-backend-transactions").toString());
        try (Writer out = Files.newBufferedWriter(file, StandardCharsets.UTF_8)) {
            properties.store(out, "Written by 'powersync stack start' at each start: the demo backend's database, key and port");
            return file;
        } catch (IOException e) {
            throw new UncheckedIOException("Could not write " + file, e);
        }
    }
}
