package org.syncsuite.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;

class SoakTest {

    @Test
    void aHistogramIsExactBelowOneSecondAndWithinTwoPerMilleAbove() {
        LatencyHistogram histogram = new LatencyHistogram();
        assertThat(histogram.percentile(0.99)).isEqualTo(-1);
        for (long millis = 1; millis <= 1000; millis++) {
            histogram.record(millis);
        }
        assertThat(histogram.percentile(0.5)).isEqualTo(500);
        assertThat(histogram.percentile(0.99)).isEqualTo(990);
        assertThat(histogram.max()).isEqualTo(1000);
        histogram.record(123_456);
        assertThat(histogram.percentile(1.0)).isEqualTo(123_456);
        for (long value : new long[] {1024, 5000, 65_535, 1_000_000, 3_000_000_000L}) {
            int index = LatencyHistogram.index(value);
            long highest = LatencyHistogram.highestIn(index);
            assertThat(highest).isGreaterThanOrEqualTo(Math.min(value, (1L << 31) - 1));
            assertThat((double) highest - Math.min(value, (1L << 31) - 1)).isLessThanOrEqualTo(0.002 * value);
            assertThat(LatencyHistogram.index(highest)).isEqualTo(index);
        }
    }

    @Test
    void aClientCountsTheTransactionsOfItsOpsOnceTheirCheckpointIsComplete() throws Exception {
        SoakLedger ledger = new SoakLedger(0, 10, 1, Duration.ofMinutes(1).toNanos());
        ledger.startMain(System.nanoTime());
        SoakClient.Trouble trouble = new SoakClient.Trouble();
        SoakClient client = new SoakClient(1, "user-00001", "c1", ledger, trouble);
        // The first sync is history: its ops are not arrivals.
        client.received(data(1, 2), System.nanoTime());
        client.received("{\"checkpoint_complete\":{\"last_op_id\":\"2\"}}", System.nanoTime());
        assertThat(ledger.arrivedTotal()).isZero();
        for (int tx : new int[] {3, 4}) {
            ledger.expect(tx, 1);
            ledger.committed(tx, System.nanoTime());
        }
        assertThat(client.request()).isEqualTo("{\"client_id\":\"c1\",\"raw_data\":true,\"buckets\":[{\"name\":\"1#mine|0[\\\"user-00001\\\"]\","
                + "\"after\":\"2\"}]}");

        client.received("{\"checkpoint_diff\":{\"last_op_id\":\"4\"}}", System.nanoTime());
        client.received(data(3, 4), System.nanoTime());
        assertThat(ledger.arrivedTotal()).as("not before checkpoint_complete").isZero();
        client.received("{\"checkpoint_complete\":{\"last_op_id\":\"4\"}}", System.nanoTime() + 5_000_000);
        assertThat(ledger.arrivedTotal()).isEqualTo(2);
        assertThat(ledger.outstanding()).isZero();
        assertThat(ledger.overall().count()).isEqualTo(2);
        assertThat(ledger.missingIn(-1)).isZero();
        assertThat(client.request()).contains("\"after\":\"4\"");

        client.received(data(3, 3), System.nanoTime());
        client.received("{\"checkpoint_complete\":{\"last_op_id\":\"5\"}}", System.nanoTime());
        assertThat(ledger.duplicates()).isEqualTo(1);
    }

    @Test
    void anOpOfATransactionCommittedBeforeTheStreamWasInSyncIsHistory() throws Exception {
        SoakLedger ledger = new SoakLedger(0, 10, 1, Duration.ofMinutes(1).toNanos());
        ledger.startMain(System.nanoTime());
        ledger.expect(1, 0); // committed while no stream of its user was open
        ledger.committed(1, System.nanoTime());
        SoakClient client = new SoakClient(1, "user-00001", "c1", ledger, new SoakClient.Trouble());
        client.received("{\"checkpoint_complete\":{\"last_op_id\":\"0\"}}", System.nanoTime());
        client.received(data(1, 1), System.nanoTime()); // the writer was behind: it comes after the first sync
        client.received("{\"checkpoint_complete\":{\"last_op_id\":\"1\"}}", System.nanoTime());
        assertThat(ledger.history()).isEqualTo(1);
        assertThat(ledger.duplicates()).isZero();
        assertThat(ledger.arrivedTotal()).isZero();
    }

    /** A data line as the gateway writes it for raw_data clients: ops of transactions {@code from} to {@code to}. */
    private static String data(int from, int to) {
        StringBuilder ops = new StringBuilder();
        for (int tx = from; tx <= to; tx++) {
            ops.append(tx == from ? "" : ",").append("{\"op_id\":\"").append(tx).append("\",\"op\":\"PUT\",\"object_type\":\"notes\","
                    + "\"object_id\":\"user-00001-n0\",\"checksum\":1,\"data\":\"{\\\"id\\\":\\\"user-00001-n0\\\",\\\"owner_id\\\":"
                    + "\\\"user-00001\\\",\\\"soak_tx\\\":").append(tx).append(",\\\"body\\\":\\\"x\\\"}\"}");
        }
        return "{\"data\":{\"bucket\":\"1#mine|0[\\\"user-00001\\\"]\",\"after\":\"0\",\"next_after\":\"" + to
                + "\",\"has_more\":false,\"data\":[" + ops + "]}}";
    }

    @Test
    void fieldsAreReadWithoutAParser() {
        assertThat(SoakClient.stringField("{\"bucket\":\"a\\\"b\",\"x\":1}", "bucket")).isEqualTo("a\\\"b");
        assertThat(SoakClient.stringField("{}", "bucket")).isNull();
        assertThat(SoakClient.number("x:123,", 2)).isEqualTo(123);
        assertThat(SoakClient.number("x:-1,", 2)).isEqualTo(-1);
        assertThat(SoakClient.number("x:,", 2)).isEqualTo(-1);
    }

    @Test
    void aFailedTransactionIsOwedToNoStream() throws Exception {
        SoakLedger ledger = new SoakLedger(2, 2, 2, Duration.ofSeconds(10).toNanos());
        long start = System.nanoTime();
        ledger.startMain(start);
        ledger.expect(2, 10);
        ledger.failed(2, start + Duration.ofSeconds(11).toNanos());
        ledger.expect(3, 10);
        ledger.committed(3, start + Duration.ofSeconds(12).toNanos());
        assertThat(ledger.failedIn(1)).isEqualTo(1);
        assertThat(ledger.committedIn(1)).isEqualTo(1);
        assertThat(ledger.outstanding()).isEqualTo(10);
        assertThat(ledger.missingIn(1)).isEqualTo(10);
        assertThat(ledger.missingIn(0)).isZero();
        ledger.arrived(99, System.nanoTime(), 0);
        assertThat(ledger.strangers()).isEqualTo(1);
    }

    @Test
    void settingsSpreadStreamsOverUsersAndRefuseTwoDurations() {
        SoakBenchmark.Settings settings = SoakBenchmark.Settings.of(BenchOptions.parse(new String[] {"--streams=25", "--users=10",
            "--seconds=90"}));
        assertThat(settings.streamsOf(0)).isEqualTo(3);
        assertThat(settings.streamsOf(4)).isEqualTo(3);
        assertThat(settings.streamsOf(5)).isEqualTo(2);
        assertThat(settings.periods()).isEqualTo(2);
        assertThat(settings.duration()).isEqualTo("90 s");
        assertThat(settings.heapEverySeconds()).isEqualTo(10);
        SoakBenchmark.Settings full = SoakBenchmark.Settings.of(BenchOptions.parse(new String[0]));
        assertThat(full.duration()).isEqualTo("10 min");
        assertThat(full.heapEverySeconds()).isEqualTo(30);
        assertThat(full.streamsOf(999)).isEqualTo(10);
        assertThatThrownBy(() -> SoakBenchmark.Settings.of(BenchOptions.parse(new String[] {"--seconds=60", "--minutes=1"})))
                .isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void resultFieldsFollowTheRatio() {
        Map<String, String> results = new LinkedHashMap<>();
        results.put("errors", "0");
        results.put("verdict", "pass");
        BenchReport report = new BenchReport("soak", "w", new BenchReport.Measurement("ours", 200, "ms", ""),
                new BenchReport.Measurement("baseline", 100, "ms", ""), false, List.of(), List.of(),
                new java.util.LinkedHashMap<>(results));
        assertThat(report.render()).endsWith("ratio=0.500 errors=0 verdict=pass\n");
        assertThatThrownBy(() -> new BenchReport("soak", "w", report.ours(), report.baseline(), false, List.of(), List.of(),
                new java.util.LinkedHashMap<>(Map.of("two words", "x")))).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void theHeapTrendLooksAtTheLastTwoThirdsAndCallsASlopeBelowTheLimitFlat() {
        List<HeapSampler.Sample> fillingThenFlat = new java.util.ArrayList<>();
        List<HeapSampler.Sample> growing = new java.util.ArrayList<>();
        for (int i = 0; i <= 20; i++) {
            double minutes = i / 2.0; // every 30 s for 10 minutes
            fillingThenFlat.add(new HeapSampler.Sample(minutes, minutes < 3 ? 400 + 30 * minutes : 490 + (i % 2) * 0.5, 100));
            growing.add(new HeapSampler.Sample(minutes, 400 + 2 * minutes, 100));
        }
        SoakReport.HeapTrend flat = SoakReport.heapTrend("api", fillingThenFlat, 10, 1.0);
        assertThat(flat.known()).isTrue();
        assertThat(flat.flat()).isTrue();
        assertThat(flat.trend().points()).isEqualTo(14);
        assertThat(flat.describe(60_000)).contains("api 400.0 -> 490.0 MiB", ": flat");
        SoakReport.HeapTrend grows = SoakReport.heapTrend("api", growing, 10, 1.0);
        assertThat(grows.flat()).isFalse();
        assertThat(grows.describe(60_000)).contains("slope +2.00 MiB/min", "+35 bytes per transaction", "GROWS");
        assertThat(SoakReport.heapTrend("api", growing.subList(0, 8), 10, 1.0).known()).isFalse();
        assertThat(grows.maxPauseMillis()).isEqualTo(100);
    }

    @Test
    void metricsAreFoundWithOrWithoutTheirScope() {
        Map<String, Double> samples = new LinkedHashMap<>();
        samples.put("gateway_writer_ops_rate{mp_scope=\"application\"}", 5.0);
        samples.put("application_gateway_writer_ops", 7.0);
        samples.put("replicator_changes_total", 9.0);
        assertThat(SoakRun.find(samples, "gateway_writer_ops")).isEqualTo(7.0);
        assertThat(SoakRun.find(samples, "replicator_changes")).isEqualTo(9.0);
        assertThat(SoakRun.find(samples, "gateway_api_ops_sent")).isNaN();
    }
}
