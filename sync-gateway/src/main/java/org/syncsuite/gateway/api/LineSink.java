package org.syncsuite.gateway.api;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;

import org.syncsuite.core.BsonWriter;
import org.syncsuite.core.JsonWriter;
import org.syncsuite.core.protocol.SyncLine;
import org.syncsuite.core.protocol.WireOptions;

/**
 * Writes sync lines to a response body in the framing the client accepted: NDJSON (one JSON
 * object and a newline per line) or PowerSync's BSON stream (concatenated documents). Writes go
 * straight to the (buffered) body, so a client that reads slowly holds the stream's virtual
 * thread, not memory. Counts what it wrote. Not thread-safe: one stream's thread uses it.
 */
abstract sealed class LineSink {

    /** PowerSync's BSON stream media type: clients compare the response's content type to it exactly. */
    static final String BSON = "application/vnd.powersync.bson-stream";
    static final String NDJSON = "application/x-ndjson";

    protected final OutputStream out;
    protected final WireOptions options;
    private java.util.concurrent.atomic.LongAdder counter = new java.util.concurrent.atomic.LongAdder();
    private long bytes;
    private long lines;

    LineSink(OutputStream out, WireOptions options) {
        this.out = out;
        this.options = options;
    }

    static LineSink of(String mediaType, OutputStream out, WireOptions options) {
        return mediaType.equals(BSON) ? new Bson(out, options) : new Ndjson(out, options);
    }

    abstract String mediaType();

    /** Also adds the bytes written to {@code total} (the process's count). */
    LineSink countingInto(java.util.concurrent.atomic.LongAdder total) {
        this.counter = total;
        return this;
    }

    /** Writes one line; returns its size in bytes. */
    final long write(SyncLine line) throws IOException {
        long size = encode(line);
        bytes += size;
        counter.add(size);
        lines++;
        return size;
    }

    protected abstract long encode(SyncLine line) throws IOException;

    /** The bytes of encoding buffer this sink keeps between lines. */
    abstract long retainedBuffer();

    void flush() throws IOException {
        out.flush();
    }

    long bytes() {
        return bytes;
    }

    long lines() {
        return lines;
    }

    static final class Ndjson extends LineSink {
        /** A buffer grown past this by a large line (a first checkpoint, a chunk of rows) is not kept for the stream's life. */
        private static final int KEPT_CAPACITY = 1024;
        private StringBuilder text = new StringBuilder(256);

        Ndjson(OutputStream out, WireOptions options) {
            super(out, options);
        }

        @Override
        String mediaType() {
            return NDJSON;
        }

        @Override
        long retainedBuffer() {
            return 2L * text.capacity();
        }

        @Override
        protected long encode(SyncLine line) throws IOException {
            text.setLength(0);
            line.write(new JsonWriter(text), options);
            text.append('\n');
            byte[] encoded = text.toString().getBytes(StandardCharsets.UTF_8);
            if (text.capacity() > KEPT_CAPACITY) {
                text = new StringBuilder(256); // thousands of idle streams each holding their largest line's buffer add up
            }
            out.write(encoded);
            return encoded.length;
        }
    }

    static final class Bson extends LineSink {
        private BsonWriter bson = new BsonWriter();

        Bson(OutputStream out, WireOptions options) {
            super(out, WireOptions.DEFAULT); // BSON always carries rows as JSON strings
        }

        @Override
        String mediaType() {
            return BSON;
        }

        @Override
        long retainedBuffer() {
            return bson.capacity();
        }

        @Override
        protected long encode(SyncLine line) throws IOException {
            bson.reset();
            line.write(bson, options);
            bson.writeTo(out);
            long size = bson.size();
            if (size > 4096) {
                bson = new BsonWriter(); // as for NDJSON: an idle stream keeps only a small buffer
            }
            return size;
        }
    }
}
