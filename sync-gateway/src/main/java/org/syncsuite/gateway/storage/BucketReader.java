package org.syncsuite.gateway.storage;

import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.LongConsumer;

import org.syncsuite.core.protocol.DataChunk;
import org.syncsuite.core.protocol.OplogEntry;

/**
 * Reads buckets' operations for the sync stream: the ops of a bucket after a client's position up
 * to a checkpoint, in op id order, along the primary key, at most so many ops and bytes at a time.
 */
public final class BucketReader {

    /**
     * What one read gave: a chunk (never empty), and the highest {@code target_op} of its MOVEs and
     * CLEARs that lies after the checkpoint (0 when none does): no client reaches a checkpoint
     * before that op.
     */
    public record Read(DataChunk chunk, long reachableFrom) {

        public boolean invalidated() {
            return reachableFrom > 0;
        }
    }

    private static final OplogEntry.OpType[] TYPES = {null, OplogEntry.OpType.PUT, OplogEntry.OpType.REMOVE,
            OplogEntry.OpType.MOVE, OplogEntry.OpType.CLEAR};

    /**
     * The next ops of {@code bucket} after {@code after} up to {@code checkpoint}: at most
     * {@code maxOps}, and no more once {@code maxBytes} of row data (characters, and 64 an op) are
     * read (at least one op). Empty when the bucket has nothing there. The chunk's {@code hasMore}
     * says whether ops remain; then {@code nextKnown} is told where the next chunk starts (this
     * one's last op id) as soon as storage has answered, before the rows become ops, so that the
     * next read can start meanwhile. A MOVE or CLEAR whose {@code target_op} is after the
     * checkpoint makes the checkpoint unreachable for the client (reference §1.10):
     * {@link Read#reachableFrom()} says from which op on.
     */
    public Optional<Read> read(Connection connection, int groupId, String bucket, long after, long checkpoint,
                               int maxOps, long maxBytes, LongConsumer nextKnown) throws SQLException {
        List<OplogEntry> ops = new ArrayList<>();
        long reachableFrom = 0;
        long bytes = 0;
        boolean more = false;
        // Scrollable, so that the driver holds the whole answer and it can be gone through twice.
        try (PreparedStatement select = connection.prepareStatement("SELECT op_id, op, object_type, object_id, subkey, "
                + "checksum, data, target_op FROM bucket_ops WHERE group_id = ? AND bucket = ? AND op_id > ? AND op_id <= ? "
                + "ORDER BY op_id LIMIT ?", ResultSet.TYPE_SCROLL_INSENSITIVE, ResultSet.CONCUR_READ_ONLY)) {
            select.setInt(1, groupId);
            select.setBytes(2, bucket.getBytes(StandardCharsets.UTF_8));
            select.setLong(3, after);
            select.setLong(4, checkpoint);
            select.setInt(5, maxOps + 1);
            try (ResultSet rs = select.executeQuery()) {
                // First where the chunk ends, by ops and by bytes (its rows' data kept); then its ops.
                List<String> data = new ArrayList<>();
                long last = after;
                while (rs.next()) {
                    if (data.size() == maxOps || (bytes >= maxBytes && !data.isEmpty())) {
                        more = true;
                        break;
                    }
                    String row = rs.getString(7);
                    bytes += 64 + (row == null ? 0 : row.length());
                    data.add(row);
                    last = rs.getLong(1);
                }
                if (more) {
                    nextKnown.accept(last);
                }
                rs.beforeFirst();
                while (ops.size() < data.size() && rs.next()) {
                    long target = rs.getLong(8);
                    if (!rs.wasNull() && target > checkpoint) {
                        reachableFrom = Math.max(reachableFrom, target);
                    }
                    ops.add(entry(rs, data.get(ops.size())));
                }
            }
        }
        if (ops.isEmpty()) {
            return Optional.empty();
        }
        long next = ops.get(ops.size() - 1).opId();
        return Optional.of(new Read(new DataChunk(bucket, after, next, more, ops), reachableFrom));
    }

    /**
     * Every op of {@code buckets} after {@code after} up to {@code upTo}, by bucket in op id order,
     * exactly as the writer appended them: empty when compaction has touched any op of these
     * buckets after {@code after} (a MOVE or CLEAR there, which also shows ops it deleted), when
     * there are more than {@code maxOps} ops after {@code after}, or more than {@code maxBytes} of
     * row data. With {@code after} and {@code upTo} two consecutive checkpoints and {@code buckets}
     * the ones that changed between them, this is all that the later checkpoint added. One
     * statement along the primary key, so one consistent view: ops after {@code upTo} (later
     * checkpoints) are read only to see whether compaction got there.
     */
    public Optional<Map<String, List<OplogEntry>>> readRange(Connection connection, int groupId, Collection<String> buckets,
                                                             long after, long upTo, int maxOps, long maxBytes) throws SQLException {
        Map<String, List<OplogEntry>> found = new HashMap<>();
        if (buckets.isEmpty()) {
            return Optional.of(found);
        }
        List<String> distinct = buckets.stream().distinct().toList();
        String marks = String.join(", ", java.util.Collections.nCopies(distinct.size(), "?"));
        int read = 0;
        long bytes = 0;
        try (PreparedStatement select = connection.prepareStatement("SELECT op_id, op, object_type, object_id, "
                + "subkey, checksum, data, bucket FROM bucket_ops WHERE group_id = ? AND bucket IN (" + marks + ") "
                + "AND op_id > ? LIMIT ?")) {
            select.setQueryTimeout(10);
            int i = 1;
            select.setInt(i++, groupId);
            for (String bucket : distinct) {
                select.setBytes(i++, bucket.getBytes(StandardCharsets.UTF_8));
            }
            select.setLong(i++, after);
            select.setInt(i, maxOps + 1);
            try (ResultSet rs = select.executeQuery()) {
                while (rs.next()) {
                    OplogEntry.OpType type = TYPES[rs.getInt(2)];
                    if (++read > maxOps || (type != OplogEntry.OpType.PUT && type != OplogEntry.OpType.REMOVE)) {
                        return Optional.empty();
                    }
                    if (rs.getLong(1) > upTo) {
                        continue;
                    }
                    String bucket = new String(rs.getBytes(8), StandardCharsets.UTF_8);
                    OplogEntry entry = entry(rs);
                    bytes += entry.data().map(String::length).orElse(0);
                    if (bytes > maxBytes) {
                        return Optional.empty();
                    }
                    found.computeIfAbsent(bucket, k -> new ArrayList<>()).add(entry);
                }
            }
        }
        found.values().forEach(ops -> ops.sort(java.util.Comparator.comparingLong(OplogEntry::opId)));
        return Optional.of(found);
    }

    /** The op of a row whose first columns are op_id, op, object_type, object_id, subkey, checksum, data. */
    private static OplogEntry entry(ResultSet rs) throws SQLException {
        return entry(rs, rs.getString(7));
    }

    /** The same, with the row's data already read. */
    private static OplogEntry entry(ResultSet rs, String data) throws SQLException {
        long opId = rs.getLong(1);
        long checksum = rs.getLong(6);
        return switch (TYPES[rs.getInt(2)]) {
            case PUT -> OplogEntry.put(opId, text(rs, 3), text(rs, 4), text(rs, 5), checksum, data);
            case REMOVE -> OplogEntry.remove(opId, text(rs, 3), text(rs, 4), text(rs, 5), checksum);
            case MOVE -> OplogEntry.move(opId, checksum);
            case CLEAR -> OplogEntry.clear(opId, checksum);
        };
    }

    private static String text(ResultSet rs, int column) throws SQLException {
        byte[] bytes = rs.getBytes(column);
        return bytes == null ? "" : new String(bytes, StandardCharsets.UTF_8);
    }
}
