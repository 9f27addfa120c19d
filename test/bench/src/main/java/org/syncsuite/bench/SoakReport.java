package org.syncsuite.bench;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.SequencedMap;

/**
 * Judges a soak run's {@link SoakRun.Outcome}: the latency with all streams against the baseline
 * of one stream, the heap trend of each service, every error counted, the throughput reached;
 * then the verdict ("no growth trend, no error" or what failed).
 */
final class SoakReport {

    private SoakReport() {
    }

    /** A service's heap over the main phase, and its trend over the last two thirds (null with fewer than 3 samples there). */
    record HeapTrend(String service, List<HeapSampler.Sample> samples, Statistics.Trend trend, boolean flat) {

        boolean known() {
            return trend != null;
        }

        String describe(double transactionsPerMinute) {
            if (samples.isEmpty()) {
                return service + ": no sample";
            }
            double min = samples.stream().mapToDouble(HeapSampler.Sample::mib).min().orElse(0);
            double max = samples.stream().mapToDouble(HeapSampler.Sample::mib).max().orElse(0);
            String range = String.format(Locale.ROOT, "%s %.1f -> %.1f MiB (%.1f to %.1f)", service, samples.getFirst().mib(),
                    samples.getLast().mib(), min, max);
            if (!known()) {
                return range + ", too few samples in the last two thirds for a trend";
            }
            return range + String.format(Locale.ROOT, ", slope %+.2f MiB/min (± %.2f, %d samples; %+.0f bytes per transaction): %s",
                    trend.slope(), trend.standardError(), trend.points(), trend.slope() * 1048576 / transactionsPerMinute,
                    flat ? "flat" : "GROWS");
        }

        long maxPauseMillis() {
            return samples.stream().mapToLong(HeapSampler.Sample::pauseMillis).max().orElse(0);
        }

        long totalPauseMillis() {
            return samples.stream().mapToLong(HeapSampler.Sample::pauseMillis).sum();
        }
    }

    /**
     * The trend of a run of {@code minutes} minutes: a straight line through the samples of its
     * last two thirds (the first third fills caches, pools and JIT-compiled code), flat when its
     * slope is below {@code limit} MiB per minute.
     */
    static HeapTrend heapTrend(String service, List<HeapSampler.Sample> samples, double minutes, double limit) {
        List<HeapSampler.Sample> window = samples.stream()
                .filter(s -> s.minutes() >= minutes / 3 && s.minutes() <= minutes * 1.01).toList();
        if (window.size() < 3) {
            return new HeapTrend(service, samples, null, false);
        }
        Statistics.Trend trend = Statistics.trend(window.stream().mapToDouble(HeapSampler.Sample::minutes).toArray(),
                window.stream().mapToDouble(HeapSampler.Sample::mib).toArray());
        return new HeapTrend(service, samples, trend, trend.slope() < limit);
    }

    static BenchReport of(SoakRun.Outcome run) {
        SoakBenchmark.Settings settings = run.settings();
        SoakLedger ledger = run.ledger();
        LatencyHistogram overall = ledger.overall();
        LatencyHistogram baseline = ledger.baseline();
        if (overall.count() == 0 || baseline.count() == 0) {
            throw new IllegalStateException("No op reached a stream (" + overall.count() + " in the main phase, " + baseline.count()
                    + " in the baseline); see the logs in " + run.logs());
        }
        double transactionsPerMinute = settings.tps() * 60.0;
        List<HeapTrend> trends = new ArrayList<>();
        run.heap().forEach((service, samples) -> trends.add(heapTrend(service, samples, settings.seconds() / 60.0,
                settings.slopeLimit())));
        boolean heapKnown = trends.stream().allMatch(HeapTrend::known);
        boolean heapFlat = heapKnown && trends.stream().allMatch(HeapTrend::flat);

        SoakClient.Trouble trouble = run.trouble();
        long missing = ledger.missingIn(-1);
        long missingBaseline = ledger.missingInBaseline();
        long severe = run.severe().values().stream().mapToLong(Long::longValue).sum();
        long counted = run.counters().values().stream().mapToLong(v -> Double.isNaN(v) ? 0 : v.longValue()).sum();
        long errors = ledger.failedTotal() + trouble.errors() + run.neverConnected() + missing + missingBaseline
                + ledger.duplicates() + ledger.strangers() + trouble.arrivalsNotCounted.get() + severe + run.servicesDown()
                + counted + run.scrapeFailures();

        long committed = 0;
        for (int p = 0; p < settings.periods(); p++) {
            committed += ledger.committedIn(p);
        }
        double tps = committed / run.commitSeconds();
        double span = (run.last().nanos() - run.first().nanos()) / 1e9;
        double opsPerSecond = (run.last().writerOps() - run.first().writerOps()) / span;

        List<String> notes = new ArrayList<>();
        notes.add(String.format(Locale.ROOT, "latency from the commit to a concerned stream's checkpoint_complete: %,d streams p50 %d ms, "
                        + "p99 %d ms, max %d ms over %,d arrivals; 1 stream p50 %d ms, p99 %d ms, max %d ms over %,d arrivals (%,d ops "
                        + "of transactions committed before their stream was in sync were history, not arrivals)",
                settings.streams(), overall.percentile(0.5), overall.percentile(0.99), overall.max(), overall.count(),
                baseline.percentile(0.5), baseline.percentile(0.99), baseline.max(), baseline.count(), ledger.history()));
        notes.add(String.format(Locale.ROOT, "throughput: %,d transactions committed at %.1f/s (target %,d/s); writer %,.0f ops/s into "
                        + "buckets, api %,.0f ops/s sent, replicator %,.0f changes/s", committed, tps, settings.tps(), opsPerSecond,
                (run.last().apiOps() - run.first().apiOps()) / span,
                (run.last().replicatorChanges() - run.first().replicatorChanges()) / span));
        for (HeapTrend trend : trends) {
            notes.add("heap after a full GC: " + trend.describe(transactionsPerMinute));
        }
        notes.add(String.format(Locale.ROOT, "heap trend: a slope over the last two thirds below %.2f MiB/min (%.0f bytes per "
                        + "transaction at %,d/s) is flat (docs/soak.md)", settings.slopeLimit(),
                settings.slopeLimit() * 1048576 / transactionsPerMinute, settings.tps()));
        StringBuilder pauses = new StringBuilder("the forced full GCs held each process up: ");
        for (HeapTrend trend : trends) {
            pauses.append(String.format(Locale.ROOT, "%s at most %d ms (%.1f s in all); ", trend.service(), trend.maxPauseMillis(),
                    trend.totalPauseMillis() / 1000.0));
        }
        notes.add(pauses.append("one per process every ").append(settings.heapEverySeconds()).append(" s").toString());
        StringBuilder counters = new StringBuilder();
        run.counters().forEach((name, value) -> counters.append(String.format(Locale.ROOT, ", %s %.0f", name, value)));
        notes.add(String.format(Locale.ROOT, "errors: %d: failed transactions %d, stream failures %d, HTTP errors %d (reconnects %d), "
                        + "streams never connected %d, arrivals missing %d (baseline %d), duplicated %d, of unknown transactions %d, "
                        + "SEVERE log lines %s, services down %d%s, metrics unreadable %d; WARNING log lines (not counted) %s", errors,
                ledger.failedTotal(), trouble.failures.get(), trouble.httpErrors.get(), trouble.reconnects.get(), run.neverConnected(),
                missing, missingBaseline, ledger.duplicates(), ledger.strangers() + trouble.arrivalsNotCounted.get(), run.severe(),
                run.servicesDown(), counters, run.scrapeFailures(), run.warnings()));
        run.severeLines().stream().limit(5).forEach(line -> notes.add("SEVERE in " + shorten(line)));
        if (run.heapFailures() > 0) {
            notes.add("heap readings that failed: " + run.heapFailures() + " (the last: " + run.lastHeapFailure() + ")");
        }
        notes.add(String.format(Locale.ROOT, "%,d streams opened in %.1f s (%,.0f/s), each with its first checkpoint complete",
                settings.streams(), run.openSeconds(), settings.streams() / run.openSeconds()));
        notes.add("verdict: " + (heapFlat ? "no growth trend" : heapKnown ? "the heap GROWS" : "heap trend unknown (too few samples)")
                + ", " + (errors == 0 ? "no error" : errors + " ERRORS"));

        SequencedMap<String, String> results = new LinkedHashMap<>();
        results.put("streams", Integer.toString(settings.streams()));
        results.put("users", Integer.toString(settings.users()));
        results.put("seconds", Integer.toString(settings.seconds()));
        results.put("tps_target", Integer.toString(settings.tps()));
        results.put("tps", String.format(Locale.ROOT, "%.1f", tps));
        results.put("ops_per_s", String.format(Locale.ROOT, "%.0f", opsPerSecond));
        results.put("p50", Long.toString(overall.percentile(0.5)));
        results.put("max", Long.toString(overall.max()));
        results.put("errors", Long.toString(errors));
        results.put("missing", Long.toString(missing));
        for (HeapTrend trend : trends) {
            results.put("heap_" + trend.service() + "_mib_per_min",
                    trend.known() ? String.format(Locale.ROOT, "%.3f", trend.trend().slope()) : "unknown");
        }
        results.put("heap_trend", heapFlat ? "flat" : heapKnown ? "growing" : "unknown");
        results.put("verdict", heapFlat && errors == 0 ? "pass" : "fail");
        return new BenchReport("soak", String.format(Locale.ROOT, "%,d streams of %,d users, %,d transactions/s for %s, each changing "
                        + "one row of a random user", settings.streams(), settings.users(), settings.tps(), settings.duration()),
                new BenchReport.Measurement(String.format(Locale.ROOT, "%,d streams, commit to checkpoint_complete, p99",
                        settings.streams()), overall.percentile(0.99), "ms",
                        String.format(Locale.ROOT, "p50 %d ms, max %d ms", overall.percentile(0.5), overall.max())),
                new BenchReport.Measurement("1 stream, the same transactions in the warm-up phase, p99", baseline.percentile(0.99), "ms",
                        String.format(Locale.ROOT, "p50 %d ms, max %d ms", baseline.percentile(0.5), baseline.max())),
                false, notes, List.of(), results);
    }

    private static String shorten(String line) {
        return line.length() <= 240 ? line : line.substring(0, 240) + " ...";
    }
}
