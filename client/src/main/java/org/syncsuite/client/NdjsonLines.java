package org.syncsuite.client;

import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.List;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

import org.syncsuite.core.protocol.DataChunk;
import org.syncsuite.core.protocol.OplogEntry;

/**
 * The lines of an NDJSON sync stream, read straight from its bytes. A {@code data} line, nearly
 * all of a large download, becomes a {@link DataChunk} token by token, without a tree of its ops;
 * any other line becomes a JSON tree. Blank lines are skipped (JSON allows whitespace between
 * values), and a line that is not JSON fails with Jackson's parse error, as does an op whose
 * fields do not make one.
 */
final class NdjsonLines {

    private final ObjectMapper json;
    private final JsonParser parser;

    NdjsonLines(ObjectMapper json, InputStream in) throws IOException {
        this.json = json;
        this.parser = json.getFactory().createParser(in);
    }

    /**
     * The next line: a {@link DataChunk}, a {@link JsonNode}, or null at the stream's end. A line
     * with {@code data} is its chunk (other fields beside it are skipped); a line that is not an
     * object is an empty object, which nothing handles.
     */
    Object next() throws IOException {
        JsonToken token = parser.nextToken();
        if (token == null) {
            return null;
        }
        if (token != JsonToken.START_OBJECT) {
            parser.skipChildren();
            return json.createObjectNode();
        }
        ObjectNode line = json.createObjectNode();
        DataChunk chunk = null;
        while (parser.nextToken() == JsonToken.FIELD_NAME) {
            String name = parser.currentName();
            JsonToken value = parser.nextToken();
            if (name.equals("data") && value == JsonToken.START_OBJECT && chunk == null) {
                chunk = chunk();
            } else if (chunk == null) {
                line.set(name, json.readTree(parser));
            } else {
                parser.skipChildren();
            }
        }
        return chunk != null ? chunk : line;
    }

    /** A {@code data} object's fields, in any order; the parser is at its start. */
    private DataChunk chunk() throws IOException {
        String bucket = null;
        long after = 0;
        boolean hasMore = false;
        List<OplogEntry> ops = new ArrayList<>();
        while (parser.nextToken() == JsonToken.FIELD_NAME) {
            String name = parser.currentName();
            JsonToken value = parser.nextToken();
            switch (name) {
                case "bucket" -> bucket = scalar(value, name);
                case "after" -> after = value == JsonToken.VALUE_NULL ? 0 : Long.parseLong(scalar(value, name));
                case "has_more" -> hasMore = parser.getValueAsBoolean();
                case "data" -> {
                    if (value != JsonToken.START_ARRAY) {
                        throw new IOException("A data line's ops are not an array at " + parser.currentLocation());
                    }
                    for (JsonToken element = parser.nextToken(); element != JsonToken.END_ARRAY; element = parser.nextToken()) {
                        if (element != JsonToken.START_OBJECT) {
                            throw new IOException("An op is not an object at " + parser.currentLocation());
                        }
                        ops.add(op());
                    }
                }
                default -> parser.skipChildren();
            }
        }
        if (bucket == null) {
            throw new IOException("A data line without its bucket at " + parser.currentLocation());
        }
        if (ops.isEmpty()) {
            throw new IOException("A data line without ops at " + parser.currentLocation());
        }
        return new DataChunk(bucket, after, ops.get(ops.size() - 1).opId(), hasMore, ops);
    }

    /** One op's fields, in any order; the parser is at its start. */
    private OplogEntry op() throws IOException {
        String opId = null;
        String op = null;
        String type = null;
        String id = null;
        String subkey = "null";
        long checksum = 0;
        String data = null;
        while (parser.nextToken() == JsonToken.FIELD_NAME) {
            String name = parser.currentName();
            JsonToken value = parser.nextToken();
            switch (name) {
                case "op_id" -> opId = scalar(value, name);
                case "op" -> op = scalar(value, name);
                case "object_type" -> type = scalar(value, name);
                case "object_id" -> id = scalar(value, name);
                case "subkey" -> subkey = value == JsonToken.VALUE_NULL ? "null" : scalar(value, name);
                case "checksum" -> {
                    scalar(value, name);
                    checksum = parser.getValueAsLong(); // a number, or one in a string
                }
                case "data" -> data = value == JsonToken.VALUE_STRING ? parser.getText()
                        : value == JsonToken.VALUE_NULL ? "null" : json.readTree(parser).toString();
                default -> parser.skipChildren();
            }
        }
        if (opId == null || op == null) {
            throw new IOException("An op without its op_id or op at " + parser.currentLocation());
        }
        long number;
        try {
            number = Long.parseLong(opId);
        } catch (NumberFormatException e) {
            throw new IOException("An op_id that is not a number: " + opId + " at " + parser.currentLocation(), e);
        }
        return switch (op) {
            case "PUT" -> OplogEntry.put(number, required(type, "object_type"), required(id, "object_id"), subkey, checksum,
                    required(data, "data"));
            case "REMOVE" -> OplogEntry.remove(number, required(type, "object_type"), required(id, "object_id"), subkey, checksum);
            case "MOVE" -> OplogEntry.move(number, checksum);
            case "CLEAR" -> OplogEntry.clear(number, checksum);
            default -> throw new IOException("Unknown op " + op + " at " + parser.currentLocation());
        };
    }

    /** A field's value as text; an object or an array there is an error, not skipped text. */
    private String scalar(JsonToken value, String field) throws IOException {
        if (value == JsonToken.START_OBJECT || value == JsonToken.START_ARRAY) {
            throw new IOException("The field " + field + " is not a single value at " + parser.currentLocation());
        }
        return value == JsonToken.VALUE_NULL ? null : parser.getText();
    }

    private String required(String value, String field) throws IOException {
        if (value == null) {
            throw new IOException("An op without its " + field + " at " + parser.currentLocation());
        }
        return value;
    }
}
