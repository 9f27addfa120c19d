package org.syncsuite.client.attachments;

import java.io.ByteArrayInputStream;
import java.io.InputStream;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Semaphore;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;

/**
 * Remote storage in memory for the queue's tests: records every call (with the record it got),
 * counts the calls in flight per operation and their maximum, fails when told, and can hold calls
 * at a gate until released.
 */
final class FakeRemoteStorage implements RemoteStorage {

    record Call(String operation, Attachment attachment, long atNanos) {
    }

    final Map<String, byte[]> files = new ConcurrentHashMap<>();
    private final List<Call> calls = new ArrayList<>();
    final Map<String, AtomicInteger> active = new ConcurrentHashMap<>();
    final Map<String, AtomicInteger> maxActive = new ConcurrentHashMap<>();
    /** Released once per call, when it starts waiting at its gate (or would). */
    final Semaphore started = new Semaphore(0);
    final AtomicInteger interrupted = new AtomicInteger();

    volatile Function<Attachment, Exception> uploadFailure = a -> null;
    volatile Function<Attachment, Exception> downloadFailure = a -> null;
    volatile Function<Attachment, Exception> deleteFailure = a -> null;
    volatile CountDownLatch uploadGate;
    volatile CountDownLatch downloadGate;
    volatile Duration delay = Duration.ZERO;

    @Override
    public void uploadFile(InputStream data, Attachment attachment) throws Exception {
        enter("upload", attachment);
        try {
            byte[] bytes = data.readAllBytes();
            pause(uploadGate);
            fail(uploadFailure, attachment);
            files.put(attachment.id(), bytes);
        } finally {
            exit("upload");
        }
    }

    @Override
    public InputStream downloadFile(Attachment attachment) throws Exception {
        enter("download", attachment);
        try {
            pause(downloadGate);
            fail(downloadFailure, attachment);
            byte[] bytes = files.get(attachment.id());
            if (bytes == null) {
                throw new RemoteStorageException("GET /attachments/" + attachment.id() + ": HTTP 404 not_found", 404, false,
                        "not_found", null);
            }
            return new ByteArrayInputStream(bytes);
        } finally {
            exit("download");
        }
    }

    @Override
    public void deleteFile(Attachment attachment) throws Exception {
        enter("delete", attachment);
        try {
            pause(null);
            fail(deleteFailure, attachment);
            files.remove(attachment.id());
        } finally {
            exit("delete");
        }
    }

    /** The calls of {@code operation} so far, in order. */
    List<Call> calls(String operation) {
        synchronized (calls) {
            return calls.stream().filter(c -> c.operation().equals(operation)).toList();
        }
    }

    int max(String operation) {
        return maxActive.computeIfAbsent(operation, o -> new AtomicInteger()).get();
    }

    static RemoteStorageException unavailable() {
        return new RemoteStorageException("HTTP 503 unavailable", 503, true, "unavailable", null);
    }

    static RemoteStorageException conflict() {
        return new RemoteStorageException("HTTP 409 conflict: this id holds different bytes", 409, false, "conflict", null);
    }

    private void enter(String operation, Attachment attachment) {
        synchronized (calls) {
            calls.add(new Call(operation, attachment, System.nanoTime()));
        }
        int now = active.computeIfAbsent(operation, o -> new AtomicInteger()).incrementAndGet();
        maxActive.computeIfAbsent(operation, o -> new AtomicInteger()).accumulateAndGet(now, Math::max);
    }

    private void exit(String operation) {
        active.get(operation).decrementAndGet();
    }

    private void pause(CountDownLatch gate) throws InterruptedException {
        started.release();
        try {
            if (delay.isPositive()) {
                Thread.sleep(delay);
            }
            if (gate != null) {
                gate.await();
            }
        } catch (InterruptedException e) {
            interrupted.incrementAndGet();
            throw e;
        }
    }

    private static void fail(Function<Attachment, Exception> failure, Attachment attachment) throws Exception {
        Exception error = failure.apply(attachment);
        if (error != null) {
            throw error;
        }
    }
}
