package org.syncsuite.bench;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/** Summaries of repeated rounds and of samples over time. */
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

    /** The value at or below which a share {@code p} (0 to 1) of the sorted values lie (nearest rank). */
    static long percentile(long[] sorted, double p) {
        if (sorted.length == 0) {
            throw new IllegalArgumentException("No values");
        }
        return sorted[Math.max(0, (int) Math.ceil(sorted.length * p) - 1)];
    }

    /**
     * A straight line fitted to points by least squares: its slope (y per x), and the slope's
     * standard error (how far the slope of such noisy points strays from the true one; NaN with
     * fewer than three points).
     */
    record Trend(double slope, double standardError, int points) {
    }

    static Trend trend(double[] x, double[] y) {
        if (x.length != y.length || x.length < 2) {
            throw new IllegalArgumentException("A trend needs two points or more, as many x as y");
        }
        int n = x.length;
        double meanX = 0;
        double meanY = 0;
        for (int i = 0; i < n; i++) {
            meanX += x[i] / n;
            meanY += y[i] / n;
        }
        double sxx = 0;
        double sxy = 0;
        for (int i = 0; i < n; i++) {
            sxx += (x[i] - meanX) * (x[i] - meanX);
            sxy += (x[i] - meanX) * (y[i] - meanY);
        }
        if (sxx == 0) {
            throw new IllegalArgumentException("A trend needs points at two x values or more");
        }
        double slope = sxy / sxx;
        double residuals = 0;
        for (int i = 0; i < n; i++) {
            double r = y[i] - (meanY + slope * (x[i] - meanX));
            residuals += r * r;
        }
        double error = n > 2 ? Math.sqrt(residuals / (n - 2) / sxx) : Double.NaN;
        return new Trend(slope, error, n);
    }
}
