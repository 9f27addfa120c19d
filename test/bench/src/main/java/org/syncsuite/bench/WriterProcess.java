package org.syncsuite.bench;

import java.lang.management.ManagementFactory;
import java.time.Duration;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;

import org.syncsuite.core.config.SyncPlan;
import org.syncsuite.gateway.storage.StorageDatabase;
import org.syncsuite.gateway.writer.BucketWriter;
import org.syncsuite.gateway.writer.KafkaCheckpointPublisher;
import org.syncsuite.gateway.writer.WriterListener;
import org.syncsuite.gateway.writer.WriterSettings;
import org.syncsuite.gateway.writer.WriterSupervisor;

/**
 * Our side of {@code ./powersync bench writer}, in a JVM of its own so that its memory is the
 * writer's alone: one {@link BucketWriter} with {@link WriterSettings#DEFAULTS} consumes the
 * changes topic from offset 0 into a storage database where the version is deployed, and the run
 * ends when a committed checkpoint covers the topic's last position record. Timed from the
 * writer's start (consumer group join included). Output lines as {@link ChildJvm} reads them; with
 * {@code --profile=true} also a {@code profile} stretch (samples of the writer thread per phase)
 * and a {@code jdbc} stretch (statement wall time per kind).
 */
public final class WriterProcess {

    private WriterProcess() {
    }

    public static void main(String[] args) {
        Bench.quietLibraryLogs();
        int status = 0;
        try {
            run(ChildJvm.parseArguments(args));
        } catch (Throwable e) {
            e.printStackTrace();
            System.out.println("BENCH-ERROR " + ChildJvm.oneLine(e));
            status = 1;
        }
        System.out.flush();
        Runtime.getRuntime().halt(status);
    }

    private static void run(Map<String, String> options) throws Exception {
        int version = Integer.parseInt(ChildJvm.required(options, "version"));
        long lastPosition = Long.parseLong(ChildJvm.required(options, "last-position-offset"));
        String topic = ChildJvm.required(options, "topic");
        boolean profile = Boolean.parseBoolean(options.getOrDefault("profile", "false"));
        String url = ChildJvm.required(options, "url");
        TimedJdbc timed = null;
        if (profile) {
            timed = TimedJdbc.register();
            url = TimedJdbc.timed(url);
        }
        StorageDatabase storage = new StorageDatabase(url, ChildJvm.required(options, "user"), options.getOrDefault("password", ""));
        SyncPlan plan = WriterSupervisor.planOf(version, WriterWorkload.SYNC_CONFIG);
        Map<String, Object> kafka = new HashMap<>();
        kafka.put("bootstrap.servers", ChildJvm.required(options, "bootstrap-servers"));

        WriterSettings settings = settings(Integer.parseInt(options.getOrDefault("batch-ops", "0")));
        int timeoutMinutes = Integer.parseInt(options.getOrDefault("timeout-minutes", "20"));
        if (options.containsKey("warm-up-topic")) {
            // The same writer code over other rows into another storage database, untimed, so that
            // the measured run finds this JVM's code compiled, as a writer that has been running does.
            String warmTopic = options.get("warm-up-topic");
            long warmLast = Long.parseLong(ChildJvm.required(options, "warm-up-last-position-offset"));
            StorageDatabase warmStorage = new StorageDatabase(ChildJvm.required(options, "warm-up-url"), storage.user(),
                    storage.password());
            Counting warm = new Counting(warmLast);
            long started = System.nanoTime();
            try (KafkaCheckpointPublisher publisher = new KafkaCheckpointPublisher(kafka, warmTopic + ".checkpoints")) {
                warm.started = started;
                BucketWriter writer = new BucketWriter(version, plan, warmStorage, kafka, warmTopic, "bench-writer-" + warmTopic,
                        publisher, settings, warm);
                Thread thread = Thread.ofPlatform().start(writer);
                boolean done = warm.done.await(timeoutMinutes, TimeUnit.MINUTES);
                writer.close();
                thread.join(10_000);
                if (!done) {
                    throw new IllegalStateException("The warm-up did not reach its last position record" + warm.failureNote());
                }
            }
            double warmSeconds = (System.nanoTime() - started) / 1e9;
            double settleSeconds = WriterBenchmark.settle(ChildJvm.required(options, "warm-up-url"), storage.user(), storage.password());
            System.out.printf(Locale.ROOT, "BENCH-STRETCH name=warm-up seconds=%.6f ops=%d settleSeconds=%.3f%n", warmSeconds,
                    warm.ops.get(), settleSeconds);
        }
        Counting listener = new Counting(lastPosition);
        try (KafkaCheckpointPublisher publisher = new KafkaCheckpointPublisher(kafka, topic + ".checkpoints")) {
            ProcessMemory.resetPeakHeap();
            com.sun.management.OperatingSystemMXBean os =
                    (com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean();
            long cpuBefore = os.getProcessCpuTime();
            double gcBefore = ProcessMemory.gcSeconds();
            WriterBenchmark.Usage usage = WriterBenchmark.Usage.start(Long.parseLong(ChildJvm.required(options, "database-pid")),
                    Long.parseLong(ChildJvm.required(options, "bench-pid")), ChildJvm.required(options, "url"),
                    storage.user(), storage.password());
            long started = System.nanoTime();
            listener.started = started;
            BucketWriter writer = new BucketWriter(version, plan, storage, kafka, topic, "bench-writer-" + topic, publisher,
                    settings, listener);
            Thread thread = Thread.ofPlatform().start(writer);
            StackSampler sampler = profile ? new StackSampler(thread, Duration.ofMillis(5)) : null;
            AtomicLong liveHeap = new AtomicLong();
            Thread heapWatch = Thread.ofPlatform().daemon().start(() -> {
                while (!Thread.currentThread().isInterrupted()) {
                    liveHeap.accumulateAndGet(ProcessMemory.heapAfterGcBytes(), Math::max);
                    try {
                        Thread.sleep(100);
                    } catch (InterruptedException e) {
                        return;
                    }
                }
            });
            boolean done = listener.done.await(timeoutMinutes, TimeUnit.MINUTES);
            double seconds = (System.nanoTime() - started) / 1e9;
            usage.stop();
            long writerCpu = ManagementFactory.getThreadMXBean().getThreadCpuTime(thread.threadId());
            long cpu = os.getProcessCpuTime() - cpuBefore;
            double gc = ProcessMemory.gcSeconds() - gcBefore;
            heapWatch.interrupt();
            if (sampler != null) {
                sampler.close();
            }
            writer.close();
            thread.join(10_000);
            if (!done) {
                throw new IllegalStateException("No checkpoint reached the last position record (offset " + lastPosition
                        + ") in time; the writer got to offset " + listener.lastOffset.get() + " after "
                        + listener.commits.get() + " commits" + listener.failureNote());
            }
            System.out.printf(Locale.ROOT, "BENCH-STRETCH name=writer seconds=%.6f rows=%d ops=%d commits=%d checkpoints=%d "
                            + "firstCommitSeconds=%.3f maxCommitOps=%d retries=%d skipped=%d peakHeapBytes=%d heapAfterGcBytes=%d "
                            + "writerThreadCpuSeconds=%.3f processCpuSeconds=%.3f gcSeconds=%.3f%n",
                    seconds, listener.rows.get(), listener.ops.get(), listener.commits.get(), listener.checkpoints.get(),
                    listener.firstCommitNanos.get() / 1e9, listener.maxCommitOps.get(), listener.retries.get(),
                    listener.skipped.get(), ProcessMemory.peakHeapBytes(), liveHeap.get(), writerCpu / 1e9, cpu / 1e9, gc);
            System.out.println(usage.stretch());
            if (sampler != null) {
                StringBuilder line = new StringBuilder("BENCH-STRETCH name=profile samples=" + sampler.samples());
                sampler.counts().forEach((phase, count) -> line.append(' ').append(phase).append('=')
                        .append(count[0]).append(':').append(count[1]));
                System.out.println(line);
                StringBuilder jdbc = new StringBuilder("BENCH-STRETCH name=jdbc");
                timed.totals().forEach((kind, t) -> jdbc.append(' ').append(kind).append('=')
                        .append(t[0]).append(':').append(t[1]).append(':').append(t[2]));
                System.out.println(jdbc);
            }
        }
        System.out.printf(Locale.ROOT, "BENCH-PROCESS peakHeapBytes=%d peakRssBytes=%d gcSeconds=%.3f%n",
                ProcessMemory.lifetimePeakHeapBytes(), ProcessMemory.peakRssBytes(), ProcessMemory.gcSeconds());
    }

    /** The defaults, or with another batch size (an experiment: the benchmark's figure is for the defaults). */
    static WriterSettings settings(int batchOps) {
        WriterSettings defaults = WriterSettings.DEFAULTS;
        if (batchOps <= 0 || batchOps == defaults.batchOps()) {
            return defaults;
        }
        return defaults.withBatchOps(batchOps, Math.max(defaults.maxBatchOps(), 10 * batchOps));
    }

    /** Adds up what the writer reports, and says when a checkpoint covers the last position record. */
    private static final class Counting implements WriterListener {
        private final long lastPosition;
        final CountDownLatch done = new CountDownLatch(1);
        final AtomicLong rows = new AtomicLong();
        final AtomicLong ops = new AtomicLong();
        final AtomicLong commits = new AtomicLong();
        final AtomicLong checkpoints = new AtomicLong();
        final AtomicLong maxCommitOps = new AtomicLong();
        final AtomicLong firstCommitNanos = new AtomicLong();
        final AtomicLong lastOffset = new AtomicLong(-1);
        final AtomicLong retries = new AtomicLong();
        final AtomicLong skipped = new AtomicLong();
        final AtomicReference<String> lastFailure = new AtomicReference<>();
        volatile long started;

        Counting(long lastPosition) {
            this.lastPosition = lastPosition;
        }

        @Override
        public void committed(int versionId, Commit commit) {
            if (commits.incrementAndGet() == 1) {
                firstCommitNanos.set(System.nanoTime() - started);
            }
            rows.addAndGet(commit.rows());
            ops.addAndGet(commit.ops());
            maxCommitOps.accumulateAndGet(commit.ops(), Math::max);
            lastOffset.set(commit.changesOffset());
            if (commit.checkpoint().isPresent()) {
                checkpoints.incrementAndGet();
                if (commit.changesOffset() > lastPosition) {
                    done.countDown();
                }
            }
        }

        @Override
        public void rowSkipped(int versionId, String table, String key, String error) {
            skipped.incrementAndGet();
        }

        @Override
        public void retrying(int versionId, Exception cause) {
            retries.incrementAndGet();
            lastFailure.set(ChildJvm.oneLine(cause));
        }

        String failureNote() {
            String failure = lastFailure.get();
            return failure == null ? "" : "; " + retries.get() + " retries, the last after: " + failure;
        }
    }
}
