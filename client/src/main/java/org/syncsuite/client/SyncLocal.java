package org.syncsuite.client;

import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.Set;

import org.syncsuite.core.Checksums;
import org.syncsuite.core.protocol.BucketChecksum;
import org.syncsuite.core.protocol.DataChunk;
import org.syncsuite.core.protocol.OplogEntry;

/**
 * The client's half of the sync protocol on the local database (reference §2.4 and §9): ops are
 * kept per bucket ({@code ps_oplog}, live PUTs only) with two checksum accumulators per bucket;
 * at a complete checkpoint the buckets are validated, and when no local write is waiting for its
 * acknowledgement the rows they touched are published into the tables the app reads: for each
 * row, the PUT with the highest op id across all buckets, or nothing.
 *
 * <p>Each method is one local transaction. Not thread-safe on its own: the sync client calls it
 * from one thread.
 */
final class SyncLocal {

    private static final long MOD = 1L << 32;

    private final PowerSyncDatabase database;

    SyncLocal(PowerSyncDatabase database) {
        this.database = database;
    }

    /** What the client holds: bucket name to the op id it has it up to (the {@code after} of a request). */
    Map<String, Long> bucketPositions() {
        Map<String, Long> positions = new java.util.LinkedHashMap<>();
        for (Map<String, Object> row : database.getAll("SELECT name, last_op FROM ps_buckets ORDER BY name")) {
            positions.put((String) row.get("name"), ((Number) row.get("last_op")).longValue());
        }
        return positions;
    }

    /** Forgets buckets the server no longer sends; their rows are looked at again at the next publish. */
    void deleteBuckets(Collection<String> buckets) {
        if (buckets.isEmpty()) {
            return;
        }
        database.writeTransaction(tx -> {
            for (String bucket : buckets) {
                tx.execute("INSERT OR IGNORE INTO ps_updated_rows (row_type, row_id) SELECT row_type, row_id FROM ps_oplog "
                        + "WHERE bucket = (SELECT id FROM ps_buckets WHERE name = ?)", bucket);
                tx.execute("DELETE FROM ps_oplog WHERE bucket = (SELECT id FROM ps_buckets WHERE name = ?)", bucket);
                tx.execute("DELETE FROM ps_buckets WHERE name = ?", bucket);
            }
            return null;
        });
    }

    /** Stores one {@code data} line's ops. */
    void applyChunk(DataChunk chunk, int priority) {
        database.writeTransaction(tx -> {
            tx.execute("INSERT OR IGNORE INTO ps_buckets (name, priority) VALUES (?, ?)", chunk.bucket(), priority);
            Map<String, Object> bucket = tx.get("SELECT id, add_checksum, op_checksum, last_op FROM ps_buckets WHERE name = ?",
                    chunk.bucket());
            long id = ((Number) bucket.get("id")).longValue();
            long add = ((Number) bucket.get("add_checksum")).longValue();
            long live = ((Number) bucket.get("op_checksum")).longValue();
            long lastOp = ((Number) bucket.get("last_op")).longValue();
            for (OplogEntry op : chunk.data()) {
                long hash = op.checksum() & 0xFFFFFFFFL;
                switch (op.op()) {
                    case PUT, REMOVE -> {
                        String type = op.objectType().orElseThrow();
                        String rowId = op.objectId().orElseThrow();
                        String key = type + "/" + rowId + "/" + op.subkey().orElse("null");
                        Optional<Map<String, Object>> previous = tx.getOptional(
                                "SELECT hash FROM ps_oplog WHERE bucket = ? AND key = ?", id, key);
                        if (previous.isPresent()) {
                            long old = ((Number) previous.get().get("hash")).longValue();
                            tx.execute("DELETE FROM ps_oplog WHERE bucket = ? AND key = ?", id, key);
                            add = (add + old) % MOD;
                            live = Math.floorMod(live - old, MOD);
                        }
                        if (op.op() == OplogEntry.OpType.PUT) {
                            tx.execute("INSERT INTO ps_oplog (bucket, op_id, row_type, row_id, key, data, hash) VALUES (?, ?, ?, ?, ?, ?, ?)",
                                    id, op.opId(), type, rowId, key, op.data().orElse(null), hash);
                            live = (live + hash) % MOD;
                        } else {
                            add = (add + hash) % MOD;
                        }
                        tx.execute("INSERT OR IGNORE INTO ps_updated_rows (row_type, row_id) VALUES (?, ?)", type, rowId);
                    }
                    case MOVE -> add = (add + hash) % MOD;
                    case CLEAR -> {
                        tx.execute("INSERT OR IGNORE INTO ps_updated_rows (row_type, row_id) SELECT row_type, row_id FROM ps_oplog "
                                + "WHERE bucket = ?", id);
                        tx.execute("DELETE FROM ps_oplog WHERE bucket = ?", id);
                        add = hash;
                        live = 0;
                        tx.execute("UPDATE ps_buckets SET last_applied_op = 0 WHERE id = ?", id);
                    }
                }
                lastOp = Math.max(lastOp, op.opId());
            }
            tx.execute("UPDATE ps_buckets SET add_checksum = ?, op_checksum = ?, last_op = ?, priority = ?, "
                    + "count_since_last = count_since_last + ? WHERE id = ?", add, live, lastOp, priority, chunk.data().size(), id);
            return null;
        });
    }

    /** The buckets among {@code expected} whose local checksum differs from the checkpoint's. */
    List<String> failingBuckets(Collection<BucketChecksum> expected) {
        return database.readTransaction(tx -> {
            List<String> failing = new ArrayList<>();
            for (BucketChecksum bucket : expected) {
                Optional<Map<String, Object>> local = tx.getOptional(
                        "SELECT add_checksum, op_checksum FROM ps_buckets WHERE name = ?", bucket.bucket());
                long sum = local.map(row -> (((Number) row.get("add_checksum")).longValue()
                        + ((Number) row.get("op_checksum")).longValue()) % MOD).orElse(0L);
                if (sum != Checksums.toUnsigned(bucket.checksum())) {
                    failing.add(bucket.bucket());
                }
            }
            return failing;
        });
    }

    /**
     * Whether a downloaded checkpoint may be published now: no local write is queued, and the last
     * write checkpoint asked for after an upload is at most {@code writeCheckpoint}.
     */
    boolean mayPublish(OptionalLong writeCheckpoint) {
        return database.readTransaction(tx -> {
            if (tx.getOptional("SELECT 1 FROM ps_crud LIMIT 1").isPresent()) {
                return false;
            }
            Optional<Map<String, Object>> target = tx.getOptional(
                    "SELECT value FROM ps_kv WHERE key = 'target_checkpoint_request_id'");
            if (target.isEmpty() || target.get().get("value") == null) {
                return true;
            }
            long wanted = ((Number) target.get().get("value")).longValue();
            return writeCheckpoint.isPresent() && writeCheckpoint.getAsLong() >= wanted;
        });
    }

    /** After an upload: the write checkpoint that downloaded data must include before it is applied. */
    void setTargetWriteCheckpoint(long id) {
        database.writeTransaction(tx -> tx.execute(
                "INSERT OR REPLACE INTO ps_kv (key, value) VALUES ('target_checkpoint_request_id', ?)", id));
    }

    /**
     * Marks {@code buckets} as complete up to {@code checkpoint} and publishes the rows they
     * changed into the app's tables; {@code full} when it is the whole checkpoint (not a
     * priority's part), which also settles rows left over from removed buckets.
     */
    void publish(Collection<String> buckets, long checkpoint, boolean full, int priority, OptionalLong writeCheckpoint) {
        database.writeTransaction(tx -> {
            Set<List<String>> rows = new LinkedHashSet<>();
            for (String bucket : buckets) {
                tx.execute("UPDATE ps_buckets SET last_op = MAX(last_op, ?) WHERE name = ?", checkpoint, bucket);
                for (Map<String, Object> row : tx.getAll("SELECT o.row_type, o.row_id FROM ps_oplog o JOIN ps_buckets b ON b.id = o.bucket "
                        + "WHERE b.name = ? AND o.op_id > b.last_applied_op", bucket)) {
                    rows.add(List.of((String) row.get("row_type"), (String) row.get("row_id")));
                }
            }
            List<Map<String, Object>> updated = tx.getAll("SELECT row_type, row_id FROM ps_updated_rows");
            for (Map<String, Object> row : updated) {
                rows.add(List.of((String) row.get("row_type"), (String) row.get("row_id")));
            }
            for (List<String> row : rows) {
                publishRow(tx, row.get(0), row.get(1));
            }
            for (String bucket : buckets) {
                tx.execute("UPDATE ps_buckets SET last_applied_op = last_op, count_at_last = count_at_last + count_since_last, "
                        + "count_since_last = 0 WHERE name = ?", bucket);
            }
            if (full) {
                tx.execute("DELETE FROM ps_updated_rows");
                writeCheckpoint.ifPresent(id -> tx.execute(
                        "INSERT OR REPLACE INTO ps_kv (key, value) VALUES ('last_seen_checkpoint_request_id', ?)", id));
            } else {
                for (List<String> row : rows) {
                    tx.execute("DELETE FROM ps_updated_rows WHERE row_type = ? AND row_id = ?", row.get(0), row.get(1));
                }
            }
            tx.execute("INSERT OR REPLACE INTO ps_sync_state (priority, last_synced_at) VALUES (?, ?)", full ? Integer.MAX_VALUE
                    : priority, Instant.now().toString());
            return null;
        });
    }

    private void publishRow(PowerSyncDatabase.Transaction tx, String type, String id) {
        Optional<Map<String, Object>> newest = tx.getOptional(
                "SELECT data FROM ps_oplog WHERE row_type = ? AND row_id = ? ORDER BY op_id DESC LIMIT 1", type, id);
        Optional<Table> table = database.schema().table(type).filter(t -> !t.localOnly() && !t.insertOnly());
        if (table.isPresent()) {
            String data = SchemaSql.quote(table.get().dataTable());
            if (newest.isPresent()) {
                tx.execute("INSERT OR REPLACE INTO " + data + " (id, data) VALUES (?, ?)", id, newest.get().get("data"));
            } else {
                tx.execute("DELETE FROM " + data + " WHERE id = ?", id);
            }
        } else if (newest.isPresent()) {
            tx.execute("INSERT OR REPLACE INTO ps_untyped (type, id, data) VALUES (?, ?, ?)", type, id, newest.get().get("data"));
        } else {
            tx.execute("DELETE FROM ps_untyped WHERE type = ? AND id = ?", type, id);
        }
    }
}
