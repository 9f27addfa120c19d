package org.syncsuite.gateway.api;

import java.io.IOException;
import java.time.Clock;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicInteger;

import javax.sql.DataSource;

import org.syncsuite.core.ErrorCode;
import org.syncsuite.core.SyncException;
import org.syncsuite.core.protocol.StreamingSyncRequest;
import org.syncsuite.gateway.auth.TokenVerifier;
import org.syncsuite.gateway.auth.VerifiedToken;

/**
 * The api role without its HTTP binding: authenticate a request, open a sync stream within the
 * connection limit, hand out write checkpoints. The HTTP layer translates requests into these
 * calls and their {@link SyncException}s into error responses.
 *
 * <p>Thread-safe.
 */
public final class SyncApi {

    private final TokenVerifier verifier;
    private final CheckpointHub hub;
    private final DataSource storage;
    private final WriteCheckpointService writeCheckpoints;
    private final ApiLimits limits;
    private final ApiStats stats;
    private final Clock clock;
    private final AtomicInteger open = new AtomicInteger();

    public SyncApi(TokenVerifier verifier, CheckpointHub hub, DataSource storage, WriteCheckpointService writeCheckpoints,
                   ApiLimits limits, ApiStats stats, Clock clock) {
        this.verifier = verifier;
        this.hub = hub;
        this.storage = storage;
        this.writeCheckpoints = writeCheckpoints;
        this.limits = limits;
        this.stats = stats;
        this.clock = clock;
    }

    /** The verified token of an {@code Authorization} header. */
    public VerifiedToken authenticate(Optional<String> authorization) {
        return verifier.verify(TokenVerifier.tokenOf(authorization));
    }

    /**
     * A stream whose first checkpoint is ready, or an error to answer instead: too many streams
     * ({@link ErrorCode#TOO_MANY_CONNECTIONS}), no active sync config, too many buckets.
     * The caller serves it, then closes it.
     */
    public Stream open(VerifiedToken token, StreamingSyncRequest request) {
        if (open.incrementAndGet() > limits.maxConnections()) {
            open.decrementAndGet();
            stats.streamsRefused.increment();
            throw new SyncException(ErrorCode.TOO_MANY_CONNECTIONS, "This process serves its maximum of "
                    + limits.maxConnections() + " streams (api.parameters.max_concurrent_connections)");
        }
        SyncStream stream = new SyncStream(hub, storage, token, request, limits, stats, clock);
        try {
            stream.open();
        } catch (RuntimeException e) {
            stream.close();
            open.decrementAndGet();
            throw e;
        }
        stats.streamsOpened.increment();
        return new Stream(stream, request.rawData());
    }

    /** An opened stream. */
    public final class Stream implements AutoCloseable {
        private final SyncStream stream;
        private final boolean rawData;
        private boolean closed;

        private Stream(SyncStream stream, boolean rawData) {
            this.stream = stream;
            this.rawData = rawData;
        }

        /**
         * Writes lines to {@code out} in {@code mediaType} framing until the stream ends; returns
         * normally when it ends as the protocol says (token expiry, a new sync config, shutdown).
         */
        public void serve(String mediaType, java.io.OutputStream out) throws IOException, InterruptedException {
            LineSink sink = LineSink.of(mediaType, out, new org.syncsuite.core.protocol.WireOptions(rawData))
                    .countingInto(stats.bytesSent);
            stream.serve(sink);
        }

        @Override
        public void close() {
            if (!closed) {
                closed = true;
                stream.close();
                open.decrementAndGet();
            }
        }
    }

    /** {@code GET /write-checkpoint2.json}. */
    public long writeCheckpoint(VerifiedToken token, String clientId) {
        return writeCheckpoints.next(token.userId(), clientId);
    }

    /** {@code POST /sync/checkpoint-request}. */
    public long checkpointRequest(VerifiedToken token, String clientId, long requested) {
        return writeCheckpoints.request(token.userId(), clientId, requested);
    }

    /** What {@code userId}'s connections get now: see {@link UserInspector}. */
    public UserInspector.Inspection inspect(String userId, com.fasterxml.jackson.databind.JsonNode claims,
                                            StreamingSyncRequest request) {
        return new UserInspector(hub, storage, limits, stats).inspect(userId, claims, request);
    }

    public int openStreams() {
        return open.get();
    }

    public CheckpointHub hub() {
        return hub;
    }

    public ApiStats stats() {
        return stats;
    }

    /** Which framing an {@code Accept} header asks for: BSON only when it is preferred to NDJSON. */
    public static String negotiate(Optional<String> accept) {
        double bson = -1;
        double ndjson = -1;
        int bsonOrder = Integer.MAX_VALUE;
        int ndjsonOrder = Integer.MAX_VALUE;
        String[] ranges = accept.orElse("").split(",");
        for (int i = 0; i < ranges.length; i++) {
            String[] parts = ranges[i].split(";");
            String type = parts[0].strip().toLowerCase(java.util.Locale.ROOT);
            double q = 1;
            for (int p = 1; p < parts.length; p++) {
                String parameter = parts[p].strip();
                if (parameter.startsWith("q=")) {
                    try {
                        q = Double.parseDouble(parameter.substring(2));
                    } catch (NumberFormatException e) {
                        q = 0;
                    }
                }
            }
            if (type.equals(LineSink.BSON) && q > bson) {
                bson = q;
                bsonOrder = i;
            } else if (type.equals(LineSink.NDJSON) && q > ndjson) {
                ndjson = q;
                ndjsonOrder = i;
            }
        }
        boolean preferBson = bson > 0 && (bson > ndjson || (bson == ndjson && bsonOrder < ndjsonOrder));
        return preferBson ? LineSink.BSON : LineSink.NDJSON;
    }
}
