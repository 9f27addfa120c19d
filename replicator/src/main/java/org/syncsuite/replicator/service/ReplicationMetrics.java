package org.syncsuite.replicator.service;

import java.time.Duration;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import org.eclipse.microprofile.metrics.Metadata;
import org.eclipse.microprofile.metrics.MetricRegistry;
import org.eclipse.microprofile.metrics.MetricUnits;
import org.eclipse.microprofile.metrics.Tag;
import org.eclipse.microprofile.metrics.Timer;
import org.syncsuite.core.change.SourcePosition;
import org.syncsuite.replicator.ReplicationListener;
import org.syncsuite.replicator.ReplicationStats;
import org.syncsuite.replicator.Replicator;

/**
 * The replicator's metrics in the application registry ({@code /metrics}): changes committed and
 * their rate, lag in seconds and in source transactions, the last committed position, Kafka
 * transaction time, and the snapshot's progress per table. Gauges read {@link ReplicationStats};
 * the timer and the per-table gauges are fed as the replicator reports.
 */
@ApplicationScoped
public class ReplicationMetrics implements ReplicationListener {

    @Inject
    MetricRegistry registry;
    @Inject
    ReplicationService service;
    @Inject
    ReplicationStats stats;

    private final Set<String> snapshotTables = ConcurrentHashMap.newKeySet();
    private volatile Timer kafkaTransactions;

    /** Registers the fixed gauges; called once the registry is injected. */
    @jakarta.annotation.PostConstruct
    void register() {
        gauge("replicator.changes", "Change records committed to the changes topic", MetricUnits.NONE, stats::changes);
        gauge("replicator.changes.rate", "Change records committed per second (last 10 s)", "per_second",
                stats::changesPerSecond);
        gauge("replicator.source.transactions", "Source transactions committed to the changes topic", MetricUnits.NONE,
                stats::sourceTransactions);
        gauge("replicator.lag", "Seconds from the source's commit to the Kafka commit", MetricUnits.SECONDS,
                stats::lagSeconds);
        gauge("replicator.lag.transactions", "Source transactions read from the binlog, not yet in Kafka", MetricUnits.NONE,
                () -> service.active().map(Replicator::pendingTransactions).orElse(0));
        gauge("replicator.position.offset", "Binlog offset of the last committed position", MetricUnits.BYTES,
                () -> stats.position().map(SourcePosition::offset).orElse(0L));
        gauge("replicator.position.file", "Sequence number of the binlog file of the last committed position",
                MetricUnits.NONE, () -> stats.position().map(ReplicationMetrics::fileNumber).orElse(0L));
        gauge("replicator.retries", "Times replication was interrupted by a transient failure and resumed",
                MetricUnits.NONE, stats::retries);
        gauge("replicator.active", "1 while this instance replicates, 0 as a standby", MetricUnits.NONE,
                () -> service.active().isPresent() ? 1 : 0);
        gauge("replicator.snapshot.complete", "1 once the initial snapshot is complete", MetricUnits.NONE,
                () -> stats.isSnapshotComplete() ? 1 : 0);
        kafkaTransactions = registry.timer(Metadata.builder().withName("replicator.kafka.transaction")
                .withDescription("Time of each Kafka transaction, from the first send to the commit").build());
    }

    @Override
    public void committed(int sourceTransactions, int changes, Duration kafkaTime, SourcePosition position,
                          long sourceCommitMillis) {
        Timer timer = kafkaTransactions;
        if (timer != null) {
            timer.update(kafkaTime);
        }
    }

    @Override
    public void snapshotTableStarted(String table, long expectedRows) {
        if (snapshotTables.add(table)) {
            Tag tag = new Tag("table", table);
            gauge("replicator.snapshot.rows", "Rows of the table read by the snapshot so far", MetricUnits.NONE,
                    () -> progress(table).rowsRead(), tag);
            gauge("replicator.snapshot.rows.expected", "Rows of the table when its snapshot began (the server's estimate)",
                    MetricUnits.NONE, () -> progress(table).expectedRows(), tag);
            gauge("replicator.snapshot.table.done", "1 once the snapshot has read the whole table", MetricUnits.NONE,
                    () -> progress(table).done() ? 1 : 0, tag);
        }
    }

    private ReplicationStats.TableProgress progress(String table) {
        Map<String, ReplicationStats.TableProgress> tables = stats.snapshotTables();
        return tables.getOrDefault(table, new ReplicationStats.TableProgress(0, 0, false));
    }

    private <T extends Number> void gauge(String name, String description, String unit, java.util.function.Supplier<T> value,
                                          Tag... tags) {
        registry.gauge(Metadata.builder().withName(name).withDescription(description).withUnit(unit).build(), value, tags);
    }

    /** {@code mysql-bin.000042} is file 42. */
    static long fileNumber(SourcePosition position) {
        String file = position.file();
        int dot = file.lastIndexOf('.');
        try {
            return dot < 0 ? 0 : Long.parseLong(file.substring(dot + 1));
        } catch (NumberFormatException e) {
            return 0;
        }
    }
}
