package org.syncsuite.core.config;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.concurrent.ConcurrentHashMap;

import org.syncsuite.core.BucketId;
import org.syncsuite.core.ErrorCode;
import org.syncsuite.core.SqliteValue;
import org.syncsuite.core.SyncException;
import org.syncsuite.core.protocol.InclusionReason;
import org.syncsuite.core.protocol.StreamDescription;
import org.syncsuite.core.protocol.StreamingSyncRequest;
import org.syncsuite.core.sql.EvalContext;
import org.syncsuite.core.sql.RequestParameters;
import org.syncsuite.core.sql.SqlEvaluationException;

/**
 * A compiled sync config, evaluated in both directions: a source row gives its bucket placements
 * and parameter-index entries ({@link #evaluateRow}); a request gives its buckets
 * ({@link #resolveBuckets}). Immutable and thread-safe.
 */
public final class SyncPlan {

    /** PowerSync's default limit of buckets per connection. */
    public static final int DEFAULT_MAX_BUCKETS = 1000;

    private final SyncConfigDocument.Options options;
    private final long bucketVersion;
    private final List<DataSource> dataSources;
    private final List<ParameterIndex> indexes;
    private final List<CompiledStream> streams;
    private final List<ConfigIssue> warnings;
    private final List<OutputTable> outputTables;
    private final Map<String, List<DataSource>> dataSourcesByTable = new ConcurrentHashMap<>();
    private final Map<String, List<ParameterIndex>> indexesByTable = new ConcurrentHashMap<>();

    SyncPlan(SyncConfigDocument.Options options, long bucketVersion, List<DataSource> dataSources,
             List<ParameterIndex> indexes, List<CompiledStream> streams, List<ConfigIssue> warnings, List<OutputTable> outputTables) {
        this.options = options;
        this.bucketVersion = bucketVersion;
        this.dataSources = List.copyOf(dataSources);
        this.indexes = List.copyOf(indexes);
        this.streams = List.copyOf(streams);
        this.warnings = List.copyOf(warnings);
        this.outputTables = List.copyOf(outputTables);
    }

    public SyncConfigDocument.Options options() {
        return options;
    }

    /** Warnings found while compiling (the config is usable). */
    public List<ConfigIssue> warnings() {
        return warnings;
    }

    /** Names of the streams (and legacy bucket definitions), in config order. */
    public List<String> streamNames() {
        return streams.stream().map(CompiledStream::name).toList();
    }

    /**
     * The tables this config sends to clients, with their columns (without {@code id}), in the
     * order the config first names them: what a client schema declares. Several data queries
     * with one output table are merged.
     */
    public List<OutputTable> outputTables() {
        return outputTables;
    }

    /** Whether any definition reads {@code table}: rows of other tables need not be replicated. */
    public boolean readsTable(String table) {
        return !dataSourcesFor(table).isEmpty() || !indexesFor(table).isEmpty();
    }

    /** Every table name or pattern the config reads. */
    public List<String> tablePatterns() {
        List<String> names = new ArrayList<>();
        dataSources.forEach(source -> addOnce(names, source.table().name()));
        indexes.forEach(index -> addOnce(names, index.table().name()));
        return names;
    }

    /**
     * How the config reads a source table (or table pattern): whether data queries and parameter
     * queries read it, and the client-side tables its rows become.
     */
    public record TableUsage(String table, boolean dataQueries, boolean parameterQueries, List<String> outputTables) {
        public TableUsage {
            outputTables = List.copyOf(outputTables);
        }
    }

    /** Every table or pattern the config reads, in config order, with how it is read. */
    public List<TableUsage> tableUsage() {
        List<TableUsage> usage = new ArrayList<>();
        for (String table : tablePatterns()) {
            List<String> outputs = new ArrayList<>();
            dataSources.stream().filter(source -> source.table().name().equals(table))
                    .forEach(source -> addOnce(outputs, source.outputTable().isEmpty() ? table : source.outputTable()));
            boolean parameters = indexes.stream().anyMatch(index -> index.table().name().equals(table));
            usage.add(new TableUsage(table, !outputs.isEmpty(), parameters, outputs));
        }
        return usage;
    }

    private static void addOnce(List<String> names, String name) {
        if (!names.contains(name)) {
            names.add(name);
        }
    }

    /**
     * The buckets and index entries of a row of {@code table} ({@code row} in the table's column
     * order). A definition that fails on this row is reported in the result and skipped.
     */
    public RowEvaluation evaluateRow(String table, Map<String, SqliteValue> row) {
        EvalContext context = EvalContext.ofRow(row);
        List<BucketPlacement> placements = new ArrayList<>();
        List<LookupEntry> lookups = new ArrayList<>();
        List<String> errors = new ArrayList<>();
        DataSource.RowJson rowJson = new DataSource.RowJson(row);
        for (DataSource source : dataSourcesFor(table)) {
            try {
                source.place(table, rowJson, context, bucketVersion, placements);
            } catch (SqlEvaluationException e) {
                errors.add(source.definition() + ": " + e.getMessage());
            }
        }
        for (ParameterIndex index : indexesFor(table)) {
            try {
                index.index(context, lookups);
            } catch (SqlEvaluationException e) {
                errors.add(index.id() + ": " + e.getMessage());
            }
        }
        return new RowEvaluation(dedupe(placements), lookups, errors);
    }

    /** Two OR branches can place a row in the same bucket; it goes there once. Rows have few placements. */
    private static List<BucketPlacement> dedupe(List<BucketPlacement> placements) {
        int size = placements.size();
        if (size < 2) {
            return placements;
        }
        List<BucketPlacement> unique = new ArrayList<>(size);
        outer:
        for (BucketPlacement placement : placements) {
            for (BucketPlacement kept : unique) {
                if (kept.bucket().equals(placement.bucket()) && kept.objectType().equals(placement.objectType())) {
                    continue outer;
                }
            }
            unique.add(placement);
        }
        return unique;
    }

    private List<DataSource> dataSourcesFor(String table) {
        return dataSourcesByTable.computeIfAbsent(table,
                t -> dataSources.stream().filter(source -> source.table().matches(t)).toList());
    }

    private List<ParameterIndex> indexesFor(String table) {
        return indexesByTable.computeIfAbsent(table,
                t -> indexes.stream().filter(index -> index.table().matches(t)).toList());
    }

    /**
     * A connection's buckets: the default streams (when asked for) and each subscription's, with
     * their priorities and reasons. Evaluation errors of a subscription are reported in its
     * stream's errors rather than failing the connection; more than {@code maxBuckets} buckets
     * is a {@link ErrorCode#TOO_MANY_BUCKETS} error.
     */
    public BucketResolution resolveBuckets(RequestParameters request, StreamingSyncRequest.StreamsRequest subscriptions,
                                           LookupSource lookups, int maxBuckets) {
        Map<String, Accumulator> buckets = new LinkedHashMap<>();
        Map<String, StreamState> described = new LinkedHashMap<>();
        if (subscriptions.includeDefaults()) {
            for (CompiledStream stream : streams) {
                if (stream.isDefault()) {
                    StreamState state = described.computeIfAbsent(stream.name(), name -> new StreamState(described.size(), true));
                    collect(stream, request, lookups, stream.priority(), new InclusionReason.Default(state.index),
                            buckets, state, OptionalInt.empty());
                }
            }
        }
        List<StreamingSyncRequest.Subscription> explicit = subscriptions.subscriptions();
        for (int i = 0; i < explicit.size(); i++) {
            StreamingSyncRequest.Subscription subscription = explicit.get(i);
            Optional<CompiledStream> stream = streams.stream().filter(s -> s.name().equals(subscription.stream())).findFirst();
            if (stream.isEmpty()) {
                continue; // unknown streams are ignored, as PowerSync does
            }
            StreamState state = described.computeIfAbsent(stream.get().name(), name -> new StreamState(described.size(), false));
            RequestParameters withSubscription;
            try {
                withSubscription = request.withSubscription(subscription.parametersJson());
            } catch (SqlEvaluationException e) {
                state.errors.add(new StreamDescription.StreamError(OptionalInt.of(i), e.getMessage()));
                continue;
            }
            int priority = subscription.overridePriority().orElse(stream.get().priority());
            collect(stream.get(), withSubscription, lookups, priority, new InclusionReason.Subscription(i), buckets, state,
                    OptionalInt.of(i));
            if (buckets.size() > maxBuckets) {
                break;
            }
        }
        if (buckets.size() > maxBuckets) {
            throw new SyncException(ErrorCode.TOO_MANY_BUCKETS, "This connection would sync " + buckets.size()
                    + " or more buckets; the limit is " + maxBuckets + ". Narrow the sync config's queries or "
                    + "subscribe to fewer streams.");
        }
        List<ResolvedBucket> resolved = new ArrayList<>(buckets.size());
        buckets.forEach((id, acc) -> resolved.add(new ResolvedBucket(id, acc.priority, acc.reasons)));
        List<StreamDescription> descriptions = new ArrayList<>();
        described.forEach((name, state) -> descriptions.add(new StreamDescription(name, state.isDefault, state.errors)));
        return new BucketResolution(resolved, descriptions);
    }

    private void collect(CompiledStream stream, RequestParameters request, LookupSource lookups, int priority,
                         InclusionReason reason, Map<String, Accumulator> buckets, StreamState state,
                         OptionalInt subscriptionIndex) {
        EvalContext context = EvalContext.ofRequest(request);
        for (CompiledStream.Family family : stream.families()) {
            for (TupleProducer producer : family.producers()) {
                List<List<SqliteValue>> tuples;
                try {
                    tuples = producer.tuples(context, lookups);
                } catch (SqlEvaluationException e) {
                    state.errors.add(new StreamDescription.StreamError(subscriptionIndex, e.getMessage()));
                    continue;
                }
                int effective = producer.priority().orElse(priority);
                for (List<SqliteValue> tuple : tuples) {
                    if (tuple.stream().anyMatch(SqliteValue::isNull)) {
                        continue; // a NULL parameter never matches a row
                    }
                    String bucket = BucketId.of(bucketVersion, family.name(), tuple);
                    Accumulator acc = buckets.computeIfAbsent(bucket, id -> new Accumulator(effective));
                    acc.priority = Math.min(acc.priority, effective);
                    if (!acc.reasons.contains(reason)) {
                        acc.reasons.add(reason);
                    }
                }
            }
        }
    }

    private static final class Accumulator {
        private int priority;
        private final List<InclusionReason> reasons = new ArrayList<>();

        Accumulator(int priority) {
            this.priority = priority;
        }
    }

    private static final class StreamState {
        private final int index;
        private final boolean isDefault;
        private final List<StreamDescription.StreamError> errors = new ArrayList<>();

        StreamState(int index, boolean isDefault) {
            this.index = index;
            this.isDefault = isDefault;
        }
    }
}
