package org.syncsuite.bench;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicReference;

import org.syncsuite.services.EmbeddedMariaDb;

/**
 * One soak run on a started suite, in its steps: the baseline (the transactions reaching one open
 * stream), opening the streams, the main phase (printed per period as it goes), and then what the
 * services' logs and counters say. What it saw is its {@link Outcome}; {@link SoakReport} judges it.
 */
final class SoakRun {

    /** In the baseline, this share of the transactions touches the one open stream's user, so that it sees enough of them. */
    static final double BASELINE_HOT_SHARE = 0.1;
    /** After a period ends, its last transactions' ops get this long to arrive before its row is printed. */
    private static final Duration GRACE = Duration.ofSeconds(5);
    /** At the end of a phase, the ops still owed get this long to arrive. */
    private static final Duration DRAIN = Duration.ofSeconds(60);

    /** What the services' counters said at one moment (NaN where a service did not answer). */
    record Snapshot(long nanos, double writerOps, double apiOps, double replicatorChanges, long streamErrors, long reconnects) {
    }

    /**
     * Everything a run saw: the ledger of transactions, the streams' trouble, how the streams
     * opened, the main phase's commits and counters, the heap samples of each service, and the
     * services' logs and error counters at the end.
     */
    record Outcome(SoakBenchmark.Settings settings, SoakLedger ledger, SoakClient.Trouble trouble, double openSeconds,
                   long neverConnected, double commitSeconds, Snapshot first, Snapshot last,
                   Map<String, List<HeapSampler.Sample>> heap, long heapFailures, String lastHeapFailure, Map<String, Long> severe,
                   Map<String, Long> warnings, List<String> severeLines, long servicesDown, Map<String, Double> counters,
                   long scrapeFailures, Path logs) {
    }

    /** The streams of the main phase, how long they took to open, and how many never did. */
    private record Opened(List<SoakClient> clients, double seconds, long neverConnected) {
    }

    /** What the main phase measured besides the ledger. */
    private record MainPhase(double commitSeconds, Snapshot first, Snapshot last, HeapSampler heap) {
    }

    private final SoakBenchmark.Settings settings;
    private final EmbeddedMariaDb db;
    private final SoakWorkload workload;
    private final Map<String, ServiceProcess> suite;
    private final ServiceProcess api;
    private final SevereLogCounter severeHere;
    private final SoakLedger ledger;
    private final SoakClient.Trouble trouble = new SoakClient.Trouble();
    private final int baselineCount;
    private final int mainCount;
    private long scrapeFailures; // touched by the run's thread only

    SoakRun(SoakBenchmark.Settings settings, EmbeddedMariaDb db, SoakWorkload workload, Map<String, ServiceProcess> suite,
            SevereLogCounter severeHere) {
        this.settings = settings;
        this.db = db;
        this.workload = workload;
        this.suite = suite;
        this.api = suite.get("api");
        this.severeHere = severeHere;
        this.baselineCount = settings.baselineSeconds() * settings.tps();
        this.mainCount = settings.seconds() * settings.tps();
        this.ledger = new SoakLedger(baselineCount, mainCount, settings.periods(), Duration.ofSeconds(settings.periodSeconds()).toNanos());
    }

    Outcome execute() throws Exception {
        baseline();
        Opened opened = openStreams();
        Map<String, Map<String, Long>> histogramsBefore = histograms();
        MainPhase main = mainPhase();
        opened.clients().forEach(SoakClient::close);
        printHistogramGrowth(histogramsBefore);
        return outcome(opened, main);
    }

    // ---- baseline: the same transactions reaching one open stream

    private void baseline() throws Exception {
        System.out.printf(Locale.ROOT, "   baseline: 1 stream (user 0), %,d transactions/s for %d s, %.0f%% of them user 0's; "
                + "the first third warms up ...%n", settings.tps(), settings.baselineSeconds(), BASELINE_HOT_SHARE * 100);
        SoakClient solo = new SoakClient(api.port, SoakWorkload.user(0), "baseline", ledger, trouble);
        StreamClient.openAll(List.of(solo), 1, Duration.ofSeconds(120));
        if (!solo.isConnected() || solo.failure() != null) {
            throw new IllegalStateException("The baseline stream did not open: " + solo.failure() + "; see " + api.log);
        }
        ledger.measureBaselineFrom(System.nanoTime() + Duration.ofSeconds(settings.baselineSeconds()).toNanos() / 3);
        int users = settings.users();
        workload.commit(db, ledger, 0, baselineCount, settings.tps(), settings.connections(),
                () -> ThreadLocalRandom.current().nextDouble() < BASELINE_HOT_SHARE ? 0 : ThreadLocalRandom.current().nextInt(users),
                u -> u == 0 ? 1 : 0);
        drain();
        solo.close();
        LatencyHistogram baseline = ledger.baseline();
        System.out.printf(Locale.ROOT, "   ... p50 %d ms, p99 %d ms, max %d ms over %,d arrivals%n", baseline.percentile(0.5),
                baseline.percentile(0.99), baseline.max(), baseline.count());
    }

    // ---- the streams

    private Opened openStreams() throws InterruptedException {
        System.out.printf(Locale.ROOT, "   opening %,d streams (%,d users, about %d each) ...%n", settings.streams(), settings.users(),
                Math.max(1, settings.streams() / settings.users()));
        List<SoakClient> clients = new ArrayList<>(settings.streams());
        for (int k = 0; k < settings.streams(); k++) {
            clients.add(new SoakClient(api.port, SoakWorkload.user(k % settings.users()), "c" + k, ledger, trouble));
        }
        double seconds = StreamClient.openAll(clients, 64, Duration.ofSeconds(120));
        long open = clients.stream().filter(SoakClient::isConnected).count();
        System.out.printf(Locale.ROOT, "   ... %,d open in %.1f s (%,.0f streams/s)%n", open, seconds, settings.streams() / seconds);
        return new Opened(clients, seconds, settings.streams() - open);
    }

    // ---- the main phase, printed per period

    private MainPhase mainPhase() throws Exception {
        long period = Duration.ofSeconds(settings.periodSeconds()).toNanos();
        long length = Duration.ofSeconds(settings.seconds()).toNanos();
        long start = System.nanoTime() + Duration.ofMillis(200).toNanos();
        ledger.startMain(start);
        Map<String, ServiceProcess> sampled = new LinkedHashMap<>();
        SoakBenchmark.SERVICES.forEach(name -> sampled.put(name, suite.get(name)));
        HeapSampler heap = new HeapSampler(sampled, start, Duration.ofSeconds(settings.heapEverySeconds()));
        Snapshot first = snapshot();
        heap.start();
        AtomicReference<Exception> failure = new AtomicReference<>();
        double[] commitSeconds = new double[1]; // written by the committing thread, read after joining it
        int users = settings.users();
        Thread committing = Thread.ofPlatform().name("soak-main").start(() -> {
            try {
                sleepUntil(start);
                workload.commit(db, ledger, baselineCount, mainCount, settings.tps(), settings.connections(),
                        () -> ThreadLocalRandom.current().nextInt(users), settings::streamsOf);
            } catch (Exception e) {
                failure.set(e);
            }
            commitSeconds[0] = (System.nanoTime() - start) / 1e9;
        });
        System.out.printf(Locale.ROOT, "   main phase: %,d transactions/s for %s%n", settings.tps(), settings.duration());
        System.out.println("   period          tx/s  failed    ops/s    p50    p99    max  missing  errors  reconn"
                + "    heap MiB after GC: api  writer  replicator");
        Snapshot previous = first;
        for (int p = 0; p < settings.periods(); p++) {
            long end = start + Math.min((p + 1) * period, length);
            sleepUntil(end);
            Snapshot now = snapshot();
            if (p == settings.periods() - 1) {
                committing.join();
                drain();
            } else {
                sleepUntil(end + GRACE.toNanos());
            }
            printRow(p, previous, now, heap);
            previous = now;
        }
        heap.close();
        heap.sampleAll(); // once more, after the last ops have arrived
        if (failure.get() != null) {
            throw new IllegalStateException("The transactions stopped: " + ChildJvm.oneLine(failure.get()), failure.get());
        }
        return new MainPhase(commitSeconds[0], first, previous, heap);
    }

    private void printRow(int p, Snapshot before, Snapshot now, HeapSampler heap) {
        double seconds = (now.nanos() - before.nanos()) / 1e9;
        LatencyHistogram latency = ledger.period(p);
        int from = p * settings.periodSeconds();
        int to = Math.min(settings.seconds(), from + settings.periodSeconds());
        boolean minutes = settings.periodSeconds() % 60 == 0 && settings.seconds() % 60 == 0;
        String label = minutes ? (from / 60) + "-" + (to / 60) + " min" : from + "-" + to + " s";
        String heapColumns = String.format(Locale.ROOT, " %22s %7s %11s", latestHeap(heap, "api"), latestHeap(heap, "writer"),
                latestHeap(heap, "replicator"));
        System.out.printf(Locale.ROOT, "   %-12s %7.1f %7d %8.0f %6s %6s %6s %8d %7d %7d%s%n", label,
                ledger.committedIn(p) / (double) (to - from), ledger.failedIn(p), (now.writerOps() - before.writerOps()) / seconds,
                show(latency.percentile(0.5)), show(latency.percentile(0.99)), show(latency.max()), ledger.missingIn(p),
                now.streamErrors() - before.streamErrors(), now.reconnects() - before.reconnects(), heapColumns);
    }

    private static String latestHeap(HeapSampler heap, String service) {
        return heap.latest(service).map(s -> String.format(Locale.ROOT, "%.1f", s.mib())).orElse("-");
    }

    private static String show(long millis) {
        return millis < 0 ? "-" : Long.toString(millis);
    }

    /** Waits until every op owed has arrived, at most {@link #DRAIN}. */
    private void drain() throws InterruptedException {
        long deadline = System.nanoTime() + DRAIN.toNanos();
        while (ledger.outstanding() > 0 && System.nanoTime() < deadline) {
            Thread.sleep(100);
        }
    }

    private Snapshot snapshot() {
        return new Snapshot(System.nanoTime(), metric("writer", "gateway_writer_ops"), metric("api", "gateway_api_ops_sent"),
                metric("replicator", "replicator_changes"), trouble.errors(), trouble.reconnects.get());
    }

    /** A metric of a service; NaN (and a failed scrape counted) when the service does not answer. */
    private double metric(String service, String name) {
        try {
            return find(suite.get(service).metrics(), name);
        } catch (IOException e) {
            scrapeFailures++;
            return Double.NaN;
        }
    }

    /** A sample by its metric name, with or without a scope prefix ({@code application_}) or a {@code _total} suffix. */
    static double find(Map<String, Double> samples, String name) {
        for (Map.Entry<String, Double> sample : samples.entrySet()) {
            String key = sample.getKey();
            String bare = key.indexOf('{') < 0 ? key : key.substring(0, key.indexOf('{'));
            if (bare.equals(name) || bare.equals(name + "_total") || bare.endsWith("_" + name)) {
                return sample.getValue();
            }
        }
        return Double.NaN;
    }

    private static void sleepUntil(long nanos) throws InterruptedException {
        long wait = nanos - System.nanoTime();
        if (wait > 0) {
            Thread.sleep(Duration.ofNanos(wait));
        }
    }

    // ---- with --histogram=true: which classes the heap gained during the main phase

    private Map<String, Map<String, Long>> histograms() throws IOException, InterruptedException {
        Map<String, Map<String, Long>> histograms = new LinkedHashMap<>();
        if (settings.histogram()) {
            for (String service : SoakBenchmark.SERVICES) {
                histograms.put(service, suite.get(service).classHistogram());
            }
        }
        return histograms;
    }

    private void printHistogramGrowth(Map<String, Map<String, Long>> before) throws IOException, InterruptedException {
        Map<String, Map<String, Long>> after = histograms();
        for (String service : before.keySet()) {
            Map<String, Long> was = before.get(service);
            Map<String, Long> growth = new LinkedHashMap<>();
            after.get(service).forEach((type, bytes) -> growth.put(type, bytes - was.getOrDefault(type, 0L)));
            System.out.printf(Locale.ROOT, "   %s: the classes whose heap grew most during the main phase (after a full GC)%n", service);
            growth.entrySet().stream().sorted(Map.Entry.<String, Long>comparingByValue().reversed()).limit(15)
                    .forEach(e -> System.out.printf(Locale.ROOT, "     %+,14d bytes  %s%n", e.getValue(), e.getKey()));
        }
    }

    // ---- what the services say at the end

    private Outcome outcome(Opened opened, MainPhase main) throws IOException {
        Map<String, Long> severe = new LinkedHashMap<>();
        Map<String, Long> warnings = new LinkedHashMap<>();
        List<String> severeLines = new ArrayList<>();
        long servicesDown = 0;
        Map<String, List<HeapSampler.Sample>> heap = new LinkedHashMap<>();
        for (String service : SoakBenchmark.SERVICES) {
            ServiceProcess process = suite.get(service);
            Map<String, Long> levels = process.logLevels();
            severe.put(service, levels.getOrDefault("SEVERE", 0L));
            warnings.put(service, levels.getOrDefault("WARNING", 0L));
            process.logLines("SEVERE", 3).forEach(line -> severeLines.add(service + ": " + line));
            servicesDown += process.isAlive() ? 0 : 1;
            heap.put(service, main.heap().samples(service));
        }
        severe.put("broker_and_bench", severeHere.count());
        severeHere.first().forEach(line -> severeLines.add("broker or bench: " + line));
        Map<String, Double> counters = new LinkedHashMap<>();
        counters.put("writer retries", metric("writer", "gateway_writer_retries"));
        counters.put("rows skipped", metric("writer", "gateway_writer_rows_skipped"));
        counters.put("replicator retries", metric("replicator", "replicator_retries"));
        counters.put("streams refused", metric("api", "gateway_api_streams_refused"));
        return new Outcome(settings, ledger, trouble, opened.seconds(), opened.neverConnected(), main.commitSeconds(), main.first(),
                main.last(), heap, main.heap().failures(), main.heap().lastFailure(), severe, warnings, severeLines, servicesDown,
                counters, scrapeFailures, api.log.getParent());
    }
}
