package org.syncsuite.core.config;

import java.util.List;

import org.syncsuite.core.protocol.StreamDescription;

/** A connection's buckets and the streams they come from, with per-subscription errors. */
public record BucketResolution(List<ResolvedBucket> buckets, List<StreamDescription> streams) {

    public BucketResolution {
        buckets = List.copyOf(buckets);
        streams = List.copyOf(streams);
    }
}
