package org.syncsuite.core.sql;

import java.io.IOException;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import org.syncsuite.core.JsonWriter;
import org.syncsuite.core.SqliteValue;

/**
 * JSON in SQL expressions: {@code ->}, {@code ->>}, {@code json_extract} and friends. JSON values
 * travel as text; integers keep all 64 bits; output text is written as JSON.stringify writes it.
 */
public final class SqlJson {

    private static final ObjectMapper MAPPER = org.syncsuite.core.JsonMappers.builder()
            .enable(DeserializationFeature.USE_BIG_INTEGER_FOR_INTS)
            .enable(JsonParser.Feature.STRICT_DUPLICATE_DETECTION)
            .build();

    static {
        MAPPER.getFactory().setStreamReadConstraints(StreamReadConstraints.builder().maxNestingDepth(64).build());
    }

    private SqlJson() {
    }

    /** Parses JSON text; a malformed text is a {@link SqlEvaluationException}. */
    public static JsonNode parse(String text) {
        try {
            JsonNode node = MAPPER.readTree(text);
            if (node == null || node.isMissingNode()) {
                throw new SqlEvaluationException("Empty JSON text");
            }
            return node;
        } catch (IOException e) {
            throw new SqlEvaluationException("Malformed JSON: " + shorten(text));
        }
    }

    public static boolean isValid(String text) {
        try {
            JsonNode node = MAPPER.readTree(text);
            return node != null && !node.isMissingNode();
        } catch (IOException e) {
            return false;
        }
    }

    /**
     * The node at {@code path} of {@code root}, or null. A path starting with {@code $} is a JSON
     * path ({@code $.a.b[0]}); otherwise, with {@code fixedJsonExtract}, the whole text is one key,
     * and without it (legacy edition 1) the text is split on dots.
     */
    public static JsonNode extract(JsonNode root, SqliteValue path, boolean fixedJsonExtract) {
        if (path instanceof SqliteValue.Integer index) {
            return root.isArray() ? root.get((int) index.value()) : root.get(Long.toString(index.value()));
        }
        String text = SqlValues.text(path);
        if (text == null) {
            return null;
        }
        if (text.startsWith("$")) {
            return followPath(root, text);
        }
        if (fixedJsonExtract) {
            return root.get(text);
        }
        JsonNode node = root;
        for (String key : text.split("\\.", -1)) {
            if (node == null) {
                return null;
            }
            node = node.get(key);
        }
        return node;
    }

    private static JsonNode followPath(JsonNode root, String path) {
        JsonNode node = root;
        int i = 1;
        while (i < path.length()) {
            if (node == null) {
                return null;
            }
            char c = path.charAt(i);
            if (c == '.') {
                i++;
                StringBuilder key = new StringBuilder();
                if (i < path.length() && path.charAt(i) == '"') {
                    int end = path.indexOf('"', i + 1);
                    if (end < 0) {
                        throw new SqlEvaluationException("Malformed JSON path " + path);
                    }
                    key.append(path, i + 1, end);
                    i = end + 1;
                } else {
                    while (i < path.length() && path.charAt(i) != '.' && path.charAt(i) != '[') {
                        key.append(path.charAt(i++));
                    }
                }
                node = node.get(key.toString());
            } else if (c == '[') {
                int end = path.indexOf(']', i);
                if (end < 0) {
                    throw new SqlEvaluationException("Malformed JSON path " + path);
                }
                String inside = path.substring(i + 1, end).trim();
                i = end + 1;
                if (!node.isArray()) {
                    return null;
                }
                int index;
                try {
                    index = inside.startsWith("#-") ? node.size() - Integer.parseInt(inside.substring(2).trim())
                            : Integer.parseInt(inside);
                } catch (NumberFormatException e) {
                    throw new SqlEvaluationException("Malformed JSON path " + path);
                }
                node = node.get(index);
            } else {
                throw new SqlEvaluationException("Malformed JSON path " + path);
            }
        }
        return node;
    }

    /** {@code ->}: the JSON text of a node, or NULL. */
    public static SqliteValue asJson(JsonNode node) {
        return node == null ? SqliteValue.NULL : SqliteValue.of(toJson(node));
    }

    /** {@code ->>}: scalars as SQL values (booleans as 1/0), objects and arrays as JSON text. */
    public static SqliteValue asSql(JsonNode node) {
        if (node == null || node.isNull() || node.isMissingNode()) {
            return SqliteValue.NULL;
        }
        if (node.isTextual()) {
            return SqliteValue.of(node.textValue());
        }
        if (node.isBoolean()) {
            return SqliteValue.of(node.booleanValue() ? 1L : 0L);
        }
        if (node.isIntegralNumber()) {
            return node.canConvertToLong() ? SqliteValue.of(node.longValue()) : SqliteValue.of(node.doubleValue());
        }
        if (node.isNumber()) {
            return SqliteValue.of(node.doubleValue());
        }
        return SqliteValue.of(toJson(node));
    }

    /** The elements of a JSON array text as SQL values; a non-array is an error. */
    public static List<SqliteValue> arrayElements(SqliteValue array) {
        if (array.isNull()) {
            return List.of();
        }
        JsonNode node = parse(SqlValues.text(array));
        if (!node.isArray()) {
            throw new SqlEvaluationException("Expected a JSON array, got " + shorten(SqlValues.text(array)));
        }
        List<SqliteValue> values = new ArrayList<>(node.size());
        node.forEach(element -> values.add(asSql(element)));
        return values;
    }

    /** A JSON array text of the given values. */
    public static String arrayText(List<SqliteValue> values) {
        JsonWriter json = new JsonWriter().beginArray();
        for (SqliteValue value : values) {
            json.value(value);
        }
        return json.endArray().toString();
    }

    /** Compact JSON text of a node, numbers as JavaScript writes them. */
    public static String toJson(JsonNode node) {
        JsonWriter json = new JsonWriter();
        write(json, node);
        return json.toString();
    }

    private static void write(JsonWriter json, JsonNode node) {
        if (node.isObject()) {
            json.beginObject();
            for (Iterator<Map.Entry<String, JsonNode>> it = node.properties().iterator(); it.hasNext(); ) {
                Map.Entry<String, JsonNode> entry = it.next();
                json.name(entry.getKey());
                write(json, entry.getValue());
            }
            json.endObject();
        } else if (node.isArray()) {
            json.beginArray();
            node.forEach(element -> write(json, element));
            json.endArray();
        } else if (node.isTextual()) {
            json.value(node.textValue());
        } else if (node.isBoolean()) {
            json.value(node.booleanValue());
        } else if (node.isIntegralNumber()) {
            json.rawValue(node.bigIntegerValue().toString());
        } else if (node.isNumber()) {
            json.value(node.doubleValue());
        } else {
            json.nullValue();
        }
    }

    static String shorten(String text) {
        if (text == null) {
            return "null";
        }
        return text.length() > 60 ? text.substring(0, 60) + "..." : text;
    }
}
