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

    /** A {@code data} line, worked out by {@link #prepare}, and the priority of its bucket. */
    record Chunk(PreparedChunk data, int priority) {
    }

    /** A {@code data} line's ops as they will be stored: its parts between CLEARs. */
    record PreparedChunk(String bucket, int ops, long lastOp, List<Segment> segments) {
    }

    /**
     * Works out a {@code data} line in memory, without the database: the line splits at its
     * CLEARs, and within each part an op replaces the earlier op of its key. The sync client calls
     * it while reading the stream, so that the thread writing the database only writes.
     */
    static PreparedChunk prepare(DataChunk chunk) {
        List<Segment> segments = new ArrayList<>();
        Segment segment = new Segment(false, 0);
        long lastOp = 0;
        for (OplogEntry op : chunk.data()) {
            long hash = op.checksum() & 0xFFFFFFFFL;
            switch (op.op()) {
                case PUT, REMOVE -> segment.add(op, hash);
                case MOVE -> segment.delta.added(hash);
                case CLEAR -> {
                    segments.add(segment.finish());
                    segment = new Segment(true, hash);
                }
            }
            lastOp = Math.max(lastOp, op.opId());
        }
        segments.add(segment.finish());
        return new PreparedChunk(chunk.bucket(), chunk.data().size(), lastOp, List.copyOf(segments));
    }

    /**
     * Stores {@code data} lines' ops in one local transaction, set-based: the surviving PUTs of each
     * part go in with multi-row inserts, and ops stored before are deleted by key only where one
     * is met (see {@link Segment#store}). A REMOVE is not stored: it marks its row for the next
     * publish. Both checksum accumulators follow each replacement.
     */
    void applyChunks(List<Chunk> chunks) {
        database.writeTransaction(tx -> {
            for (Chunk chunk : chunks) {
                applyChunk(tx, chunk.data(), chunk.priority());
            }
            return null;
        });
    }

    void applyChunk(DataChunk chunk, int priority) {
        applyChunks(List.of(new Chunk(prepare(chunk), priority)));
    }

    private static void applyChunk(PowerSyncDatabase.Transaction tx, PreparedChunk chunk, int priority) {
        tx.execute("INSERT OR IGNORE INTO ps_buckets (name, priority) VALUES (?, ?)", chunk.bucket(), priority);
        Map<String, Object> row = tx.get("SELECT id, add_checksum, op_checksum, last_op FROM ps_buckets WHERE name = ?",
                chunk.bucket());
        long bucket = ((Number) row.get("id")).longValue();
        Sums sums = new Sums(((Number) row.get("add_checksum")).longValue(), ((Number) row.get("op_checksum")).longValue());
        for (Segment segment : chunk.segments()) {
            segment.store(tx, bucket, sums);
        }
        long lastOp = Math.max(((Number) row.get("last_op")).longValue(), chunk.lastOp());
        tx.execute("UPDATE ps_buckets SET add_checksum = ?, op_checksum = ?, last_op = ?, priority = ?, "
                + "count_since_last = count_since_last + ? WHERE id = ?", sums.add, sums.op, lastOp, priority, chunk.ops(), bucket);
    }

    /** A bucket's two checksum accumulators while a transaction stores into it. */
    private static final class Sums {
        long add;
        long op;

        Sums(long add, long op) {
            this.add = add;
            this.op = op;
        }

        /** An op not kept (a REMOVE, a MOVE): its checksum goes to the add accumulator. */
        void added(long hash) {
            add = (add + hash) % MOD;
        }

        /** A kept op deleted or replaced: its checksum moves to the add accumulator. */
        void replaced(long hash) {
            added(hash);
            op = Math.floorMod(op - hash, MOD);
        }
    }

    /** Rows per multi-row INSERT: one statement per hundreds of ops. */
    private static final int ROWS_PER_INSERT = 100;
    private static final int COLUMNS = 7;
    /** The multi-row inserts by their number of rows. */
    private static final String[] INSERT_OPS = new String[ROWS_PER_INSERT + 1];

    static {
        for (int rows = 1; rows <= ROWS_PER_INSERT; rows++) {
            INSERT_OPS[rows] = "INSERT INTO ps_oplog (bucket, op_id, row_type, row_id, subkey, data, hash) VALUES (?, ?, ?, ?, ?, ?, ?)"
                    + ", (?, ?, ?, ?, ?, ?, ?)".repeat(rows - 1);
        }
    }

    private static final String DELETE_OP = "DELETE FROM ps_oplog WHERE row_type = ? AND row_id = ? AND bucket = ? AND subkey = ? "
            + "RETURNING hash";

    /** A line's ops after a CLEAR (or from its start) up to the next CLEAR (or its end). */
    static final class Segment {
        /** Whether a CLEAR starts the segment, and its checksum. */
        private final boolean cleared;
        private final long clearHash;
        /** What the segment adds to the accumulators before stored ops are met (mod 2^32). */
        private final Sums delta = new Sums(0, 0);
        /** PUTs to insert, in order, as their insert's parameters (the bucket left out); a null is one replaced later in the segment. */
        private List<Object[]> puts = new ArrayList<>();
        /** The segment's op per key: its index in {@link #puts}, or -1 for a REMOVE. */
        private Map<Key, Integer> latest = new java.util.HashMap<>();
        /** Once finished: the parameters of each multi-row insert, and the keys of the REMOVEs. */
        private List<Object[]> inserts;
        private List<Key> removed;

        private Segment(boolean cleared, long clearHash) {
            this.cleared = cleared;
            this.clearHash = clearHash;
        }

        private void add(OplogEntry op, long hash) {
            Key key = new Key(op.objectType().orElseThrow(), op.objectId().orElseThrow(), op.subkey().orElse("null"));
            Integer previous = latest.get(key);
            if (previous != null && previous >= 0) {
                delta.replaced((Long) puts.get(previous)[6]);
                puts.set(previous, null);
            }
            if (op.op() == OplogEntry.OpType.PUT) {
                // found again at publishing by its op id (above the bucket's last published op)
                puts.add(new Object[]{null, op.opId(), key.type(), key.id(), key.subkey(), op.data().orElse(null), hash});
                latest.put(key, puts.size() - 1);
                delta.op = (delta.op + hash) % MOD;
            } else {
                latest.put(key, -1);
                delta.added(hash);
            }
        }

        /** The insert parameters and removed keys, from what the segment holds. */
        private Segment finish() {
            List<Object[]> rows = puts.stream().filter(java.util.Objects::nonNull).toList();
            inserts = new ArrayList<>();
            for (int from = 0; from < rows.size(); from += ROWS_PER_INSERT) {
                List<Object[]> group = rows.subList(from, Math.min(rows.size(), from + ROWS_PER_INSERT));
                Object[] parameters = new Object[group.size() * COLUMNS];
                for (int i = 0; i < group.size(); i++) {
                    System.arraycopy(group.get(i), 0, parameters, i * COLUMNS, COLUMNS);
                }
                inserts.add(parameters);
            }
            removed = new ArrayList<>();
            latest.forEach((key, index) -> {
                if (index < 0) {
                    removed.add(key);
                }
            });
            puts = null;
            latest = null;
            return this;
        }

        /**
         * Stores the segment into {@code bucket}: a CLEAR first deletes the bucket's stored ops and
         * marks their rows. The PUTs go in with multi-row inserts; a group that meets a stored op of
         * the same key (the primary key refuses it: rare but for updates) deletes those first and
         * goes in again. The keys of the REMOVEs are deleted, and their rows marked for the next
         * publish.
         */
        private void store(PowerSyncDatabase.Transaction tx, long bucket, Sums sums) {
            if (cleared) {
                tx.execute("INSERT OR IGNORE INTO ps_updated_rows (row_type, row_id) SELECT row_type, row_id FROM ps_oplog "
                        + "WHERE bucket = ?", bucket);
                tx.execute("DELETE FROM ps_oplog WHERE bucket = ?", bucket);
                tx.execute("UPDATE ps_buckets SET last_applied_op = 0 WHERE id = ?", bucket);
                sums.add = clearHash;
                sums.op = 0;
            }
            sums.added(delta.add);
            sums.op = (sums.op + delta.op) % MOD;
            for (Key key : removed) {
                deleteStored(tx, bucket, sums, key.type(), key.id(), key.subkey());
                tx.execute("INSERT OR IGNORE INTO ps_updated_rows (row_type, row_id) VALUES (?, ?)", key.type(), key.id());
            }
            for (Object[] parameters : inserts) {
                int rows = parameters.length / COLUMNS;
                for (int i = 0; i < rows; i++) {
                    parameters[i * COLUMNS] = bucket;
                }
                String insert = INSERT_OPS[rows];
                try {
                    tx.execute(insert, parameters);
                } catch (LocalDatabaseException e) {
                    if (!(e.getCause() instanceof org.sqlite.SQLiteException sqlite)
                            || sqlite.getResultCode() != org.sqlite.SQLiteErrorCode.SQLITE_CONSTRAINT_PRIMARYKEY) {
                        throw e;
                    }
                    for (int i = 0; i < rows; i++) {
                        int at = i * COLUMNS;
                        deleteStored(tx, bucket, sums, (String) parameters[at + 2], (String) parameters[at + 3], (String) parameters[at + 4]);
                    }
                    tx.execute(insert, parameters);
                }
            }
        }

        private static void deleteStored(PowerSyncDatabase.Transaction tx, long bucket, Sums sums, String type, String id,
                                         String subkey) {
            for (Map<String, Object> old : tx.getAll(DELETE_OP, type, id, bucket, subkey)) {
                sums.replaced(((Number) old.get("hash")).longValue());
            }
        }
    }

    /**
     * An op's key within its bucket. Its hash mixes the parts' hashes: a record's would add them,
     * and ids and subkeys that end in the same digits (often so) would then fill few of the map's bins.
     */
    private record Key(String type, String id, String subkey) {
        @Override
        public int hashCode() {
            return Integer.rotateLeft(id.hashCode() * 0x9E3779B1, 16) ^ subkey.hashCode() ^ type.hashCode() * 31;
        }
    }

    /** The row types the op log holds (as SQL literals), found with one seek per type. */
    private static java.util.Set<String> typesInOplog(PowerSyncDatabase.Transaction tx) {
        java.util.Set<String> types = new java.util.HashSet<>();
        Optional<Map<String, Object>> next = tx.getOptional("SELECT row_type FROM ps_oplog ORDER BY row_type LIMIT 1");
        while (next.isPresent()) {
            String type = (String) next.get().get("row_type");
            types.add(SchemaSql.literal(type));
            next = tx.getOptional("SELECT row_type FROM ps_oplog WHERE row_type > ? ORDER BY row_type LIMIT 1", type);
        }
        return types;
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
        database.writeTransactionNamingTables(tx -> {
            tx.wrote("ps_buckets");
            tx.wrote("ps_sync_state");
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
                        tx.wrote(table.dataTable());
                    }
                }
            }
            String notFilled = filled.isEmpty() ? "" : " AND o.row_type NOT IN (" + String.join(", ", filled) + ")";
            // When every type in the op log went in whole, no bucket's ops are left to look at.
            boolean allFilled = !filled.isEmpty() && filled.containsAll(typesInOplog(tx));
            for (String bucket : allFilled ? List.<String>of() : buckets) {
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
            java.util.Set<String> published = new java.util.HashSet<>();
            for (Map<String, Object> row : tx.getAll("SELECT DISTINCT row_type FROM ps_publish")) {
                published.add((String) row.get("row_type"));
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
                if (!published.remove(table.name())) {
                    continue;
                }
                tx.wrote(table.dataTable());
                String data = SchemaSql.quote(table.dataTable());
                String type = SchemaSql.literal(table.name());
                tx.execute("INSERT OR REPLACE INTO " + data + " (id, data) SELECT p.row_id, " + newest + " FROM ps_publish p "
                        + "WHERE p.row_type = " + type + " AND " + any);
                tx.execute("DELETE FROM " + data + " WHERE id IN (SELECT p.row_id FROM ps_publish p WHERE p.row_type = " + type
                        + " AND NOT " + any + ")");
            }
            if (!published.isEmpty()) {
                tx.wrote("ps_untyped");
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
            if (full && writeCheckpoint.isPresent()) {
                tx.wrote("ps_kv");
                tx.execute("INSERT OR REPLACE INTO ps_kv (key, value) VALUES ('last_seen_checkpoint_request_id', ?)",
                        writeCheckpoint.getAsLong());
            }
            tx.execute("INSERT OR REPLACE INTO ps_sync_state (priority, last_synced_at) VALUES (?, ?)", full ? Integer.MAX_VALUE
                    : priority, Instant.now().toString());
            return null;
        });
    }
}
