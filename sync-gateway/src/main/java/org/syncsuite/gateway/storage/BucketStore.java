package org.syncsuite.gateway.storage;

import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Types;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

import org.syncsuite.core.Checksums;
import org.syncsuite.core.protocol.OplogEntry;

/**
 * The hot path of bucket storage, in plain batched JDBC on the caller's connection and
 * transaction: op ids from the one sequence, bucket operations appended with their per-bucket
 * aggregates kept current in the same transaction, and bucket checksums read from those
 * aggregates, so that a checksum costs the same however long the bucket's history is.
 *
 * <p>Stateless and thread-safe; connections are the caller's.
 */
public final class BucketStore {

    private static final long MOD = 1L << 32;

    /** One operation of one bucket, its op id already taken. */
    public record BucketOp(String bucket, OplogEntry entry) {
    }

    /** A bucket's checksum (unsigned, mod 2^32) and op count, as of the last committed append. */
    public record BucketTotals(long checksum, long count, long lastOp) {
    }

    /**
     * A bucket's checksum (unsigned, mod 2^32) and op count as of a checkpoint, when
     * {@code reachable}. A bucket is not reachable at a checkpoint when compaction has folded ops
     * at or before it into a CLEAR after it (reference §1.10): no client can be brought to that
     * checkpoint any more, so {@code checksum} and {@code count} are 0 and the caller serves a
     * newer checkpoint, at least {@code clearTarget} (the highest op id or {@code target_op} of
     * those CLEARs; 0 when reachable).
     */
    public record CheckpointTotals(long checksum, long count, boolean reachable, long clearTarget) {
    }

    /**
     * Takes {@code count} consecutive op ids and returns the first. The sequence row stays locked
     * until the caller's transaction ends; a rolled back range is handed out again. Writers take
     * their ids in ranges ahead of their batches ({@link SyncConfigVersions#reserveOpIds}), so ids
     * of different versions do not follow the order their batches commit in.
     */
    public long allocateOpIds(Connection connection, int count) throws SQLException {
        if (count <= 0) {
            throw new IllegalArgumentException("count must be positive: " + count);
        }
        try (PreparedStatement update = connection.prepareStatement(
                "UPDATE op_id_sequence SET last_op_id = LAST_INSERT_ID(last_op_id + ?) WHERE id = 1")) {
            update.setInt(1, count);
            if (update.executeUpdate() != 1) {
                throw new SQLException("op_id_sequence has no row: the storage is not migrated");
            }
        }
        try (PreparedStatement last = connection.prepareStatement("SELECT LAST_INSERT_ID()"); ResultSet rs = last.executeQuery()) {
            rs.next();
            return rs.getLong(1) - count + 1;
        }
    }

    /** Statements are cut at this many bytes by default, well under the servers' default max_allowed_packet (16 MiB). */
    public static final long STATEMENT_BYTES = 4L * 1024 * 1024;

    /** How an append adds to a bucket's totals. */
    private static final String TOTALS_UPDATE = " ON DUPLICATE KEY UPDATE op_count = op_count + VALUES(op_count), "
            + "checksum_sum = (checksum_sum + VALUES(checksum_sum)) % " + MOD + ", "
            + "last_op = GREATEST(last_op, VALUES(last_op)), bytes = bytes + VALUES(bytes)";

    /**
     * Operations made into their INSERT statements (and their buckets' totals into upserts) ahead
     * of time, before their op ids are taken:
     * each op's id is {@code @first_op} plus its offset, set when they are appended
     * ({@link #append(Connection, int, PreparedOps, long)}, or {@link #appendOps} then
     * {@link #addTotals}). Building the statements is most of the client's share of an insert, so
     * a writer can do it while the previous batch commits.
     */
    public record PreparedOps(List<String> statements, List<LoadData> rows, String load, List<String> totalStatements,
                              Map<String, long[]> totals, int count) {
        /** Whether the operations go in as {@link #rows} with the {@link #load} statement, not as {@link #statements}. */
        public boolean loaded() {
            return load != null;
        }
    }

    /**
     * Prepares {@code ops} of {@code groupId}, whose entries carry their offset from the first op
     * id (0, 1, ...) in place of an op id, for a connection that escapes with backslashes
     * ({@link StorageDatabase#pinBackslashEscapes}). Statements are cut before they would pass
     * {@code statementBytes} (an op longer than that goes in a statement of its own).
     */
    public static PreparedOps prepare(int groupId, List<BucketOp> ops, long statementBytes) {
        return prepare(groupId, ops, statementBytes, false);
    }

    /**
     * Prepares {@code ops} as {@link #prepare(int, List, long)} does, or with {@code load} as rows
     * for {@code LOAD DATA LOCAL} statements ({@link LoadData}, cut as statements are), for a connection from
     * {@link StorageDatabase#openLoading()} to a server that {@link StorageDatabase#loadsLocal loads
     * local rows}. A load parses no SQL per value: the server stores the same rows with about half
     * the work.
     */
    public static PreparedOps prepare(int groupId, List<BucketOp> ops, long statementBytes, boolean load) {
        Map<String, long[]> totals = new HashMap<>(); // bucket -> count, checksum sum, last offset, bytes
        if (load) {
            // In key order, bucket by bucket (a stable sort keeps each bucket's ops in op id order):
            // the server then finds each row's place where the last one went, which costs it a
            // sixth less than rows in op id order.
            List<BucketOp> inKeyOrder = new ArrayList<>(ops);
            inKeyOrder.sort(Comparator.comparing(BucketOp::bucket));
            List<LoadData> chunks = new ArrayList<>();
            int capacity = (int) Math.min(statementBytes + 64 * 1024, 256 + 400L * ops.size());
            LoadData rows = new LoadData(capacity);
            chunks.add(rows);
            for (BucketOp op : inKeyOrder) {
                OplogEntry entry = op.entry();
                if (rows.size() >= statementBytes) {
                    rows = new LoadData(capacity);
                    chunks.add(rows);
                }
                rows.text(op.bucket()).number(entry.opId()).number(entry.op().ordinal() + 1)
                        .text(entry.objectType().orElse(null)).text(entry.objectId().orElse(null))
                        .text(entry.subkey().orElse(null)).number(entry.checksum()).text(entry.data().orElse(null)).endRow();
                addToTotals(totals, op);
            }
            String statement = "LOAD DATA LOCAL INFILE 'bucket_ops' INTO TABLE bucket_ops CHARACTER SET binary "
                    + "(bucket, @offset, op, object_type, object_id, subkey, checksum, @data) "
                    + "SET group_id = " + groupId + ", op_id = @first_op + CAST(@offset AS SIGNED), "
                    + "data = " + LoadData.utf8("@data");
            return new PreparedOps(List.of(), chunks, statement, totalStatements(groupId, totals, statementBytes), totals, ops.size());
        }
        List<String> statements = new ArrayList<>();
        String head = "INSERT INTO bucket_ops (group_id, bucket, op_id, op, object_type, object_id, subkey, checksum, data) VALUES ";
        StringBuilder sql = new StringBuilder((int) Math.min(statementBytes + 64 * 1024, 256 + 400L * ops.size())).append(head);
        boolean first = true;
        long size = head.length();
        for (BucketOp op : ops) {
            OplogEntry entry = op.entry();
            int mark = sql.length();
            if (!first) {
                sql.append(',');
            }
            sql.append('(').append(groupId).append(',');
            long opBytes = 64 + SqlText.binary(sql, op.bucket()); // 64: the numbers and separators, at most
            sql.append(",@first_op+").append(entry.opId()).append(',').append(entry.op().ordinal() + 1).append(',');
            opBytes += SqlText.binary(sql, entry.objectType().orElse(null));
            sql.append(',');
            opBytes += SqlText.binary(sql, entry.objectId().orElse(null));
            sql.append(',');
            opBytes += SqlText.binary(sql, entry.subkey().orElse(null));
            sql.append(',').append(entry.checksum()).append(',');
            opBytes += SqlText.string(sql, entry.data().orElse(null));
            sql.append(')');
            if (!first && size + opBytes > statementBytes) { // the op starts the next statement
                String row = sql.substring(mark + 1);
                sql.setLength(mark);
                statements.add(sql.toString());
                sql.setLength(0);
                sql.append(head).append(row);
                size = head.length();
            }
            size += opBytes;
            first = false;
            addToTotals(totals, op);
        }
        if (!first) {
            statements.add(sql.toString());
        }
        return new PreparedOps(statements, List.of(), null, totalStatements(groupId, totals, statementBytes), totals, ops.size());
    }

    private static void addToTotals(Map<String, long[]> totals, BucketOp op) {
        OplogEntry entry = op.entry();
        long[] sum = totals.computeIfAbsent(op.bucket(), b -> new long[4]);
        sum[0]++;
        sum[1] = Checksums.add(sum[1], entry.checksum());
        sum[2] = Math.max(sum[2], entry.opId());
        sum[3] += entry.data().isPresent() ? entry.data().get().length() : 0;
    }

    /** The upserts that add each bucket's ops (offsets from {@code @first_op}) to its totals. */
    private static List<String> totalStatements(int groupId, Map<String, long[]> totals, long statementBytes) {
        List<String> totalStatements = new ArrayList<>();
        String totalsHead = "INSERT INTO bucket_state (group_id, bucket, last_op, op_count, checksum_sum, bytes) VALUES ";
        StringBuilder sql = new StringBuilder(totalsHead);
        boolean first = true;
        List<Map.Entry<String, long[]>> buckets = new ArrayList<>(totals.entrySet());
        buckets.sort(Map.Entry.comparingByKey()); // in one order whoever writes them
        for (Map.Entry<String, long[]> bucket : buckets) {
            long[] sum = bucket.getValue();
            if (!first) {
                sql.append(',');
            }
            first = false;
            sql.append('(').append(groupId).append(',');
            SqlText.hex(sql, bucket.getKey());
            sql.append(",@first_op+").append(sum[2]).append(',').append(sum[0]).append(',').append(sum[1]).append(',')
                    .append(sum[3]).append(')');
            if (sql.length() >= statementBytes / 2) { // bucket names are hex: bytes, two per character at most
                totalStatements.add(sql.append(TOTALS_UPDATE).toString());
                sql.setLength(0);
                sql.append(totalsHead);
                first = true;
            }
        }
        if (!first) {
            totalStatements.add(sql.append(TOTALS_UPDATE).toString());
        }
        return totalStatements;
    }

    /** Appends prepared operations with their op ids from {@code firstOpId} on, and adds them to the buckets' totals. */
    public void append(Connection connection, int groupId, PreparedOps ops, long firstOpId) throws SQLException {
        appendOps(connection, ops, firstOpId);
        addTotals(connection, ops, firstOpId);
    }

    /**
     * Inserts prepared operations with their op ids from {@code firstOpId} on, without touching
     * any bucket's totals: rows no other transaction writes, so a writer can insert a batch's
     * operations while the batch ahead of it still commits. {@link #addTotals} completes it.
     */
    public void appendOps(Connection connection, PreparedOps ops, long firstOpId) throws SQLException {
        run(connection, ops.statements(), ops.count(), firstOpId);
        if (ops.count() > 0) {
            for (LoadData rows : ops.rows()) {
                rows.load(connection, ops.load(), false);
            }
        }
    }

    /** Adds prepared operations (their op ids from {@code firstOpId} on) to their buckets' totals. */
    public void addTotals(Connection connection, PreparedOps ops, long firstOpId) throws SQLException {
        run(connection, ops.totalStatements(), ops.count(), firstOpId);
    }

    private static void run(Connection connection, List<String> statements, int count, long firstOpId) throws SQLException {
        if (count == 0) {
            return;
        }
        try (java.sql.Statement statement = connection.createStatement()) {
            statement.setEscapeProcessing(false); // the text is SQL as it stands, JDBC escapes included
            statement.execute("SET @first_op = " + firstOpId);
            for (String sql : statements) {
                statement.executeUpdate(sql);
            }
        }
    }

    /** Appends the operations of {@code groupId}'s buckets and adds them to each bucket's totals. */
    public void append(Connection connection, int groupId, List<BucketOp> ops) throws SQLException {
        if (ops.isEmpty()) {
            return;
        }
        Map<String, long[]> totals = new TreeMap<>(); // bucket -> count, checksum sum, last op, bytes
        try (PreparedStatement insert = connection.prepareStatement("INSERT INTO bucket_ops "
                + "(group_id, bucket, op_id, op, object_type, object_id, subkey, checksum, data) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)")) {
            for (BucketOp op : ops) {
                OplogEntry entry = op.entry();
                insert.setInt(1, groupId);
                insert.setBytes(2, op.bucket().getBytes(StandardCharsets.UTF_8));
                insert.setLong(3, entry.opId());
                insert.setInt(4, entry.op().ordinal() + 1);
                setText(insert, 5, entry.objectType().orElse(null));
                setText(insert, 6, entry.objectId().orElse(null));
                setText(insert, 7, entry.subkey().orElse(null));
                insert.setLong(8, entry.checksum());
                if (entry.data().isPresent()) {
                    insert.setString(9, entry.data().get());
                } else {
                    insert.setNull(9, Types.VARCHAR);
                }
                insert.addBatch();
                long[] sum = totals.computeIfAbsent(op.bucket(), b -> new long[4]);
                sum[0]++;
                sum[1] = Checksums.add(sum[1], entry.checksum());
                sum[2] = Math.max(sum[2], entry.opId());
                sum[3] += entry.data().isPresent() ? entry.data().get().length() : 0;
            }
            insert.executeBatch();
        }
        addTotals(connection, groupId, totals);
    }

    private static void addTotals(Connection connection, int groupId, Map<String, long[]> totals) throws SQLException {
        try (PreparedStatement upsert = connection.prepareStatement("INSERT INTO bucket_state "
                + "(group_id, bucket, last_op, op_count, checksum_sum, bytes) VALUES (?, ?, ?, ?, ?, ?)" + TOTALS_UPDATE)) {
            for (Map.Entry<String, long[]> bucket : totals.entrySet()) {
                long[] sum = bucket.getValue();
                upsert.setInt(1, groupId);
                upsert.setBytes(2, bucket.getKey().getBytes(StandardCharsets.UTF_8));
                upsert.setLong(3, sum[2]);
                upsert.setLong(4, sum[0]);
                upsert.setLong(5, sum[1]);
                upsert.setLong(6, sum[3]);
                upsert.addBatch();
            }
            upsert.executeBatch();
        }
    }

    /** The totals of those of {@code buckets} that have operations, by bucket, in the order asked. */
    public Map<String, BucketTotals> totals(Connection connection, int groupId, Collection<String> buckets) throws SQLException {
        Map<String, BucketTotals> found = new LinkedHashMap<>();
        if (buckets.isEmpty()) {
            return found;
        }
        String marks = String.join(", ", java.util.Collections.nCopies(buckets.size(), "?"));
        Map<String, BucketTotals> byName = new TreeMap<>();
        try (PreparedStatement select = connection.prepareStatement("SELECT bucket, checksum_sum, op_count, last_op FROM bucket_state "
                + "WHERE group_id = ? AND bucket IN (" + marks + ")")) {
            select.setInt(1, groupId);
            int i = 2;
            for (String bucket : buckets) {
                select.setBytes(i++, bucket.getBytes(StandardCharsets.UTF_8));
            }
            try (ResultSet rs = select.executeQuery()) {
                while (rs.next()) {
                    byName.put(new String(rs.getBytes(1), StandardCharsets.UTF_8),
                            new BucketTotals(Checksums.toUnsigned(rs.getLong(2)), rs.getLong(3), rs.getLong(4)));
                }
            }
        }
        for (String bucket : buckets) {
            BucketTotals totals = byName.get(bucket);
            if (totals != null) {
                found.put(bucket, totals);
            }
        }
        return found;
    }

    /**
     * The checksums and counts of those of {@code buckets} that have operations, as of checkpoint
     * {@code checkpoint}, by bucket in the order asked, read from the totals less the ops after the
     * checkpoint: a bucket whose last op is at or before it costs no op read, otherwise only its
     * tail after the checkpoint is read, along the primary key. A tail holding a CLEAR makes the
     * bucket not {@link CheckpointTotals#reachable() reachable} at that checkpoint. (A MOVE or CLEAR
     * at or before the checkpoint whose {@code target_op} is after it is for the serving path to
     * notice as it reads the ops: the checksum answered is exact, but no client reaches it.)
     *
     * <p>One statement, so one consistent read of the totals and the ops, even outside a
     * transaction and while a writer appends or a {@link Compactor} runs.
     */
    public Map<String, CheckpointTotals> totalsAt(Connection connection, int groupId, Collection<String> buckets, long checkpoint)
            throws SQLException {
        Map<String, CheckpointTotals> found = new LinkedHashMap<>();
        if (buckets.isEmpty()) {
            return found;
        }
        List<String> distinct = buckets.stream().distinct().toList();
        String marks = String.join(", ", java.util.Collections.nCopies(distinct.size(), "?"));
        Map<String, CheckpointTotals> byName = new TreeMap<>();
        try (PreparedStatement select = connection.prepareStatement("SELECT s.bucket, s.checksum_sum, s.op_count, "
                + "t.ops, t.checksums, t.clear_target FROM bucket_state s LEFT JOIN ("
                + "SELECT bucket, COUNT(*) AS ops, SUM(checksum) AS checksums, "
                + "MAX(CASE WHEN op = 4 THEN GREATEST(op_id, COALESCE(target_op, op_id)) END) AS clear_target "
                + "FROM bucket_ops WHERE group_id = ? AND bucket IN (" + marks + ") AND op_id > ? GROUP BY bucket) t "
                + "ON t.bucket = s.bucket WHERE s.group_id = ? AND s.bucket IN (" + marks + ")")) {
            int i = 1;
            select.setInt(i++, groupId);
            for (String bucket : distinct) {
                select.setBytes(i++, bucket.getBytes(StandardCharsets.UTF_8));
            }
            select.setLong(i++, checkpoint);
            select.setInt(i++, groupId);
            for (String bucket : distinct) {
                select.setBytes(i++, bucket.getBytes(StandardCharsets.UTF_8));
            }
            try (ResultSet rs = select.executeQuery()) {
                while (rs.next()) {
                    String bucket = new String(rs.getBytes(1), StandardCharsets.UTF_8);
                    long checksum = rs.getLong(2);
                    long count = rs.getLong(3);
                    long tailOps = rs.getLong(4);
                    java.math.BigDecimal tailSum = rs.getBigDecimal(5);
                    long clearTarget = rs.getLong(6);
                    if (!rs.wasNull()) {
                        byName.put(bucket, new CheckpointTotals(0, 0, false, clearTarget));
                    } else {
                        long tail = tailSum == null ? 0 : tailSum.toBigInteger().longValue();
                        byName.put(bucket, new CheckpointTotals(Checksums.toUnsigned(checksum - tail), count - tailOps, true, 0));
                    }
                }
            }
        }
        for (String bucket : distinct) {
            CheckpointTotals totals = byName.get(bucket);
            if (totals != null) {
                found.put(bucket, totals);
            }
        }
        return found;
    }

    private static void setText(PreparedStatement statement, int index, String value) throws SQLException {
        if (value == null) {
            statement.setNull(index, Types.VARBINARY);
        } else {
            statement.setBytes(index, value.getBytes(StandardCharsets.UTF_8));
        }
    }
}
