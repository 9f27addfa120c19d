package org.syncsuite.gateway.api;

import java.io.IOException;
import java.io.OutputStream;

/**
 * A write buffer that exists only between writes and the next flush: the lines a stream writes
 * for one checkpoint leave in one write to the response (one HTTP chunk), and an idle stream
 * holds no buffer at all. Writes larger than the buffer go straight through. Not thread-safe.
 */
public final class FlushBuffer extends OutputStream {

    private final OutputStream out;
    private final int size;
    private byte[] buffer;
    private int count;

    public FlushBuffer(OutputStream out, int size) {
        this.out = out;
        this.size = size;
    }

    @Override
    public void write(int b) throws IOException {
        if (buffer == null) {
            buffer = new byte[size];
        } else if (count == buffer.length) {
            drain();
        }
        buffer[count++] = (byte) b;
    }

    @Override
    public void write(byte[] bytes, int offset, int length) throws IOException {
        if (length >= size) {
            drain();
            out.write(bytes, offset, length);
            return;
        }
        if (buffer == null) {
            buffer = new byte[size];
        } else if (count + length > buffer.length) {
            drain();
        }
        System.arraycopy(bytes, offset, buffer, count, length);
        count += length;
    }

    private void drain() throws IOException {
        if (count > 0) {
            out.write(buffer, 0, count);
            count = 0;
        }
    }

    @Override
    public void flush() throws IOException {
        drain();
        buffer = null;
        out.flush();
    }

    @Override
    public void close() throws IOException {
        try {
            flush();
        } finally {
            out.close();
        }
    }
}
