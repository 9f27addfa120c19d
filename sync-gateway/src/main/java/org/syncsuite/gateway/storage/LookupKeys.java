package org.syncsuite.gateway.storage;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.syncsuite.core.SqliteValue;
import org.syncsuite.core.change.JsonBuffer;

/**
 * How parameter lookups are named and their results written in {@link ParameterIndex}: a lookup
 * is the compact JSON array {@code ["<index id>", key values...]} in UTF-8, and a row's result is
 * a JSON array of output tuples, {@code [[v1, v2]]}. Values are written as the changes topic
 * writes them (integers exact, reals with a fraction or exponent, blobs as base64 strings), so
 * the writer and the api role name the same lookup with the same bytes. Thread-safe.
 */
public final class LookupKeys {

    private static final ObjectMapper MAPPER = org.syncsuite.core.JsonMappers.builder().build();

    private LookupKeys() {
    }

    /** The bytes that name the lookup of {@code indexId} by {@code key}. */
    public static byte[] lookup(String indexId, List<SqliteValue> key) {
        JsonBuffer json = new JsonBuffer(32 + 16 * key.size());
        json.raw('[').string(indexId);
        for (SqliteValue value : key) {
            json.raw(',');
            json.value(value);
        }
        return json.raw(']').toByteArray();
    }

    /** The JSON text of a row's result: its output tuples. */
    public static String results(List<List<SqliteValue>> tuples) {
        JsonBuffer json = new JsonBuffer(16 + 16 * tuples.size());
        json.raw('[');
        for (int t = 0; t < tuples.size(); t++) {
            if (t > 0) {
                json.raw(',');
            }
            json.raw('[');
            List<SqliteValue> tuple = tuples.get(t);
            for (int i = 0; i < tuple.size(); i++) {
                if (i > 0) {
                    json.raw(',');
                }
                json.value(tuple.get(i));
            }
            json.raw(']');
        }
        return new String(json.raw(']').toByteArray(), java.nio.charset.StandardCharsets.UTF_8);
    }

    /**
     * The tuples of a result written by {@link #results}. Blobs cannot be told from text once
     * written, so they read back as their base64 text.
     */
    public static List<List<SqliteValue>> parseResults(String json) {
        try {
            JsonNode root = MAPPER.readTree(json);
            List<List<SqliteValue>> tuples = new ArrayList<>(root.size());
            for (JsonNode tuple : root) {
                List<SqliteValue> values = new ArrayList<>(tuple.size());
                for (JsonNode value : tuple) {
                    values.add(value(value));
                }
                tuples.add(values);
            }
            return tuples;
        } catch (IOException e) {
            throw new IllegalArgumentException("Not a parameter index result: " + json, e);
        }
    }

    private static SqliteValue value(JsonNode node) {
        if (node.isNull()) {
            return SqliteValue.NULL;
        }
        if (node.isIntegralNumber() && node.canConvertToLong()) {
            return SqliteValue.of(node.longValue());
        }
        if (node.isNumber()) {
            return SqliteValue.of(node.doubleValue());
        }
        return SqliteValue.of(node.asText());
    }
}
