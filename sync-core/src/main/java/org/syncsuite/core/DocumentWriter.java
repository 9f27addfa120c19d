package org.syncsuite.core;

/**
 * Streaming writer of a document tree, so that the sync lines are written once and framed as
 * NDJSON ({@link JsonWriter}) or as BSON by the same code. Inside an object, {@link #name} comes
 * before each value; inside an array, values follow one another.
 */
public interface DocumentWriter {

    DocumentWriter beginObject();

    DocumentWriter endObject();

    DocumentWriter beginArray();

    DocumentWriter endArray();

    DocumentWriter name(String name);

    DocumentWriter value(String value);

    DocumentWriter value(long value);

    DocumentWriter value(double value);

    DocumentWriter value(boolean value);

    DocumentWriter nullValue();
}
