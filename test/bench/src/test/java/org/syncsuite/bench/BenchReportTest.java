package org.syncsuite.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;

import org.junit.jupiter.api.Test;

class BenchReportTest {

    @Test
    void printsBothFiguresAndTheirRatio() {
        BenchReport report = new BenchReport("kafka-produce", "10 records",
                new BenchReport.Measurement("ours", 300_000, "records/s", "180.0 MB/s"),
                new BenchReport.Measurement("defaults", 100_000, "records/s", "60.0 MB/s"),
                true, List.of());
        assertThat(report.ratio()).isEqualTo(3.0);
        assertThat(report.render())
                .contains("ours", "300,000 records/s", "baseline", "100,000 records/s", "ratio     3.00x")
                .contains("RESULT benchmark=kafka-produce unit=records/s ours=300000.0 baseline=100000.0 ratio=3.000");
    }

    @Test
    void referencesGetTheirOwnRatioAndResultFields() {
        BenchReport report = new BenchReport("replicator", "w",
                new BenchReport.Measurement("ours", 150_000, "rows/s", ""),
                new BenchReport.Measurement("debezium", 50_000, "rows/s", ""), true, List.of("a note"),
                List.of(new BenchReport.Reference("ceiling", new BenchReport.Measurement("bare reader", 200_000, "rows/s", ""))));
        assertThat(report.ratio()).isEqualTo(3.0);
        assertThat(report.render())
                .contains("ceiling          200,000 rows/s", "ratio     0.75x (ours / ceiling)", "note      a note")
                .contains("RESULT benchmark=replicator unit=rows/s ours=150000.0 baseline=50000.0 ratio=3.000 ceiling=200000.0 ceiling_ratio=0.750\n");
        assertThatThrownBy(() -> new BenchReport.Reference("Two words", report.ours())).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void lowerIsBetterUnitsInvertTheRatio() {
        BenchReport report = new BenchReport("latency", "w",
                new BenchReport.Measurement("ours", 20, "ms", ""),
                new BenchReport.Measurement("baseline", 80, "ms", ""), false, List.of());
        assertThat(report.ratio()).isEqualTo(4.0);
    }

    @Test
    void changeEventsAreKeyedByTableAndPrimaryKey() {
        List<byte[][]> events = KafkaProduceBenchmark.changeEvents(3);
        assertThat(events).hasSize(3);
        assertThat(new String(events.getFirst()[0], java.nio.charset.StandardCharsets.UTF_8)).startsWith("{\"table\":\"todos\",\"id\":\"");
        assertThat(new String(events.getFirst()[1], java.nio.charset.StandardCharsets.UTF_8)).contains("\"op\":\"c\"", "\"after\":{");
    }

    @Test
    void optionsAreValidated() {
        assertThat(BenchOptions.parse(new String[] {"--records=1_000"}).integer("records", 5)).isEqualTo(1000);
        assertThat(BenchOptions.parse(new String[0]).integer("records", 5)).isEqualTo(5);
        assertThatThrownBy(() -> BenchOptions.parse(new String[] {"records"})).hasMessageContaining("--name=value");
        assertThatThrownBy(() -> BenchOptions.parse(new String[] {"--records=x"}).integer("records", 1))
                .hasMessageContaining("whole number");
    }
}
