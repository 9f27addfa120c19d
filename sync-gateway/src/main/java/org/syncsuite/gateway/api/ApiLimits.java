package org.syncsuite.gateway.api;

import java.time.Duration;

import org.syncsuite.core.service.ServiceConfig;

/**
 * The api role's limits: PowerSync's {@code api.parameters} (concurrent streams, buckets per
 * connection, parameter query results) and how data goes out (ops and bytes per data line, the
 * keepalive interval).
 */
public record ApiLimits(int maxConnections, int maxBuckets, int maxParameterResults, int chunkOps, long chunkBytes,
                        Duration keepalive) {

    /** The default: 1,000 ops or 1 MB per data line, a keepalive every 20 s. */
    public static ApiLimits of(ServiceConfig.Api api) {
        return new ApiLimits(api.maxConcurrentConnections(), api.maxBucketsPerConnection(), api.maxParameterQueryResults(),
                1000, 1_000_000, Duration.ofSeconds(20));
    }

    public ApiLimits withKeepalive(Duration every) {
        return new ApiLimits(maxConnections, maxBuckets, maxParameterResults, chunkOps, chunkBytes, every);
    }

    public ApiLimits withMaxConnections(int max) {
        return new ApiLimits(max, maxBuckets, maxParameterResults, chunkOps, chunkBytes, keepalive);
    }
}
