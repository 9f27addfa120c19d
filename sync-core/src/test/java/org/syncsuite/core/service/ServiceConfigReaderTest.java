package org.syncsuite.core.service;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.syncsuite.core.config.ConfigIssue;

class ServiceConfigReaderTest {

    private static final Path FILE = Path.of("/etc/powersync/service.yaml");
    private static final Map<String, String> ENV = Map.of(
            "PS_MYSQL_URI", "mysql://repl_user:p%40ss@mysql.internal:3307/appdb",
            "PS_PORT", "8081",
            "PS_ADMIN_TOKEN", "admin-secret",
            "KAFKA_SERVERS", "kafka-0:9092,kafka-1:9092");

    private static ServiceConfig read(String yaml) {
        return ServiceConfigReader.read(FILE, yaml, ENV::get);
    }

    @Test
    void readsPowerSyncsFormatWithEnvTagsAndOurKafkaSection() {
        ServiceConfig config = read("""
                replication:
                  connections:
                    - type: mysql
                      uri: !env PS_MYSQL_URI
                storage:
                  type: mysql
                  hostname: storage.internal
                  password: secret
                port: !env PS_PORT::number
                sync_config:
                  path: sync-config.yaml
                client_auth:
                  jwks_uri: https://auth.example.com/.well-known/jwks.json
                  audience: ['powersync']
                api:
                  tokens: [!env PS_ADMIN_TOKEN]
                  parameters:
                    max_buckets_per_connection: 2000
                kafka:
                  bootstrap_servers: !env KAFKA_SERVERS
                  topic_prefix: ps
                  properties:
                    security.protocol: SASL_SSL
                telemetry:
                  prometheus_port: 9090
                  disable_telemetry_sharing: true
                """);
        ServiceConfig.SourceConnection source = config.connection();
        assertThat(source.type()).isEqualTo("mysql");
        assertThat(source.hostname()).isEqualTo("mysql.internal");
        assertThat(source.port()).isEqualTo(3307);
        assertThat(source.database()).isEqualTo("appdb");
        assertThat(source.username()).isEqualTo("repl_user");
        assertThat(source.password()).isEqualTo("p@ss");
        assertThat(source.id()).isEqualTo("default");
        assertThat(source.toString()).doesNotContain("p@ss");
        assertThat(config.port()).isEqualTo(8081);
        assertThat(config.storage()).get().satisfies(storage -> {
            assertThat(storage.database()).isEqualTo("powersync_storage");
            assertThat(storage.hostname()).isEqualTo("storage.internal");
            assertThat(storage.toString()).doesNotContain("secret");
        });
        assertThat(config.syncConfig()).get().satisfies(sync ->
                assertThat(sync.path()).contains(Path.of("/etc/powersync/sync-config.yaml")));
        assertThat(config.clientAuth().jwksUris()).containsExactly("https://auth.example.com/.well-known/jwks.json");
        assertThat(config.clientAuth().audience()).containsExactly("powersync");
        assertThat(config.api().tokens()).containsExactly("admin-secret");
        assertThat(config.api().maxBucketsPerConnection()).isEqualTo(2000);
        assertThat(config.api().toString()).doesNotContain("admin-secret");
        assertThat(config.kafka()).get().satisfies(kafka -> {
            assertThat(kafka.bootstrapServers()).isEqualTo("kafka-0:9092,kafka-1:9092");
            assertThat(kafka.changesTopic("default")).isEqualTo("ps.default.changes");
            assertThat(kafka.checkpointsTopic("default")).isEqualTo("ps.default.checkpoints");
            assertThat(kafka.properties()).containsEntry("security.protocol", "SASL_SSL");
        });
    }

    @Test
    void separateFieldsInlineSyncConfigAndInlineKeys() {
        ServiceConfig config = read("""
                replication:
                  connections:
                    - type: mariadb
                      id: main
                      hostname: db
                      database: app
                      username: replicator
                      password: pw
                sync_rules:
                  content: |
                    bucket_definitions:
                      g:
                        data: [SELECT * FROM t]
                client_auth:
                  jwks:
                    keys:
                      - kty: oct
                        alg: HS256
                        k: c2VjcmV0
                """);
        assertThat(config.connection().port()).isEqualTo(3306);
        assertThat(config.connection().type()).isEqualTo("mariadb");
        assertThat(config.syncConfig().orElseThrow().content()).get().asString().contains("bucket_definitions");
        assertThat(config.clientAuth().jwksJson()).contains("{\"keys\":[{\"kty\":\"oct\",\"alg\":\"HS256\",\"k\":\"c2VjcmV0\"}]}");
        assertThat(config.kafka()).isEmpty();
        assertThat(config.port()).isEqualTo(8080);
    }

    @Test
    void everyMistakeIsReportedWithLineColumnAndKey() {
        String yaml = """
                replication:
                  connections:
                    - type: mysql
                      hostname: db
                      database: app
                      username: u
                      pasword: typo
                storage:
                  type: postgresql
                port: eighty
                sync_config:
                  path: a.yaml
                  content: "b"
                client_auth:
                  jwks_uri: ftp://keys
                api:
                  tokens: [!env PS_MISSING]
                kafka:
                  topic_prefix: "bad prefix"
                """;
        assertThatThrownBy(() -> read(yaml)).isInstanceOfSatisfying(ServiceConfigException.class, e -> {
            assertThat(e.errorCode().code()).isEqualTo("PSYNC_S1100");
            assertThat(e.issues()).extracting(ConfigIssue::code, ConfigIssue::line, ConfigIssue::column).contains(
                    org.assertj.core.groups.Tuple.tuple("CONFIG_UNKNOWN_KEY", 7, 7),
                    org.assertj.core.groups.Tuple.tuple("CONFIG_MISSING_KEY", 3, 7),
                    org.assertj.core.groups.Tuple.tuple("CONFIG_INVALID_VALUE", 9, 9),
                    org.assertj.core.groups.Tuple.tuple("CONFIG_INVALID_VALUE", 10, 7),
                    org.assertj.core.groups.Tuple.tuple("CONFIG_INVALID_VALUE", 13, 12),
                    org.assertj.core.groups.Tuple.tuple("CONFIG_INVALID_VALUE", 15, 13),
                    org.assertj.core.groups.Tuple.tuple("CONFIG_ENV_UNDEFINED", 17, 12),
                    org.assertj.core.groups.Tuple.tuple("CONFIG_MISSING_KEY", 19, 3),
                    org.assertj.core.groups.Tuple.tuple("CONFIG_INVALID_VALUE", 19, 17));
            assertThat(e.getMessage())
                    .contains("/etc/powersync/service.yaml:7:7: error CONFIG_UNKNOWN_KEY: replication.connections[0].pasword is not a known key")
                    .contains("replication.connections[0].password is required")
                    .contains("api.tokens[0] uses !env PS_MISSING, but the environment variable PS_MISSING is not set");
        });
    }

    @Test
    void exactlyOneConnection() {
        assertThatThrownBy(() -> read("replication:\n  connections: []\n"))
                .isInstanceOf(ServiceConfigException.class).hasMessageContaining("exactly one connection");
        assertThatThrownBy(() -> read("port: 1\n")).isInstanceOf(ServiceConfigException.class)
                .hasMessageContaining("replication is required");
        assertThatThrownBy(() -> read("replication: [\n")).isInstanceOf(ServiceConfigException.class)
                .hasMessageContaining("YAML_SYNTAX");
    }

    @Test
    void theAttachmentsSectionWithItsDefaults() {
        String source = "replication:\n  connections:\n    - type: mysql\n      hostname: db\n      database: app\n      username: u\n      password: p\n"
                + "storage:\n  type: mysql\n  hostname: storage.internal\n  username: ps\n  password: secret\n";
        ServiceConfig.AttachmentsConfig defaults = read(source + """
                attachments:
                  s3:
                    endpoint: https://s3.eu-west-1.amazonaws.com
                    access_key: AK
                    secret_key: SK
                """).attachments().orElseThrow();
        assertThat(defaults.s3Bucket()).isEqualTo("attachments");
        assertThat(defaults.s3Region()).isEqualTo("us-east-1");
        assertThat(defaults.createBucket()).isTrue();
        assertThat(defaults.database().hostname()).isEqualTo("storage.internal");
        assertThat(defaults.database().database()).isEqualTo("powersync_attachments");
        assertThat(defaults.database().password()).isEqualTo("secret");
        assertThat(defaults.maxFileSizeBytes()).isEqualTo(100L * 1024 * 1024);
        assertThat(defaults.userQuotaBytes()).isEqualTo(1024L * 1024 * 1024);
        assertThat(defaults.allowedMediaTypes()).isEmpty();
        assertThat(defaults.presignedUrlExpirySeconds()).isEqualTo(900);
        assertThat(read(source).attachments()).isEmpty();

        ServiceConfig.AttachmentsConfig set = read(source + """
                attachments:
                  s3: {endpoint: "http://127.0.0.1:9000", bucket: photos, create_bucket: false}
                  database: {hostname: meta, database: files, username: u, password: p}
                  max_file_size_mb: 5
                  user_quota_mb: 50
                  allowed_media_types: [image/*, application/pdf]
                """).attachments().orElseThrow();
        assertThat(set.s3Bucket()).isEqualTo("photos");
        assertThat(set.createBucket()).isFalse();
        assertThat(set.database().hostname()).isEqualTo("meta");
        assertThat(set.maxFileSizeBytes()).isEqualTo(5L * 1024 * 1024);
        assertThat(set.allowedMediaTypes()).containsExactly("image/*", "application/pdf");

        assertThatThrownBy(() -> read(source + """
                attachments:
                  s3: {endpoint: "ftp://files", bucket: Bad_Bucket}
                  allowed_media_types: [images]
                  max_file_size: 5
                """)).isInstanceOf(ServiceConfigException.class)
                .hasMessageContaining("attachments.s3.endpoint").hasMessageContaining("attachments.s3.bucket")
                .hasMessageContaining("attachments.allowed_media_types").hasMessageContaining("attachments.max_file_size");
        assertThatThrownBy(() -> read(source + "attachments:\n  max_file_size_mb: 5\n"))
                .isInstanceOf(ServiceConfigException.class).hasMessageContaining("attachments.s3");
    }
}
