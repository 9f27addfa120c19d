package org.syncsuite.gateway.api;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

import javax.sql.DataSource;

import com.fasterxml.jackson.databind.JsonNode;

import org.syncsuite.core.ErrorCode;
import org.syncsuite.core.SyncException;
import org.syncsuite.core.config.BucketResolution;
import org.syncsuite.core.config.LookupSource;
import org.syncsuite.core.config.ResolvedBucket;
import org.syncsuite.core.protocol.InclusionReason;
import org.syncsuite.core.protocol.StreamDescription;
import org.syncsuite.core.protocol.StreamingSyncRequest;
import org.syncsuite.core.sql.RequestParameters;
import org.syncsuite.gateway.storage.BucketStore;

/**
 * What one user's connection gets at the served checkpoint, without opening a stream: the
 * buckets its request resolves to (through the parameter index, as a stream resolves them),
 * each with the checksum and count the client must reach, the streams with their errors, the
 * user's open streams and its recent errors. Answers the operator's "why is this user stuck on
 * Syncing...?". Reads through the same shared caches as the streams.
 */
public final class UserInspector {

    /** A bucket of the user at the checkpoint. */
    public record Bucket(String bucket, List<String> sources, int priority, long checksum, long count, long lastOp) {
    }

    /** The inspection's result. */
    public record Inspection(String userId, Optional<CheckpointHub.Served> served, List<Bucket> buckets,
                             List<StreamDescription> streams, int openStreams, List<ApiStats.UserError> recentErrors) {
    }

    private final CheckpointHub hub;
    private final DataSource storage;
    private final ApiLimits limits;
    private final ApiStats stats;

    UserInspector(CheckpointHub hub, DataSource storage, ApiLimits limits, ApiStats stats) {
        this.hub = hub;
        this.storage = storage;
        this.limits = limits;
        this.stats = stats;
    }

    /**
     * Resolves {@code userId}'s buckets with the token claims {@code claims} (at least {@code sub})
     * and the sync request {@code request} (client parameters and stream subscriptions).
     */
    public Inspection inspect(String userId, JsonNode claims, StreamingSyncRequest request) {
        Optional<CheckpointHub.Served> served = hub.served();
        int open = hub.openStreamsOf(userId);
        List<ApiStats.UserError> errors = stats.recentErrors(userId);
        if (served.isEmpty()) {
            return new Inspection(userId, served, List.of(), List.of(), open, errors);
        }
        CheckpointHub.Served at = served.get();
        RequestParameters parameters = new RequestParameters(claims,
                org.syncsuite.core.sql.SqlJson.parse(request.parametersJson()), Optional.empty());
        LookupSource lookups = StorageReads.lookupSource(hub, storage, at, limits.maxParameterResults(), new java.util.HashSet<>());
        BucketResolution resolution = at.plan().resolveBuckets(parameters, request.effectiveStreams(), lookups,
                limits.maxBuckets());
        Set<String> names = new LinkedHashSet<>();
        resolution.buckets().forEach(b -> names.add(b.bucket()));
        Map<String, BucketStore.CheckpointTotals> totals = names.isEmpty() ? Map.of()
                : hub.checksums().getAll(names, at.checkpoint(),
                        (keys, checkpoint) -> StorageReads.totals(storage, at.version(), keys, checkpoint));
        Map<String, Long> lastOps = lastOps(at, names);
        List<Bucket> buckets = new ArrayList<>();
        for (ResolvedBucket bucket : resolution.buckets()) {
            BucketStore.CheckpointTotals total = totals.getOrDefault(bucket.bucket(), new BucketStore.CheckpointTotals(0, 0, true, 0));
            List<String> sources = new ArrayList<>();
            for (InclusionReason reason : bucket.reasons()) {
                int index = reason instanceof InclusionReason.Default d ? d.streamIndex() : -1;
                if (reason instanceof InclusionReason.Subscription s) {
                    sources.add("subscription " + s.subscriptionIndex());
                } else if (index >= 0 && index < resolution.streams().size()) {
                    sources.add(resolution.streams().get(index).name());
                } else {
                    sources.add(reason.toString());
                }
            }
            buckets.add(new Bucket(bucket.bucket(), sources, bucket.priority(), total.checksum(), total.count(),
                    lastOps.getOrDefault(bucket.bucket(), 0L)));
        }
        return new Inspection(userId, served, buckets, resolution.streams(), open, errors);
    }

    /** Each bucket's last op id at the checkpoint (one index lookup per bucket). */
    private Map<String, Long> lastOps(CheckpointHub.Served at, Set<String> buckets) {
        Map<String, Long> last = new java.util.HashMap<>();
        try (java.sql.Connection connection = storage.getConnection();
             java.sql.PreparedStatement select = connection.prepareStatement(
                     "SELECT MAX(op_id) FROM bucket_ops WHERE group_id = ? AND bucket = ? AND op_id <= ?")) {
            for (String bucket : buckets) {
                select.setInt(1, at.version());
                select.setBytes(2, bucket.getBytes(StandardCharsets.UTF_8));
                select.setLong(3, at.checkpoint());
                try (java.sql.ResultSet rs = select.executeQuery()) {
                    if (rs.next()) {
                        last.put(bucket, rs.getLong(1));
                    }
                }
            }
        } catch (java.sql.SQLException e) {
            throw new SyncException(ErrorCode.STORAGE_UNAVAILABLE, "Bucket storage cannot be read: " + e.getMessage(), e);
        }
        return last;
    }

    /** When the checkpoint's source transaction committed, if known. */
    public static Optional<Instant> sourceCommit(CheckpointHub.Served served) {
        return served.sourceMillis() > 0 ? Optional.of(Instant.ofEpochMilli(served.sourceMillis())) : Optional.empty();
    }
}
