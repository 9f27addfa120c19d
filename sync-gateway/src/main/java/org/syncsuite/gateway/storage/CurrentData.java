package org.syncsuite.gateway.storage;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Types;
import java.util.Collection;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Each source row's current membership, on the caller's connection and transaction: the buckets
 * it is in (with the output table and id it has there) and the parameter lookups it produces.
 * A change to the row compares its new membership with this one: every bucket it left gets a
 * REMOVE. Loaded and saved in batches, one statement per batch.
 *
 * <p>Stateless and thread-safe.
 */
public final class CurrentData {

    /** A row's membership: bucket entries as JSON text ({@code [{"bucket","table","id"}]}), and its lookups. */
    public record Membership(String buckets, Optional<byte[]> lookups) {
    }

    /** The memberships of those of {@code keys} (source keys of {@code table}) that have one. */
    public Map<ByteBuffer, Membership> load(Connection connection, int groupId, String table, Collection<byte[]> keys)
            throws SQLException {
        Map<ByteBuffer, Membership> found = new HashMap<>();
        if (keys.isEmpty()) {
            return found;
        }
        String marks = String.join(", ", Collections.nCopies(keys.size(), "?"));
        try (PreparedStatement select = connection.prepareStatement("SELECT source_key, buckets, lookups FROM current_data "
                + "WHERE group_id = ? AND source_table = ? AND source_key IN (" + marks + ")")) {
            select.setInt(1, groupId);
            select.setBytes(2, table.getBytes(StandardCharsets.UTF_8));
            int i = 3;
            for (byte[] key : keys) {
                select.setBytes(i++, key);
            }
            try (ResultSet rs = select.executeQuery()) {
                while (rs.next()) {
                    found.put(ByteBuffer.wrap(rs.getBytes(1)), new Membership(rs.getString(2), Optional.ofNullable(rs.getBytes(3))));
                }
            }
        }
        return found;
    }

    /** Sets the memberships of rows of {@code table}; a row in no bucket and no lookup is forgotten. */
    public void save(Connection connection, int groupId, String table, Map<ByteBuffer, Membership> rows) throws SQLException {
        if (rows.isEmpty()) {
            return;
        }
        byte[] tableName = table.getBytes(StandardCharsets.UTF_8);
        try (PreparedStatement upsert = connection.prepareStatement("INSERT INTO current_data "
                + "(group_id, source_table, source_key, buckets, lookups) VALUES (?, ?, ?, ?, ?) "
                + "ON DUPLICATE KEY UPDATE buckets = VALUES(buckets), lookups = VALUES(lookups)");
             PreparedStatement delete = connection.prepareStatement(
                     "DELETE FROM current_data WHERE group_id = ? AND source_table = ? AND source_key = ?")) {
            for (Map.Entry<ByteBuffer, Membership> row : rows.entrySet()) {
                byte[] key = bytes(row.getKey());
                Membership membership = row.getValue();
                if (isEmpty(membership)) {
                    delete.setInt(1, groupId);
                    delete.setBytes(2, tableName);
                    delete.setBytes(3, key);
                    delete.addBatch();
                    continue;
                }
                upsert.setInt(1, groupId);
                upsert.setBytes(2, tableName);
                upsert.setBytes(3, key);
                upsert.setString(4, membership.buckets());
                if (membership.lookups().isPresent()) {
                    upsert.setBytes(5, membership.lookups().get());
                } else {
                    upsert.setNull(5, Types.VARBINARY);
                }
                upsert.addBatch();
            }
            upsert.executeBatch();
            delete.executeBatch();
        }
    }


    /** Memberships made into their statements ahead of time (see {@link BucketStore#prepare}). */
    public record PreparedRows(List<String> statements, List<LoadData> rows, String load) {
        public PreparedRows(List<String> statements) {
            this(statements, List.of(), null);
        }
    }

    /**
     * Prepares {@link #save} of the memberships of rows of several tables ({@code rows} by table):
     * one multi-row upsert per table and chunk (cut before {@code statementBytes}), and deletes of
     * rows in nothing, for a connection that escapes with backslashes.
     */
    public static PreparedRows prepare(int groupId, Map<String, Map<ByteBuffer, Membership>> rows, long statementBytes) {
        return prepare(groupId, rows, statementBytes, false);
    }

    /**
     * Prepares as {@link #prepare(int, Map, long)} does, or with {@code load} the memberships to
     * keep as rows for {@code LOAD DATA LOCAL ... REPLACE} statements ({@link LoadData}, cut as statements are; see
     * {@link BucketStore#prepare(int, List, long, boolean)}), and deletes as statements.
     */
    public static PreparedRows prepare(int groupId, Map<String, Map<ByteBuffer, Membership>> rows, long statementBytes,
                                       boolean load) {
        if (load) {
            List<LoadData> chunks = new java.util.ArrayList<>();
            int count = 0;
            for (Map<ByteBuffer, Membership> table : rows.values()) {
                count += table.size();
            }
            // Room for the usual row (table, key, a bucket or two) without growing, at most a chunk's worth.
            int capacity = (int) Math.min(statementBytes + 64 * 1024, 4096 + 256L * count);
            LoadData kept = new LoadData(capacity);
            chunks.add(kept);
            List<String> deletes = new java.util.ArrayList<>();
            for (Map.Entry<String, Map<ByteBuffer, Membership>> table : rows.entrySet()) {
                List<ByteBuffer> forgotten = new java.util.ArrayList<>();
                // Near the order the server keeps them in (see BucketStore.prepare): keys are mostly
                // ASCII, where the buffers' signed byte order is the server's.
                List<Map.Entry<ByteBuffer, Membership>> inKeyOrder = new java.util.ArrayList<>(table.getValue().entrySet());
                inKeyOrder.sort(Map.Entry.comparingByKey());
                for (Map.Entry<ByteBuffer, Membership> row : inKeyOrder) {
                    Membership membership = row.getValue();
                    if (isEmpty(membership)) {
                        forgotten.add(row.getKey());
                    } else {
                        if (kept.size() >= statementBytes) {
                            kept = new LoadData(capacity);
                            chunks.add(kept);
                        }
                        kept.text(table.getKey()).bytes(row.getKey()).text(membership.buckets())
                                .bytes(membership.lookups().orElse(null)).endRow();
                    }
                }
                deleteStatements(groupId, table.getKey(), forgotten, deletes);
            }
            return new PreparedRows(deletes, chunks, "LOAD DATA LOCAL INFILE 'current_data' REPLACE INTO TABLE current_data "
                    + "CHARACTER SET binary (source_table, source_key, @buckets, lookups) SET group_id = " + groupId
                    + ", buckets = " + LoadData.utf8("@buckets"));
        }
        List<String> statements = new java.util.ArrayList<>();
        String head = "INSERT INTO current_data (group_id, source_table, source_key, buckets, lookups) VALUES ";
        String tail = " ON DUPLICATE KEY UPDATE buckets = VALUES(buckets), lookups = VALUES(lookups)";
        for (Map.Entry<String, Map<ByteBuffer, Membership>> table : rows.entrySet()) {
            StringBuilder upsert = new StringBuilder(head);
            List<ByteBuffer> forgotten = new java.util.ArrayList<>();
            boolean first = true;
            long size = head.length();
            for (Map.Entry<ByteBuffer, Membership> row : table.getValue().entrySet()) {
                Membership membership = row.getValue();
                if (isEmpty(membership)) {
                    forgotten.add(row.getKey());
                    continue;
                }
                long rowBytes = 64 + SqlText.hexBytes(table.getKey()) + 2L * row.getKey().remaining()
                        + SqlText.stringBytes(membership.buckets())
                        + 2L * membership.lookups().map(l -> l.length).orElse(0);
                if (!first && size + rowBytes + tail.length() > statementBytes) {
                    statements.add(upsert.append(tail).toString());
                    upsert.setLength(0);
                    upsert.append(head);
                    size = head.length();
                    first = true;
                }
                size += rowBytes;
                if (!first) {
                    upsert.append(',');
                }
                first = false;
                upsert.append('(').append(groupId).append(',');
                SqlText.hex(upsert, table.getKey());
                upsert.append(',');
                hex(upsert, row.getKey());
                upsert.append(',');
                SqlText.string(upsert, membership.buckets());
                upsert.append(',');
                if (membership.lookups().isPresent()) {
                    hex(upsert, ByteBuffer.wrap(membership.lookups().get()));
                } else {
                    upsert.append("NULL");
                }
                upsert.append(')');
            }
            if (!first) {
                statements.add(upsert.append(tail).toString());
            }
            deleteStatements(groupId, table.getKey(), forgotten, statements);
        }
        return new PreparedRows(statements);
    }

    /** Deletes of the memberships of {@code forgotten} rows of {@code table}, a thousand a statement. */
    private static void deleteStatements(int groupId, String table, List<ByteBuffer> forgotten, List<String> statements) {
        for (int from = 0; from < forgotten.size(); from += 1_000) {
            StringBuilder delete = new StringBuilder("DELETE FROM current_data WHERE group_id = ").append(groupId)
                    .append(" AND source_table = ");
            SqlText.hex(delete, table);
            delete.append(" AND source_key IN (");
            for (int i = from; i < Math.min(forgotten.size(), from + 1_000); i++) {
                if (i > from) {
                    delete.append(',');
                }
                hex(delete, forgotten.get(i));
            }
            statements.add(delete.append(')').toString());
        }
    }

    /** Runs prepared rows and statements in the caller's transaction. */
    public void save(Connection connection, PreparedRows rows) throws SQLException {
        for (LoadData chunk : rows.rows()) {
            chunk.load(connection, rows.load(), true);
        }
        try (java.sql.Statement statement = connection.createStatement()) {
            statement.setEscapeProcessing(false); // the text is SQL as it stands, JDBC escapes included
            for (String sql : rows.statements()) {
                statement.executeUpdate(sql);
            }
        }
    }

    private static void hex(StringBuilder sql, ByteBuffer bytes) {
        sql.append("X'");
        ByteBuffer b = bytes.duplicate();
        while (b.hasRemaining()) {
            int v = b.get() & 0xff;
            sql.append(Character.forDigit(v >> 4, 16)).append(Character.forDigit(v & 0xf, 16));
        }
        sql.append('\'');
    }

    /**
     * The memberships of every row of {@code table} (for a truncation or a dropped table: each
     * then leaves its buckets, and {@link #save} forgets it).
     */
    public Map<ByteBuffer, Membership> loadTable(Connection connection, int groupId, String table) throws SQLException {
        Map<ByteBuffer, Membership> rows = new HashMap<>();
        try (PreparedStatement select = connection.prepareStatement(
                "SELECT source_key, buckets, lookups FROM current_data WHERE group_id = ? AND source_table = ?")) {
            select.setInt(1, groupId);
            select.setBytes(2, table.getBytes(StandardCharsets.UTF_8));
            try (ResultSet rs = select.executeQuery()) {
                while (rs.next()) {
                    rows.put(ByteBuffer.wrap(rs.getBytes(1)), new Membership(rs.getString(2), Optional.ofNullable(rs.getBytes(3))));
                }
            }
        }
        return rows;
    }

    private static boolean isEmpty(Membership membership) {
        return List.of("", "[]").contains(membership.buckets().strip())
                && membership.lookups().map(l -> l.length == 0).orElse(true);
    }

    private static byte[] bytes(ByteBuffer buffer) {
        byte[] copy = new byte[buffer.remaining()];
        buffer.duplicate().get(copy);
        return copy;
    }
}
