package org.syncsuite.bench;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Locale;
import java.util.Map;

import org.syncsuite.core.change.SourcePosition;
import org.syncsuite.core.mysql.MySqlValueMapper;
import org.syncsuite.core.service.ServiceConfig;
import org.syncsuite.core.service.ServiceConfigReader;
import org.syncsuite.replicator.Replicator;

/**
 * Our side of {@code ./powersync bench replicator}, run in a JVM of its own so that its memory is
 * measured as the Debezium side's is: the {@link Replicator} streams each given stretch of binlog
 * into the changes topic and the stretch ends when the expected number of changes is committed.
 * It is timed from when streaming begins (preflight, topic creation and fencing happen once per
 * start). Same arguments and output lines as {@code test/bench-debezium}'s {@code DebeziumBaseline}:
 * see {@link ChildJvm}.
 */
public final class ReplicatorProcess {

    private ReplicatorProcess() {
    }

    public static void main(String[] args) {
        Bench.quietLibraryLogs();
        int status = 0;
        try {
            Map<String, String> options = ChildJvm.parseArguments(args);
            int rows = Integer.parseInt(ChildJvm.required(options, "rows"));
            for (String stretch : ChildJvm.required(options, "stretches").split(",")) {
                SourcePosition from = SourcePosition.at(options.getOrDefault(stretch + ".gtids", ""),
                        ChildJvm.required(options, stretch + ".file"), Long.parseLong(ChildJvm.required(options, stretch + ".pos")));
                ProcessMemory.resetPeakHeap();
                double seconds = replicate(options, from, rows, stretch);
                System.out.printf(Locale.ROOT, "BENCH-STRETCH name=%s rows=%d seconds=%.6f peakHeapBytes=%d%n",
                        stretch, rows, seconds, ProcessMemory.peakHeapBytes());
                System.out.flush();
            }
            System.out.printf(Locale.ROOT, "BENCH-PROCESS peakHeapBytes=%d peakRssBytes=%d gcSeconds=%.3f%n",
                    ProcessMemory.lifetimePeakHeapBytes(), ProcessMemory.peakRssBytes(), ProcessMemory.gcSeconds());
        } catch (Throwable e) {
            e.printStackTrace();
            System.out.println("BENCH-ERROR " + ChildJvm.oneLine(e));
            status = 1;
        }
        System.out.flush();
        Runtime.getRuntime().halt(status);
    }

    /** Seconds the replicator takes to commit {@code rows} changes to Kafka from {@code from}. */
    private static double replicate(Map<String, String> options, SourcePosition from, int rows, String label) throws Exception {
        ServiceConfig config = ServiceConfigReader.read(Path.of("bench.yaml"), """
                replication:
                  connections:
                    - type: mariadb
                      hostname: %s
                      port: %s
                      database: bench
                      username: %s
                      password: %s
                kafka:
                  bootstrap_servers: %s
                  topic_prefix: bench-%s
                """.formatted(ChildJvm.required(options, "host"), ChildJvm.required(options, "port"),
                        ChildJvm.required(options, "user"), ChildJvm.required(options, "password"),
                        ChildJvm.required(options, "bootstrap-servers"), label),
                name -> null);
        try (Replicator replicator = new Replicator(config.connection(), config.kafka().orElseThrow(), "todos"::equals,
                MySqlValueMapper.defaults()).withStartPosition(from)) {
            replicator.start();
            long started = System.nanoTime();
            while (replicator.committedChanges() < rows) {
                if (replicator.fatalError().isPresent()) {
                    throw new IllegalStateException("Replication failed", replicator.fatalError().get());
                }
                if (System.nanoTime() - started > Duration.ofMinutes(10).toNanos()) {
                    throw new IllegalStateException("Only " + replicator.committedChanges() + " changes after 10 minutes");
                }
                Thread.sleep(20);
            }
            return (System.nanoTime() - started) / 1e9;
        }
    }
}
