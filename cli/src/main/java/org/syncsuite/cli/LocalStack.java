package org.syncsuite.cli;

import java.lang.System.Logger.Level;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import org.syncsuite.core.service.ServiceConfig;
import org.syncsuite.core.service.ServiceConfigReader;
import org.syncsuite.attachments.AttachmentsMain;
import org.syncsuite.demo.DemoBackendMain;
import org.syncsuite.gateway.GatewayMain;
import org.syncsuite.replicator.ReplicationSetup;
import org.syncsuite.replicator.ReplicatorMain;
import org.syncsuite.services.BackingService;
import org.syncsuite.services.EmbeddedKafka;
import org.syncsuite.services.EmbeddedMariaDb;
import org.syncsuite.services.EmbeddedS3;

/**
 * The suite on one machine: the embedded backing services with their data under the stack
 * folder, on the ports of the previous run when still free (else the defaults, else any free
 * port), started in parallel and stopped in reverse order.
 */
final class LocalStack implements AutoCloseable {

    static final int DEFAULT_MARIADB_PORT = 3306;
    static final int DEFAULT_KAFKA_PORT = 9092;
    static final int DEFAULT_S3_PORT = 9000;
    static final int DEFAULT_REPLICATOR_PORT = 8081;
    /** PowerSync's port: the gateway's api role will serve the SDKs here. */
    static final int DEFAULT_GATEWAY_PORT = 8080;
    /** The demo app's backend, where its upload queue goes. */
    static final int DEFAULT_BACKEND_PORT = 6060;
    /** The attachments service. */
    static final int DEFAULT_ATTACHMENTS_PORT = 6061;

    private static final System.Logger LOG = System.getLogger(LocalStack.class.getName());

    private final EmbeddedMariaDb mariaDb;
    private final EmbeddedKafka kafka;
    private final EmbeddedS3 s3;
    private final StackDirectory directory;
    private final List<BackingService> started = new ArrayList<>();
    private final int replicatorPort;
    private final int gatewayPort;
    private final int backendPort;
    private final int attachmentsPort;
    private StackService replicator;
    private StackService gateway;
    private StackService backend;
    private StackService attachments;
    private String changesTopic;

    LocalStack(StackDirectory directory, Properties previous) {
        this.directory = directory;
        this.mariaDb = EmbeddedMariaDb.builder()
                .dataDirectory(directory.mariaDb())
                .port(port(previous, "mariadb.port", DEFAULT_MARIADB_PORT))
                .build();
        this.kafka = EmbeddedKafka.builder()
                .dataDirectory(directory.kafka())
                .port(port(previous, "kafka.port", DEFAULT_KAFKA_PORT))
                .build();
        this.s3 = EmbeddedS3.builder()
                .dataDirectory(directory.s3())
                .port(port(previous, "s3.port", DEFAULT_S3_PORT))
                .build();
        this.replicatorPort = org.syncsuite.services.Ports.preferredOrFree(port(previous, "replicator.port", DEFAULT_REPLICATOR_PORT));
        this.gatewayPort = org.syncsuite.services.Ports.preferredOrFree(port(previous, "gateway.port", DEFAULT_GATEWAY_PORT));
        this.backendPort = org.syncsuite.services.Ports.preferredOrFree(port(previous, "backend.port", DEFAULT_BACKEND_PORT));
        this.attachmentsPort = org.syncsuite.services.Ports.preferredOrFree(port(previous, "attachments.port", DEFAULT_ATTACHMENTS_PORT));
    }

    private static int port(Properties previous, String key, int fallback) {
        return Integer.parseInt(previous.getProperty(key, Integer.toString(fallback)));
    }

    /** Starts every service; on any failure stops the ones that came up and rethrows. */
    void start() {
        List<BackingService> all = List.of(mariaDb, kafka, s3);
        try (ExecutorService pool = Executors.newFixedThreadPool(all.size())) {
            List<Future<BackingService>> futures = new ArrayList<>();
            for (BackingService service : all) {
                futures.add(pool.submit(() -> {
                    service.start();
                    // Recorded at once, so a stop during start-up closes what is already up.
                    synchronized (started) {
                        started.add(service);
                    }
                    return service;
                }));
            }
            RuntimeException failure = null;
            for (Future<BackingService> future : futures) {
                try {
                    future.get();
                } catch (ExecutionException e) {
                    RuntimeException cause = e.getCause() instanceof RuntimeException r ? r : new IllegalStateException(e.getCause());
                    if (failure == null) {
                        failure = cause;
                    } else {
                        failure.addSuppressed(cause);
                    }
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    failure = new IllegalStateException("Interrupted while starting the stack", e);
                }
            }
            if (failure != null) {
                close();
                throw failure;
            }
        }
        try {
            startApplication();
        } catch (RuntimeException e) {
            close();
            throw e;
        }
    }

    /**
     * The demo app's schema and configs, then the replicator and the sync gateway from its
     * service.yaml, and the demo app's backend.
     */
    private void startApplication() {
        DemoApp.createSchema(mariaDb);
        java.nio.file.Path syncConfig = DemoApp.syncConfig(directory);
        java.nio.file.Path serviceYaml = DemoApp.serviceConfig(directory, mariaDb, kafka, s3, syncConfig);
        ServiceConfig config = ServiceConfigReader.read(serviceYaml); // fails here, with file and line, if invalid
        ReplicationSetup.syncPlan(config);
        changesTopic = ReplicationSetup.kafka(config).changesTopic(config.connection().id());
        replicator = StackService.start("replicator", ReplicatorMain.class, serviceYaml, replicatorPort,
                directory.root().resolve("replicator.log"), without("sync-gateway"));
        gateway = StackService.start("gateway", GatewayMain.class, serviceYaml, gatewayPort,
                directory.root().resolve("gateway.log"), without("replicator"));
        java.nio.file.Path backendConfig = DemoApp.backendConfig(directory, mariaDb, backendPort);
        backend = StackService.start("demo backend", DemoBackendMain.class, List.of("--config", backendConfig.toString()),
                backendConfig, backendPort, directory.root().resolve("demo-backend.log"), "replicator", "sync-gateway",
                "attachments-service");
        attachments = StackService.start("attachments service", AttachmentsMain.class, serviceYaml, attachmentsPort,
                directory.root().resolve("attachments.log"), "replicator", "sync-gateway", "demo-backend");
    }

    /** The modules and jars only the demo backend and the attachments service use, and {@code module}. */
    private static String[] without(String module) {
        return java.util.stream.Stream.of(java.util.stream.Stream.of(module), java.util.Arrays.stream(DemoBackendMain.OWN_JARS),
                java.util.Arrays.stream(AttachmentsMain.OWN_JARS)).flatMap(x -> x).distinct().toArray(String[]::new);
    }

    List<BackingService> services() {
        return List.of(mariaDb, kafka, s3);
    }

    /** Ports, process ids and connection details, for {@code stack.properties}. */
    Properties describe() {
        Properties state = new Properties();
        state.setProperty("mariadb.port", Integer.toString(mariaDb.port()));
        mariaDb.pid().ifPresent(pid -> state.setProperty("mariadb.pid", Long.toString(pid)));
        state.setProperty("kafka.port", Integer.toString(kafka.port()));
        state.setProperty("s3.port", Integer.toString(s3.port()));
        s3.pid().ifPresent(pid -> state.setProperty("s3.pid", Long.toString(pid)));
        for (BackingService service : services()) {
            for (Map.Entry<String, String> entry : service.connectionInfo().entrySet()) {
                state.setProperty(service.name() + ".info." + entry.getKey().replace(' ', '_'), entry.getValue());
            }
        }
        if (replicator != null) {
            state.setProperty("replicator.port", Integer.toString(replicator.port()));
            state.setProperty("replicator.pid", Long.toString(replicator.pid()));
            state.setProperty("replicator.info.health", replicator.healthUrl());
            state.setProperty("replicator.info.metrics", replicator.metricsUrl());
            state.setProperty("replicator.info.log", replicator.logFile().toString());
            state.setProperty("replicator.info.source", "MariaDB database " + DemoApp.DATABASE + " (demo to-do app)");
            state.setProperty("replicator.info.changes_topic", changesTopic);
            state.setProperty("replicator.info.service_config", directory.root().resolve("service.yaml").toString());
            state.setProperty("replicator.info.sync_config", directory.root().resolve("sync-config.yaml").toString());
        }
        if (gateway != null) {
            state.setProperty("gateway.port", Integer.toString(gateway.port()));
            state.setProperty("gateway.pid", Long.toString(gateway.pid()));
            state.setProperty("gateway.info.health", gateway.healthUrl());
            state.setProperty("gateway.info.metrics", gateway.metricsUrl());
            state.setProperty("gateway.info.log", gateway.logFile().toString());
            state.setProperty("gateway.info.roles", "writer (changes topic into bucket storage) and api (PowerSync's sync protocol)");
            state.setProperty("gateway.info.endpoint", "http://127.0.0.1:" + gateway.port());
            state.setProperty("gateway.info.dashboard", "http://127.0.0.1:" + gateway.port() + "/ (admin token: "
                    + DevToken.adminToken(directory.root()) + ", also in " + directory.root().resolve("admin-token") + ")");
            state.setProperty("gateway.info.dev_token", DevToken.sign(DevToken.key(directory.root()), DevToken.DEMO_USER, 86_400)
                    + " (user " + DevToken.DEMO_USER + ", valid 24 h)");
            state.setProperty("gateway.info.storage", "MariaDB database powersync_storage");
            state.setProperty("gateway.info.service_config", directory.root().resolve("service.yaml").toString());
        }
        if (attachments != null) {
            state.setProperty("attachments.port", Integer.toString(attachments.port()));
            state.setProperty("attachments.pid", Long.toString(attachments.pid()));
            state.setProperty("attachments.info.health", attachments.healthUrl());
            state.setProperty("attachments.info.log", attachments.logFile().toString());
            state.setProperty("attachments.info.api", "http://127.0.0.1:" + attachments.port() + "/attachments (OpenAPI: /openapi)");
            state.setProperty("attachments.info.storage", "S3 bucket attachments; metadata in MariaDB database powersync_attachments");
        }
        if (backend != null) {
            state.setProperty("backend.port", Integer.toString(backend.port()));
            state.setProperty("backend.pid", Long.toString(backend.pid()));
            state.setProperty("backend.info.health", backend.healthUrl());
            state.setProperty("backend.info.log", backend.logFile().toString());
            state.setProperty("backend.info.upload", "POST http://127.0.0.1:" + backend.port()
                    + "/api/data with the app's CRUD batch and its sync token");
            state.setProperty("backend.info.database", "MariaDB database " + DemoApp.DATABASE + " (lists, todos)");
        }
        return state;
    }

    @Override
    public void close() {
        if (attachments != null) {
            try {
                attachments.close();
            } catch (RuntimeException e) {
                LOG.log(Level.WARNING, "Stopping the attachments service failed", e);
            }
            attachments = null;
        }
        if (backend != null) {
            try {
                backend.close();
            } catch (RuntimeException e) {
                LOG.log(Level.WARNING, "Stopping the demo backend failed", e);
            }
            backend = null;
        }
        if (gateway != null) {
            try {
                gateway.close();
            } catch (RuntimeException e) {
                LOG.log(Level.WARNING, "Stopping the sync gateway failed", e);
            }
            gateway = null;
        }
        if (replicator != null) {
            try {
                replicator.close();
            } catch (RuntimeException e) {
                LOG.log(Level.WARNING, "Stopping the replicator failed", e);
            }
            replicator = null;
        }
        List<BackingService> toStop;
        synchronized (started) {
            toStop = new ArrayList<>(started);
            started.clear();
        }
        for (BackingService service : toStop.reversed()) {
            try {
                service.close();
            } catch (RuntimeException e) {
                LOG.log(Level.WARNING, "Stopping " + service.name() + " failed", e);
            }
        }
    }
}
