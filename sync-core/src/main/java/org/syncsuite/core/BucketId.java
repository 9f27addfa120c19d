package org.syncsuite.core;

import java.util.List;

/**
 * Bucket ids: the bucket family's name, optionally prefixed by the deployment's replication
 * stream id ({@code 1#}), then the JSON array of the parameter values, e.g.
 * {@code 1#by_user["u1"]}, {@code 1#todos|0["a"]}, {@code global[]}. Integral reals serialize
 * as integers, so {@code 1} and {@code 1.0} name the same bucket.
 */
public final class BucketId {

    private BucketId() {
    }

    /** {@code versionPrefix} is the replication stream id, or a negative number for none. */
    public static String of(long versionPrefix, String family, List<SqliteValue> parameters) {
        StringBuilder out = new StringBuilder(family.length() + 16 * parameters.size() + 8);
        if (versionPrefix >= 0) {
            out.append(versionPrefix).append('#');
        }
        out.append(family);
        JsonWriter json = new JsonWriter(out);
        json.beginArray();
        for (SqliteValue parameter : parameters) {
            json.value(parameter);
        }
        json.endArray();
        return out.toString();
    }
}
