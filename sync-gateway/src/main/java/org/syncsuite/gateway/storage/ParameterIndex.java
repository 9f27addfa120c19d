package org.syncsuite.gateway.storage;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The parameter index's history, on the caller's connection and transaction. Each source row's
 * contribution to a lookup is written under an op id, with an empty result when the row leaves
 * the lookup; a lookup's result as of a checkpoint is the union of every row's latest
 * contribution at or before it. So a stream that opens at checkpoint N sees the index as it was at
 * N, while the writer goes on.
 *
 * <p>Stateless and thread-safe.
 */
public final class ParameterIndex {

    /** One row's contribution to one lookup: its result rows as a JSON array ({@code []}: none). */
    public record Entry(long opId, byte[] lookup, String sourceTable, byte[] sourceKey, String result) {
    }

    /** Writes the entries (their op ids already taken). */
    public void write(Connection connection, int groupId, List<Entry> entries) throws SQLException {
        if (entries.isEmpty()) {
            return;
        }
        try (PreparedStatement insert = connection.prepareStatement("INSERT INTO parameter_index "
                + "(id, group_id, lookup, source_table, source_key, result) VALUES (?, ?, ?, ?, ?, ?)")) {
            for (Entry entry : entries) {
                insert.setLong(1, entry.opId());
                insert.setInt(2, groupId);
                insert.setBytes(3, entry.lookup());
                insert.setBytes(4, entry.sourceTable().getBytes(StandardCharsets.UTF_8));
                insert.setBytes(5, entry.sourceKey());
                insert.setString(6, entry.result());
                insert.addBatch();
            }
            insert.executeBatch();
        }
    }

    /**
     * For each of {@code lookups}, the non-empty results of the rows that contribute to it as of
     * op id {@code asOf}, each row's latest contribution only.
     */
    public Map<ByteBuffer, List<String>> results(Connection connection, int groupId, Collection<byte[]> lookups, long asOf)
            throws SQLException {
        Map<ByteBuffer, List<String>> results = new HashMap<>();
        for (byte[] lookup : lookups) {
            results.put(ByteBuffer.wrap(lookup), new java.util.ArrayList<>());
        }
        if (lookups.isEmpty()) {
            return results;
        }
        String marks = String.join(", ", java.util.Collections.nCopies(lookups.size(), "?"));
        // Each row's newest entry per lookup up to asOf; the index (group_id, lookup, id DESC) serves it.
        try (PreparedStatement select = connection.prepareStatement("SELECT p.lookup, p.result FROM parameter_index p "
                + "JOIN (SELECT lookup, source_table, source_key, MAX(id) AS id FROM parameter_index "
                + "WHERE group_id = ? AND id <= ? AND lookup IN (" + marks + ") GROUP BY lookup, source_table, source_key) latest "
                + "ON p.id = latest.id ORDER BY p.id")) {
            select.setInt(1, groupId);
            select.setLong(2, asOf);
            int i = 3;
            for (byte[] lookup : lookups) {
                select.setBytes(i++, lookup);
            }
            try (ResultSet rs = select.executeQuery()) {
                while (rs.next()) {
                    String result = rs.getString(2);
                    if (!result.strip().equals("[]")) {
                        results.get(ByteBuffer.wrap(rs.getBytes(1))).add(result);
                    }
                }
            }
        }
        return results;
    }
}
