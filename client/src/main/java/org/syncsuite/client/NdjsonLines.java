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
 * values), and a line that is not JSON fails with Jackson's parse error.
 */
final class NdjsonLines {

    private final ObjectMapper json;
    private final JsonParser parser;

    NdjsonLines(ObjectMapper json, InputStream in) throws IOException {
        this.json = json;
        this.parser = json.getFactory().createParser(in);
    }

    /** The next line: a {@link DataChunk}, a {@link JsonNode}, or null at the stream's end. */
    Object next() throws IOException {
        JsonToken token = parser.nextToken();
        if (token == null) {
            return null;
        }
        if (token != JsonToken.START_OBJECT) {
            throw new IOException("A sync stream line is not a JSON object: " + token + " at " + parser.currentLocation());
        }
        ObjectNode line = null;
        DataChunk chunk = null;
        while (parser.nextToken() == JsonToken.FIELD_NAME) {
            String name = parser.currentName();
            JsonToken value = parser.nextToken();
            if (chunk != null || (line != null && name.equals("data"))) {
                throw new IOException("A data line with other fields at " + parser.currentLocation());
            }
            if (name.equals("data") && value == JsonToken.START_OBJECT && line == null) {
                chunk = chunk();
            } else {
                if (line == null) {
                    line = json.createObjectNode();
                }
                line.set(name, json.readTree(parser));
            }
        }
        return chunk != null ? chunk : line == null ? json.createObjectNode() : line;
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
                case "bucket" -> bucket = parser.getText();
                case "after" -> after = value == JsonToken.VALUE_NULL ? 0 : Long.parseLong(parser.getText());
                case "has_more" -> hasMore = value == JsonToken.VALUE_TRUE;
                case "data" -> {
                    if (value != JsonToken.START_ARRAY) {
                        throw new IOException("A data line's ops are not an array at " + parser.currentLocation());
                    }
                    while (parser.nextToken() == JsonToken.START_OBJECT) {
                        ops.add(op());
                    }
                }
                default -> parser.skipChildren();
            }
        }
        if (bucket == null) {
            throw new IOException("A data line without its bucket at " + parser.currentLocation());
        }
        long last = ops.isEmpty() ? after : ops.get(ops.size() - 1).opId();
        return new DataChunk(bucket, after, last, hasMore, ops);
    }

    /** One op's fields, in any order; the parser is at its start. */
    private OplogEntry op() throws IOException {
        Long opId = null;
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
                case "op_id" -> opId = Long.parseLong(parser.getText());
                case "op" -> op = parser.getText();
                case "object_type" -> type = parser.getText();
                case "object_id" -> id = parser.getText();
                case "subkey" -> subkey = value == JsonToken.VALUE_NULL ? "null" : parser.getText();
                case "checksum" -> checksum = value == JsonToken.VALUE_STRING ? Long.parseLong(parser.getText()) : parser.getLongValue();
                case "data" -> data = value == JsonToken.VALUE_STRING ? parser.getText()
                        : value == JsonToken.VALUE_NULL ? "null" : json.readTree(parser).toString();
                default -> parser.skipChildren();
            }
        }
        if (opId == null || op == null) {
            throw new IOException("An op without its op_id or op at " + parser.currentLocation());
        }
        return switch (op) {
            case "PUT" -> OplogEntry.put(opId, required(type, "object_type"), required(id, "object_id"), subkey, checksum,
                    required(data, "data"));
            case "REMOVE" -> OplogEntry.remove(opId, required(type, "object_type"), required(id, "object_id"), subkey, checksum);
            case "MOVE" -> OplogEntry.move(opId, checksum);
            case "CLEAR" -> OplogEntry.clear(opId, checksum);
            default -> throw new IOException("Unknown op " + op + " at " + parser.currentLocation());
        };
    }

    private String required(String value, String field) throws IOException {
        if (value == null) {
            throw new IOException("An op without its " + field + " at " + parser.currentLocation());
        }
        return value;
    }
}
