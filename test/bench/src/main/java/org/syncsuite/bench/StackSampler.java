package org.syncsuite.bench;

import java.lang.management.ManagementFactory;
import java.lang.management.ThreadInfo;
import java.lang.management.ThreadMXBean;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Samples one thread's stack at a fixed interval and counts the samples per phase of the bucket
 * writer's work, so {@code bench writer --profile=true} can say where its thread spends its
 * time. A sample's phase is the innermost frame that a rule names (decoding inside an evaluation
 * counts as evaluation); samples inside the JDBC driver are counted apart too, since there the
 * thread mostly waits for the database.
 */
final class StackSampler implements AutoCloseable {

    /** A phase: frames of a class (by name prefix), optionally of one method. */
    private record Rule(String phase, String classPrefix, String method) {
        boolean matches(StackTraceElement frame) {
            return frame.getClassName().startsWith(classPrefix) && (method == null || method.equals(frame.getMethodName()));
        }
    }

    private static final String GATEWAY = "org.syncsuite.gateway.";
    private static final List<Rule> RULES = List.of(
            new Rule("commit", "com.mysql.cj.jdbc.ConnectionImpl", "commit"),
            new Rule("decode", "org.syncsuite.core.change.ChangeEventCodec", null),
            new Rule("evaluate", "org.syncsuite.core.config.", null),
            new Rule("evaluate", "org.syncsuite.core.sql.", null),
            new Rule("checksum", "org.syncsuite.core.Checksums", null),
            new Rule("subkey_sha256", GATEWAY + "writer.WriterBatch", "subkey"),
            new Rule("lookup_keys", GATEWAY + "storage.LookupKeys", null),
            new Rule("membership_decode", GATEWAY + "writer.RowMembership", "decode"),
            new Rule("membership_encode", GATEWAY + "writer.RowMembership", "encode"),
            new Rule("batch_other", GATEWAY + "writer.WriterBatch", null),
            new Rule("current_data_load", GATEWAY + "storage.CurrentData", "load"),
            new Rule("current_data_save", GATEWAY + "storage.CurrentData", "save"),
            new Rule("op_id_sequence", GATEWAY + "storage.BucketStore", "allocateOpIds"),
            new Rule("bucket_ops_and_state", GATEWAY + "storage.BucketStore", "append"),
            new Rule("parameter_index", GATEWAY + "storage.ParameterIndex", "write"),
            new Rule("version_lock_progress", GATEWAY + "storage.SyncConfigVersions", null),
            new Rule("publish", GATEWAY + "writer.KafkaCheckpointPublisher", null),
            new Rule("publish", GATEWAY + "writer.BucketWriter", "publish"),
            new Rule("op_build", GATEWAY + "writer.BucketWriter", "writeOps"),
            new Rule("kafka_consumer", "org.apache.kafka.", null),
            new Rule("writer_other", GATEWAY + "writer.BucketWriter", null));

    private final Thread target;
    private final Duration interval;
    private final Thread sampler;
    private final ThreadMXBean threads = ManagementFactory.getThreadMXBean();
    private final Map<String, long[]> counts = new TreeMap<>(); // phase -> samples, of which in the JDBC driver
    private volatile boolean closed;
    private long samples;

    StackSampler(Thread target, Duration interval) {
        this.target = target;
        this.interval = interval;
        this.sampler = Thread.ofPlatform().daemon().name("stack-sampler").start(this::loop);
    }

    private void loop() {
        while (!closed && target.isAlive()) {
            ThreadInfo info = threads.getThreadInfo(target.threadId(), 256);
            if (info != null) {
                record(info.getStackTrace());
            }
            try {
                Thread.sleep(interval);
            } catch (InterruptedException e) {
                return;
            }
        }
    }

    private synchronized void record(StackTraceElement[] stack) {
        if (stack.length == 0) {
            return;
        }
        String phase = "other";
        boolean jdbc = false;
        for (StackTraceElement frame : stack) {
            jdbc |= frame.getClassName().startsWith("com.mysql.");
            Rule rule = RULES.stream().filter(r -> r.matches(frame)).findFirst().orElse(null);
            if (rule != null) {
                phase = rule.phase();
                break;
            }
        }
        long[] count = counts.computeIfAbsent(phase, p -> new long[2]);
        count[0]++;
        if (jdbc) {
            count[1]++;
        }
        samples++;
    }

    /** Samples per phase (most first): all of them, and those inside the JDBC driver. */
    synchronized Map<String, long[]> counts() {
        Map<String, long[]> sorted = new LinkedHashMap<>();
        counts.entrySet().stream().sorted((a, b) -> Long.compare(b.getValue()[0], a.getValue()[0]))
                .forEach(e -> sorted.put(e.getKey(), e.getValue().clone()));
        return sorted;
    }

    synchronized long samples() {
        return samples;
    }

    @Override
    public void close() throws InterruptedException {
        closed = true;
        sampler.interrupt();
        sampler.join();
    }
}
