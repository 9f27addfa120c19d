package org.syncsuite.client;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;

/**
 * The stream subscriptions kept in {@code ps_stream_subscriptions}: one row per stream and
 * parameters, {@code active} while the app holds a handle to it, else kept until
 * {@code expires_at} (seconds since the epoch: the last handle's release plus the row's
 * {@code ttl} in seconds). Held and unexpired rows are sent with every sync stream request;
 * expired ones are deleted, and their buckets go at the next checkpoint.
 */
final class StreamSubscriptions {

    /** A row to send: {@code parameters} is its JSON object text. */
    record Stored(long id, String stream, String parameters, Optional<Integer> priority) {
    }

    private static final ObjectMapper CANONICAL = new ObjectMapper().configure(SerializationFeature.ORDER_MAP_ENTRIES_BY_KEYS, true);

    private final PowerSyncDatabase database;
    private final Clock clock;
    /** Handles held in this process, per row; guarded by this. */
    private final Map<Long, Integer> held = new HashMap<>();

    StreamSubscriptions(PowerSyncDatabase database, Clock clock) {
        this.database = database;
        this.clock = clock;
    }

    /** At open: rows a previous run held and never let go start their time to live now. */
    void releaseLeftovers() {
        database.execute("UPDATE ps_stream_subscriptions SET active = 0, expires_at = ? + ttl WHERE active = 1", now());
    }

    synchronized SyncStreamSubscription subscribe(SyncStream stream, Duration ttl, Optional<Integer> priority) {
        String parameters = canonical(stream.parameters());
        Integer localPriority = priority.orElse(null);
        boolean[] changed = {false};
        long id = database.writeTransaction(tx -> {
            Optional<Map<String, Object>> row = tx.getOptional("SELECT id, local_priority FROM ps_stream_subscriptions "
                    + "WHERE stream_name = ? AND local_params = ?", stream.name(), parameters);
            if (row.isEmpty()) {
                tx.execute("INSERT INTO ps_stream_subscriptions (stream_name, active, is_default, local_priority, local_params, ttl, "
                        + "expires_at) VALUES (?, 1, 0, ?, ?, ?, NULL)", stream.name(), localPriority, parameters, ttl.toSeconds());
                changed[0] = true;
                return ((Number) tx.getAll("SELECT last_insert_rowid() AS id").getFirst().get("id")).longValue();
            }
            long existing = ((Number) row.get().get("id")).longValue();
            Object before = row.get().get("local_priority");
            changed[0] = before == null ? localPriority != null : !before.equals(localPriority == null ? null : localPriority.longValue());
            tx.execute("UPDATE ps_stream_subscriptions SET active = 1, expires_at = NULL, ttl = ?, local_priority = ? WHERE id = ?",
                    ttl.toSeconds(), localPriority, existing);
            return existing;
        });
        held.merge(id, 1, Integer::sum);
        database.subscriptionsChanged(changed[0]);
        return new SyncStreamSubscription(this, id, stream);
    }

    synchronized void release(long id) {
        Integer left = held.merge(id, -1, Integer::sum);
        if (left != null && left > 0) {
            return;
        }
        held.remove(id);
        database.execute("UPDATE ps_stream_subscriptions SET active = 0, expires_at = ? + ttl WHERE id = ?", now(), id);
        database.subscriptionsChanged(false);
    }

    synchronized void removeAll(SyncStream stream) {
        String parameters = canonical(stream.parameters());
        for (Map<String, Object> row : database.getAll("SELECT id FROM ps_stream_subscriptions WHERE stream_name = ? AND local_params = ?",
                stream.name(), parameters)) {
            held.remove(((Number) row.get("id")).longValue());
        }
        long deleted = database.execute("DELETE FROM ps_stream_subscriptions WHERE stream_name = ? AND local_params = ?",
                stream.name(), parameters);
        if (deleted > 0) {
            database.subscriptionsChanged(true);
        }
    }

    /** The rows to send now, oldest first; expired ones are deleted first. */
    synchronized List<Stored> forRequest() {
        database.execute("DELETE FROM ps_stream_subscriptions WHERE active = 0 AND expires_at <= ?", now());
        List<Stored> rows = new ArrayList<>();
        for (Map<String, Object> row : database.getAll("SELECT id, stream_name, local_params, local_priority "
                + "FROM ps_stream_subscriptions WHERE is_default = 0 ORDER BY id")) {
            Object priority = row.get("local_priority");
            rows.add(new Stored(((Number) row.get("id")).longValue(), (String) row.get("stream_name"),
                    row.get("local_params") == null ? "{}" : (String) row.get("local_params"),
                    priority == null ? Optional.empty() : Optional.of(((Number) priority).intValue())));
        }
        return rows;
    }

    /** When the first let-go row among {@code ids} expires. */
    Optional<Instant> nextExpiry(Collection<Long> ids) {
        Optional<Instant> next = Optional.empty();
        for (Map<String, Object> row : database.getAll("SELECT id, expires_at FROM ps_stream_subscriptions WHERE active = 0")) {
            if (ids.contains(((Number) row.get("id")).longValue()) && row.get("expires_at") != null) {
                Instant at = Instant.ofEpochSecond(((Number) row.get("expires_at")).longValue());
                if (next.isEmpty() || at.isBefore(next.get())) {
                    next = Optional.of(at);
                }
            }
        }
        return next;
    }

    /** A complete checkpoint that included {@code ids} was applied. */
    void markSynced(Collection<Long> ids) {
        long at = now();
        for (long id : ids) {
            database.execute("UPDATE ps_stream_subscriptions SET last_synced_at = ? WHERE id = ?", at, id);
        }
    }

    Optional<Instant> lastSyncedAt(long id) {
        return database.getOptional("SELECT last_synced_at FROM ps_stream_subscriptions WHERE id = ?", id)
                .map(row -> row.get("last_synced_at")).map(at -> Instant.ofEpochSecond(((Number) at).longValue()));
    }

    private long now() {
        return clock.instant().getEpochSecond();
    }

    private static String canonical(Map<String, Object> parameters) {
        try {
            return CANONICAL.writeValueAsString(parameters);
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException("Stream parameters must be JSON values: " + e.getOriginalMessage(), e);
        }
    }
}
