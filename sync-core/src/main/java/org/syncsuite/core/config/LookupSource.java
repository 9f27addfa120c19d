package org.syncsuite.core.config;

import java.util.List;

import org.syncsuite.core.SqliteValue;

/**
 * The parameter index as bucket storage holds it at a checkpoint: for an index and a key, the
 * output tuples of every replicated row that has that key. The gateway implements it over
 * storage; tests over a map.
 */
@FunctionalInterface
public interface LookupSource {

    List<List<SqliteValue>> lookup(String indexId, List<SqliteValue> key);

    /** No rows at all. */
    LookupSource EMPTY = (indexId, key) -> List.of();
}
