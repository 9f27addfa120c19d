package org.syncsuite.cli;

import java.util.ArrayList;
import java.util.List;

/** A unified line diff of two texts, for {@code deploy --dry-run}. */
final class LineDiff {

    private LineDiff() {
    }

    /** The changed lines of {@code before} and {@code after} with up to three lines of context, or "" when equal. */
    static String unified(String beforeName, String before, String afterName, String after) {
        String[] a = before.split("\n", -1);
        String[] b = after.split("\n", -1);
        if ((long) a.length * b.length > 4_000_000L) { // too large to align line by line: the whole text changed
            StringBuilder out = new StringBuilder("--- " + beforeName + "\n+++ " + afterName + "\n@@\n");
            for (String line : a) {
                out.append('-').append(line).append('\n');
            }
            for (String line : b) {
                out.append('+').append(line).append('\n');
            }
            return before.equals(after) ? "" : out.toString();
        }
        int[][] lcs = new int[a.length + 1][b.length + 1];
        for (int i = a.length - 1; i >= 0; i--) {
            for (int j = b.length - 1; j >= 0; j--) {
                lcs[i][j] = a[i].equals(b[j]) ? lcs[i + 1][j + 1] + 1 : Math.max(lcs[i + 1][j], lcs[i][j + 1]);
            }
        }
        List<String> lines = new ArrayList<>();
        List<Boolean> changed = new ArrayList<>();
        int i = 0;
        int j = 0;
        while (i < a.length || j < b.length) {
            if (i < a.length && j < b.length && a[i].equals(b[j])) {
                lines.add(" " + a[i]);
                changed.add(false);
                i++;
                j++;
            } else if (i < a.length && (j == b.length || lcs[i + 1][j] >= lcs[i][j + 1])) {
                lines.add("-" + a[i++]);
                changed.add(true);
            } else {
                lines.add("+" + b[j++]);
                changed.add(true);
            }
        }
        if (!changed.contains(true)) {
            return "";
        }
        StringBuilder out = new StringBuilder("--- " + beforeName + "\n+++ " + afterName + "\n");
        int last = -10;
        for (int k = 0; k < lines.size(); k++) {
            boolean near = false;
            for (int d = -3; d <= 3 && !near; d++) {
                near = k + d >= 0 && k + d < lines.size() && changed.get(k + d);
            }
            if (near) {
                if (k > last + 1) {
                    out.append("@@\n");
                }
                out.append(lines.get(k)).append('\n');
                last = k;
            }
        }
        return out.toString();
    }
}
