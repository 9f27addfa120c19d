package org.syncsuite.core.protocol;

/**
 * How a connection wants its lines: {@code rawData} true (every current client) sends each op's
 * row as a JSON string; false (legacy NDJSON clients) nests it as an object.
 */
public record WireOptions(boolean rawData) {

    public static final WireOptions DEFAULT = new WireOptions(true);
}
