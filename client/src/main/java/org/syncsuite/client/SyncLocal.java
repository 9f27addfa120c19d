package org.syncsuite.client;

import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;

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
            // A bucket with nothing stored yet (a first download) has no op to replace, unless this chunk names a key twice.
            boolean empty = tx.getOptional("SELECT 1 FROM ps_oplog WHERE bucket = ? LIMIT 1", id).isEmpty();
            java.util.Set<String> keys = new java.util.HashSet<>();
            List<Object[]> inserts = new ArrayList<>();
            for (OplogEntry op : chunk.data()) {
                long hash = op.checksum() & 0xFFFFFFFFL;
                switch (op.op()) {
                    case PUT, REMOVE -> {
                        String type = op.objectType().orElseThrow();
                        String rowId = op.objectId().orElseThrow();
                        String key = type + "/" + rowId + "/" + op.subkey().orElse("null");
                        if (!empty || !keys.add(key)) {
                            flush(tx, inserts);
                            for (Map<String, Object> previous : tx.getAll(
                                    "DELETE FROM ps_oplog WHERE bucket = ? AND key = ? RETURNING hash", id, key)) {
                                long old = ((Number) previous.get("hash")).longValue();
                                add = (add + old) % MOD;
                                live = Math.floorMod(live - old, MOD);
                            }
                        }
                        if (op.op() == OplogEntry.OpType.PUT) {
                            // found again at publishing by its op id (above the bucket's last published op)
                            inserts.add(new Object[]{id, op.opId(), type, rowId, key, op.data().orElse(null), hash});
                            live = (live + hash) % MOD;
                        } else {
                            add = (add + hash) % MOD;
                            tx.execute("INSERT OR IGNORE INTO ps_updated_rows (row_type, row_id) VALUES (?, ?)", type, rowId);
                        }
                    }
                    case MOVE -> add = (add + hash) % MOD;
                    case CLEAR -> {
                        flush(tx, inserts);
                        tx.execute("INSERT OR IGNORE INTO ps_updated_rows (row_type, row_id) SELECT row_type, row_id FROM ps_oplog "
                                + "WHERE bucket = ?", id);
                        tx.execute("DELETE FROM ps_oplog WHERE bucket = ?", id);
                        add = hash;
                        live = 0;
                        tx.execute("UPDATE ps_buckets SET last_applied_op = 0 WHERE id = ?", id);
                        empty = true;
                        keys.clear();
                    }
                }
                lastOp = Math.max(lastOp, op.opId());
            }
            flush(tx, inserts);
            tx.execute("UPDATE ps_buckets SET add_checksum = ?, op_checksum = ?, last_op = ?, priority = ?, "
                    + "count_since_last = count_since_last + ? WHERE id = ?", add, live, lastOp, priority, chunk.data().size(), id);
            return null;
        });
    }

    /** Rows per multi-row INSERT: one statement per hundred ops rather than one per op. */
    private static final int ROWS_PER_INSERT = 100;
    private static final String INSERT_OPS = "INSERT INTO ps_oplog (bucket, op_id, row_type, row_id, key, data, hash) VALUES ";

    private static void flush(PowerSyncDatabase.Transaction tx, List<Object[]> inserts) {
        for (int from = 0; from < inserts.size(); from += ROWS_PER_INSERT) {
            List<Object[]> rows = inserts.subList(from, Math.min(inserts.size(), from + ROWS_PER_INSERT));
            Object[] parameters = new Object[rows.size() * 7];
            for (int i = 0; i < rows.size(); i++) {
                System.arraycopy(rows.get(i), 0, parameters, i * 7, 7);
            }
            tx.execute(INSERT_OPS + "(?, ?, ?, ?, ?, ?, ?)" + ", (?, ?, ?, ?, ?, ?, ?)".repeat(rows.size() - 1), parameters);
        }
        inserts.clear();
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
            for (String bucket : buckets) {
                tx.execute("UPDATE ps_buckets SET last_op = MAX(last_op, ?) WHERE name = ?", checkpoint, bucket);
            }
            tx.execute("CREATE TEMP TABLE IF NOT EXISTS ps_publish (row_type TEXT NOT NULL, row_id TEXT NOT NULL, "
                    + "PRIMARY KEY (row_type, row_id)) WITHOUT ROWID");
            tx.execute("DELETE FROM ps_publish");
            for (String bucket : buckets) {
                tx.execute("INSERT OR IGNORE INTO ps_publish (row_type, row_id) SELECT o.row_type, o.row_id FROM ps_oplog o "
                        + "JOIN ps_buckets b ON b.id = o.bucket WHERE b.name = ? AND o.op_id > b.last_applied_op", bucket);
            }
            if (full) {
                tx.execute("INSERT OR IGNORE INTO ps_publish (row_type, row_id) SELECT row_type, row_id FROM ps_updated_rows");
            } else {
                for (String bucket : buckets) {
                    tx.execute("INSERT OR IGNORE INTO ps_publish (row_type, row_id) SELECT u.row_type, u.row_id FROM ps_updated_rows u "
                            + "WHERE EXISTS (SELECT 1 FROM ps_oplog o WHERE o.bucket = (SELECT id FROM ps_buckets WHERE name = ?) "
                            + "AND o.row_type = u.row_type AND o.row_id = u.row_id)", bucket);
                }
            }
            // For each row, the PUT with the highest op id across all buckets, or nothing.
            String newest = "(SELECT o.data FROM ps_oplog o WHERE o.row_type = p.row_type AND o.row_id = p.row_id "
                    + "ORDER BY o.op_id DESC LIMIT 1)";
            String any = "EXISTS (SELECT 1 FROM ps_oplog o WHERE o.row_type = p.row_type AND o.row_id = p.row_id)";
            List<String> synced = new ArrayList<>();
            for (Table table : database.schema().tables()) {
                if (table.localOnly() || table.insertOnly()) {
                    continue;
                }
                synced.add(SchemaSql.literal(table.name()));
                String data = SchemaSql.quote(table.dataTable());
                String type = SchemaSql.literal(table.name());
                tx.execute("INSERT OR REPLACE INTO " + data + " (id, data) SELECT p.row_id, " + newest + " FROM ps_publish p "
                        + "WHERE p.row_type = " + type + " AND " + any);
                tx.execute("DELETE FROM " + data + " WHERE id IN (SELECT p.row_id FROM ps_publish p WHERE p.row_type = " + type
                        + " AND NOT " + any + ")");
            }
            String unknown = synced.isEmpty() ? "1" : "p.row_type NOT IN (" + String.join(", ", synced) + ")";
            tx.execute("INSERT OR REPLACE INTO ps_untyped (type, id, data) SELECT p.row_type, p.row_id, " + newest
                    + " FROM ps_publish p WHERE " + unknown + " AND " + any);
            tx.execute("DELETE FROM ps_untyped WHERE EXISTS (SELECT 1 FROM ps_publish p WHERE p.row_type = ps_untyped.type "
                    + "AND p.row_id = ps_untyped.id AND NOT " + any + ")");
            tx.execute("DELETE FROM ps_updated_rows WHERE EXISTS (SELECT 1 FROM ps_publish p WHERE p.row_type = ps_updated_rows.row_type "
                    + "AND p.row_id = ps_updated_rows.row_id)");
            tx.execute("DELETE FROM ps_publish");
            for (String bucket : buckets) {
                tx.execute("UPDATE ps_buckets SET last_applied_op = last_op, count_at_last = count_at_last + count_since_last, "
                        + "count_since_last = 0 WHERE name = ?", bucket);
            }
            if (full) {
                writeCheckpoint.ifPresent(id -> tx.execute(
                        "INSERT OR REPLACE INTO ps_kv (key, value) VALUES ('last_seen_checkpoint_request_id', ?)", id));
            }
            tx.execute("INSERT OR REPLACE INTO ps_sync_state (priority, last_synced_at) VALUES (?, ?)", full ? Integer.MAX_VALUE
                    : priority, Instant.now().toString());
            return null;
        });
    }
}
