package org.syncsuite.bench;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/** Summaries of repeated rounds. */
final class Statistics {

    private Statistics() {
    }

    static double median(List<Double> values) {
        if (values.isEmpty()) {
            throw new IllegalArgumentException("No rounds were measured");
        }
        List<Double> sorted = new ArrayList<>(values);
        Collections.sort(sorted);
        int n = sorted.size();
        return n % 2 == 1 ? sorted.get(n / 2) : (sorted.get(n / 2 - 1) + sorted.get(n / 2)) / 2;
    }
}
