package org.syncsuite.bench;

import java.util.HashMap;
import java.util.Map;

/** {@code --key=value} options of a benchmark run, with defaults chosen by each benchmark. */
public final class BenchOptions {

    private final Map<String, String> values;

    private BenchOptions(Map<String, String> values) {
        this.values = values;
    }

    public static BenchOptions parse(String[] args) {
        Map<String, String> values = new HashMap<>();
        for (String arg : args) {
            if (!arg.startsWith("--") || !arg.contains("=")) {
                throw new IllegalArgumentException("Options look like --name=value, not: " + arg);
            }
            int eq = arg.indexOf('=');
            values.put(arg.substring(2, eq), arg.substring(eq + 1));
        }
        return new BenchOptions(values);
    }

    /** A yes/no option: {@code --name=true} (or {@code yes}, {@code 1}); absent is no. */
    public boolean flag(String name) {
        String value = values.get(name);
        if (value == null) {
            return false;
        }
        return switch (value.toLowerCase(java.util.Locale.ROOT)) {
            case "true", "yes", "1" -> true;
            case "false", "no", "0" -> false;
            default -> throw new IllegalArgumentException("--" + name + " takes true or false, not " + value);
        };
    }

    public int integer(String name, int defaultValue) {
        int parsed = wholeNumber(name, defaultValue);
        if (parsed <= 0) {
            throw new IllegalArgumentException("--" + name + " must be positive");
        }
        return parsed;
    }

    /** A whole number that may be zero, such as {@code --warm-up-seconds=0}. */
    public int wholeNumber(String name, int defaultValue) {
        String value = values.get(name);
        if (value == null) {
            return defaultValue;
        }
        try {
            int parsed = Integer.parseInt(value.replace("_", ""));
            if (parsed < 0) {
                throw new IllegalArgumentException("--" + name + " cannot be negative");
            }
            return parsed;
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("--" + name + " takes a whole number, not " + value, e);
        }
    }

    /** A positive number, such as {@code --limit=0.5}. */
    public double decimal(String name, double defaultValue) {
        String value = values.get(name);
        if (value == null) {
            return defaultValue;
        }
        try {
            double parsed = Double.parseDouble(value.replace("_", ""));
            if (!(parsed > 0) || Double.isInfinite(parsed)) {
                throw new IllegalArgumentException("--" + name + " must be a positive number");
            }
            return parsed;
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("--" + name + " takes a number, not " + value, e);
        }
    }

    /** Whether the option was given at all. */
    public boolean has(String name) {
        return values.containsKey(name);
    }
}
