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

    /**
     * Stores one {@code data} line's ops, set-based: within the line an op replaces the earlier op
     * of its key in memory; the surviving PUTs go in with multi-row inserts, and ops stored before
     * the line are deleted by key only where one is met (see {@link Segment#store}). A REMOVE is
     * not stored: it marks its row for the next publish. Both checksum accumulators follow each
     * replacement.
     */
    void applyChunk(DataChunk chunk, int priority) {
        database.writeTransaction(tx -> {
            tx.execute("INSERT OR IGNORE INTO ps_buckets (name, priority) VALUES (?, ?)", chunk.bucket(), priority);
            Map<String, Object> bucket = tx.get("SELECT id, add_checksum, op_checksum, last_op FROM ps_buckets WHERE name = ?",
                    chunk.bucket());
            Segment segment = new Segment(((Number) bucket.get("id")).longValue(), ((Number) bucket.get("add_checksum")).longValue(),
                    ((Number) bucket.get("op_checksum")).longValue());
            long lastOp = ((Number) bucket.get("last_op")).longValue();
            for (OplogEntry op : chunk.data()) {
                long hash = op.checksum() & 0xFFFFFFFFL;
                switch (op.op()) {
                    case PUT, REMOVE -> segment.add(op, hash);
                    case MOVE -> segment.addChecksum = (segment.addChecksum + hash) % MOD;
                    case CLEAR -> {
                        segment.store(tx);
                        tx.execute("INSERT OR IGNORE INTO ps_updated_rows (row_type, row_id) SELECT row_type, row_id FROM ps_oplog "
                                + "WHERE bucket = ?", segment.bucket);
                        tx.execute("DELETE FROM ps_oplog WHERE bucket = ?", segment.bucket);
                        tx.execute("UPDATE ps_buckets SET last_applied_op = 0 WHERE id = ?", segment.bucket);
                        segment.addChecksum = hash;
                        segment.opChecksum = 0;
                    }
                }
                lastOp = Math.max(lastOp, op.opId());
            }
            segment.store(tx);
            tx.execute("UPDATE ps_buckets SET add_checksum = ?, op_checksum = ?, last_op = ?, priority = ?, "
                    + "count_since_last = count_since_last + ? WHERE id = ?", segment.addChecksum, segment.opChecksum, lastOp, priority,
                    chunk.data().size(), segment.bucket);
            return null;
        });
    }

    /** Rows per multi-row INSERT, and keys per DELETE of replaced ops: one statement per hundreds of ops. */
    private static final int ROWS_PER_INSERT = 100;
    private static final int KEYS_PER_DELETE = 200;
    private static final String INSERT_OPS = "INSERT INTO ps_oplog (bucket, op_id, row_type, row_id, key, data, hash) VALUES ";

    /** A line's ops up to a CLEAR (or its end), kept in memory until stored together. */
    private static final class Segment {
        final long bucket;
        long addChecksum;
        long opChecksum;
        /** PUTs to insert, in order; a null is one replaced later in the segment. */
        final List<Object[]> puts = new ArrayList<>();
        /** The segment's op per key: its index in {@link #puts}, or -1 for a REMOVE. */
        final Map<String, Integer> latest = new java.util.HashMap<>();
        final List<Object[]> removed = new ArrayList<>();

        Segment(long bucket, long addChecksum, long opChecksum) {
            this.bucket = bucket;
            this.addChecksum = addChecksum;
            this.opChecksum = opChecksum;
        }

        void add(OplogEntry op, long hash) {
            String type = op.objectType().orElseThrow();
            String rowId = op.objectId().orElseThrow();
            String key = type + "/" + rowId + "/" + op.subkey().orElse("null");
            Integer previous = latest.get(key);
            if (previous != null && previous >= 0) {
                long old = (Long) puts.get(previous)[6];
                addChecksum = (addChecksum + old) % MOD;
                opChecksum = Math.floorMod(opChecksum - old, MOD);
                puts.set(previous, null);
            }
            if (op.op() == OplogEntry.OpType.PUT) {
                // found again at publishing by its op id (above the bucket's last published op)
                puts.add(new Object[]{bucket, op.opId(), type, rowId, key, op.data().orElse(null), hash});
                latest.put(key, puts.size() - 1);
                opChecksum = (opChecksum + hash) % MOD;
            } else {
                latest.put(key, -1);
                removed.add(new Object[]{type, rowId});
                addChecksum = (addChecksum + hash) % MOD;
            }
        }

        /**
         * Stores the segment. Its PUTs go in with multi-row inserts; a group that meets a stored op
         * of the same key (the unique index refuses it: rare but for updates) deletes those first
         * and goes in again. The keys of its REMOVEs are deleted by key. A stored op deleted moves
         * its checksum to the add accumulator.
         */
        void store(PowerSyncDatabase.Transaction tx) {
            List<String> removedKeys = new ArrayList<>();
            latest.forEach((key, index) -> {
                if (index < 0) {
                    removedKeys.add(key);
                }
            });
            deleteStored(tx, removedKeys);
            List<Object[]> rows = puts.stream().filter(java.util.Objects::nonNull).toList();
            for (int from = 0; from < rows.size(); from += ROWS_PER_INSERT) {
                List<Object[]> group = rows.subList(from, Math.min(rows.size(), from + ROWS_PER_INSERT));
                Object[] parameters = new Object[group.size() * 7];
                for (int i = 0; i < group.size(); i++) {
                    System.arraycopy(group.get(i), 0, parameters, i * 7, 7);
                }
                String insert = INSERT_OPS + "(?, ?, ?, ?, ?, ?, ?)" + ", (?, ?, ?, ?, ?, ?, ?)".repeat(group.size() - 1);
                try {
                    tx.execute(insert, parameters);
                } catch (LocalDatabaseException e) {
                    if (!(e.getCause() instanceof org.sqlite.SQLiteException sqlite)
                            || sqlite.getResultCode() != org.sqlite.SQLiteErrorCode.SQLITE_CONSTRAINT_UNIQUE) {
                        throw e;
                    }
                    deleteStored(tx, group.stream().map(row -> (String) row[4]).toList());
                    tx.execute(insert, parameters);
                }
            }
            for (Object[] row : removed) {
                tx.execute("INSERT OR IGNORE INTO ps_updated_rows (row_type, row_id) VALUES (?, ?)", row);
            }
            puts.clear();
            latest.clear();
            removed.clear();
        }

        private void deleteStored(PowerSyncDatabase.Transaction tx, List<String> keys) {
            for (int from = 0; from < keys.size(); from += KEYS_PER_DELETE) {
                List<String> group = keys.subList(from, Math.min(keys.size(), from + KEYS_PER_DELETE));
                Object[] parameters = new Object[group.size() + 1];
                parameters[0] = bucket;
                for (int i = 0; i < group.size(); i++) {
                    parameters[i + 1] = group.get(i);
                }
                for (Map<String, Object> old : tx.getAll("DELETE FROM ps_oplog WHERE bucket = ? AND key IN (?"
                        + ", ?".repeat(group.size() - 1) + ") RETURNING hash", parameters)) {
                    long hash = ((Number) old.get("hash")).longValue();
                    addChecksum = (addChecksum + hash) % MOD;
                    opChecksum = Math.floorMod(opChecksum - hash, MOD);
                }
            }
        }
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
            // A whole checkpoint into a table still empty (a first sync): every row with an op goes in, in one pass.
            List<String> filled = new ArrayList<>();
            if (full) {
                for (Table table : database.schema().tables()) {
                    String data = SchemaSql.quote(table.dataTable());
                    if (!table.localOnly() && !table.insertOnly() && tx.getOptional("SELECT 1 FROM " + data + " LIMIT 1").isEmpty()) {
                        tx.execute("INSERT INTO " + data + " (id, data) SELECT row_id, data FROM (SELECT row_id, data, MAX(op_id) "
                                + "FROM ps_oplog WHERE row_type = ? GROUP BY row_id)", table.name());
                        filled.add(SchemaSql.literal(table.name()));
                    }
                }
            }
            String notFilled = filled.isEmpty() ? "" : " AND o.row_type NOT IN (" + String.join(", ", filled) + ")";
            for (String bucket : buckets) {
                tx.execute("INSERT OR IGNORE INTO ps_publish (row_type, row_id) SELECT o.row_type, o.row_id FROM ps_oplog o "
                        + "JOIN ps_buckets b ON b.id = o.bucket WHERE b.name = ? AND o.op_id > b.last_applied_op" + notFilled, bucket);
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
