package org.syncsuite.gateway.api;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import org.syncsuite.core.protocol.OplogEntry;

/**
 * The ops of the latest checkpoints, read once by the hub for every stream: a stream that completed
 * checkpoint P and is woken for checkpoint Q takes its changed buckets' ops in (P, Q] from here
 * instead of asking storage, so a change that reaches ten thousand streams costs one storage read
 * however far apart the streams' positions are.
 *
 * <p>Holds one unbroken run of checkpoints, each with the ops of every bucket that changed since the
 * one before; a checkpoint whose ops were not read ends the run ({@link #gap}). Bounded in
 * checkpoints, ops and (estimated) heap: the oldest go first, and a stream behind the run reads
 * storage as before.
 *
 * <p>Thread-safe: one thread appends; readers take an immutable snapshot without locking.
 */
final class RecentOps {

    /** The ops one checkpoint added, by bucket, each list in op id order. */
    private record Step(long previous, long checkpoint, Map<String, List<OplogEntry>> ops, int count, long bytes) {
    }

    private static final Step[] NONE = new Step[0];

    private final int maxSteps;
    private final int maxOps;
    private final long maxBytes;
    private volatile Step[] steps = NONE; // oldest first; each one's previous is the checkpoint of the one before
    private int ops; // of the steps held; appender only
    private long bytes;

    RecentOps(int maxSteps, int maxOps, long maxBytes) {
        this.maxSteps = maxSteps;
        this.maxOps = maxOps;
        this.maxBytes = maxBytes;
    }

    /** Checkpoint {@code checkpoint}, following {@code previous}, added {@code changed}: every op of every bucket that changed. */
    void append(long previous, long checkpoint, Map<String, List<OplogEntry>> changed) {
        int count = 0;
        long size = 64;
        for (Map.Entry<String, List<OplogEntry>> bucket : changed.entrySet()) {
            size += 96 + 2L * bucket.getKey().length();
            for (OplogEntry op : bucket.getValue()) {
                count++;
                size += footprint(op);
            }
        }
        Step step = new Step(previous, checkpoint, Map.copyOf(changed), count, size);
        Step[] held = steps;
        if (held.length > 0 && held[held.length - 1].checkpoint() != previous) {
            held = NONE; // not the next one: the run starts again here
            ops = 0;
            bytes = 0;
        }
        int drop = 0;
        ops += count;
        bytes += size;
        while (drop < held.length && (held.length - drop + 1 > maxSteps || ops > maxOps || bytes > maxBytes)) {
            ops -= held[drop].count();
            bytes -= held[drop].bytes();
            drop++;
        }
        if (count > maxOps || size > maxBytes) {
            gap();
            return;
        }
        Step[] next = Arrays.copyOfRange(held, drop, held.length + 1);
        next[next.length - 1] = step;
        steps = next;
    }

    /** Something happened whose ops were not read: forget the run. */
    void gap() {
        steps = NONE;
        ops = 0;
        bytes = 0;
    }

    /**
     * The ops of {@code bucket} after checkpoint {@code from} up to checkpoint {@code to}, in op id
     * order (none when it did not change), or empty when the run does not hold that whole span.
     */
    Optional<List<OplogEntry>> between(String bucket, long from, long to) {
        Step[] held = steps;
        if (held.length == 0 || from < held[0].previous() || to > held[held.length - 1].checkpoint() || from > to) {
            return Optional.empty();
        }
        int first = held.length;
        while (first > 0 && held[first - 1].checkpoint() > from) {
            first--;
        }
        List<OplogEntry> found = new ArrayList<>();
        for (int i = first; i < held.length && held[i].previous() < to; i++) {
            for (OplogEntry op : held[i].ops().getOrDefault(bucket, List.of())) {
                if (op.opId() > from && op.opId() <= to) {
                    found.add(op);
                }
            }
        }
        return Optional.of(found);
    }

    /** Checkpoints held (for tests). */
    int size() {
        return steps.length;
    }

    private static long footprint(OplogEntry op) {
        return 6 * 48 + text(op.objectType()) + text(op.objectId()) + text(op.subkey()) + text(op.data());
    }

    private static long text(Optional<String> value) {
        return value.map(v -> 48 + 2L * v.length()).orElse(0L);
    }
}
