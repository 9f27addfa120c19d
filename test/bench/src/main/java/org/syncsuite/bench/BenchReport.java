package org.syncsuite.bench;

import java.util.List;
import java.util.Locale;

/**
 * A benchmark's result: our figure and the baseline's, measured in the same run, and their
 * ratio (above 1 means ours is better for a higher-is-better unit).
 */
public record BenchReport(String benchmark, String workload, Measurement ours, Measurement baseline,
                          boolean higherIsBetter, List<String> notes) {

    /** One side of the comparison: a label saying what ran, and its figure. */
    public record Measurement(String label, double value, String unit, String detail) {
    }

    /** How many times better ours is than the baseline. */
    public double ratio() {
        return higherIsBetter ? ours.value() / baseline.value() : baseline.value() / ours.value();
    }

    /** The report for people, then one line for scripts ({@code RESULT ...}). */
    public String render() {
        StringBuilder out = new StringBuilder();
        out.append("== ").append(benchmark).append('\n');
        out.append("   workload  ").append(workload).append('\n');
        appendMeasurement(out, "ours", ours);
        appendMeasurement(out, "baseline", baseline);
        out.append(String.format(Locale.ROOT, "   ratio     %.2fx %s%n", ratio(),
                higherIsBetter ? "(ours / baseline)" : "(baseline / ours)"));
        notes.forEach(note -> out.append("   note      ").append(note).append('\n'));
        out.append(String.format(Locale.ROOT, "RESULT benchmark=%s unit=%s ours=%.1f baseline=%.1f ratio=%.3f%n",
                benchmark, ours.unit().replace(' ', '_'), ours.value(), baseline.value(), ratio()));
        return out.toString();
    }

    private static void appendMeasurement(StringBuilder out, String role, Measurement m) {
        out.append(String.format(Locale.ROOT, "   %-9s %,14.0f %s  %s  [%s]%n", role, m.value(), m.unit(), m.detail(), m.label()));
    }
}
