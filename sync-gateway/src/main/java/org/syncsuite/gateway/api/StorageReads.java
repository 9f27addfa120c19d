package org.syncsuite.gateway.api;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import javax.sql.DataSource;

import org.syncsuite.core.ErrorCode;
import org.syncsuite.core.SqliteValue;
import org.syncsuite.core.SyncException;
import org.syncsuite.core.config.LookupSource;
import org.syncsuite.gateway.storage.LookupKeys;

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

    /**
     * The parameter index as a connection's bucket resolution reads it at {@code served}: through
     * the hub's shared lookup cache, noting each lookup in {@code used}, and failing with
     * {@link ErrorCode#TOO_MANY_BUCKETS} beyond {@code maxResults} result rows in all.
     */
    static LookupSource lookupSource(CheckpointHub hub, DataSource storage, CheckpointHub.Served served, int maxResults,
                                     java.util.Set<String> used) {
        int[] results = {0};
        return (indexId, key) -> {
            String lookup = new String(LookupKeys.lookup(indexId, key), StandardCharsets.UTF_8);
            used.add(lookup);
            List<String> rows = hub.lookups().getAll(List.of(lookup), served.checkpoint(),
                    (keys, checkpoint) -> lookups(storage, served.version(), keys, checkpoint)).getOrDefault(lookup, List.of());
            List<List<SqliteValue>> tuples = new ArrayList<>();
            for (String row : rows) {
                tuples.addAll(LookupKeys.parseResults(row));
            }
            results[0] += tuples.size();
            if (results[0] > maxResults) {
                throw new SyncException(ErrorCode.TOO_MANY_BUCKETS, "The sync config's parameter queries return more than "
                        + maxResults + " rows for this connection (api.parameters.max_parameter_query_results)");
            }
            return tuples;
        };
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
