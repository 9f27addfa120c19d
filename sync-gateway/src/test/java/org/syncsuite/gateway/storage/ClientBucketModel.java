package org.syncsuite.gateway.storage;

import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

import org.syncsuite.core.Checksums;

/**
 * One bucket as a client holds it (reference §2.4): the PUTs it stores by row key, and two
 * wrapping 32-bit accumulators, {@code op_checksum} over the stored PUTs and
 * {@code add_checksum} over everything else received. A PUT or REMOVE supersedes the stored op of
 * its key (whose checksum moves to {@code add_checksum}); MOVE adds; CLEAR starts afresh from its
 * checksum. Pure, no storage: what the compaction tests download into.
 */
final class ClientBucketModel {

    static final int PUT = 1;
    static final int REMOVE = 2;
    static final int MOVE = 3;
    static final int CLEAR = 4;

    /** One op as stored in {@code bucket_ops} and sent to clients. */
    record Op(long opId, int op, String objectType, String objectId, String subkey, long checksum, String data, Long targetOp) {

        String key() {
            return objectType + "/" + objectId + "/" + (subkey == null ? "null" : subkey);
        }
    }

    private final Map<String, Op> stored = new TreeMap<>();
    private long opChecksum;
    private long addChecksum;
    private long lastOp;

    /** Applies the ops in order, as data lines. */
    ClientBucketModel apply(List<Op> ops) {
        for (Op op : ops) {
            apply(op);
        }
        return this;
    }

    void apply(Op op) {
        switch (op.op()) {
            case PUT, REMOVE -> {
                Op previous = stored.remove(op.key());
                if (previous != null) {
                    opChecksum = Checksums.add(opChecksum, -previous.checksum());
                    addChecksum = Checksums.add(addChecksum, previous.checksum());
                }
                if (op.op() == PUT) {
                    stored.put(op.key(), op);
                    opChecksum = Checksums.add(opChecksum, op.checksum());
                } else {
                    addChecksum = Checksums.add(addChecksum, op.checksum());
                }
            }
            case MOVE -> addChecksum = Checksums.add(addChecksum, op.checksum());
            case CLEAR -> {
                stored.clear();
                addChecksum = Checksums.toUnsigned(op.checksum());
                opChecksum = 0;
            }
            default -> throw new IllegalArgumentException("op " + op.op());
        }
        lastOp = op.opId();
    }

    /** What the client validates against the checkpoint's bucket checksum: add + op, mod 2^32. */
    long checksum() {
        return Checksums.add(addChecksum, opChecksum);
    }

    /** The rows the client has: each stored PUT's data by row key. */
    Map<String, String> rows() {
        Map<String, String> rows = new TreeMap<>();
        stored.forEach((key, op) -> rows.put(key, op.data()));
        return rows;
    }

    long lastOp() {
        return lastOp;
    }

    /** A bucket's ops with op ids in (after, upTo], in order. */
    static List<Op> range(List<Op> ops, long after, long upTo) {
        List<Op> range = new ArrayList<>();
        for (Op op : ops) {
            if (op.opId() > after && op.opId() <= upTo) {
                range.add(op);
            }
        }
        return range;
    }

    /** The sum of the ops' checksums, mod 2^32. */
    static long sum(List<Op> ops) {
        long sum = 0;
        for (Op op : ops) {
            sum = Checksums.add(sum, op.checksum());
        }
        return sum;
    }

    /** Every bucket's ops of a group as stored, by bucket, in op id order. */
    static Map<String, List<Op>> read(Connection connection, int groupId) throws SQLException {
        Map<String, List<Op>> buckets = new LinkedHashMap<>();
        try (PreparedStatement select = connection.prepareStatement("SELECT bucket, op_id, op, object_type, object_id, subkey, "
                + "checksum, data, target_op FROM bucket_ops WHERE group_id = ? ORDER BY bucket, op_id")) {
            select.setInt(1, groupId);
            try (ResultSet rs = select.executeQuery()) {
                while (rs.next()) {
                    long target = rs.getLong(9);
                    Long targetOp = rs.wasNull() ? null : target;
                    Op op = new Op(rs.getLong(2), rs.getInt(3), text(rs.getBytes(4)), text(rs.getBytes(5)), text(rs.getBytes(6)),
                            rs.getLong(7), rs.getString(8), targetOp);
                    buckets.computeIfAbsent(text(rs.getBytes(1)), b -> new ArrayList<>()).add(op);
                }
            }
        }
        return buckets;
    }

    private static String text(byte[] bytes) {
        return bytes == null ? null : new String(bytes, StandardCharsets.UTF_8);
    }
}
