package org.syncsuite.core.config;

import java.util.List;

/**
 * What one source row means under a sync config: its bucket placements, its parameter-index
 * entries, and the errors of definitions that could not evaluate it (the row is left out of
 * those, and the rest of the config still applies).
 */
public record RowEvaluation(List<BucketPlacement> placements, List<LookupEntry> lookups, List<String> errors) {

    public RowEvaluation {
        placements = List.copyOf(placements);
        lookups = List.copyOf(lookups);
        errors = List.copyOf(errors);
    }
}
