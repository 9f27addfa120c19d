package org.syncsuite.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

import org.syncsuite.services.EmbeddedKafka;
import org.syncsuite.services.EmbeddedMariaDb;
import org.syncsuite.services.ServiceYaml;

/**
 * The soak test: the whole suite on one machine (MariaDB and Kafka embedded; the replicator, the
 * gateway's writer role and its api role each in a JVM of its own, the api with a 1 GiB heap)
 * carries 10,000 open streams of 1,000 users while MariaDB commits 1,000 transactions per
 * second for 10 minutes, each changing one row of a random user. Per period (a minute) and
 * overall it reports the latency from a commit to the {@code checkpoint_complete} that brings
 * its op to each stream of that user (p50, p99, max), the transactions and ops per second, the
 * errors, and the heap after a full GC of the three service JVMs, whose slope over the run's
 * last two thirds decides whether the heap grows. The baseline, measured first in the same run,
 * is the same kind of transactions at the same rate reaching a single open stream. See
 * {@code docs/soak.md}.
 */
final class SoakBenchmark implements Benchmark {

    /**
     * A heap that grows by less than this (MiB per minute, after GC) over the last two thirds is
     * not growing: at 1,000 transactions per second it is 17 bytes per transaction, less than any
     * object kept per transaction would take (see docs/soak.md).
     */
    static final double SLOPE_LIMIT_MIB_PER_MINUTE = 1.0;
    /** The service processes whose heap is sampled, in the order of the reports' columns. */
    static final List<String> SERVICES = List.of("api", "writer", "replicator");

    /** The run's shape, from the options. */
    record Settings(int streams, int users, int tps, int seconds, int baselineSeconds, int periodSeconds,
                    int heapEverySeconds, int connections, int rowsPerUser, double slopeLimit, boolean histogram) {

        static Settings of(BenchOptions options) {
            if (options.has("minutes") && options.has("seconds")) {
                throw new IllegalArgumentException("Give --minutes or --seconds, not both");
            }
            int seconds = options.has("seconds") ? options.integer("seconds", 600) : 60 * options.integer("minutes", 10);
            int period = Math.min(seconds, options.integer("period-seconds", 60));
            if (period < 10) {
                throw new IllegalArgumentException("--period-seconds (and the run) must be at least 10 s");
            }
            return new Settings(options.integer("streams", 10_000), options.integer("users", 1_000),
                    options.integer("tps", 1_000), seconds, options.integer("baseline-seconds", 30), period,
                    // Every 30 s in a 10-minute run; often enough for a trend in a short one, never more than every 10 s.
                    options.integer("heap-every-seconds", Math.clamp(seconds / 20, 10, 30)), options.integer("connections", 8),
                    options.integer("rows-per-user", 5), options.decimal("heap-slope-limit", SLOPE_LIMIT_MIB_PER_MINUTE),
                    options.flag("histogram"));
        }

        int periods() {
            return (seconds + periodSeconds - 1) / periodSeconds;
        }

        /** The streams of user {@code u}: stream {@code k} belongs to user {@code k % users}. */
        int streamsOf(int u) {
            return streams / users + (u < streams % users ? 1 : 0);
        }

        String duration() {
            return seconds % 60 == 0 ? seconds / 60 + " min" : seconds + " s";
        }
    }

    @Override
    public String name() {
        return "soak";
    }

    @Override
    public String description() {
        return "10,000 streams of 1,000 users, 1,000 transactions/s for 10 minutes through the suite: "
                + "latency per minute, heap trend, errors";
    }

    @Override
    public BenchReport run(BenchOptions options) throws Exception {
        Settings settings = Settings.of(options);
        Path dir = Files.createDirectories(Path.of("target", "bench-soak").toAbsolutePath());
        System.out.printf(Locale.ROOT, "   %,d streams of %,d users, %,d transactions/s for %s (baseline %d s, periods of %d s, "
                        + "heap every %d s); logs in %s%n", settings.streams(), settings.users(), settings.tps(), settings.duration(),
                settings.baselineSeconds(), settings.periodSeconds(), settings.heapEverySeconds(), dir);
        try (EmbeddedMariaDb db = EmbeddedMariaDb.builder().bufferPoolSize("512M").build();
             EmbeddedKafka kafka = EmbeddedKafka.builder().build()) {
            db.start();
            kafka.start();
            SoakWorkload workload = new SoakWorkload(settings.users(), settings.rowsPerUser());
            workload.create(db);
            Path yaml = serviceYaml(dir, db, kafka);
            Map<String, ServiceProcess> suite = new LinkedHashMap<>();
            SevereLogCounter severeHere = SevereLogCounter.install();
            try {
                startSuite(suite, yaml, dir);
                return SoakReport.of(new SoakRun(settings, db, workload, suite, severeHere).execute());
            } finally {
                severeHere.uninstall();
                for (ServiceProcess service : List.copyOf(suite.values()).reversed()) {
                    service.close();
                }
            }
        }
    }

    private static Path serviceYaml(Path dir, EmbeddedMariaDb db, EmbeddedKafka kafka) throws IOException {
        Path yaml = dir.resolve("service.yaml");
        Files.writeString(yaml, new ServiceYaml().source(db, SoakWorkload.DATABASE, db.replicationUser(), db.replicationPassword())
                .storage(db, "soak_storage", db.rootUser(), db.rootPassword()).kafka(kafka, "soak").hs256(SyncBenchSupport.SECRET)
                .apiParameter("max_concurrent_connections", 20_000).syncConfigContent(SoakWorkload.SYNC_CONFIG).text());
        return yaml;
    }

    /** The replicator, then the writer role, then the api role, each ready before the next starts. */
    private static void startSuite(Map<String, ServiceProcess> suite, Path yaml, Path dir) throws Exception {
        long started = System.nanoTime();
        System.out.println("   starting the replicator, the writer and the api (1 GiB heap) ...");
        ServiceProcess replicator = ServiceProcess.replicator("replicator", yaml, dir, List.of("-Xmx1g"));
        suite.put("replicator", replicator);
        replicator.awaitReady("/health/ready", Duration.ofSeconds(120));
        ServiceProcess writer = ServiceProcess.gateway("writer", yaml, dir, List.of("-Xmx1g", "-Dgateway.role=writer"));
        suite.put("writer", writer);
        writer.awaitReady("/health/ready", Duration.ofSeconds(120), replicator);
        ServiceProcess api = ServiceProcess.gateway("api", yaml, dir, List.of("-Xmx1g", "-Xms1g", "-Dgateway.role=api"));
        suite.put("api", api);
        api.awaitReady("/probes/readiness", Duration.ofSeconds(180), replicator, writer);
        System.out.printf(Locale.ROOT, "   ... ready in %.1f s%n", (System.nanoTime() - started) / 1e9);
    }
}
