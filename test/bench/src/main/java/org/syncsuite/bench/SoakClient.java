package org.syncsuite.bench;

import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;

/**
 * One client of the soak test: a stream of one user, read as an app would use it. The
 * transactions whose ops arrive in data lines count as seen when the {@code checkpoint_complete}
 * after them arrives (when an app could apply them); so do the bucket positions it resumes from.
 * Ops of its first sync, and later ones of transactions committed before it was in sync, are
 * history, not arrivals. When its stream fails or ends, it counts
 * that, waits a second and reconnects from its positions, as the SDKs do.
 */
final class SoakClient extends StreamClient {

    /** What went wrong on the streams, summed over all clients. */
    static final class Trouble {
        final AtomicLong failures = new AtomicLong();
        final AtomicLong httpErrors = new AtomicLong();
        final AtomicLong reconnects = new AtomicLong();
        final AtomicLong arrivalsNotCounted = new AtomicLong();

        long errors() {
            return failures.get() + httpErrors.get();
        }
    }

    private static final String DATA = "{\"data\":";
    private static final String TX_FIELD = SoakWorkload.TX_COLUMN + "\\\":";

    private final String clientId;
    private final SoakLedger ledger;
    private final Trouble trouble;
    // Touched by the reading thread only.
    private final Map<String, String> positions = new LinkedHashMap<>();
    private final Map<String, String> pendingPositions = new LinkedHashMap<>();
    private int[] pending = new int[16];
    private int pendingCount;
    private boolean synced;
    private long syncedAt;

    SoakClient(int port, String user, String clientId, SoakLedger ledger, Trouble trouble) {
        super(port, user);
        this.clientId = clientId;
        this.ledger = ledger;
        this.trouble = trouble;
    }

    @Override
    protected String request() {
        StringBuilder body = new StringBuilder("{\"client_id\":\"").append(clientId).append("\",\"raw_data\":true");
        if (!positions.isEmpty()) {
            body.append(",\"buckets\":[");
            positions.forEach((bucket, after) -> body.append(body.charAt(body.length() - 1) == '[' ? "" : ",")
                    .append("{\"name\":\"").append(bucket).append("\",\"after\":\"").append(after).append("\"}"));
            body.append(']');
        }
        return body.append('}').toString();
    }

    @Override
    protected void received(String line, long nanos) {
        if (line.startsWith(DATA)) {
            String bucket = stringField(line, "bucket");
            String nextAfter = stringField(line, "next_after");
            if (bucket != null && nextAfter != null) {
                pendingPositions.put(bucket, nextAfter);
            }
            for (int at = line.indexOf(TX_FIELD); at >= 0; at = line.indexOf(TX_FIELD, at + 1)) {
                long tx = number(line, at + TX_FIELD.length());
                if (tx >= 0) {
                    if (pendingCount == pending.length) {
                        pending = Arrays.copyOf(pending, pendingCount * 2);
                    }
                    pending[pendingCount++] = (int) Math.min(Integer.MAX_VALUE, tx);
                }
            }
        } else if (line.startsWith(CHECKPOINT_COMPLETE)) {
            if (synced) {
                for (int i = 0; i < pendingCount; i++) {
                    try {
                        ledger.arrived(pending[i], nanos, syncedAt);
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                        trouble.arrivalsNotCounted.incrementAndGet();
                    }
                }
            }
            if (!synced) {
                synced = true;
                syncedAt = nanos;
            }
            pendingCount = 0;
            positions.putAll(pendingPositions);
            pendingPositions.clear();
        }
    }

    @Override
    protected boolean reconnect(Exception cause) throws InterruptedException {
        (cause instanceof SyncBenchSupport.HttpStatusException ? trouble.httpErrors : trouble.failures).incrementAndGet();
        pendingCount = 0; // not complete: they come again after the positions
        pendingPositions.clear();
        Thread.sleep(1000);
        if (isClosed()) {
            return false;
        }
        trouble.reconnects.incrementAndGet();
        return true;
    }

    /** The raw (still escaped) text of string field {@code name}'s first occurrence, or null. */
    static String stringField(String line, String name) {
        String key = "\"" + name + "\":\"";
        int start = line.indexOf(key);
        if (start < 0) {
            return null;
        }
        start += key.length();
        for (int i = start; i < line.length(); i++) {
            char c = line.charAt(i);
            if (c == '\\') {
                i++;
            } else if (c == '"') {
                return line.substring(start, i);
            }
        }
        return null;
    }

    /** The whole number at {@code from} (perhaps negative); -1 when there is none. */
    static long number(String line, int from) {
        int i = from;
        boolean negative = i < line.length() && line.charAt(i) == '-';
        if (negative) {
            i++;
        }
        long value = 0;
        int digits = 0;
        for (; i < line.length() && Character.isDigit(line.charAt(i)) && digits < 18; i++, digits++) {
            value = value * 10 + (line.charAt(i) - '0');
        }
        return digits == 0 || negative ? -1 : value;
    }
}
