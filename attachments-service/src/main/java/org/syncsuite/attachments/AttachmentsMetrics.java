package org.syncsuite.attachments;

import java.util.EnumMap;
import java.util.Locale;
import java.util.Map;
import java.util.function.ToLongFunction;
import java.util.logging.Level;
import java.util.logging.Logger;

import jakarta.annotation.PostConstruct;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.context.Initialized;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Inject;

import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.eclipse.microprofile.metrics.Counter;
import org.eclipse.microprofile.metrics.MetricRegistry;
import org.eclipse.microprofile.metrics.MetricUnits;
import org.eclipse.microprofile.metrics.Tag;

/**
 * The attachments service's metrics in the application registry ({@code /metrics}): the work
 * queue's depth by kind (read from the database at most every few seconds, however often it is
 * scraped), work items done and failed, and uploads and downloads with their bytes. Uploads are
 * tagged by the way the bytes came: {@code via="service"} (streamed through this service) or
 * {@code via="presigned"} (straight to S3, counted once verified).
 */
@ApplicationScoped
public class AttachmentsMetrics {

    private static final Logger LOG = Logger.getLogger(AttachmentsMetrics.class.getName());

    @Inject
    MetricRegistry registry;

    @Inject
    Metadata metadata;

    /** How long a reading of the queue's depth is answered before the database is asked again. */
    @Inject
    @ConfigProperty(name = "attachments.metrics.queue-refresh-millis", defaultValue = "5000")
    long refreshMillis;

    private final Map<WorkItem.Kind, Counter> done = new EnumMap<>(WorkItem.Kind.class);
    private final Map<WorkItem.Kind, Counter> failed = new EnumMap<>(WorkItem.Kind.class);
    private Counter uploadsStreamed;
    private Counter uploadsPresigned;
    private Counter uploadedStreamed;
    private Counter uploadedPresigned;
    private Counter downloads;
    private Counter downloaded;
    private Counter uploadUrls;
    private Counter downloadUrls;

    private volatile Map<WorkItem.Kind, Metadata.QueueDepth> depth = Map.of();
    private volatile long depthReadAt = Long.MIN_VALUE;

    /** Created with the application, so that every metric is listed before anything happens. */
    void created(@Observes @Initialized(ApplicationScoped.class) Object started) {
        // registering happens in register()
    }

    @PostConstruct
    void register() {
        for (WorkItem.Kind kind : WorkItem.Kind.values()) {
            Tag tag = new Tag("kind", kind.name().toLowerCase(Locale.ROOT));
            gauge("attachments.queue.depth", "Work items in the queue (verifications of uploads not yet complete, deletions "
                    + "not yet carried out)", kind, Metadata.QueueDepth::items, tag);
            gauge("attachments.queue.due", "Work items whose time has come and that no worker holds: a backlog when it stays "
                    + "above zero", kind, Metadata.QueueDepth::due, tag);
            done.put(kind, counter("attachments.work.done", "Work items carried out and removed from the queue", MetricUnits.NONE, tag));
            failed.put(kind, counter("attachments.work.failed", "Work item attempts that failed and were put back to be retried "
                    + "with backoff", MetricUnits.NONE, tag));
        }
        Tag streamed = new Tag("via", "service");
        Tag presigned = new Tag("via", "presigned");
        uploadsStreamed = counter("attachments.uploads", "Uploads completed", MetricUnits.NONE, streamed);
        uploadsPresigned = counter("attachments.uploads", "Uploads completed", MetricUnits.NONE, presigned);
        uploadedStreamed = counter("attachments.uploaded", "Bytes of uploads completed", MetricUnits.BYTES, streamed);
        uploadedPresigned = counter("attachments.uploaded", "Bytes of uploads completed", MetricUnits.BYTES, presigned);
        downloads = counter("attachments.downloads", "Downloads through this service whose bytes were all sent (a range counts "
                + "as one)", MetricUnits.NONE);
        downloaded = counter("attachments.downloaded", "Bytes sent to downloaders through this service", MetricUnits.BYTES);
        uploadUrls = counter("attachments.upload.urls", "Presigned upload URLs handed out", MetricUnits.NONE);
        downloadUrls = counter("attachments.download.urls", "Presigned download URLs handed out", MetricUnits.NONE);
    }

    void uploaded(boolean viaPresignedUrl, long bytes) {
        (viaPresignedUrl ? uploadsPresigned : uploadsStreamed).inc();
        (viaPresignedUrl ? uploadedPresigned : uploadedStreamed).inc(bytes);
    }

    /** Bytes of a download written to the client, counted as they go (an aborted download's bytes were still sent). */
    void downloadedBytes(long bytes) {
        downloaded.inc(bytes);
    }

    void downloadCompleted() {
        downloads.inc();
    }

    void uploadUrl() {
        uploadUrls.inc();
    }

    void downloadUrl() {
        downloadUrls.inc();
    }

    void workDone(@Observes WorkQueue.Done work) {
        done.get(work.kind()).inc();
    }

    void workFailed(@Observes WorkQueue.Failed work) {
        failed.get(work.kind()).inc();
    }

    void verified(@Observes WorkQueue.Verified upload) {
        uploaded(true, upload.bytes());
    }

    private long depth(WorkItem.Kind kind, ToLongFunction<Metadata.QueueDepth> value) {
        Metadata.QueueDepth of = current().get(kind);
        return of == null ? 0 : value.applyAsLong(of);
    }

    /** The queue's depth, read again when the last reading is older than the refresh interval. */
    private Map<WorkItem.Kind, Metadata.QueueDepth> current() {
        long now = System.nanoTime();
        if (depthReadAt != Long.MIN_VALUE && now - depthReadAt < refreshMillis * 1_000_000) {
            return depth;
        }
        synchronized (this) {
            // a scrape that waited here finds the reading the one before it made
            if (depthReadAt == Long.MIN_VALUE || System.nanoTime() - depthReadAt >= refreshMillis * 1_000_000) {
                try {
                    depth = metadata.queueDepth();
                } catch (RuntimeException e) {
                    // the last reading stands; readiness reports the database
                    LOG.log(Level.FINE, "Could not count the work queue", e);
                }
                depthReadAt = System.nanoTime();
            }
            return depth;
        }
    }

    private void gauge(String name, String description, WorkItem.Kind kind, ToLongFunction<Metadata.QueueDepth> value, Tag tag) {
        registry.gauge(org.eclipse.microprofile.metrics.Metadata.builder().withName(name).withDescription(description)
                .withUnit(MetricUnits.NONE).build(), () -> depth(kind, value), tag);
    }

    private Counter counter(String name, String description, String unit, Tag... tags) {
        return registry.counter(org.eclipse.microprofile.metrics.Metadata.builder().withName(name).withDescription(description)
                .withUnit(unit).build(), tags);
    }
}
