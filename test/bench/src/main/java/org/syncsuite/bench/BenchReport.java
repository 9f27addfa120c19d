package org.syncsuite.bench;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.SequencedMap;

/**
 * A benchmark's result: our figure and the baseline's, measured in the same run, and their
 * ratio (above 1 means ours is better for a higher-is-better unit). Further references measured
 * in the same run (such as a ceiling no real system reaches) are printed with their own ratios.
 * {@code results} are further {@code key=value} fields of the {@code RESULT} line, in their order.
 */
public record BenchReport(String benchmark, String workload, Measurement ours, Measurement baseline,
                          boolean higherIsBetter, List<String> notes, List<Reference> references,
                          SequencedMap<String, String> results) {

    /** One side of the comparison: a label saying what ran, and its figure. */
    public record Measurement(String label, double value, String unit, String detail) {
    }

    /**
     * A further figure to set ours against, named by {@code key} (a single word: it names the
     * reference in the report and its fields in the {@code RESULT} line).
     */
    public record Reference(String key, Measurement measurement) {
        public Reference {
            if (!key.matches("[a-z][a-z0-9_]*")) {
                throw new IllegalArgumentException("A reference key is one lower-case word: " + key);
            }
        }
    }

    public BenchReport {
        notes = List.copyOf(notes);
        references = List.copyOf(references);
        for (var field : results.entrySet()) {
            if (!field.getKey().matches("[a-z][a-z0-9_]*") || field.getValue().isEmpty() || field.getValue().contains(" ")) {
                throw new IllegalArgumentException("A RESULT field is one lower-case word and a value without spaces: "
                        + field.getKey() + "=" + field.getValue());
            }
        }
        results = Collections.unmodifiableSequencedMap(new LinkedHashMap<>(results));
    }

    public BenchReport(String benchmark, String workload, Measurement ours, Measurement baseline,
                       boolean higherIsBetter, List<String> notes, List<Reference> references) {
        this(benchmark, workload, ours, baseline, higherIsBetter, notes, references, new LinkedHashMap<>());
    }

    public BenchReport(String benchmark, String workload, Measurement ours, Measurement baseline,
                       boolean higherIsBetter, List<String> notes) {
        this(benchmark, workload, ours, baseline, higherIsBetter, notes, List.of());
    }

    /** How many times better ours is than the baseline. */
    public double ratio() {
        return ratio(baseline);
    }

    /** How many times better ours is than {@code other}. */
    public double ratio(Measurement other) {
        return higherIsBetter ? ours.value() / other.value() : other.value() / ours.value();
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
        for (Reference reference : references) {
            appendMeasurement(out, reference.key(), reference.measurement());
            out.append(String.format(Locale.ROOT, "   ratio     %.2fx %s%n", ratio(reference.measurement()),
                    higherIsBetter ? "(ours / " + reference.key() + ")" : "(" + reference.key() + " / ours)"));
        }
        notes.forEach(note -> out.append("   note      ").append(note).append('\n'));
        out.append(String.format(Locale.ROOT, "RESULT benchmark=%s unit=%s ours=%.1f baseline=%.1f ratio=%.3f",
                benchmark, ours.unit().replace(' ', '_'), ours.value(), baseline.value(), ratio()));
        for (Reference reference : references) {
            out.append(String.format(Locale.ROOT, " %s=%.1f %s_ratio=%.3f", reference.key(), reference.measurement().value(),
                    reference.key(), ratio(reference.measurement())));
        }
        results.forEach((key, value) -> out.append(' ').append(key).append('=').append(value));
        return out.append('\n').toString();
    }

    private static void appendMeasurement(StringBuilder out, String role, Measurement m) {
        out.append(String.format(Locale.ROOT, "   %-9s %,14.0f %s  %s  [%s]%n", role, m.value(), m.unit(), m.detail(), m.label()));
    }
}
