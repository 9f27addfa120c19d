package org.syncsuite.gateway.service;

import java.time.Clock;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import java.util.logging.Logger;

import jakarta.annotation.PreDestroy;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.context.Initialized;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Inject;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.syncsuite.core.service.ServiceConfig;
import org.syncsuite.gateway.api.ApiLimits;
import org.syncsuite.gateway.api.ApiStats;
import org.syncsuite.gateway.api.CheckpointHub;
import org.syncsuite.gateway.api.SourceHead;
import org.syncsuite.gateway.api.SyncApi;
import org.syncsuite.gateway.api.WriteCheckpointService;
import org.syncsuite.gateway.auth.TokenVerifier;
import org.syncsuite.gateway.storage.StorageDatabase;
import org.syncsuite.gateway.writer.KafkaCheckpointPublisher;
import org.syncsuite.gateway.writer.WriterSetup;

/**
 * The gateway's api role: when the application starts, follow the checkpoints topic, and serve
 * PowerSync's client protocol ({@link SyncRoutes}) from bucket storage. Ends every stream
 * cleanly when the application stops.
 */
@ApplicationScoped
public class ApiService {

    private static final Logger LOG = Logger.getLogger(ApiService.class.getName());

    /** Printed on standard output once the api role serves. */
    public static final String STARTED = "GATEWAY API STARTED";

    @Inject
    ServiceConfig config;
    @Inject
    GatewayRole role;
    @Inject
    @ConfigProperty(name = "gateway.api.storage-pool-size", defaultValue = "10")
    int poolSize;
    @Inject
    @ConfigProperty(name = "gateway.api.keepalive-seconds", defaultValue = "20")
    int keepaliveSeconds;
    @Inject
    @ConfigProperty(name = "gateway.api.max-connections", defaultValue = "0")
    int maxConnectionsOverride;

    private final ApiStats stats = new ApiStats();
    private volatile SyncApi api;
    private volatile CheckpointHub hub;
    private volatile com.zaxxer.hikari.HikariDataSource pool;
    private volatile SourceHead head;
    private volatile Producer<byte[], byte[]> notices;

    void start(@Observes @Initialized(ApplicationScoped.class) Object started) {
        if (!role.serves()) {
            return;
        }
        StorageDatabase database = WriterSetup.storage(config);
        WriterSetup.prepare(config, database);
        ServiceConfig.KafkaConfig kafka = WriterSetup.kafka(config);
        String topic = kafka.checkpointsTopic(config.connection().id());
        Map<String, Object> kafkaProperties = kafka.clientProperties();
        KafkaCheckpointPublisher.ensureExists(kafkaProperties, topic);
        pool = database.pool("gateway-api", poolSize);
        hub = new CheckpointHub(pool, Duration.ofSeconds(5));
        hub.start(kafkaProperties, topic);
        head = new SourceHead(config.connection());
        Map<String, Object> producerProps = new HashMap<>(kafkaProperties);
        producerProps.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class.getName());
        producerProps.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class.getName());
        producerProps.put(ProducerConfig.LINGER_MS_CONFIG, 0);
        notices = new KafkaProducer<>(producerProps);
        ApiLimits limits = ApiLimits.of(config.api()).withKeepalive(Duration.ofSeconds(keepaliveSeconds));
        if (maxConnectionsOverride > 0) {
            limits = limits.withMaxConnections(maxConnectionsOverride);
        }
        TokenVerifier verifier = TokenVerifier.of(config.clientAuth(), Clock.systemUTC());
        if (!verifier.hasKeys()) {
            LOG.warning("client_auth names no key: every sync request will be refused with 401");
        }
        api = new SyncApi(verifier, hub, pool, new WriteCheckpointService(pool, head, hub, Optional.of(notices), topic, stats),
                limits, stats, Clock.systemUTC());
        LOG.info("Serving the sync protocol from " + database + ", following " + topic + "; at most "
                + limits.maxConnections() + " streams");
        LOG.info(STARTED + " <- " + topic);
    }

    /** The api, once started. */
    public Optional<SyncApi> api() {
        return Optional.ofNullable(api);
    }

    public ApiStats stats() {
        return stats;
    }

    @PreDestroy
    void stop() {
        CheckpointHub h = hub;
        if (h != null) {
            h.shutdown("the gateway is shutting down");
        }
        api = null;
        if (h != null) {
            h.close();
        }
        if (notices != null) {
            notices.close(Duration.ofSeconds(2));
        }
        if (head != null) {
            head.close();
        }
        if (pool != null) {
            pool.close();
        }
    }
}
