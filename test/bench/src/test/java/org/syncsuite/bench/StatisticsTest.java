package org.syncsuite.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.util.Map;

import org.junit.jupiter.api.Test;

class StatisticsTest {

    @Test
    void percentilesTakeTheNearestRank() {
        long[] sorted = new long[100];
        for (int i = 0; i < 100; i++) {
            sorted[i] = i + 1;
        }
        assertThat(Statistics.percentile(sorted, 0.5)).isEqualTo(50);
        assertThat(Statistics.percentile(sorted, 0.99)).isEqualTo(99);
        assertThat(Statistics.percentile(sorted, 1.0)).isEqualTo(100);
        assertThat(Statistics.percentile(new long[] {7}, 0.99)).isEqualTo(7);
    }

    @Test
    void aTrendFindsTheSlopeOfNoisyPointsAndHowSureItIs() {
        double[] x = new double[60];
        double[] y = new double[60];
        for (int i = 0; i < 60; i++) {
            x[i] = i / 6.0;                                  // every 10 s, in minutes
            y[i] = 300 + 2.0 * x[i] + (i % 2 == 0 ? 3 : -3); // 2 MB a minute, give or take 3 MB
        }
        Statistics.Trend trend = Statistics.trend(x, y);
        assertThat(trend.slope()).isCloseTo(2.0, within(0.1));
        assertThat(trend.standardError()).isGreaterThan(0).isLessThan(0.3);
        assertThat(trend.points()).isEqualTo(60);

        Statistics.Trend flat = Statistics.trend(new double[] {0, 1, 2, 3}, new double[] {5, 5, 5, 5});
        assertThat(flat.slope()).isZero();
        assertThat(flat.standardError()).isZero();
    }

    @Test
    void metricsAreReadFromPrometheusText() {
        Map<String, Double> samples = ServiceProcess.parseMetrics("""
                # TYPE gateway_writer_ops gauge
                gateway_writer_ops{mp_scope="application"} 1234.0
                replicator_changes 5.0E3
                jvm_uptime_seconds{mp_scope="base",} 12.5 1700000000000
                """);
        assertThat(samples).containsEntry("gateway_writer_ops{mp_scope=\"application\"}", 1234.0)
                .containsEntry("replicator_changes", 5000.0).containsEntry("jvm_uptime_seconds{mp_scope=\"base\",}", 12.5)
                .hasSize(3);
    }
}
