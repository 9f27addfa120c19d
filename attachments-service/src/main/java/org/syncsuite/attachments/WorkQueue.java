package org.syncsuite.attachments;

import java.io.InputStream;
import java.security.MessageDigest;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicLong;
import java.util.logging.Level;
import java.util.logging.Logger;

import jakarta.annotation.PreDestroy;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.context.Initialized;
import jakarta.enterprise.event.Event;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Inject;

import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.syncsuite.core.service.ServiceConfig;

/**
 * The persistent work queue's worker: verifies presigned uploads (present, size and SHA-256 as
 * declared, then available; never completed, expired), removes deleted attachments' objects
 * from S3, and sweeps objects no row names. Work lives in the database and is leased while
 * worked on, so a failed attempt (S3 down, the process killed) is retried with backoff and never
 * lost; several instances share the queue.
 */
@ApplicationScoped
public class WorkQueue {

    private static final Logger LOG = Logger.getLogger(WorkQueue.class.getName());
    /** How long a claimed item is another instance's to leave alone: a few items, each well within it. */
    private static final Duration LEASE = Duration.ofMinutes(10);

    @Inject
    Metadata metadata;

    @Inject
    ObjectStore store;

    @Inject
    ServiceConfig.AttachmentsConfig config;

    /** What the queue did, for {@link AttachmentsMetrics}: events keep the queue working in a container without metrics. */
    @Inject
    Event<Object> events;

    @Inject
    @ConfigProperty(name = "attachments.queue.poll-millis", defaultValue = "1000")
    long pollMillis;

    @Inject
    @ConfigProperty(name = "attachments.queue.max-backoff-seconds", defaultValue = "300")
    long maxBackoffSeconds;

    /** How old an object with no row must be before the sweep removes it (uploads in flight are younger). */
    @Inject
    @ConfigProperty(name = "attachments.orphan-grace-minutes", defaultValue = "60")
    long orphanGraceMinutes;

    private final Object signal = new Object();
    private volatile boolean stopped;
    private volatile boolean bucketReady;
    private volatile Instant nextSweep = Instant.now().plusSeconds(60);
    private final AtomicLong processed = new AtomicLong();
    private volatile String lastError = "";
    private Thread worker;

    void start(@Observes @Initialized(ApplicationScoped.class) Object started) {
        worker = Thread.ofVirtual().name("attachments-work-queue").start(this::run);
    }

    @PreDestroy
    void stop() {
        stopped = true;
        if (worker != null) {
            worker.interrupt();
            try {
                worker.join(10_000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    /** New work: look at once rather than at the next poll. */
    void wake() {
        synchronized (signal) {
            signal.notifyAll();
        }
    }

    boolean bucketReady() {
        return bucketReady;
    }

    String lastError() {
        return lastError;
    }

    long processed() {
        return processed.get();
    }

    private void run() {
        while (!stopped) {
            try {
                if (!bucketReady && config.createBucket()) {
                    store.ensureBucket();
                }
                bucketReady = true;
                int done = 0;
                for (Metadata.Claimed item : metadata.claimDue(4, LEASE)) {
                    if (stopped) {
                        break;
                    }
                    work(item);
                    done++;
                }
                if (config.orphanSweepMinutes() > 0 && Instant.now().isAfter(nextSweep)) {
                    sweep();
                    nextSweep = Instant.now().plus(Duration.ofMinutes(config.orphanSweepMinutes()));
                }
                if (done == 0) {
                    pause(pollMillis);
                }
            } catch (ObjectStore.ObjectStoreException e) {
                lastError = e.getMessage();
                LOG.log(Level.WARNING, e.getMessage());
                pause(Math.max(pollMillis, 2000));
            } catch (RuntimeException e) {
                if (stopped) {
                    return;
                }
                lastError = String.valueOf(e.getMessage());
                LOG.log(Level.WARNING, "The work queue failed; trying again", e);
                pause(Math.max(pollMillis, 2000));
            }
        }
    }

    private void pause(long millis) {
        synchronized (signal) {
            try {
                signal.wait(millis);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                stopped = true;
            }
        }
    }

    private void work(Metadata.Claimed item) {
        try {
            switch (item.kind()) {
                case DELETE -> {
                    Optional<AttachmentView> row = metadata.find(item.attachmentId());
                    boolean stillUsed = row.isPresent() && row.get().objectKey().equals(item.objectKey())
                            && row.get().state() != AttachmentEntity.State.DELETING;
                    if (!stillUsed) {
                        store.remove(item.objectKey());
                        metadata.removeDeleted(item.attachmentId(), item.objectKey());
                    }
                    metadata.done(item.id());
                    events.fire(new Done(item.kind()));
                }
                case VERIFY -> {
                    Optional<Duration> again = verify(item.attachmentId(), item.objectKey());
                    if (again.isPresent()) {
                        metadata.postpone(item.id(), again.get());
                    } else {
                        metadata.done(item.id());
                        events.fire(new Done(item.kind()));
                    }
                }
            }
            processed.incrementAndGet();
        } catch (ObjectStore.ObjectStoreException | RuntimeException e) {
            Duration delay = backoff(item.attempts());
            lastError = String.valueOf(e.getMessage());
            LOG.log(Level.INFO, item.kind() + " of attachment " + item.attachmentId() + " failed (attempt " + (item.attempts() + 1)
                    + "), again in " + delay.toSeconds() + " s: " + e.getMessage());
            metadata.retry(item.id(), String.valueOf(e.getMessage()), delay);
            events.fire(new Failed(item.kind()));
        }
    }

    /** A work item carried out and removed from the queue. */
    record Done(WorkItem.Kind kind) {
    }

    /** An attempt at a work item that failed; the item waits to be retried. */
    record Failed(WorkItem.Kind kind) {
    }

    /** A presigned upload of {@code bytes} verified and made available. */
    record Verified(long bytes) {
    }

    /** The outcome of checking a presigned upload. */
    enum Verdict { AVAILABLE, NOT_YET, EXPIRED, REJECTED, GONE }

    /**
     * Checks the presigned upload of {@code id} now; empty when settled, else when to look again.
     */
    Optional<Duration> verify(String id, String objectKey) throws ObjectStore.ObjectStoreException {
        Check check = check(id, objectKey);
        if (check.verdict() != Verdict.NOT_YET) {
            return Optional.empty();
        }
        Optional<AttachmentView> row = metadata.find(id);
        if (row.isPresent() && row.get().state() == AttachmentEntity.State.UPLOADING && row.get().expiresAt() != null) {
            // a streamed upload in progress: looked at again when it would expire
            return Optional.of(Duration.ofMillis(Math.max(1000, Duration.between(LocalDateTime.now(ZoneOffset.UTC),
                    row.get().expiresAt()).toMillis())));
        }
        return Optional.of(Duration.ofSeconds(Math.min(30, Math.max(1, pollMillis / 1000 * 5))));
    }

    record Check(Verdict verdict, String reason) {
    }

    /** Looks at the upload of {@code id}: makes it available, rejects or expires it, or says it has not arrived. */
    Check check(String id, String objectKey) throws ObjectStore.ObjectStoreException {
        Optional<AttachmentView> found = metadata.find(id);
        if (found.isEmpty() || !found.get().objectKey().equals(objectKey)) {
            return new Check(Verdict.GONE, "no such upload");
        }
        AttachmentView row = found.get();
        boolean expired = row.expiresAt() != null && LocalDateTime.now(ZoneOffset.UTC).isAfter(row.expiresAt());
        if (row.state() == AttachmentEntity.State.UPLOADING) {
            if (expired) {
                // the process streaming it is gone: its reservation goes, and whatever of it landed
                metadata.abandon(id, objectKey);
                wake();
                return new Check(Verdict.EXPIRED, "the upload was not completed before " + AttachmentView.iso(row.expiresAt()));
            }
            return new Check(Verdict.NOT_YET, "the upload is in progress");
        }
        if (row.state() != AttachmentEntity.State.PENDING) {
            return new Check(row.state() == AttachmentEntity.State.AVAILABLE ? Verdict.AVAILABLE : Verdict.GONE, row.state().name());
        }
        Optional<ObjectStore.ObjectInfo> object = store.stat(objectKey);
        if (object.isEmpty()) {
            if (expired) {
                metadata.abandon(id, objectKey);
                wake();
                return new Check(Verdict.EXPIRED, "the upload was not completed before " + AttachmentView.iso(row.expiresAt()));
            }
            return new Check(Verdict.NOT_YET, "the upload has not arrived");
        }
        long size = object.get().size();
        String problem = null;
        if (size != row.size()) {
            problem = "the upload has " + size + " bytes, not the " + row.size() + " declared";
        }
        // The bytes are checked, and served, from a copy the uploader never saw: the presigned URL
        // may still be used after this, and must not change what was verified.
        String kept = AttachmentEntity.newObjectKey(id);
        String sha = null;
        if (problem == null) {
            store.copy(objectKey, kept);
            sha = sha256(kept);
            if (store.stat(kept).map(ObjectStore.ObjectInfo::size).orElse(-1L) != row.size()) {
                problem = "the upload changed while it was verified";
            } else if (row.sha256() != null && !row.sha256().equals(sha)) {
                problem = "the upload's SHA-256 is " + sha + ", not the " + row.sha256() + " declared";
            }
        }
        if (problem != null) {
            LOG.info("Presigned upload of attachment " + id + " rejected: " + problem);
            metadata.abandon(id, objectKey);
            if (sha != null) {
                metadata.abandon(id, kept);
            }
            wake();
            return new Check(Verdict.REJECTED, problem);
        }
        try {
            metadata.complete(id, objectKey, kept, size, sha);
            events.fire(new Verified(size));
        } catch (ServiceError deletedMeanwhile) {
            metadata.abandon(id, kept);
            wake();
            return new Check(Verdict.GONE, "deleted while it was verified");
        }
        wake();
        return new Check(Verdict.AVAILABLE, "verified");
    }

    private String sha256(String key) throws ObjectStore.ObjectStoreException {
        try (InputStream in = store.get(key, 0, -1)) {
            MessageDigest digest = MessageDigest.getInstance("SHA-256");
            byte[] buffer = new byte[64 * 1024];
            for (int n = in.read(buffer); n >= 0; n = in.read(buffer)) {
                digest.update(buffer, 0, n);
            }
            return HexFormat.of().formatHex(digest.digest());
        } catch (java.io.IOException e) {
            throw new ObjectStore.ObjectStoreException("S3 could not read " + key + ": " + e.getMessage(), e);
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is part of every JDK", e);
        }
    }

    /** Removes objects no attachment names that are older than the grace period; returns how many. */
    int sweep() throws ObjectStore.ObjectStoreException {
        Instant before = Instant.now().minus(Duration.ofMinutes(orphanGraceMinutes));
        List<String> candidates = new ArrayList<>();
        store.list("objects/", (key, info) -> {
            if (info.lastModified().isBefore(before)) {
                candidates.add(key);
            }
        });
        int removed = 0;
        for (int from = 0; from < candidates.size(); from += 500) {
            List<String> batch = candidates.subList(from, Math.min(candidates.size(), from + 500));
            var known = metadata.knownObjects(batch);
            for (String key : batch) {
                if (!known.contains(key)) {
                    store.remove(key);
                    removed++;
                }
            }
        }
        if (removed > 0) {
            LOG.info("Orphan sweep removed " + removed + " objects no attachment names");
        }
        return removed;
    }

    private Duration backoff(int attempts) {
        long seconds = Math.min(maxBackoffSeconds, 1L << Math.min(20, attempts));
        return Duration.ofMillis((long) (seconds * 1000 * ThreadLocalRandom.current().nextDouble(0.8, 1.2)));
    }
}
