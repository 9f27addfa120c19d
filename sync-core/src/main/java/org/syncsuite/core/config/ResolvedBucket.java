package org.syncsuite.core.config;

import java.util.List;

import org.syncsuite.core.protocol.InclusionReason;

/** A bucket a connection gets, at the most urgent priority any reason gives it, with every reason. */
public record ResolvedBucket(String bucket, int priority, List<InclusionReason> reasons) {

    public ResolvedBucket {
        reasons = List.copyOf(reasons);
    }
}
