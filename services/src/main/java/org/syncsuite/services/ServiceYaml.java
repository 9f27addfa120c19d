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

    public ServiceYaml apiParameter(String name, Object value) {
        apiParameters.put(name, value);
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
        if (!apiParameters.isEmpty()) {
            yaml.append("api:\n  parameters:\n");
            apiParameters.forEach((k, v) -> yaml.append("    ").append(k).append(": ").append(v).append('\n'));
        }
        return yaml.append(syncConfig).toString();
    }
}
