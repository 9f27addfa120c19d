package org.syncsuite.core.config;

import java.util.List;
import java.util.Map;
import java.util.OptionalInt;

import org.syncsuite.core.mysql.TimestampPrecision;

/**
 * A sync config as read from YAML, before its queries are compiled: Sync Streams
 * ({@code config: edition: 3}, {@code streams:}) or legacy {@code bucket_definitions:}, with the
 * issues found while reading.
 */
public record SyncConfigDocument(String file, Options options, Map<String, QueryText> globalWith,
                                 List<StreamDefinition> streams, List<BucketDefinition> bucketDefinitions,
                                 List<ConfigIssue> issues) {

    public SyncConfigDocument {
        globalWith = Map.copyOf(globalWith);
        streams = List.copyOf(streams);
        bucketDefinitions = List.copyOf(bucketDefinitions);
        issues = List.copyOf(issues);
    }

    /**
     * The {@code config:} block. Edition 2 and later turn on ISO timestamps, versioned bucket
     * ids and SQLite-like JSON paths; edition 3 is streams only.
     */
    public record Options(int edition, boolean timestampsIso8601, boolean versionedBucketIds, boolean fixedJsonExtract,
                          TimestampPrecision timestampPrecision) {

        public static Options forEdition(int edition) {
            boolean fixed = edition >= 2;
            return new Options(edition, fixed, fixed, fixed, TimestampPrecision.MILLISECONDS);
        }
    }

    /** One stream of {@code streams:}. */
    public record StreamDefinition(String name, Position position, boolean autoSubscribe, int priority,
                                   boolean acceptPotentiallyDangerousQueries, Map<String, QueryText> with,
                                   List<QueryText> queries) {
        public StreamDefinition {
            with = Map.copyOf(with);
            queries = List.copyOf(queries);
        }
    }

    /** One definition of legacy {@code bucket_definitions:}. */
    public record BucketDefinition(String name, Position position, OptionalInt priority,
                                   boolean acceptPotentiallyDangerousQueries, List<QueryText> parameterQueries,
                                   List<QueryText> dataQueries) {
        public BucketDefinition {
            parameterQueries = List.copyOf(parameterQueries);
            dataQueries = List.copyOf(dataQueries);
        }
    }
}
