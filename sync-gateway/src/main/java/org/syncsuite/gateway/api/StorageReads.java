package org.syncsuite.gateway.api;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import javax.sql.DataSource;

import org.syncsuite.gateway.storage.BucketStore;
import org.syncsuite.gateway.storage.ParameterIndex;

/** The storage reads behind the hub's shared caches: lookup results and bucket totals at a checkpoint. */
final class StorageReads {

    private StorageReads() {
    }

    /** The parameter index's results for {@code keys} of version {@code group} at {@code checkpoint}; absent keys map to none. */
    static Map<String, List<String>> lookups(DataSource storage, int group, List<String> keys, long checkpoint) throws SQLException {
        List<byte[]> bytes = keys.stream().map(k -> k.getBytes(StandardCharsets.UTF_8)).toList();
        Map<ByteBuffer, List<String>> found;
        try (Connection connection = storage.getConnection()) {
            found = new ParameterIndex().results(connection, group, bytes, checkpoint);
        }
        Map<String, List<String>> results = new HashMap<>();
        for (String key : keys) {
            results.put(key, List.copyOf(found.getOrDefault(ByteBuffer.wrap(key.getBytes(StandardCharsets.UTF_8)), List.of())));
        }
        return results;
    }

    /** Each bucket's checksum and count at {@code checkpoint}; a bucket with no ops yet has zeros. */
    static Map<String, BucketStore.CheckpointTotals> totals(DataSource storage, int group, java.util.Collection<String> buckets,
                                                             long checkpoint) throws SQLException {
        Map<String, BucketStore.CheckpointTotals> found;
        try (Connection connection = storage.getConnection()) {
            found = new BucketStore().totalsAt(connection, group, buckets, checkpoint);
        }
        Map<String, BucketStore.CheckpointTotals> all = new HashMap<>(found);
        for (String key : buckets) {
            all.putIfAbsent(key, new BucketStore.CheckpointTotals(0, 0, true, 0)); // no ops yet
        }
        return all;
    }
}
