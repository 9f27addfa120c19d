package org.syncsuite.replicator;

import java.io.IOException;
import java.lang.System.Logger.Level;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.CountDownLatch;

import org.syncsuite.core.config.SyncConfigCompiler;
import org.syncsuite.core.config.SyncPlan;
import org.syncsuite.core.mysql.MySqlValueMapper;
import org.syncsuite.core.service.ServiceConfig;
import org.syncsuite.core.service.ServiceConfigReader;

/**
 * Runs one replicator from a {@code service.yaml}: {@code -c path} (or {@code POWERSYNC_CONFIG_PATH},
 * else {@code ./powersync.yaml}), with the sync config it names to choose the replicated tables.
 * {@code --snapshot-chunk-size N} sets the rows per snapshot chunk. Several instances of one
 * connection elect one active replicator; the others wait as standbys and take over when it stops
 * or dies. Stops on SIGTERM or Ctrl-C.
 */
public final class ReplicatorMain {

    private static final System.Logger LOG = System.getLogger(ReplicatorMain.class.getName());

    private ReplicatorMain() {
    }

    public static void main(String[] args) throws InterruptedException {
        Path configPath = Path.of(System.getenv().getOrDefault("POWERSYNC_CONFIG_PATH", "powersync.yaml"));
        int chunkSize = 10_000;
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "-c", "--config-path" -> configPath = Path.of(args[++i]);
                case "--snapshot-chunk-size" -> chunkSize = Integer.parseInt(args[++i]);
                default -> {
                    System.err.println("Usage: replicator [-c service.yaml] [--snapshot-chunk-size N]");
                    System.exit(2);
                }
            }
        }
        Path servicePath = configPath;
        ServiceConfig config = ServiceConfigReader.read(servicePath);
        SyncPlan plan = syncPlan(config);
        ServiceConfig.KafkaConfig kafka = config.kafka().orElseThrow(() -> new IllegalArgumentException(
                servicePath + ": the replicator needs a kafka: section with bootstrap_servers"));
        MySqlValueMapper mapper = new MySqlValueMapper(plan.options().timestampPrecision(), MySqlValueMapper.DecimalMode.REAL);
        int chunk = chunkSize;
        // Every instance is a candidate: one replicates, the others wait as standbys.
        StandbyReplicator replication = new StandbyReplicator(config.connection(), kafka,
                () -> new Replicator(config.connection(), kafka, plan::readsTable, mapper).withSnapshot(true, chunk));
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            replication.close();
            stopped.countDown();
        }, "replicator-shutdown"));
        replication.start();
        System.out.println("REPLICATOR STARTED " + config.connection().id() + " -> " + kafka.changesTopic(config.connection().id()));
        System.out.flush();
        while (!stopped.await(10, java.util.concurrent.TimeUnit.SECONDS)) {
            replication.replicator().ifPresentOrElse(replicator -> LOG.log(Level.INFO,
                    "[{0}] active: {1} transactions, {2} changes committed; at {3}", config.connection().id(),
                    replicator.committedTransactions(), replicator.committedChanges(),
                    replicator.lastCommittedPosition().map(Object::toString).orElse("-")),
                    () -> LOG.log(Level.INFO, "[{0}] standby", config.connection().id()));
        }
    }

    /** The sync plan the service config names (a file, or inline content). */
    public static SyncPlan syncPlan(ServiceConfig config) {
        ServiceConfig.SyncConfigSource source = config.syncConfig().orElseThrow(() -> new IllegalArgumentException(
                config.file() + ": sync_config (path: or content:) is required: it decides which tables are replicated"));
        try {
            if (source.path().isPresent()) {
                Path path = source.path().get();
                return SyncConfigCompiler.compile(path.toString(), Files.readString(path, StandardCharsets.UTF_8));
            }
            return SyncConfigCompiler.compile(config.file() + " (sync_config.content)", source.content().orElseThrow());
        } catch (IOException e) {
            throw new IllegalArgumentException("Cannot read the sync config: " + e.getMessage(), e);
        }
    }
}
