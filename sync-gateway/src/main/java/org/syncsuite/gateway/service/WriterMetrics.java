package org.syncsuite.gateway.service;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.function.Supplier;

import jakarta.annotation.PostConstruct;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.context.Initialized;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Inject;
import org.eclipse.microprofile.metrics.Metadata;
import org.eclipse.microprofile.metrics.MetricRegistry;
import org.eclipse.microprofile.metrics.MetricUnits;
import org.syncsuite.gateway.storage.StorageDatabase;
import org.syncsuite.gateway.writer.BucketWriter;
import org.syncsuite.gateway.writer.WriterStats;

/**
 * The writer role's metrics in the application registry ({@code /metrics}): rows and operations
 * written and the operation rate, rows skipped, checkpoints and the last one's latency, the
 * consumer lag of the versions this process writes, retries, and the size of bucket storage
 * (read from the database's table statistics at most every 30 seconds).
 */
@ApplicationScoped
public class WriterMetrics {

    private static final long SIZE_EVERY_MILLIS = 30_000;

    @Inject
    MetricRegistry registry;
    @Inject
    WriterService service;
    @Inject
    WriterStats stats;

    private volatile long storageBytes;
    private volatile long sizeReadAt;

    /** Created with the application, so that the gauges exist before anything asks for them. */
    void created(@Observes @Initialized(ApplicationScoped.class) Object started) {
        // registering happens in register()
    }

    @PostConstruct
    void register() {
        gauge("gateway.writer.rows", "Row changes written into bucket storage", MetricUnits.NONE, stats::rows);
        gauge("gateway.writer.ops", "Bucket operations and parameter index entries written", MetricUnits.NONE, stats::ops);
        gauge("gateway.writer.ops.rate", "Operations written per second (last 10 s)", "per_second", stats::opsPerSecond);
        gauge("gateway.writer.rows.skipped", "Rows the sync config could not evaluate (logged with table and key), or unreadable records",
                MetricUnits.NONE, stats::skippedRows);
        gauge("gateway.writer.checkpoints", "Checkpoints committed", MetricUnits.NONE, stats::checkpoints);
        gauge("gateway.writer.checkpoint.latency", "Seconds from the source commit to the checkpoint that holds it (last checkpoint)",
                MetricUnits.SECONDS, () -> stats.checkpointLatencyMillis() / 1000.0);
        gauge("gateway.writer.lag", "Changes topic records not yet written, summed over the versions this process writes",
                MetricUnits.NONE, () -> service.writers().values().stream().filter(BucketWriter::isOwner)
                        .mapToLong(w -> Math.max(0, w.lag())).sum());
        gauge("gateway.writer.active", "Versions this process writes (0 as a standby)", MetricUnits.NONE,
                () -> service.writers().values().stream().filter(BucketWriter::isOwner).count());
        gauge("gateway.writer.retries", "Batches retried after a storage or Kafka failure", MetricUnits.NONE, stats::retries);
        gauge("gateway.storage.size", "Bytes of bucket storage (data and indexes)", MetricUnits.BYTES, this::storageBytes);
    }

    private long storageBytes() {
        long now = System.currentTimeMillis();
        if (now - sizeReadAt < SIZE_EVERY_MILLIS) {
            return storageBytes;
        }
        sizeReadAt = now;
        StorageDatabase storage = service.storage().orElse(null);
        if (storage == null) {
            return storageBytes;
        }
        try (Connection c = storage.open(); PreparedStatement select = c.prepareStatement("SELECT COALESCE(SUM(data_length + "
                + "index_length), 0) FROM information_schema.tables WHERE table_schema = DATABASE()");
             ResultSet rs = select.executeQuery()) {
            rs.next();
            storageBytes = rs.getLong(1);
            c.commit();
        } catch (SQLException e) {
            // keep the last figure; readiness reports storage failures
        }
        return storageBytes;
    }

    private <T extends Number> void gauge(String name, String description, String unit, Supplier<T> value) {
        registry.gauge(Metadata.builder().withName(name).withDescription(description).withUnit(unit).build(), value);
    }
}
