package org.syncsuite.bench;

import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Samples the heap of service processes at a fixed interval, from a thread of its own: for each
 * process in turn a full collection, then the heap still in use ({@link HeapProbe}), noted with
 * the minutes since {@code start} and how long the collection held the process up.
 *
 * <p>Thread-safe: the sampling thread adds samples, any thread reads them.
 */
final class HeapSampler implements AutoCloseable {

    /** Heap in use after a full collection, in MiB, at {@code minutes} after the start. */
    record Sample(double minutes, double mib, long pauseMillis) {
    }

    private final Map<String, ServiceProcess> services;
    private final long start;
    private final Duration every;
    private final Object probing = new Object();
    // Guarded by this.
    private final Map<String, List<Sample>> samples = new LinkedHashMap<>();
    private final AtomicLong failures = new AtomicLong();
    private volatile String lastFailure = "";
    private Thread thread;

    HeapSampler(Map<String, ServiceProcess> services, long startNanos, Duration every) {
        this.services = new LinkedHashMap<>(services);
        this.start = startNanos;
        this.every = every;
        services.keySet().forEach(name -> samples.put(name, new ArrayList<>()));
    }

    /** Samples at the start, then every interval after it, until closed. */
    HeapSampler start() {
        thread = Thread.ofPlatform().daemon().name("heap-sampler").start(() -> {
            try {
                for (long next = start; !Thread.currentThread().isInterrupted(); next += every.toNanos()) {
                    long wait = next - System.nanoTime();
                    if (wait > 0) {
                        Thread.sleep(Duration.ofNanos(wait));
                    }
                    sampleAll();
                }
            } catch (InterruptedException e) {
                // closed
            }
        });
        return this;
    }

    /** One sample of each process, now (the probes are used by one thread at a time). */
    void sampleAll() {
        synchronized (probing) {
            for (Map.Entry<String, ServiceProcess> service : services.entrySet()) {
                if (!service.getValue().isAlive()) {
                    continue;
                }
                try {
                    HeapProbe.AfterGc heap = service.getValue().heap().afterFullGc();
                    double minutes = (System.nanoTime() - start) / 60e9;
                    Sample sample = new Sample(minutes, heap.usedBytes() / 1048576.0, heap.pauseMillis());
                    synchronized (this) {
                        samples.get(service.getKey()).add(sample);
                    }
                } catch (IOException | RuntimeException e) {
                    failures.incrementAndGet();
                    lastFailure = service.getKey() + ": " + ChildJvm.oneLine(e);
                }
            }
        }
    }

    synchronized List<Sample> samples(String service) {
        return List.copyOf(samples.get(service));
    }

    synchronized Optional<Sample> latest(String service) {
        List<Sample> all = samples.get(service);
        return all.isEmpty() ? Optional.empty() : Optional.of(all.getLast());
    }

    /** Readings that failed, and what the last failure said. */
    long failures() {
        return failures.get();
    }

    String lastFailure() {
        return lastFailure;
    }

    /** Stops sampling, waiting for a round under way to end. */
    @Override
    public void close() {
        if (thread != null) {
            thread.interrupt();
            try {
                thread.join(60_000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }
}
