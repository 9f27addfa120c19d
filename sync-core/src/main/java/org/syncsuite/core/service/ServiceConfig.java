package org.syncsuite.core.service;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * {@code service.yaml}, in PowerSync's format plus our {@code kafka:} section, as every service
 * reads it. Each service uses the sections it needs; {@link ServiceConfigReader} checks them all.
 */
public record ServiceConfig(Path file, SourceConnection connection, Optional<StorageConfig> storage, int port,
                            Optional<SyncConfigSource> syncConfig, ClientAuth clientAuth, Api api,
                            Optional<KafkaConfig> kafka, Optional<AttachmentsConfig> attachments) {

    /**
     * Our {@code attachments:} section: the S3-compatible store of the bytes (credentials from the
     * section, else {@code AWS_ACCESS_KEY_ID} / {@code AWS_SECRET_ACCESS_KEY}), the metadata
     * database (by default the storage server's {@code powersync_attachments}), and the limits.
     * An empty {@code allowedMediaTypes} allows every type; {@code type/*} allows a family.
     */
    public record AttachmentsConfig(String s3Endpoint, String s3Region, String s3Bucket, String s3AccessKey, String s3SecretKey,
                                    boolean createBucket, StorageConfig database, long maxFileSizeBytes, long userQuotaBytes,
                                    List<String> allowedMediaTypes, int presignedUrlExpirySeconds, int uploadExpiryMinutes,
                                    int orphanSweepMinutes) {
        public AttachmentsConfig {
            allowedMediaTypes = List.copyOf(allowedMediaTypes);
        }

        @Override
        public String toString() {
            return "AttachmentsConfig[" + s3Endpoint + "/" + s3Bucket + ", metadata " + database + "]";
        }
    }

    /** The replicated source: MySQL or MariaDB. */
    public record SourceConnection(String id, String tag, String type, String hostname, int port, String database,
                                   String username, String password, int serverId, Tls tls,
                                   int binlogQueueMemoryLimitMb, boolean debugApi) {
        @Override
        public String toString() {
            return "SourceConnection[" + id + " " + type + "://" + username + "@" + hostname + ":" + port + "/" + database + "]";
        }
    }

    /** TLS to a database: PowerSync's {@code cacert}, {@code client_certificate}, {@code client_private_key}. */
    public record Tls(Optional<String> caCertificate, Optional<String> clientCertificate, Optional<String> clientPrivateKey) {
        public static final Tls NONE = new Tls(Optional.empty(), Optional.empty(), Optional.empty());

        public boolean enabled() {
            return caCertificate.isPresent() || clientCertificate.isPresent();
        }
    }

    /** Bucket storage: a MySQL or MariaDB database of its own. */
    public record StorageConfig(String type, String hostname, int port, String database, String username, String password,
                                int maxPoolSize, Tls tls) {
        @Override
        public String toString() {
            return "StorageConfig[" + type + "://" + username + "@" + hostname + ":" + port + "/" + database + "]";
        }
    }

    /** Where the sync config comes from: a file (resolved against the service config's folder) or inline text. */
    public record SyncConfigSource(Optional<Path> path, Optional<String> content, boolean exitOnError) {

        /** The sync config's text: the file's, or the inline content. */
        public String text() {
            if (path.isEmpty()) {
                return content.orElseThrow();
            }
            try {
                return java.nio.file.Files.readString(path.get(), java.nio.charset.StandardCharsets.UTF_8);
            } catch (java.io.IOException e) {
                throw new org.syncsuite.core.SyncException(org.syncsuite.core.ErrorCode.SYNC_CONFIG_INVALID,
                        "Cannot read the sync config " + path.get() + ": " + e.getMessage(), e);
            }
        }

        /** How messages name it: the file, or the service config's inline content. */
        public String name(Path serviceConfig) {
            return path.map(Path::toString).orElse(serviceConfig + " (sync_config.content)");
        }
    }

    /** Client JWT verification settings. {@code jwksJson} is the inline key set as JSON text. */
    public record ClientAuth(List<String> jwksUris, Optional<String> jwksJson, List<String> audience, boolean supabase,
                             Optional<String> supabaseJwtSecret, List<String> jwksRejectIpRanges) {
        public ClientAuth {
            jwksUris = List.copyOf(jwksUris);
            audience = List.copyOf(audience);
            jwksRejectIpRanges = List.copyOf(jwksRejectIpRanges);
        }
    }

    /** The admin API tokens and the API's limits. */
    public record Api(List<String> tokens, int maxConcurrentConnections, int maxBucketsPerConnection,
                      int maxParameterQueryResults, int checkpointRequestRetentionMinutes) {
        public Api {
            tokens = List.copyOf(tokens);
        }

        @Override
        public String toString() {
            return "Api[" + tokens.size() + " token(s), max " + maxConcurrentConnections + " connections, "
                    + maxBucketsPerConnection + " buckets]";
        }
    }

    /** Our section: the Kafka cluster, the topic name prefix, and client properties passed through. */
    public record KafkaConfig(String bootstrapServers, String topicPrefix, Map<String, String> properties) {
        public KafkaConfig {
            properties = Map.copyOf(properties);
        }

        /** Kafka client properties: the section's own, and {@code bootstrap.servers}. */
        public Map<String, Object> clientProperties() {
            Map<String, Object> props = new java.util.HashMap<>(properties);
            props.put("bootstrap.servers", bootstrapServers);
            return props;
        }

        /** {@code <prefix>.<connection>.changes}. */
        public String changesTopic(String connectionId) {
            return topicPrefix + "." + connectionId + ".changes";
        }

        /** {@code <prefix>.<connection>.checkpoints}. */
        public String checkpointsTopic(String connectionId) {
            return topicPrefix + "." + connectionId + ".checkpoints";
        }
    }
}
