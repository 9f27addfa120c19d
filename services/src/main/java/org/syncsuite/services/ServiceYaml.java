package org.syncsuite.services;

import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A PowerSync-format {@code service.yaml} for the suite's services running on the embedded
 * servers (tests, benchmarks): the replicated MariaDB database, bucket storage, our {@code kafka}
 * section, an HS256 development key under {@code client_auth}, {@code api.parameters}, and the
 * sync config inline or as a path.
 */
public final class ServiceYaml {

    private String source = "";
    private String storage = "";
    private String kafka = "";
    private final Map<String, String> kafkaProperties = new LinkedHashMap<>();
    private String clientAuth = "";
    private final Map<String, Object> apiParameters = new LinkedHashMap<>();
    private String syncConfig = "";
    private final java.util.List<String> apiTokens = new java.util.ArrayList<>();
    private String attachments = "";

    /** The replicated database on {@code db}, read as {@code user}. */
    public ServiceYaml source(EmbeddedMariaDb db, String database, String user, String password) {
        source = """
                replication:
                  connections:
                    - type: mariadb
                      hostname: 127.0.0.1
                      port: %d
                      database: %s
                      username: %s
                      password: "%s"
                """.formatted(db.port(), database, user, password);
        return this;
    }

    /** Bucket storage: database {@code database} on {@code db}. */
    public ServiceYaml storage(EmbeddedMariaDb db, String database, String user, String password) {
        storage = """
                storage:
                  type: mysql
                  hostname: 127.0.0.1
                  port: %d
                  database: %s
                  username: %s
                  password: "%s"
                """.formatted(db.port(), database, user, password);
        return this;
    }

    public ServiceYaml kafka(EmbeddedKafka broker, String topicPrefix) {
        kafka = """
                kafka:
                  bootstrap_servers: %s
                  topic_prefix: %s
                """.formatted(broker.bootstrapServers(), topicPrefix);
        return this;
    }

    /** A Kafka client property passed through the {@code kafka} section. */
    public ServiceYaml kafkaProperty(String name, String value) {
        kafkaProperties.put(name, value);
        return this;
    }

    /** Client tokens signed with {@code secret} (HS256) for the {@code powersync} audience. */
    public ServiceYaml hs256(String secret) {
        String key = DevTokens.jwkKey(secret.getBytes(StandardCharsets.UTF_8));
        clientAuth = """
                client_auth:
                  audience: [powersync]
                  jwks:
                    keys:
                      - kty: oct
                        alg: HS256
                        k: %s
                """.formatted(key);
        return this;
    }

    /** Client tokens checked against the key set {@code jwksJson} (a JWKS as JSON) for the {@code powersync} audience. */
    public ServiceYaml jwks(String jwksJson) {
        clientAuth = "client_auth:\n  audience: [powersync]\n  jwks: " + jwksJson + "\n";
        return this;
    }

    public ServiceYaml apiParameter(String name, Object value) {
        apiParameters.put(name, value);
        return this;
    }

    /** An admin API token ({@code api.tokens}). */
    public ServiceYaml apiToken(String token) {
        apiTokens.add(token);
        return this;
    }

    /**
     * The {@code attachments:} section: bytes in {@code bucket} of {@code s3}, metadata in the
     * storage server's {@code powersync_attachments} unless {@code moreYaml} says otherwise;
     * {@code moreYaml} holds further keys of the section (limits), one per line, unindented.
     */
    public ServiceYaml attachments(EmbeddedS3 s3, String bucket, String moreYaml) {
        attachments = "attachments:\n  s3:\n    endpoint: " + s3.endpoint() + "\n    bucket: " + bucket + "\n    access_key: "
                + s3.accessKey() + "\n    secret_key: " + s3.secretKey() + "\n    region: " + s3.region() + "\n"
                + (moreYaml == null || moreYaml.isBlank() ? "" : moreYaml.strip().indent(2));
        return this;
    }

    public ServiceYaml syncConfigContent(String yaml) {
        syncConfig = "sync_config:\n  content: |\n" + yaml.indent(4);
        return this;
    }

    /** A sync config file, relative to the service.yaml's folder. */
    public ServiceYaml syncConfigPath(String path) {
        syncConfig = "sync_config:\n  path: " + path + "\n";
        return this;
    }

    public String text() {
        StringBuilder yaml = new StringBuilder(source).append(storage).append(kafka);
        if (!kafkaProperties.isEmpty()) {
            yaml.append("  properties:\n");
            kafkaProperties.forEach((k, v) -> yaml.append("    ").append(k).append(": \"").append(v).append("\"\n"));
        }
        yaml.append(clientAuth);
        if (!apiParameters.isEmpty() || !apiTokens.isEmpty()) {
            yaml.append("api:\n");
            if (!apiTokens.isEmpty()) {
                yaml.append("  tokens:\n");
                apiTokens.forEach(t -> yaml.append("    - \"").append(t).append("\"\n"));
            }
            if (!apiParameters.isEmpty()) {
                yaml.append("  parameters:\n");
                apiParameters.forEach((k, v) -> yaml.append("    ").append(k).append(": ").append(v).append('\n'));
            }
        }
        return yaml.append(attachments).append(syncConfig).toString();
    }
}
