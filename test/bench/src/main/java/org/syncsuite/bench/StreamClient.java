package org.syncsuite.bench;

import java.io.ByteArrayOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;

/**
 * A client of the benchmarks that open many sync streams: on a virtual thread of its own it
 * reads its stream's NDJSON lines off a {@link SyncBenchSupport.RawStream} and hands each to the
 * subclass. It counts as connected once its first {@code checkpoint_complete} has arrived.
 * {@link #openAll} starts many of them, a bounded number connecting at a time.
 *
 * <p>The reading thread calls {@link #received} and {@link #reconnect}; {@link #close} and the
 * state read through {@link #failure()} may come from any thread.
 */
abstract class StreamClient implements Runnable {

    static final String CHECKPOINT_COMPLETE = "{\"checkpoint_complete\"";

    protected final int port;
    protected final String user;
    private final CountDownLatch connected = new CountDownLatch(1);
    private volatile Semaphore gate;
    private volatile SyncBenchSupport.RawStream stream;
    private volatile Exception failure;
    private volatile boolean closed;

    StreamClient(int port, String user) {
        this.port = port;
        this.user = user;
    }

    /**
     * Starts {@code clients}, at most {@code atOnce} of them connecting at a time, and waits until
     * each has its first checkpoint complete or has failed (at most {@code timeout} each); returns
     * the seconds that took.
     */
    static double openAll(List<? extends StreamClient> clients, int atOnce, Duration timeout) throws InterruptedException {
        Semaphore opening = new Semaphore(atOnce);
        long started = System.nanoTime();
        for (StreamClient client : clients) {
            client.gate = opening;
            opening.acquire();
            Thread.ofVirtual().start(client);
        }
        for (StreamClient client : clients) {
            client.connected.await(timeout.toMillis(), TimeUnit.MILLISECONDS);
        }
        return (System.nanoTime() - started) / 1e9;
    }

    /** The body of the {@code POST /sync/stream} request; asked again at each reconnection. */
    protected String request() {
        return "{\"client_id\":\"" + user + "\"}";
    }

    /** One line of the stream, read at {@code nanos} ({@link System#nanoTime}). */
    protected abstract void received(String line, long nanos);

    /**
     * Whether to open the stream again after it failed or ended with {@code cause} (waiting first,
     * if it wants); the default gives up.
     */
    protected boolean reconnect(Exception cause) throws InterruptedException {
        return false;
    }

    @Override
    public void run() {
        ByteArrayOutputStream scratch = new ByteArrayOutputStream(256);
        try {
            do {
                Exception ended;
                try (SyncBenchSupport.RawStream s = new SyncBenchSupport.RawStream(port, SyncBenchSupport.token(user),
                        "application/x-ndjson", request(), 4096)) {
                    stream = s;
                    if (closed) {
                        return;
                    }
                    for (String line = s.line(scratch); line != null; line = s.line(scratch)) {
                        long at = System.nanoTime();
                        if (line.startsWith(CHECKPOINT_COMPLETE)) {
                            opened();
                        }
                        received(line, at);
                    }
                    ended = new EOFException("the stream ended");
                } catch (IOException e) {
                    ended = e;
                }
                if (closed) {
                    return;
                }
                failure = ended;
                synchronized (this) {
                    notifyAll(); // anyone waiting on this client's lines learns it failed
                }
            } while (reconnect(failure));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } finally {
            opened(); // a client that never connects must not hold the gate
        }
    }

    private synchronized void opened() {
        if (connected.getCount() > 0) {
            connected.countDown();
            Semaphore g = gate;
            if (g != null) {
                g.release();
            }
        }
    }

    /** Whether its first checkpoint is complete (or it gave up trying). */
    boolean isConnected() {
        return connected.getCount() == 0;
    }

    /** Why its stream last failed or ended, or null. */
    Exception failure() {
        return failure;
    }

    boolean isClosed() {
        return closed;
    }

    /** Ends the stream; what the reading thread sees afterwards is not a failure. */
    void close() {
        closed = true;
        try {
            SyncBenchSupport.RawStream s = stream;
            if (s != null) {
                s.close();
            }
        } catch (IOException e) {
            // closing anyway
        }
    }

    /** The op id of a {@code checkpoint_complete} line. */
    static long lastOpId(String line) {
        int start = line.indexOf("\"last_op_id\":\"") + 14;
        return Long.parseLong(line.substring(start, line.indexOf('"', start)));
    }
}
