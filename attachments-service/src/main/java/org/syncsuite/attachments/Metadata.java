package org.syncsuite.attachments;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Clock;
import java.time.Duration;
import java.time.LocalDateTime;
import java.time.ZoneOffset;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Calendar;
import java.util.Collection;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.TimeZone;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.inject.Instance;
import jakarta.inject.Inject;
import jakarta.inject.Named;
import jakarta.persistence.EntityManager;
import jakarta.persistence.LockModeType;
import jakarta.persistence.PersistenceContext;
import jakarta.persistence.PersistenceException;
import jakarta.transaction.Transactional;

import javax.sql.DataSource;

import org.syncsuite.core.service.ServiceConfig;

/**
 * The metadata database (Hibernate, one JTA transaction per method that writes; reads join one
 * if there is one): attachments and the work queue. Rules that depend on the stored state (ownership, immutability, quotas) are checked
 * here, inside the transaction that changes it.
 */
@ApplicationScoped
public class Metadata {

    /** A claimed unit of work. */
    record Claimed(long id, WorkItem.Kind kind, String attachmentId, String objectKey, int attempts) {
    }

    @PersistenceContext(unitName = "attachments")
    EntityManager em;

    /** The metadata database's pool, looked up when first used: a container without it can still make this bean. */
    @Inject
    @Named("attachments")
    Instance<DataSource> dataSources;

    private volatile DataSource dataSource;

    @Inject
    ServiceConfig.AttachmentsConfig config;

    /** How long a streamed upload may take before its reservation is given up (its process presumed dead). */
    static final Duration STREAMED_UPLOAD_TIMEOUT = Duration.ofHours(6);

    private final Clock clock = Clock.systemUTC();

    LocalDateTime now() {
        return LocalDateTime.now(clock).truncatedTo(ChronoUnit.MILLIS);
    }

    /**
     * The attachment {@code id} as it is committed: one query on a pooled connection, outside any
     * transaction and without the entity manager, for the read every download and {@code HEAD}
     * makes. Times are read as Hibernate reads them ({@code hibernate.jdbc.time_zone} UTC).
     */
    public Optional<AttachmentView> find(String id) {
        DataSource pool = dataSource;
        if (pool == null) {
            pool = dataSources.get();
            dataSource = pool;
        }
        try (Connection connection = pool.getConnection(); PreparedStatement select = connection.prepareStatement(FIND)) {
            select.setString(1, id);
            try (ResultSet row = select.executeQuery()) {
                if (!row.next()) {
                    return Optional.empty();
                }
                return Optional.of(new AttachmentView(row.getString(1), row.getString(2), row.getString(3),
                        AttachmentEntity.State.valueOf(row.getString(4)), row.getLong(5), row.getString(6), row.getString(7),
                        row.getString(8), row.getString(9), time(row, 10), time(row, 11), time(row, 12)));
            }
        } catch (SQLException e) {
            throw new PersistenceException("Could not read attachment " + id + ": " + e.getMessage(), e);
        }
    }

    private static final TimeZone UTC = TimeZone.getTimeZone(ZoneOffset.UTC);

    private static final String FIND = "SELECT id, object_key, owner, state, size, media_type, sha256, filename, metadata, created_at, "
            + "updated_at, expires_at FROM attachments WHERE id = ?";

    private static LocalDateTime time(ResultSet row, int column) throws SQLException {
        Timestamp time = row.getTimestamp(column, Calendar.getInstance(UTC));
        return time == null ? null : time.toLocalDateTime();
    }

    /** Bytes {@code owner} holds or has reserved. */
    @Transactional(Transactional.TxType.SUPPORTS)
    public long usedBytes(String owner) {
        List<?> used = em.createNativeQuery("SELECT used_bytes FROM owner_usage WHERE owner = ?").setParameter(1, owner).getResultList();
        return used.isEmpty() ? 0 : ((Number) used.getFirst()).longValue();
    }

    /** Locks {@code owner}'s usage row (made when missing) and answers its bytes. */
    private long lockUsage(String owner) {
        em.createNativeQuery("INSERT INTO owner_usage (owner, used_bytes) VALUES (?, 0) ON DUPLICATE KEY UPDATE owner = owner")
                .setParameter(1, owner).executeUpdate();
        return ((Number) em.createNativeQuery("SELECT used_bytes FROM owner_usage WHERE owner = ? FOR UPDATE").setParameter(1, owner)
                .getSingleResult()).longValue();
    }

    private void addUsage(String owner, long bytes) {
        if (bytes != 0) {
            em.createNativeQuery("UPDATE owner_usage SET used_bytes = GREATEST(0, used_bytes + ?) WHERE owner = ?")
                    .setParameter(1, bytes).setParameter(2, owner).executeUpdate();
        }
    }

    /**
     * Reserves {@code id} for a new upload by {@code caller}: {@code UPLOADING} (bytes through the
     * service) or {@code PENDING} (a presigned upload, verified by the queue until it expires).
     * An id already stored with the same SHA-256 by its owner answers that attachment (nothing to
     * upload); any other existing id is a conflict, or forbidden when another user's.
     */
    @Transactional
    public AttachmentView reserve(Caller caller, String id, boolean presigned, long declaredSize, String mediaType, String sha256,
                                  String filename, String metadata) {
        AttachmentEntity existing = em.find(AttachmentEntity.class, id, LockModeType.PESSIMISTIC_WRITE);
        if (existing != null) {
            if (!caller.mayAccess(existing.getOwner())) {
                throw ServiceError.forbidden(id);
            }
            if (existing.getState() == AttachmentEntity.State.AVAILABLE && sha256 != null && sha256.equals(existing.getSha256())) {
                return AttachmentView.of(existing);
            }
            throw new ServiceError(409, existing.getState() == AttachmentEntity.State.AVAILABLE ? "ALREADY_EXISTS" : "BUSY",
                    existing.getState() == AttachmentEntity.State.AVAILABLE
                            ? "Attachment " + id + " is stored with other content (attachments are immutable: use a new id)"
                            : "Attachment " + id + " is " + existing.getState().name().toLowerCase(java.util.Locale.ROOT) + " now");
        }
        // The owner's usage row is locked while the quota is checked: one reservation of a user at a time.
        long used = lockUsage(caller.subject());
        long room = config.userQuotaBytes() - used;
        // An upload of unknown length reserves what it may grow to; its real size replaces that at the end.
        long reserved = declaredSize >= 0 ? declaredSize : Math.min(config.maxFileSizeBytes(), room);
        if (reserved > room || room <= 0) {
            throw new ServiceError(413, "QUOTA_EXCEEDED", "Storing " + Math.max(0, declaredSize) + " more bytes would exceed the quota of "
                    + config.userQuotaBytes() + " bytes (" + used + " used)");
        }
        LocalDateTime now = now();
        AttachmentEntity row = new AttachmentEntity(id, caller.subject(), presigned ? AttachmentEntity.State.PENDING
                : AttachmentEntity.State.UPLOADING, reserved, mediaType, now);
        row.setSha256(sha256);
        row.setFilename(filename);
        row.setMetadata(metadata);
        // An upload never completed (a presigned one never made, a streamed one whose process died) expires.
        row.setExpiresAt(presigned ? now.plusMinutes(config.uploadExpiryMinutes()) : now.plus(STREAMED_UPLOAD_TIMEOUT));
        em.persist(row);
        try {
            em.flush();
        } catch (PersistenceException e) {
            for (Throwable cause = e; cause != null; cause = cause.getCause()) {
                if (cause instanceof java.sql.SQLIntegrityConstraintViolationException) {
                    throw new ServiceError(409, "BUSY", "Attachment " + id + " is being created by another request");
                }
            }
            throw e;
        }
        em.persist(new WorkItem(WorkItem.Kind.VERIFY, id, row.getObjectKey(),
                presigned ? now.plusSeconds(5) : row.getExpiresAt(), now));
        addUsage(caller.subject(), reserved);
        return AttachmentView.of(row);
    }

    /**
     * The upload that wrote {@code uploadKey} is stored and verified: the attachment becomes
     * available with its bytes at {@code finalKey} (the same key, or a copy the uploader never
     * saw). Refused (404) when the row is no longer that upload's, e.g. deleted meanwhile: the
     * caller then deletes the object.
     */
    @Transactional
    public AttachmentView complete(String id, String uploadKey, String finalKey, long size, String sha256) {
        AttachmentEntity row = em.find(AttachmentEntity.class, id, LockModeType.PESSIMISTIC_WRITE);
        if (row == null || !row.getObjectKey().equals(uploadKey) || (row.getState() != AttachmentEntity.State.UPLOADING
                && row.getState() != AttachmentEntity.State.PENDING)) {
            throw ServiceError.notFound(id);
        }
        row.setState(AttachmentEntity.State.AVAILABLE);
        row.setObjectKey(finalKey);
        addUsage(row.getOwner(), size - row.getSize());
        row.setSize(size);
        row.setSha256(sha256);
        row.setExpiresAt(null);
        row.setUpdatedAt(now());
        if (!finalKey.equals(uploadKey)) {
            LocalDateTime now = now();
            em.persist(new WorkItem(WorkItem.Kind.DELETE, id, uploadKey, now, now));
        }
        return AttachmentView.of(row);
    }

    /**
     * An upload that failed, was refused or expired: its row goes (if it is still that upload's),
     * and the queue deletes its object, should any of it have landed.
     */
    @Transactional
    public void abandon(String id, String objectKey) {
        AttachmentEntity row = em.find(AttachmentEntity.class, id, LockModeType.PESSIMISTIC_WRITE);
        if (row != null && row.getObjectKey().equals(objectKey) && (row.getState() == AttachmentEntity.State.UPLOADING
                || row.getState() == AttachmentEntity.State.PENDING)) {
            addUsage(row.getOwner(), -row.getSize());
            em.remove(row);
        }
        LocalDateTime now = now();
        em.persist(new WorkItem(WorkItem.Kind.DELETE, id, objectKey, now, now));
    }

    /** Deletes {@code id} for {@code caller}: the row becomes {@code DELETING} and the queue removes the object, then the row. */
    @Transactional
    public AttachmentView markDeleting(Caller caller, String id) {
        AttachmentEntity row = em.find(AttachmentEntity.class, id, LockModeType.PESSIMISTIC_WRITE);
        if (row == null) {
            throw ServiceError.notFound(id);
        }
        if (!caller.mayAccess(row.getOwner())) {
            throw ServiceError.forbidden(id);
        }
        if (row.getState() != AttachmentEntity.State.DELETING) {
            LocalDateTime now = now();
            addUsage(row.getOwner(), -row.getSize());
            row.setState(AttachmentEntity.State.DELETING);
            row.setUpdatedAt(now);
            em.persist(new WorkItem(WorkItem.Kind.DELETE, id, row.getObjectKey(), now, now));
        }
        return AttachmentView.of(row);
    }

    /** The row of a deleted attachment, once its object ({@code objectKey}) is gone. */
    @Transactional
    public void removeDeleted(String id, String objectKey) {
        AttachmentEntity row = em.find(AttachmentEntity.class, id);
        if (row != null && row.getState() == AttachmentEntity.State.DELETING && row.getObjectKey().equals(objectKey)) {
            em.remove(row);
        }
    }

    /** {@code owner}'s attachments after {@code after} (by id), at most {@code limit}. */
    @Transactional(Transactional.TxType.SUPPORTS)
    public List<AttachmentView> list(String owner, String after, int limit) {
        return em.createQuery("SELECT a FROM AttachmentEntity a WHERE a.owner = :owner AND a.id > :after AND a.state <> :deleting "
                        + "ORDER BY a.id", AttachmentEntity.class).setParameter("owner", owner).setParameter("after", after)
                .setParameter("deleting", AttachmentEntity.State.DELETING).setMaxResults(limit).getResultList()
                .stream().map(AttachmentView::of).toList();
    }

    // ---- the work queue

    /**
     * Up to {@code limit} due items, each leased for {@code lease} (moved ahead by it, so that a
     * process that dies while working on one lets another take it then); rows locked by another
     * instance are skipped.
     */
    @Transactional
    @SuppressWarnings("unchecked")
    public List<Claimed> claimDue(int limit, Duration lease) {
        LocalDateTime now = now();
        List<Object[]> rows = em.createNativeQuery("SELECT id, kind, attachment_id, object_key, attempts FROM work_items WHERE due_at <= ? "
                + "ORDER BY due_at LIMIT " + limit + " FOR UPDATE SKIP LOCKED").setParameter(1, now).getResultList();
        List<Claimed> claimed = new ArrayList<>();
        for (Object[] row : rows) {
            long id = ((Number) row[0]).longValue();
            em.createNativeQuery("UPDATE work_items SET due_at = ? WHERE id = ?").setParameter(1, now.plus(lease)).setParameter(2, id)
                    .executeUpdate();
            claimed.add(new Claimed(id, WorkItem.Kind.valueOf((String) row[1]), (String) row[2], (String) row[3],
                    ((Number) row[4]).intValue()));
        }
        return claimed;
    }

    @Transactional
    public void done(long itemId) {
        WorkItem item = em.find(WorkItem.class, itemId);
        if (item != null) {
            em.remove(item);
        }
    }

    @Transactional
    public void retry(long itemId, String error, Duration delay) {
        WorkItem item = em.find(WorkItem.class, itemId);
        if (item != null) {
            item.setAttempts(item.getAttempts() + 1);
            item.setLastError(error.length() > 4000 ? error.substring(0, 4000) : error);
            item.setDueAt(now().plus(delay));
        }
    }

    /** Looks at the item again after {@code delay}, without counting an attempt (nothing failed). */
    @Transactional
    public void postpone(long itemId, Duration delay) {
        WorkItem item = em.find(WorkItem.class, itemId);
        if (item != null) {
            item.setDueAt(now().plus(delay));
        }
    }

    /** Makes the verification of {@code id} due now. */
    @Transactional
    public void verifySoon(String id) {
        em.createQuery("UPDATE WorkItem w SET w.dueAt = :now WHERE w.attachmentId = :id AND w.kind = :verify")
                .setParameter("now", now()).setParameter("id", id).setParameter("verify", WorkItem.Kind.VERIFY).executeUpdate();
    }

    /** Work items waiting, by kind (for health and tests). */
    @Transactional(Transactional.TxType.SUPPORTS)
    public long pending(WorkItem.Kind kind) {
        return em.createQuery("SELECT COUNT(w) FROM WorkItem w WHERE w.kind = :kind", Long.class).setParameter("kind", kind)
                .getSingleResult();
    }

    /** The queue's items of one kind: all of them, and those whose time has come (not leased, not waiting out a backoff). */
    record QueueDepth(long items, long due) {
    }

    /** The queue by kind, every kind present (one indexed scan). */
    @Transactional(Transactional.TxType.SUPPORTS)
    @SuppressWarnings("unchecked")
    public java.util.Map<WorkItem.Kind, QueueDepth> queueDepth() {
        java.util.Map<WorkItem.Kind, QueueDepth> depth = new java.util.EnumMap<>(WorkItem.Kind.class);
        for (WorkItem.Kind kind : WorkItem.Kind.values()) {
            depth.put(kind, new QueueDepth(0, 0));
        }
        List<Object[]> rows = em.createNativeQuery("SELECT kind, COUNT(*), COALESCE(SUM(due_at <= ?), 0) FROM work_items GROUP BY kind")
                .setParameter(1, now()).getResultList();
        for (Object[] row : rows) {
            depth.put(WorkItem.Kind.valueOf((String) row[0]), new QueueDepth(((Number) row[1]).longValue(), ((Number) row[2]).longValue()));
        }
        return depth;
    }

    /** Which of the object keys {@code keys} an attachment's row names. */
    @Transactional(Transactional.TxType.SUPPORTS)
    public Set<String> knownObjects(Collection<String> keys) {
        if (keys.isEmpty()) {
            return Set.of();
        }
        return new HashSet<>(em.createQuery("SELECT a.objectKey FROM AttachmentEntity a WHERE a.objectKey IN :keys", String.class)
                .setParameter("keys", keys).getResultList());
    }
}
