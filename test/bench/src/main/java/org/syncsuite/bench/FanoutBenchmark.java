package org.syncsuite.bench;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;

import org.syncsuite.gateway.storage.StorageDatabase;
import org.syncsuite.gateway.writer.CheckpointEvent;
import org.syncsuite.gateway.writer.KafkaCheckpointPublisher;
import org.syncsuite.services.EmbeddedKafka;
import org.syncsuite.services.EmbeddedMariaDb;

/**
 * Ten thousand idle streams on one gateway process with a 1 GiB heap, then a change that
 * concerns all of them (a row in a bucket every client has): the time from the checkpoint's
 * announcement until each client has read its {@code checkpoint_complete}, p50 and p99, and the
 * heap each open stream costs. The change is made {@code --changes} times (5), a second apart
 * once every stream has the last one; the change with the median p99 is reported, and every
 * change's figures beside it. The baseline is the same change reaching a single open stream on
 * the same gateway, measured first. Each client is a distinct user (its own per-user bucket
 * besides the shared one), reading over its own socket.
 */
final class FanoutBenchmark implements Benchmark {

    static final double GOAL_P99_MILLIS = 1000;

    @Override
    public String name() {
        return "sync-fanout";
    }

    @Override
    public String description() {
        return "10,000 idle streams on one 1 GiB gateway, a change for all (5 times): time until all have it (p50, p99), heap per stream";
    }

    @Override
    public BenchReport run(BenchOptions options) throws Exception {
        int streams = options.integer("streams", 10_000);
        try (EmbeddedMariaDb db = EmbeddedMariaDb.builder().bufferPoolSize("512M").build();
             EmbeddedKafka kafka = EmbeddedKafka.builder().build()) {
            db.start();
            kafka.start();
            StorageDatabase storage = SyncBenchSupport.storage(db, "sync_fanout");
            long[] checkpoint = {SyncBenchSupport.appendItems(storage, 0, 10)};
            Map<String, Object> kafkaProperties = new HashMap<>();
            kafka.clientProperties().forEach((k, v) -> kafkaProperties.put((String) k, v));
            try (SyncBenchSupport.Gateway gateway = new SyncBenchSupport.Gateway(db, kafka, "sync_fanout", "1g",
                    Path.of("target", "bench-sync-fanout"));
                 KafkaCheckpointPublisher publisher = new KafkaCheckpointPublisher(kafkaProperties, "bench.default.checkpoints")) {
                long heapBefore = gateway.heapAfterGc();
                long[] item = {10};

                // The baseline: one stream, the same kind of change, a few times.
                List<Long> single = new ArrayList<>();
                Client solo = new Client(gateway.port, "solo");
                StreamClient.openAll(List.of(solo), 1, Duration.ofSeconds(120));
                for (int i = 0; i < 7; i++) {
                    long target = change(storage, publisher, checkpoint, item);
                    single.add(solo.awaitCheckpoint(target) / 1_000_000);
                }
                single = single.subList(2, single.size()); // the first changes warm the path up

                // Ours: many streams.
                System.out.printf(Locale.ROOT, "   opening %,d streams ...%n", streams);
                List<Client> clients = new ArrayList<>(streams);
                for (int i = 0; i < streams; i++) {
                    clients.add(new Client(gateway.port, "user-" + i));
                }
                double openSeconds = StreamClient.openAll(clients, 64, Duration.ofSeconds(120));
                long failed = clients.stream().filter(c -> c.failure() != null).count();
                System.out.printf(Locale.ROOT, "   ... in %.1f s (%,.0f streams/s, %d failed)%n", openSeconds, streams / openSeconds,
                        failed);
                long heapAfter = gateway.heapAfterGc();
                double heapPerStream = (double) (heapAfter - heapBefore) / streams;
                if (options.flag("histogram")) {
                    System.out.println(gateway.histogram(30));
                }

                // Several changes, one at a time, each reaching every stream: the first also finishes
                // compiling the path that serves many streams at once; the median round is reported.
                int changes = options.integer("changes", 5) | 1;
                List<long[]> rounds = new ArrayList<>();
                int missing = 0;
                for (int round = 0; round < changes; round++) {
                    if (round > 0) {
                        Thread.sleep(1000); // idle streams again between changes
                    }
                    long target = change(storage, publisher, checkpoint, item);
                    long[] latencies = new long[streams];
                    for (int i = 0; i < streams; i++) {
                        long nanos = clients.get(i).awaitCheckpoint(target);
                        if (nanos < 0) {
                            missing++;
                            latencies[i] = Long.MAX_VALUE;
                        } else {
                            latencies[i] = nanos / 1_000_000;
                        }
                    }
                    Arrays.sort(latencies);
                    rounds.add(latencies);
                }
                List<long[]> byP99 = new ArrayList<>(rounds);
                byP99.sort(java.util.Comparator.comparingLong(l -> Statistics.percentile(l, 0.99)));
                long[] median = byP99.get(byP99.size() / 2);
                long p50 = Statistics.percentile(median, 0.5);
                long p99 = Statistics.percentile(median, 0.99);
                long max = median[streams - 1];
                StringBuilder each = new StringBuilder("every change in turn, p99 (p50):");
                for (long[] latencies : rounds) {
                    each.append(String.format(Locale.ROOT, " %d (%d);", Statistics.percentile(latencies, 0.99),
                            Statistics.percentile(latencies, 0.5)));
                }
                long soloP99 = single.stream().mapToLong(Long::longValue).max().orElse(0);
                long soloP50 = single.stream().sorted().toList().get(single.size() / 2);
                clients.forEach(Client::close);
                solo.close();

                List<String> notes = new ArrayList<>();
                notes.add(String.format(Locale.ROOT, "the median change of %d: p50 %d ms, p99 %d ms, max %s; arrivals missing "
                        + "within 60 s, all changes: %d", changes, p50, p99, max == Long.MAX_VALUE ? "never" : max + " ms", missing));
                notes.add(each.substring(0, each.length() - 1) + " ms");
                notes.add(String.format(Locale.ROOT, "heap after a full GC: %.0f MiB before the streams, %.0f MiB with them: %.1f KiB "
                        + "per open stream (gateway -Xmx1g)", heapBefore / 1048576.0, heapAfter / 1048576.0, heapPerStream / 1024));
                notes.add(String.format(Locale.ROOT, "%,d streams opened in %.1f s: %,.0f new streams/s, each with its first "
                        + "checkpoint complete (%d failed)", streams, openSeconds, streams / openSeconds, failed));
                notes.add(String.format(Locale.ROOT, "goal: p99 under %.0f ms: %s", GOAL_P99_MILLIS, p99 < GOAL_P99_MILLIS ? "met" : "NOT met"));
                return new BenchReport(name(), String.format(Locale.ROOT, "%,d idle streams of distinct users, one row added to the "
                        + "bucket they share, %d times", streams, changes),
                        new BenchReport.Measurement(String.format(Locale.ROOT, "%,d streams, p99 of the median change", streams), p99, "ms",
                                String.format(Locale.ROOT, "p50 %d ms", p50)),
                        new BenchReport.Measurement("1 stream, the slowest of 5 changes", soloP99, "ms",
                                String.format(Locale.ROOT, "median %d ms", soloP50)),
                        false, notes);
            }
        }
    }

    /** Adds a row to the shared bucket, commits a checkpoint, and announces it as the writer does; returns the checkpoint. */
    private static long change(StorageDatabase storage, KafkaCheckpointPublisher publisher, long[] checkpoint, long[] item)
            throws Exception {
        long previous = checkpoint[0];
        checkpoint[0] = SyncBenchSupport.appendItems(storage, item[0]++, 1);
        long now = System.currentTimeMillis();
        Client.announced.set(System.nanoTime());
        publisher.publish(new CheckpointEvent(1, "ACTIVE", checkpoint[0], previous, SyncBenchSupport.POSITION, 0,
                List.of(SyncBenchSupport.GLOBAL_BUCKET), List.of(), false, now, now));
        return checkpoint[0];
    }

    /** One client: opens its stream, then notes when each checkpoint_complete arrives. */
    private static final class Client extends StreamClient {
        static final AtomicLong announced = new AtomicLong();
        private final Map<Long, Long> completed = new java.util.concurrent.ConcurrentHashMap<>();

        Client(int port, String user) {
            super(port, user);
        }

        @Override
        protected void received(String line, long nanos) {
            if (line.startsWith(CHECKPOINT_COMPLETE)) {
                completed.put(lastOpId(line), nanos - announced.get());
                synchronized (this) {
                    notifyAll();
                }
            }
        }

        /** Nanoseconds from the announcement to this client's checkpoint_complete of {@code checkpoint}; -1 if none in 60 s. */
        synchronized long awaitCheckpoint(long checkpoint) throws InterruptedException {
            long deadline = System.currentTimeMillis() + 60_000;
            while (!completed.containsKey(checkpoint) && failure() == null) {
                long left = deadline - System.currentTimeMillis();
                if (left <= 0) {
                    return -1;
                }
                wait(left);
            }
            return completed.getOrDefault(checkpoint, -1L);
        }
    }
}
