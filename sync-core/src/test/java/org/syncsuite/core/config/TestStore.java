package org.syncsuite.core.config;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import org.syncsuite.core.SqliteValue;
import org.syncsuite.core.protocol.StreamingSyncRequest;
import org.syncsuite.core.sql.RequestParameters;

/** A tiny in-memory bucket storage for tests: rows in, placements and a parameter index out. */
final class TestStore implements LookupSource {

    private final SyncPlan plan;
    private final Map<String, List<BucketPlacement>> placements = new LinkedHashMap<>();
    private final Map<String, List<List<SqliteValue>>> index = new HashMap<>();

    TestStore(SyncPlan plan) {
        this.plan = plan;
    }

    /** Adds a row given as alternating column names and values (String, Long, Double or null). */
    RowEvaluation put(String table, Object... columnsAndValues) {
        RowEvaluation evaluation = plan.evaluateRow(table, row(columnsAndValues));
        evaluation.placements().forEach(p -> placements.computeIfAbsent(p.bucket(), b -> new ArrayList<>()).add(p));
        evaluation.lookups().forEach(l -> index.computeIfAbsent(l.indexId() + l.key(), k -> new ArrayList<>()).add(l.output()));
        return evaluation;
    }

    static Map<String, SqliteValue> row(Object... columnsAndValues) {
        Map<String, SqliteValue> row = new LinkedHashMap<>();
        for (int i = 0; i < columnsAndValues.length; i += 2) {
            Object value = columnsAndValues[i + 1];
            row.put((String) columnsAndValues[i], switch (value) {
                case null -> SqliteValue.NULL;
                case String s -> SqliteValue.of(s);
                case Long l -> SqliteValue.of(l);
                case Integer n -> SqliteValue.of(n.longValue());
                case Double d -> SqliteValue.of(d);
                default -> throw new IllegalArgumentException(value.getClass().getName());
            });
        }
        return row;
    }

    @Override
    public List<List<SqliteValue>> lookup(String indexId, List<SqliteValue> key) {
        return index.getOrDefault(indexId + key, List.of());
    }

    List<String> bucketsOf(String table, Object... columnsAndValues) {
        return plan.evaluateRow(table, row(columnsAndValues)).placements().stream().map(BucketPlacement::bucket).toList();
    }

    /** The bucket ids a user gets: default streams plus the given subscriptions (stream, params JSON). */
    List<String> bucketsFor(String jwt, String connection, String... subscriptions) {
        return resolve(jwt, connection, subscriptions).buckets().stream().map(ResolvedBucket::bucket).toList();
    }

    BucketResolution resolve(String jwt, String connection, String... subscriptions) {
        List<StreamingSyncRequest.Subscription> list = new ArrayList<>();
        for (int i = 0; i < subscriptions.length; i += 2) {
            list.add(new StreamingSyncRequest.Subscription(subscriptions[i], Optional.ofNullable(subscriptions[i + 1]),
                    java.util.OptionalInt.empty()));
        }
        return plan.resolveBuckets(RequestParameters.of(jwt, connection),
                new StreamingSyncRequest.StreamsRequest(true, list), this, SyncPlan.DEFAULT_MAX_BUCKETS);
    }
}
