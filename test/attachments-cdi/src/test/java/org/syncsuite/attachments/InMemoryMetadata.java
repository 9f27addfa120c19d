package org.syncsuite.attachments;

import java.time.Duration;
import java.time.LocalDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Collectors;

import jakarta.enterprise.context.ApplicationScoped;

/**
 * The metadata bean with its rows in memory instead of a JPA database (this container has no JPA):
 * what the work queue and the health check need of it, to check their wiring and behaviour.
 */
@ApplicationScoped
public class InMemoryMetadata extends Metadata {

    /** An item of the in-memory queue. */
    record Item(long id, WorkItem.Kind kind, String attachmentId, String objectKey, int attempts, LocalDateTime dueAt, String error) {
    }

    final Map<String, AttachmentView> rows = new ConcurrentHashMap<>();
    final Map<Long, Item> items = new ConcurrentHashMap<>();
    private final AtomicLong ids = new AtomicLong();

    void put(AttachmentView row) {
        rows.put(row.id(), row);
    }

    void enqueue(WorkItem.Kind kind, String attachmentId, String objectKey) {
        long id = ids.incrementAndGet();
        items.put(id, new Item(id, kind, attachmentId, objectKey, 0, now(), null));
    }

    @Override
    LocalDateTime now() {
        return LocalDateTime.now(ZoneOffset.UTC);
    }

    @Override
    public Optional<AttachmentView> find(String id) {
        return Optional.ofNullable(rows.get(id));
    }

    @Override
    public AttachmentView complete(String id, String uploadKey, String finalKey, long size, String sha256) {
        AttachmentView r = rows.get(id);
        if (r == null || !r.objectKey().equals(uploadKey)) {
            throw ServiceError.notFound(id);
        }
        if (!finalKey.equals(uploadKey)) {
            enqueue(WorkItem.Kind.DELETE, id, uploadKey);
        }
        AttachmentView done = new AttachmentView(r.id(), finalKey, r.owner(), AttachmentEntity.State.AVAILABLE, size, r.mediaType(),
                sha256, r.filename(), r.metadata(), r.createdAt(), now(), null);
        rows.put(id, done);
        return done;
    }

    @Override
    public void abandon(String id, String objectKey) {
        AttachmentView r = rows.get(id);
        if (r != null && r.objectKey().equals(objectKey)) {
            rows.remove(id);
        }
        enqueue(WorkItem.Kind.DELETE, id, objectKey);
    }

    @Override
    public void removeDeleted(String id, String objectKey) {
        rows.computeIfPresent(id, (k, r) -> r.state() == AttachmentEntity.State.DELETING && r.objectKey().equals(objectKey) ? null : r);
    }

    @Override
    public synchronized List<Claimed> claimDue(int limit, Duration lease) {
        LocalDateTime now = now();
        List<Claimed> claimed = new ArrayList<>();
        for (Item item : items.values()) {
            if (claimed.size() < limit && !item.dueAt().isAfter(now)) {
                items.put(item.id(), new Item(item.id(), item.kind(), item.attachmentId(), item.objectKey(), item.attempts(),
                        now.plus(lease), item.error()));
                claimed.add(new Claimed(item.id(), item.kind(), item.attachmentId(), item.objectKey(), item.attempts()));
            }
        }
        return claimed;
    }

    @Override
    public void done(long itemId) {
        items.remove(itemId);
    }

    @Override
    public void retry(long itemId, String error, Duration delay) {
        items.computeIfPresent(itemId, (k, i) -> new Item(i.id(), i.kind(), i.attachmentId(), i.objectKey(), i.attempts() + 1,
                now().plus(delay), error));
    }

    @Override
    public void postpone(long itemId, Duration delay) {
        items.computeIfPresent(itemId, (k, i) -> new Item(i.id(), i.kind(), i.attachmentId(), i.objectKey(), i.attempts(),
                now().plus(delay), i.error()));
    }

    @Override
    public long pending(WorkItem.Kind kind) {
        return items.values().stream().filter(i -> i.kind() == kind).count();
    }

    @Override
    public Set<String> knownObjects(Collection<String> keys) {
        Set<String> known = rows.values().stream().map(AttachmentView::objectKey).collect(Collectors.toSet());
        return keys.stream().filter(known::contains).collect(Collectors.toSet());
    }
}
