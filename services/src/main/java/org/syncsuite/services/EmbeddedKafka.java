package org.syncsuite.services;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.lang.System.Logger.Level;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Properties;
import java.util.UUID;

import kafka.server.KafkaConfig;
import kafka.server.KafkaRaftServer;
import kafka.tools.StorageTool;
import org.apache.kafka.common.utils.Time;

/**
 * A single-node Kafka broker in KRaft mode (broker and controller in one), running inside this
 * JVM. Transactions and log compaction work as on a real cluster; the internal topics have one
 * replica. The log directory is temporary unless {@link Builder#dataDirectory(Path)} names a
 * persistent one.
 *
 * <p>Thread-safety: start and close from one thread; the accessors are safe from any thread.
 */
public final class EmbeddedKafka implements BackingService {

    public static final String VERSION = Versions.of("kafka");
    private static final System.Logger LOG = System.getLogger(EmbeddedKafka.class.getName());

    /** Held so the level set below is not lost when the logger is collected. */
    private static final java.util.logging.Logger[] QUIET_LOGGERS = {
        java.util.logging.Logger.getLogger("kafka"),
        java.util.logging.Logger.getLogger("org.apache.kafka"),
        java.util.logging.Logger.getLogger("state.change.logger"),
    };

    private final Builder settings;
    private ServiceDirectory folder;
    private Path baseDir;
    private int port;
    private int controllerPort;
    private volatile KafkaRaftServer server;

    private EmbeddedKafka(Builder settings) {
        this.settings = settings;
    }

    public static Builder builder() {
        return new Builder();
    }

    @Override
    public String name() {
        return "kafka";
    }

    @Override
    public synchronized void start() {
        if (server != null) {
            throw new IllegalStateException("Kafka already started");
        }
        quietBrokerLogs();
        long started = System.nanoTime();
        try {
            prepareDirectories();
            port = Ports.preferredOrFree(settings.port);
            controllerPort = Ports.free();
            Properties properties = brokerProperties();
            format(properties);
            // Set before startup(), so that close() shuts down a broker that failed half-way.
            server = new KafkaRaftServer(KafkaConfig.fromProps(properties, false), Time.SYSTEM);
            server.startup();
            Ports.awaitListening("Kafka", port, settings.startTimeout, () -> true);
            LOG.log(Level.INFO, "Kafka {0} (KRaft) ready on {1} in {2} ms (logs {3})", VERSION, bootstrapServers(),
                    (System.nanoTime() - started) / 1_000_000, baseDir);
        } catch (RuntimeException e) {
            close();
            throw new BackingServiceException("Kafka did not start: " + e.getMessage(), e);
        }
    }

    private void prepareDirectories() {
        folder = ServiceDirectory.open(settings.dataDirectory, "kafka");
        baseDir = folder.path();
    }

    private Properties brokerProperties() {
        Properties p = new Properties();
        p.put("process.roles", "broker,controller");
        p.put("node.id", "1");
        p.put("controller.quorum.voters", "1@" + Ports.LOOPBACK + ":" + controllerPort);
        String listeners = "PLAINTEXT://" + Ports.LOOPBACK + ":" + port + ",CONTROLLER://" + Ports.LOOPBACK + ":" + controllerPort;
        String advertised = "PLAINTEXT://" + Ports.LOOPBACK + ":" + port;
        String protocols = "PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT";
        if (settings.externalPort > 0) {
            listeners += ",EXTERNAL://" + Ports.LOOPBACK + ":" + settings.externalPort;
            advertised += ",EXTERNAL://" + Ports.LOOPBACK + ":" + settings.externalAdvertisedPort;
            protocols += ",EXTERNAL:PLAINTEXT";
        }
        p.put("listeners", listeners);
        p.put("advertised.listeners", advertised);
        p.put("listener.security.protocol.map", protocols);
        p.put("controller.listener.names", "CONTROLLER");
        p.put("inter.broker.listener.name", "PLAINTEXT");
        p.put("log.dirs", baseDir.resolve("logs").toString());
        // One node: every internal topic gets one replica, or consumers and transactions hang.
        p.put("offsets.topic.replication.factor", "1");
        p.put("offsets.topic.num.partitions", "5");
        p.put("transaction.state.log.replication.factor", "1");
        p.put("transaction.state.log.min.isr", "1");
        p.put("transaction.state.log.num.partitions", "5");
        p.put("share.coordinator.state.topic.replication.factor", "1");
        p.put("share.coordinator.state.topic.min.isr", "1");
        p.put("default.replication.factor", "1");
        p.put("min.insync.replicas", "1");
        p.put("group.initial.rebalance.delay.ms", "0");
        p.put("num.partitions", "1");
        p.put("auto.create.topics.enable", "false");
        // Compaction runs promptly, so tests can watch it happen.
        p.put("log.cleaner.enable", "true");
        p.put("log.cleaner.backoff.ms", "250");
        p.put("log.cleaner.threads", "1");
        p.put("log.cleaner.dedupe.buffer.size", Integer.toString(16 * 1024 * 1024));
        p.put("transaction.abort.timed.out.transaction.cleanup.interval.ms", "5000");
        p.putAll(settings.overrides);
        return p;
    }

    private void format(Properties properties) {
        try {
            Path config = baseDir.resolve("server.properties");
            try (OutputStream out = Files.newOutputStream(config)) {
                properties.store(out, "Embedded KRaft broker, written at each start");
            }
            ByteArrayOutputStream output = new ByteArrayOutputStream();
            int exit = StorageTool.execute(new String[] {
                "format", "--config", config.toString(), "--cluster-id", clusterId(), "--ignore-formatted"}, new PrintStream(output, true, StandardCharsets.UTF_8));
            if (exit != 0) {
                throw new BackingServiceException("Formatting the Kafka log directory failed: "
                        + output.toString(StandardCharsets.UTF_8));
            }
        } catch (IOException e) {
            throw new BackingServiceException("Could not write the Kafka configuration", e);
        }
    }

    /** A cluster id kept beside the logs, so a persistent directory keeps its identity. */
    private String clusterId() throws IOException {
        Path file = baseDir.resolve("cluster.id");
        if (Files.exists(file)) {
            return Files.readString(file, StandardCharsets.UTF_8).trim();
        }
        String id = org.apache.kafka.common.Uuid.randomUuid().toString();
        Files.writeString(file, id, StandardCharsets.UTF_8);
        return id;
    }

    private static void quietBrokerLogs() {
        for (java.util.logging.Logger logger : QUIET_LOGGERS) {
            if (logger.getLevel() == null) {
                logger.setLevel(java.util.logging.Level.WARNING);
            }
        }
    }

    /** The {@code bootstrap.servers} value for clients. */
    public String bootstrapServers() {
        if (server == null) {
            throw new IllegalStateException("Kafka is not started");
        }
        return Ports.LOOPBACK + ":" + port;
    }

    public int port() {
        return port;
    }

    /** Client properties with the bootstrap servers set; add serializers and the rest. */
    public Properties clientProperties() {
        Properties properties = new Properties();
        properties.put("bootstrap.servers", bootstrapServers());
        properties.put("client.id", "syncsuite-" + UUID.randomUUID().toString().substring(0, 8));
        return properties;
    }

    @Override
    public boolean isRunning() {
        return server != null;
    }

    @Override
    public Map<String, String> connectionInfo() {
        Map<String, String> info = new LinkedHashMap<>();
        info.put("bootstrap.servers", bootstrapServers());
        info.put("logs", baseDir.resolve("logs").toString());
        return info;
    }

    @Override
    public synchronized void close() {
        KafkaRaftServer current = server;
        server = null;
        if (current != null) {
            current.shutdown();
            current.awaitShutdown();
            LOG.log(Level.INFO, "Kafka on port {0,number,#} stopped", port);
        }
        if (folder != null) {
            folder.close();
        }
    }

    /** Settings; every one has a default that suits tests. */
    public static final class Builder extends ServiceBuilder<Builder> {
        private final Properties overrides = new Properties();
        private int externalPort;
        private int externalAdvertisedPort;

        private Builder() {
        }

        /** Any broker property, applied last. */
        public Builder brokerProperty(String key, String value) {
            overrides.put(key, value);
            return this;
        }

        /**
         * A second listener on {@code port} that tells clients to reach the broker at
         * {@code advertisedPort}: clients bootstrapped there keep going through whatever listens
         * on that port (a proxy), while {@link #bootstrapServers()} stays direct.
         */
        public Builder externalListener(int port, int advertisedPort) {
            this.externalPort = port;
            this.externalAdvertisedPort = advertisedPort;
            return this;
        }

        public EmbeddedKafka build() {
            return new EmbeddedKafka(this);
        }
    }
}
