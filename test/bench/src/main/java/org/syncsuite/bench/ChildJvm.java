package org.syncsuite.bench;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * Runs one side of a benchmark in a JVM of its own, so that its memory can be measured apart
 * from the embedded services and from the other side, and reads what it reports. Every child gets
 * the same JVM options ({@link #JVM_OPTIONS}), and a child may add those its role is deployed with.
 *
 * <p>The protocol, shared with {@code test/bench-debezium} (which cannot share code with us: its
 * class path is Debezium's): arguments are {@code --name=value}; the child prints, on standard
 * output, one line per stretch it measured, then one for the process, or one error line:
 * <pre>
 * BENCH-STRETCH name=inserts rows=1000000 seconds=7.25 peakHeapBytes=123456789 [more=...]
 * BENCH-PROCESS peakHeapBytes=... peakRssBytes=... gcSeconds=... [more=...]
 * BENCH-ERROR what went wrong
 * </pre>
 * Anything else it prints, and its standard error, go to a log file kept for when it fails.
 */
final class ChildJvm {

    /** The same for every child: heap limit, and what recent JDKs need for Kafka's client quietly. */
    static final List<String> JVM_OPTIONS = jvmOptions();

    private ChildJvm() {
    }

    /** What a child reported: per stretch, and for the whole process. */
    record Report(Map<String, Map<String, String>> stretches, Map<String, String> process) {

        double seconds(String stretch) {
            return Double.parseDouble(field(stretch, "seconds"));
        }

        long rows(String stretch) {
            return Long.parseLong(field(stretch, "rows"));
        }

        long peakHeapBytes(String stretch) {
            return Long.parseLong(field(stretch, "peakHeapBytes"));
        }

        long processLong(String name) {
            return Long.parseLong(process.getOrDefault(name, "-1"));
        }

        private String field(String stretch, String name) {
            Map<String, String> fields = stretches.get(stretch);
            if (fields == null || !fields.containsKey(name)) {
                throw new IllegalStateException("The child reported no " + name + " for " + stretch);
            }
            return fields.get(name);
        }
    }

    /** The child failed: {@link #getMessage} says why, with the end of its log. */
    static final class ChildFailedException extends Exception {
        private static final long serialVersionUID = 1L;

        ChildFailedException(String message) {
            super(message);
        }
    }

    /**
     * Runs {@code mainClass} from {@code classPath} with {@code arguments} and waits for it, at
     * most {@code timeout}.
     */
    static Report run(String name, String classPath, String mainClass, Map<String, String> arguments, Duration timeout)
            throws ChildFailedException, IOException, InterruptedException {
        return run(name, List.of(), classPath, mainClass, arguments, timeout);
    }

    /** As {@link #run(String, String, String, Map, Duration)}, with {@code extraOptions} after {@link #JVM_OPTIONS}. */
    static Report run(String name, List<String> extraOptions, String classPath, String mainClass, Map<String, String> arguments,
                      Duration timeout) throws ChildFailedException, IOException, InterruptedException {
        List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        command.addAll(JVM_OPTIONS);
        command.addAll(extraOptions);
        command.add("-cp");
        command.add(classPath);
        command.add(mainClass);
        arguments.forEach((key, value) -> command.add("--" + key + "=" + value));

        Path log = Files.createTempFile("bench-" + name + "-", ".log");
        ProcessBuilder builder = new ProcessBuilder(command).redirectError(log.toFile());
        Process process = builder.start();
        Thread reaper = new Thread(process::destroyForcibly, "bench-child-reaper");
        Runtime.getRuntime().addShutdownHook(reaper);
        Map<String, Map<String, String>> stretches = new LinkedHashMap<>();
        Map<String, String> processFields = Map.of();
        String error = null;
        List<String> otherOutput = new ArrayList<>();
        Thread timer = Thread.ofPlatform().daemon().start(() -> {
            try {
                if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
                    process.destroyForcibly();
                }
            } catch (InterruptedException e) {
                process.destroyForcibly();
            }
        });
        try (BufferedReader out = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
            for (String line; (line = out.readLine()) != null; ) {
                if (line.startsWith("BENCH-STRETCH ")) {
                    Map<String, String> fields = fields(line);
                    stretches.put(fields.get("name"), fields);
                } else if (line.startsWith("BENCH-PROCESS ")) {
                    processFields = fields(line);
                } else if (line.startsWith("BENCH-ERROR ")) {
                    error = line.substring("BENCH-ERROR ".length());
                } else {
                    otherOutput.add(line);
                }
            }
        } finally {
            int status = process.waitFor();
            timer.interrupt();
            try {
                Runtime.getRuntime().removeShutdownHook(reaper);
            } catch (IllegalStateException shuttingDown) {
                // the hook runs anyway
            }
            if (!otherOutput.isEmpty()) {
                Files.write(log, otherOutput, StandardCharsets.UTF_8, java.nio.file.StandardOpenOption.APPEND);
            }
            if (status != 0 || error != null || processFields.isEmpty()) {
                String why = error != null ? error
                        : status != 0 ? "exited with status " + status + (status == 137 ? " (killed: timed out?)" : "")
                        : "reported no result";
                throw new ChildFailedException(name + " child JVM failed: " + why + "\n" + tail(log, 25)
                        + "      (full log: " + log + ")");
            }
        }
        Files.deleteIfExists(log);
        return new Report(stretches, processFields);
    }

    /** {@code KEY=VALUE} fields after the line's first word; values have no spaces. */
    static Map<String, String> fields(String line) {
        Map<String, String> fields = new HashMap<>();
        String[] words = line.trim().split(" +");
        for (int i = 1; i < words.length; i++) {
            int eq = words[i].indexOf('=');
            if (eq > 0) {
                fields.put(words[i].substring(0, eq), words[i].substring(eq + 1));
            }
        }
        return fields;
    }

    static Map<String, String> parseArguments(String[] args) {
        Map<String, String> options = new HashMap<>();
        for (String arg : args) {
            int eq = arg.indexOf('=');
            if (!arg.startsWith("--") || eq < 0) {
                throw new IllegalArgumentException("Arguments look like --name=value, not: " + arg);
            }
            options.put(arg.substring(2, eq), arg.substring(eq + 1));
        }
        return options;
    }

    static String required(Map<String, String> options, String name) {
        String value = options.get(name);
        if (value == null) {
            throw new IllegalArgumentException("--" + name + "= is required");
        }
        return value;
    }

    static String oneLine(Throwable e) {
        List<String> messages = new ArrayList<>();
        for (Throwable t = e; t != null && messages.size() < 4; t = t.getCause()) {
            messages.add(t.getClass().getSimpleName() + (t.getMessage() == null ? "" : ": " + t.getMessage()));
        }
        return String.join(" <- ", messages).replace('\n', ' ');
    }

    private static String tail(Path log, int lines) {
        try {
            List<String> all = Files.readAllLines(log, StandardCharsets.UTF_8);
            StringBuilder out = new StringBuilder();
            for (String line : all.subList(Math.max(0, all.size() - lines), all.size())) {
                out.append("      | ").append(line).append('\n');
            }
            return out.toString();
        } catch (IOException e) {
            return "";
        }
    }

    private static List<String> jvmOptions() {
        List<String> options = new ArrayList<>(List.of("-Xmx2g", "-XX:+UseG1GC", "--enable-native-access=ALL-UNNAMED"));
        if (Runtime.version().feature() >= 23) {
            options.add("--sun-misc-unsafe-memory-access=allow");
        }
        return List.copyOf(options);
    }
}
