package org.syncsuite.gateway.storage;

import java.math.BigDecimal;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

import javax.sql.DataSource;

import org.syncsuite.core.Checksums;

/**
 * Compacts the buckets of one sync config version (a {@code group_id}) up to a committed
 * checkpoint {@code maxOpId}, without changing any bucket's checksum, so that clients resume
 * where they stopped and still validate:
 *
 * <ol>
 * <li><b>MOVE pass</b>: a bucket's ops up to {@code maxOpId} are read newest first, in pages. The
 * newest op of each row key ({@code object_type}, {@code object_id}, {@code subkey}) is
 * remembered; every older PUT or REMOVE of a remembered key becomes a MOVE whose
 * {@code target_op} is that newest op, its row identity and data cleared, its checksum kept.
 * Remembered keys are bounded by {@link Options#trackedKeysMemoryBytes()}: past it, new keys are
 * not remembered, which compacts less but never wrongly.</li>
 * <li><b>CLEAR pass</b>: the longest prefix of the bucket (up to {@code maxOpId}) holding no PUT
 * is, when it has more than one op, replaced in one transaction by a single CLEAR at its last op
 * id, whose checksum is the prefix's checksum sum and whose {@code target_op} is the highest
 * {@code target_op} of the ops it replaces (its own op id when none has one).</li>
 * </ol>
 *
 * <p>Ops above {@code maxOpId} are neither changed nor used to supersede older ones, so
 * {@code maxOpId} must be a committed checkpoint: ops at or below it are final, and a writer only
 * appends above it. A writer may go on appending while this runs: {@code bucket_state} is only
 * ever changed relatively ({@code op_count = op_count - ?}, {@code bytes = bytes - ?}) in the
 * transaction that changed the ops, and {@code checksum_sum} is left alone since no checksum
 * changes. Each bucket's {@code compacted_op} is raised to {@code maxOpId} once it is done; a
 * bucket whose {@code compacted_op} is already at {@code maxOpId} or at its last op is skipped.
 *
 * <p><b>CLEAR checksums</b> are stored as <em>signed</em> 32-bit values
 * ({@link Checksums#toSigned(long)}), as the reference implementation sends them (see
 * {@link org.syncsuite.core.protocol.OplogEntry}); PUT and REMOVE checksums stay unsigned. Both
 * forms denote the same value modulo 2^32, so whoever sums {@code bucket_ops.checksum} reduces the
 * sum with {@link Checksums#toUnsigned(long)}.
 *
 * <p>Optionally ({@link Options#compactParameterIndex()}), {@link #compactGroup} also compacts the
 * parameter index history: of the rows of each (lookup, source row) at or below {@code maxOpId},
 * only the newest is kept, and not even that one when it is an empty result ({@code []}). Lookups
 * as of a checkpoint at or above {@code maxOpId} answer the same afterwards; older checkpoints
 * see the newer state.
 *
 * <p>Connections come from the {@link DataSource} given, one per call, used in short
 * transactions of its own at READ COMMITTED (its autocommit and isolation are restored before it
 * is closed). Transactions that meet a deadlock or a lock wait timeout are retried, each of them
 * being idempotent. Thread-safe, but a group should be compacted by one compactor at a time
 * (two at once stay correct, only wasteful).
 */
public final class Compactor {

    private static final int PUT = 1;
    private static final int REMOVE = 2;
    private static final int MOVE = 3;
    private static final int CLEAR = 4;
    /** An op's size as {@code BucketStore.append} counts it in {@code bucket_state.bytes}: its data's UTF-16 length. */
    private static final String OP_BYTES = "COALESCE(LENGTH(CONVERT(data USING utf16)) DIV 2, 0)";
    /** Estimated heap per remembered key, beyond the key's bytes (map entry, boxed op id, buffer). */
    private static final int KEY_OVERHEAD_BYTES = 140;
    private static final int LIST_PAGE = 1000;
    private static final int ATTEMPTS = 3;

    /**
     * How a compaction runs.
     *
     * @param pageSize               ops (or parameter index rows) read per query
     * @param flushSize              changes written per transaction in the MOVE pass and parameter index compaction
     * @param trackedKeysMemoryBytes the estimated memory the MOVE pass may spend remembering one bucket's row keys
     * @param compactParameterIndex  whether {@link #compactGroup} also compacts the parameter index history
     */
    public record Options(int pageSize, int flushSize, long trackedKeysMemoryBytes, boolean compactParameterIndex) {

        public Options {
            if (pageSize <= 0 || flushSize <= 0 || trackedKeysMemoryBytes < 0) {
                throw new IllegalArgumentException("Page size and flush size must be positive, the key memory not negative");
            }
        }

        /** Pages of 10 000 ops, flushes of 2000, 256 MB of remembered keys, parameter index included. */
        public static Options defaults() {
            return new Options(10_000, 2_000, 256L << 20, true);
        }

        public Options withPageSize(int pageSize) {
            return new Options(pageSize, flushSize, trackedKeysMemoryBytes, compactParameterIndex);
        }

        public Options withFlushSize(int flushSize) {
            return new Options(pageSize, flushSize, trackedKeysMemoryBytes, compactParameterIndex);
        }

        public Options withTrackedKeysMemoryBytes(long trackedKeysMemoryBytes) {
            return new Options(pageSize, flushSize, trackedKeysMemoryBytes, compactParameterIndex);
        }

        public Options withCompactParameterIndex(boolean compactParameterIndex) {
            return new Options(pageSize, flushSize, trackedKeysMemoryBytes, compactParameterIndex);
        }
    }

    /**
     * What a compaction did, for logs and metrics.
     *
     * @param bucketsVisited        buckets looked at
     * @param bucketsSkipped        of those, buckets already compacted up to {@code maxOpId} or to their last op
     * @param opsScanned            ops read by the MOVE pass
     * @param opsMoved              PUTs and REMOVEs turned into MOVEs
     * @param opsCleared            ops replaced by CLEARs (each CLEAR replacing at least two)
     * @param clearsWritten         CLEARs written
     * @param opsBefore             the compacted buckets' op counts before (from {@code bucket_state})
     * @param opsAfter              the same, less the ops removed
     * @param bytesBefore           the compacted buckets' {@code bucket_state.bytes} before
     * @param bytesAfter            the same, less the data cleared
     * @param parameterRowsDeleted  parameter index rows deleted
     */
    public record Result(int bucketsVisited, int bucketsSkipped, long opsScanned, long opsMoved, long opsCleared,
                         long clearsWritten, long opsBefore, long opsAfter, long bytesBefore, long bytesAfter,
                         long parameterRowsDeleted) {

        /** Nothing done. */
        public static final Result EMPTY = new Result(0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0);

        /** Rows deleted from {@code bucket_ops}. */
        public long opsDeleted() {
            return opsBefore - opsAfter;
        }

        /** The figures of both. */
        public Result plus(Result other) {
            return new Result(bucketsVisited + other.bucketsVisited, bucketsSkipped + other.bucketsSkipped,
                    opsScanned + other.opsScanned, opsMoved + other.opsMoved, opsCleared + other.opsCleared,
                    clearsWritten + other.clearsWritten, opsBefore + other.opsBefore, opsAfter + other.opsAfter,
                    bytesBefore + other.bytesBefore, bytesAfter + other.bytesAfter,
                    parameterRowsDeleted + other.parameterRowsDeleted);
        }
    }

    private final DataSource dataSource;
    private final Options options;

    public Compactor(DataSource dataSource) {
        this(dataSource, Options.defaults());
    }

    public Compactor(DataSource dataSource, Options options) {
        this.dataSource = Objects.requireNonNull(dataSource, "dataSource");
        this.options = Objects.requireNonNull(options, "options");
    }

    /**
     * Compacts every bucket of {@code groupId} up to {@code maxOpId}, a committed checkpoint of that
     * group, and its parameter index history when {@link Options#compactParameterIndex()}.
     */
    public Result compactGroup(int groupId, long maxOpId) throws SQLException {
        return compactGroup(groupId, maxOpId, visited -> { });
    }

    /** {@link #compactGroup(int, long)}, telling {@code progress} how many buckets were done after each one. */
    public Result compactGroup(int groupId, long maxOpId, java.util.function.LongConsumer progress) throws SQLException {
        requireOpId(maxOpId);
        Result result = Result.EMPTY;
        long done = 0;
        try (Session session = new Session(dataSource.getConnection())) {
            Connection connection = session.connection;
            byte[] after = null;
            while (true) {
                List<BucketRow> page = new ArrayList<>();
                try (PreparedStatement select = connection.prepareStatement("SELECT bucket, last_op, op_count, bytes, compacted_op "
                        + "FROM bucket_state WHERE group_id = ?" + (after == null ? "" : " AND bucket > ?")
                        + " ORDER BY bucket LIMIT " + LIST_PAGE)) {
                    select.setInt(1, groupId);
                    if (after != null) {
                        select.setBytes(2, after);
                    }
                    readBuckets(select, page);
                }
                connection.commit();
                for (BucketRow bucket : page) {
                    result = result.plus(compactBucket(connection, groupId, bucket, maxOpId));
                    progress.accept(++done);
                }
                if (page.size() < LIST_PAGE) {
                    break;
                }
                after = page.get(page.size() - 1).name;
            }
            if (options.compactParameterIndex()) {
                long deleted = compactParameterIndex(connection, groupId, maxOpId);
                result = result.plus(new Result(0, 0, 0, 0, 0, 0, 0, 0, 0, 0, deleted));
            }
        }
        return result;
    }

    /**
     * Compacts those of {@code buckets} that {@code groupId} has, up to {@code maxOpId}, a committed
     * checkpoint of that group. Leaves the parameter index alone.
     */
    public Result compactBuckets(int groupId, long maxOpId, Collection<String> buckets) throws SQLException {
        requireOpId(maxOpId);
        Result result = Result.EMPTY;
        if (buckets.isEmpty()) {
            return result;
        }
        List<byte[]> names = buckets.stream().distinct().map(b -> b.getBytes(StandardCharsets.UTF_8)).toList();
        try (Session session = new Session(dataSource.getConnection())) {
            Connection connection = session.connection;
            for (int from = 0; from < names.size(); from += LIST_PAGE) {
                List<byte[]> chunk = names.subList(from, Math.min(names.size(), from + LIST_PAGE));
                List<BucketRow> page = new ArrayList<>();
                try (PreparedStatement select = connection.prepareStatement("SELECT bucket, last_op, op_count, bytes, compacted_op "
                        + "FROM bucket_state WHERE group_id = ? AND bucket IN (" + marks(chunk.size()) + ") ORDER BY bucket")) {
                    select.setInt(1, groupId);
                    int i = 2;
                    for (byte[] name : chunk) {
                        select.setBytes(i++, name);
                    }
                    readBuckets(select, page);
                }
                connection.commit();
                for (BucketRow bucket : page) {
                    result = result.plus(compactBucket(connection, groupId, bucket, maxOpId));
                }
            }
        }
        return result;
    }

    /**
     * Compacts the parameter index history of {@code groupId} up to {@code maxOpId}: keeps only each
     * (lookup, source row)'s newest row at or below it, unless that one is an empty result.
     *
     * @return the rows deleted
     */
    public long compactParameterIndex(int groupId, long maxOpId) throws SQLException {
        requireOpId(maxOpId);
        try (Session session = new Session(dataSource.getConnection())) {
            return compactParameterIndex(session.connection, groupId, maxOpId);
        }
    }

    // ---- buckets ----

    private record BucketRow(byte[] name, long lastOp, long opCount, long bytes, Long compactedOp) {
    }

    private static void readBuckets(PreparedStatement select, List<BucketRow> into) throws SQLException {
        try (ResultSet rs = select.executeQuery()) {
            while (rs.next()) {
                long compacted = rs.getLong(5);
                into.add(new BucketRow(rs.getBytes(1), rs.getLong(2), rs.getLong(3), rs.getLong(4),
                        rs.wasNull() ? null : compacted));
            }
        }
    }

    private Result compactBucket(Connection connection, int groupId, BucketRow bucket, long maxOpId) throws SQLException {
        if (bucket.compactedOp != null && bucket.compactedOp >= Math.min(maxOpId, bucket.lastOp)) {
            return new Result(1, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0);
        }
        long[] move = movePass(connection, groupId, bucket.name, maxOpId); // scanned, moved, bytes freed
        long[] clear = clearPass(connection, groupId, bucket.name, maxOpId); // ops replaced, clears written, bytes freed
        inTransaction(connection, c -> {
            try (PreparedStatement mark = c.prepareStatement("UPDATE bucket_state "
                    + "SET compacted_op = GREATEST(COALESCE(compacted_op, 0), ?) WHERE group_id = ? AND bucket = ?")) {
                mark.setLong(1, maxOpId);
                mark.setInt(2, groupId);
                mark.setBytes(3, bucket.name);
                return mark.executeUpdate();
            }
        });
        long opsDeleted = clear[0] - clear[1];
        long bytesFreed = move[2] + clear[2];
        return new Result(1, 0, move[0], move[1], clear[0], clear[1], bucket.opCount, bucket.opCount - opsDeleted,
                bucket.bytes, bucket.bytes - bytesFreed, 0);
    }

    /** Returns {ops scanned, ops moved, bytes freed}. */
    private long[] movePass(Connection connection, int groupId, byte[] bucket, long maxOpId) throws SQLException {
        Map<ByteBuffer, Long> newest = new HashMap<>();
        long trackedBytes = 0;
        long scanned = 0;
        long[] flushed = new long[2];
        List<long[]> pending = new ArrayList<>(); // {op id, target op}
        long upper = maxOpId;
        while (upper > 0) {
            int rows = 0;
            try (PreparedStatement select = connection.prepareStatement("SELECT op_id, op, object_type, object_id, subkey "
                    + "FROM bucket_ops WHERE group_id = ? AND bucket = ? AND op_id <= ? ORDER BY op_id DESC LIMIT ?")) {
                select.setInt(1, groupId);
                select.setBytes(2, bucket);
                select.setLong(3, upper);
                select.setInt(4, options.pageSize());
                try (ResultSet rs = select.executeQuery()) {
                    while (rs.next()) {
                        rows++;
                        long opId = rs.getLong(1);
                        int op = rs.getInt(2);
                        upper = opId - 1;
                        if (op != PUT && op != REMOVE) {
                            continue;
                        }
                        ByteBuffer key = rowKey(rs.getBytes(3), rs.getBytes(4), rs.getBytes(5));
                        Long target = newest.get(key);
                        if (target != null) {
                            pending.add(new long[] {opId, target});
                        } else {
                            long cost = key.capacity() + KEY_OVERHEAD_BYTES;
                            if (trackedBytes + cost <= options.trackedKeysMemoryBytes()) {
                                newest.put(key, opId);
                                trackedBytes += cost;
                            }
                        }
                    }
                }
            }
            connection.commit();
            scanned += rows;
            if (pending.size() >= options.flushSize()) {
                flushMoves(connection, groupId, bucket, pending, flushed);
            }
            if (rows < options.pageSize()) {
                break;
            }
        }
        flushMoves(connection, groupId, bucket, pending, flushed);
        return new long[] {scanned, flushed[0], flushed[1]};
    }

    /** Writes the pending MOVEs, {@code flushSize} per transaction, adding to {moved, bytes freed}. */
    private void flushMoves(Connection connection, int groupId, byte[] bucket, List<long[]> pending, long[] flushed)
            throws SQLException {
        for (int from = 0; from < pending.size(); from += options.flushSize()) {
            List<long[]> chunk = pending.subList(from, Math.min(pending.size(), from + options.flushSize()));
            long[] done = inTransaction(connection, c -> {
                // Lock the rows and keep those still PUT or REMOVE (another compactor may have been first).
                Map<Long, Long> targets = new LinkedHashMap<>();
                for (long[] move : chunk) {
                    targets.put(move[0], move[1]);
                }
                List<Long> still = new ArrayList<>();
                long bytes = 0;
                try (PreparedStatement lock = c.prepareStatement("SELECT op_id, " + OP_BYTES + " FROM bucket_ops "
                        + "WHERE group_id = ? AND bucket = ? AND op_id IN (" + marks(chunk.size()) + ") AND op IN ("
                        + PUT + ", " + REMOVE + ") FOR UPDATE")) {
                    lock.setInt(1, groupId);
                    lock.setBytes(2, bucket);
                    int i = 3;
                    for (long[] move : chunk) {
                        lock.setLong(i++, move[0]);
                    }
                    try (ResultSet rs = lock.executeQuery()) {
                        while (rs.next()) {
                            still.add(rs.getLong(1));
                            bytes += rs.getLong(2);
                        }
                    }
                }
                if (still.isEmpty()) {
                    return new long[2];
                }
                try (PreparedStatement update = c.prepareStatement("UPDATE bucket_ops SET op = " + MOVE + ", target_op = ?, "
                        + "object_type = NULL, object_id = NULL, subkey = NULL, data = NULL "
                        + "WHERE group_id = ? AND bucket = ? AND op_id = ?")) {
                    for (long opId : still) {
                        update.setLong(1, targets.get(opId));
                        update.setInt(2, groupId);
                        update.setBytes(3, bucket);
                        update.setLong(4, opId);
                        update.addBatch();
                    }
                    update.executeBatch();
                }
                if (bytes != 0) {
                    try (PreparedStatement state = c.prepareStatement(
                            "UPDATE bucket_state SET bytes = bytes - ? WHERE group_id = ? AND bucket = ?")) {
                        state.setLong(1, bytes);
                        state.setInt(2, groupId);
                        state.setBytes(3, bucket);
                        state.executeUpdate();
                    }
                }
                return new long[] {still.size(), bytes};
            });
            flushed[0] += done[0];
            flushed[1] += done[1];
        }
        pending.clear();
    }

    /** Returns {ops replaced, clears written (0 or 1), bytes freed}. */
    private long[] clearPass(Connection connection, int groupId, byte[] bucket, long maxOpId) throws SQLException {
        long prefixEnd = maxOpId;
        try (PreparedStatement firstPut = connection.prepareStatement("SELECT op_id FROM bucket_ops "
                + "WHERE group_id = ? AND bucket = ? AND op_id <= ? AND op = " + PUT + " ORDER BY op_id LIMIT 1")) {
            firstPut.setInt(1, groupId);
            firstPut.setBytes(2, bucket);
            firstPut.setLong(3, maxOpId);
            try (ResultSet rs = firstPut.executeQuery()) {
                if (rs.next()) {
                    prefixEnd = rs.getLong(1) - 1;
                }
            }
        }
        int atLeast;
        try (PreparedStatement count = connection.prepareStatement("SELECT COUNT(*) FROM (SELECT op_id FROM bucket_ops "
                + "WHERE group_id = ? AND bucket = ? AND op_id <= ? LIMIT 2) prefix")) {
            count.setInt(1, groupId);
            count.setBytes(2, bucket);
            count.setLong(3, prefixEnd);
            try (ResultSet rs = count.executeQuery()) {
                rs.next();
                atLeast = rs.getInt(1);
            }
        }
        connection.commit();
        if (atLeast < 2) {
            return new long[3];
        }
        long end = prefixEnd;
        return inTransaction(connection, c -> {
            long ops;
            long checksum;
            long lastOp;
            Long target;
            long puts;
            long bytes;
            try (PreparedStatement lock = c.prepareStatement("SELECT COUNT(*), SUM(checksum), MAX(op_id), MAX(target_op), "
                    + "SUM(op = " + PUT + "), SUM(" + OP_BYTES + ") FROM bucket_ops "
                    + "WHERE group_id = ? AND bucket = ? AND op_id <= ? FOR UPDATE")) {
                lock.setInt(1, groupId);
                lock.setBytes(2, bucket);
                lock.setLong(3, end);
                try (ResultSet rs = lock.executeQuery()) {
                    rs.next();
                    ops = rs.getLong(1);
                    checksum = ops == 0 ? 0 : reduce(rs.getBigDecimal(2));
                    lastOp = rs.getLong(3);
                    long maxTarget = rs.getLong(4);
                    target = rs.wasNull() ? null : maxTarget;
                    puts = rs.getLong(5);
                    bytes = rs.getLong(6);
                }
            }
            if (ops < 2 || puts > 0) {
                return new long[3]; // another compactor was first
            }
            try (PreparedStatement delete = c.prepareStatement(
                    "DELETE FROM bucket_ops WHERE group_id = ? AND bucket = ? AND op_id <= ?")) {
                delete.setInt(1, groupId);
                delete.setBytes(2, bucket);
                delete.setLong(3, lastOp);
                int deleted = delete.executeUpdate();
                if (deleted != ops) {
                    throw new SQLException("CLEAR of bucket " + new String(bucket, StandardCharsets.UTF_8) + " up to " + lastOp
                            + " deleted " + deleted + " ops instead of " + ops);
                }
            }
            try (PreparedStatement insert = c.prepareStatement("INSERT INTO bucket_ops "
                    + "(group_id, bucket, op_id, op, object_type, object_id, subkey, checksum, data, target_op) "
                    + "VALUES (?, ?, ?, " + CLEAR + ", NULL, NULL, NULL, ?, NULL, ?)")) {
                insert.setInt(1, groupId);
                insert.setBytes(2, bucket);
                insert.setLong(3, lastOp);
                insert.setLong(4, Checksums.toSigned(checksum));
                insert.setLong(5, target != null ? target : lastOp);
                insert.executeUpdate();
            }
            try (PreparedStatement state = c.prepareStatement("UPDATE bucket_state "
                    + "SET op_count = op_count - ?, bytes = bytes - ? WHERE group_id = ? AND bucket = ?")) {
                state.setLong(1, ops - 1);
                state.setLong(2, bytes);
                state.setInt(3, groupId);
                state.setBytes(4, bucket);
                state.executeUpdate();
            }
            return new long[] {ops, 1, bytes};
        });
    }

    /** A row key: type, id and subkey, each length-prefixed (-1 for none), so that no two keys collide. */
    private static ByteBuffer rowKey(byte[] type, byte[] id, byte[] subkey) {
        int length = 12 + size(type) + size(id) + size(subkey);
        ByteBuffer key = ByteBuffer.allocate(length);
        for (byte[] part : new byte[][] {type, id, subkey}) {
            key.putInt(part == null ? -1 : part.length);
            if (part != null) {
                key.put(part);
            }
        }
        return key.flip();
    }

    private static int size(byte[] part) {
        return part == null ? 0 : part.length;
    }

    // ---- parameter index ----

    private record ParameterRow(long id, byte[] lookup, boolean empty) {
    }

    private long compactParameterIndex(Connection connection, int groupId, long maxOpId) throws SQLException {
        List<Long> doomed = new ArrayList<>();
        long[] deleted = new long[1];
        List<ParameterRow> sourceRow = new ArrayList<>(); // the rows of one (source_table, source_key)
        byte[] table = null;
        byte[] key = null;
        long afterId = 0;
        while (true) {
            int rows = 0;
            try (PreparedStatement select = connection.prepareStatement("SELECT id, lookup, source_table, source_key, "
                    + "CASE WHEN CHAR_LENGTH(result) <= 16 THEN result END FROM parameter_index "
                    + "WHERE group_id = ? AND id <= ?"
                    + (table == null ? "" : " AND (source_table > ? OR (source_table = ? AND source_key > ?) "
                            + "OR (source_table = ? AND source_key = ? AND id > ?))")
                    + " ORDER BY source_table, source_key, id LIMIT ?")) {
                int i = 1;
                select.setInt(i++, groupId);
                select.setLong(i++, maxOpId);
                if (table != null) {
                    select.setBytes(i++, table);
                    select.setBytes(i++, table);
                    select.setBytes(i++, key);
                    select.setBytes(i++, table);
                    select.setBytes(i++, key);
                    select.setLong(i++, afterId);
                }
                select.setInt(i, options.pageSize());
                try (ResultSet rs = select.executeQuery()) {
                    while (rs.next()) {
                        rows++;
                        long id = rs.getLong(1);
                        byte[] rowTable = rs.getBytes(3);
                        byte[] rowKey = rs.getBytes(4);
                        if (table != null && !(Arrays.equals(table, rowTable) && Arrays.equals(key, rowKey))) {
                            settle(sourceRow, doomed);
                        }
                        String result = rs.getString(5);
                        sourceRow.add(new ParameterRow(id, rs.getBytes(2), result != null && result.strip().equals("[]")));
                        table = rowTable;
                        key = rowKey;
                        afterId = id;
                    }
                }
            }
            connection.commit();
            if (doomed.size() >= options.flushSize()) {
                deleteParameterRows(connection, doomed, deleted);
            }
            if (rows < options.pageSize()) {
                break;
            }
        }
        settle(sourceRow, doomed);
        deleteParameterRows(connection, doomed, deleted);
        return deleted[0];
    }

    /** Picks, among one source row's index rows, those to delete, and forgets them all. */
    private static void settle(List<ParameterRow> rows, List<Long> doomed) {
        Map<ByteBuffer, ParameterRow> newest = new HashMap<>();
        for (ParameterRow row : rows) { // in id order: the last one per lookup is the newest
            ParameterRow older = newest.put(ByteBuffer.wrap(row.lookup), row);
            if (older != null) {
                doomed.add(older.id);
            }
        }
        for (ParameterRow row : newest.values()) {
            if (row.empty) {
                doomed.add(row.id);
            }
        }
        rows.clear();
    }

    private void deleteParameterRows(Connection connection, List<Long> doomed, long[] deleted) throws SQLException {
        Collections.sort(doomed);
        for (int from = 0; from < doomed.size(); from += options.flushSize()) {
            List<Long> chunk = doomed.subList(from, Math.min(doomed.size(), from + options.flushSize()));
            deleted[0] += inTransaction(connection, c -> {
                try (PreparedStatement delete = c.prepareStatement(
                        "DELETE FROM parameter_index WHERE id IN (" + marks(chunk.size()) + ")")) {
                    int i = 1;
                    for (long id : chunk) {
                        delete.setLong(i++, id);
                    }
                    return (long) delete.executeUpdate();
                }
            });
        }
        doomed.clear();
    }

    // ---- plumbing ----

    @FunctionalInterface
    private interface Work<T> {
        T run(Connection connection) throws SQLException;
    }

    /** Runs {@code work} in a transaction of its own and commits it; retried on deadlock or lock wait timeout. */
    private static <T> T inTransaction(Connection connection, Work<T> work) throws SQLException {
        for (int attempt = 1; ; attempt++) {
            try {
                T result = work.run(connection);
                connection.commit();
                return result;
            } catch (SQLException e) {
                try {
                    connection.rollback();
                } catch (SQLException rollback) {
                    e.addSuppressed(rollback);
                }
                if (attempt >= ATTEMPTS || !retryable(e)) {
                    throw e;
                }
            }
        }
    }

    private static boolean retryable(SQLException e) {
        return e.getErrorCode() == 1213 || e.getErrorCode() == 1205 || "40001".equals(e.getSQLState());
    }

    /** A sum of checksums, signed or not, modulo 2^32. */
    private static long reduce(BigDecimal sum) {
        return Checksums.toUnsigned(sum.toBigInteger().longValue());
    }

    private static String marks(int count) {
        return String.join(", ", Collections.nCopies(count, "?"));
    }

    private static void requireOpId(long maxOpId) {
        if (maxOpId < 0) {
            throw new IllegalArgumentException("maxOpId must not be negative: " + maxOpId);
        }
    }

    /** A pooled or plain connection set up for short READ COMMITTED transactions, put back as found. */
    private static final class Session implements AutoCloseable {

        final Connection connection;
        private final boolean autoCommit;
        private final int isolation;

        Session(Connection connection) throws SQLException {
            this.connection = connection;
            try {
                autoCommit = connection.getAutoCommit();
                isolation = connection.getTransactionIsolation();
                connection.setAutoCommit(false);
                connection.setTransactionIsolation(Connection.TRANSACTION_READ_COMMITTED);
            } catch (SQLException e) {
                connection.close();
                throw e;
            }
        }

        @Override
        public void close() throws SQLException {
            try {
                connection.rollback();
                connection.setTransactionIsolation(isolation == Connection.TRANSACTION_NONE
                        ? Connection.TRANSACTION_REPEATABLE_READ : isolation);
                connection.setAutoCommit(autoCommit);
            } finally {
                connection.close();
            }
        }
    }
}
