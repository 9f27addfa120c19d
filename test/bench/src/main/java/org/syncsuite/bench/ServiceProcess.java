package org.syncsuite.bench;

import java.io.IOException;
import java.io.InputStream;
import java.net.HttpURLConnection;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;

import org.syncsuite.gateway.GatewayMain;
import org.syncsuite.replicator.ReplicatorMain;
import org.syncsuite.services.Ports;

/**
 * One of our services in a JVM of its own, as the benchmarks that run the suite start it: its
 * {@code service.yaml}, a free HTTP port, its output in {@code <dir>/<name>.log}; then waiting for
 * readiness, reading {@code /metrics}, the heap after a full collection and its log's levels.
 */
final class ServiceProcess implements AutoCloseable {

    /** A log line of the services' text format ({@code 2026-01-02T03:04:05.678 LEVEL logger message}) and its level. */
    private static final Pattern LOG_LEVEL = Pattern.compile("^\\d{4}-\\d\\d-\\d\\dT[0-9:.]+ ([A-Z]+) ");

    /**
     * Helidon allows the deserialisation of no class it has not been told about, and that global
     * filter also judges the arguments of JMX's remote calls: the {@link HeapProbe}'s calls need
     * these few classes (a connection that only the same user on this machine can open).
     */
    private static final List<String> JMX_ALLOWED = List.of("-Dhelidon.serialFilter.pattern=javax.management.ObjectName;"
            + "java.rmi.MarshalledObject;javax.security.auth.Subject;java.lang.String");

    final String name;
    final int port;
    final Path log;
    private final Process process;
    private HeapProbe heap;

    private ServiceProcess(String name, int port, Path log, Process process) {
        this.name = name;
        this.port = port;
        this.log = log;
        this.process = process;
    }

    /** A gateway (its role set by {@code -Dgateway.role} among {@code jvmOptions}, else both roles). */
    static ServiceProcess gateway(String name, Path yaml, Path dir, List<String> jvmOptions) throws IOException {
        return start(name, GatewayMain.class.getName(), yaml, dir, jvmOptions, "replicator");
    }

    static ServiceProcess replicator(String name, Path yaml, Path dir, List<String> jvmOptions) throws IOException {
        return start(name, ReplicatorMain.class.getName(), yaml, dir, jvmOptions, "sync-gateway");
    }

    private static ServiceProcess start(String name, String mainClass, Path yaml, Path dir, List<String> jvmOptions,
                                        String leftOut) throws IOException {
        Files.createDirectories(dir);
        int port = Ports.free();
        List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        command.addAll(jvmOptions);
        command.addAll(JMX_ALLOWED);
        command.addAll(List.of("-cp", SyncBenchSupport.classPathWithout(leftOut), mainClass, "-c", yaml.toAbsolutePath().toString(),
                "--port", Integer.toString(port)));
        Path log = dir.resolve(name + ".log");
        Process process = new ProcessBuilder(command).directory(dir.toFile()).redirectErrorStream(true)
                .redirectOutput(log.toFile()).start();
        return new ServiceProcess(name, port, log, process);
    }

    /**
     * Waits until {@code path} answers 200; fails when {@code timeout} passes first or when this
     * process or one of {@code others} (whose work this one needs) has ended.
     */
    ServiceProcess awaitReady(String path, Duration timeout, ServiceProcess... others) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (status(path) != 200) {
            for (ServiceProcess service : concat(this, others)) {
                if (!service.isAlive()) {
                    throw new IllegalStateException("The " + service.name + " process ended; see " + service.log);
                }
            }
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("The " + name + " did not become ready in " + timeout.toSeconds() + " s; see " + log);
            }
            Thread.sleep(200);
        }
        return this;
    }

    private static List<ServiceProcess> concat(ServiceProcess first, ServiceProcess[] others) {
        List<ServiceProcess> all = new ArrayList<>(List.of(others));
        all.addFirst(first);
        return all;
    }

    boolean isAlive() {
        return process.isAlive();
    }

    long pid() {
        return process.pid();
    }

    /** The HTTP status of {@code GET path}, or -1 when nothing answers. */
    int status(String path) {
        try {
            HttpURLConnection connection = open(path);
            int status = connection.getResponseCode();
            connection.disconnect();
            return status;
        } catch (IOException e) {
            return -1;
        }
    }

    String get(String path) throws IOException {
        HttpURLConnection connection = open(path);
        connection.setRequestProperty("Accept", "text/plain");
        try (InputStream in = connection.getInputStream()) {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
    }

    private HttpURLConnection open(String path) throws IOException {
        HttpURLConnection connection = (HttpURLConnection) URI.create("http://127.0.0.1:" + port + path).toURL().openConnection();
        connection.setConnectTimeout(1000);
        connection.setReadTimeout(30_000);
        return connection;
    }

    /**
     * The samples of {@code /metrics} (Prometheus text), by name with their labels
     * ({@code application_gateway_writer_ops_total}, {@code name{label="v"}}).
     */
    Map<String, Double> metrics() throws IOException {
        return parseMetrics(get("/metrics"));
    }

    static Map<String, Double> parseMetrics(String text) {
        Map<String, Double> samples = new LinkedHashMap<>();
        for (String line : text.split("\n")) {
            if (line.isBlank() || line.startsWith("#")) {
                continue;
            }
            // name, or name{labels}, then the value (and perhaps a timestamp)
            int end = line.indexOf('{') >= 0 ? line.indexOf('}') + 1 : line.indexOf(' ');
            if (end <= 0 || end >= line.length()) {
                continue;
            }
            String value = line.substring(end).trim().split(" ")[0];
            try {
                samples.put(line.substring(0, end), Double.parseDouble(value));
            } catch (NumberFormatException e) {
                // not a sample line
            }
        }
        return samples;
    }

    /** The heap in use after a full collection, in bytes. */
    long heapAfterGc() throws IOException {
        return heap().afterFullGc().usedBytes();
    }

    /** A probe of this process's heap, attached on first use and closed with the process. */
    HeapProbe heap() throws IOException {
        if (heap == null) {
            heap = HeapProbe.attach(process.pid());
        }
        return heap;
    }

    /** The first {@code lines} lines of {@code jcmd GC.class_histogram}: what the heap holds, by class. */
    String histogram(int lines) throws IOException, InterruptedException {
        return String.join("\n", classHistogramText().lines().limit(lines).toList());
    }

    /** What the heap holds after a full collection: bytes per class name (from {@code jcmd GC.class_histogram}). */
    Map<String, Long> classHistogram() throws IOException, InterruptedException {
        Map<String, Long> bytes = new LinkedHashMap<>();
        for (String line : classHistogramText().split("\n")) {
            // "   1:         12345        6789012  java.lang.String (java.base@25)"
            String[] fields = line.trim().split("\\s+");
            if (fields.length >= 4 && fields[0].endsWith(":")) {
                try {
                    bytes.merge(fields[3], Long.parseLong(fields[2]), Long::sum);
                } catch (NumberFormatException e) {
                    // a header or the total
                }
            }
        }
        return bytes;
    }

    private String classHistogramText() throws IOException, InterruptedException {
        Process jcmd = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "jcmd").toString(),
                Long.toString(process.pid()), "GC.class_histogram").redirectErrorStream(true).start();
        String output = new String(jcmd.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        jcmd.waitFor(60, TimeUnit.SECONDS);
        return output;
    }

    /** Log lines per level ({@code SEVERE}, {@code WARNING}, ...) in the log so far; stack trace lines are not counted. */
    Map<String, Long> logLevels() throws IOException {
        Map<String, Long> counts = new LinkedHashMap<>();
        try (var lines = Files.lines(log, StandardCharsets.UTF_8)) {
            lines.forEach(line -> {
                java.util.regex.Matcher m = LOG_LEVEL.matcher(line);
                if (m.find()) {
                    counts.merge(m.group(1), 1L, Long::sum);
                }
            });
        }
        return counts;
    }

    /** The log's lines of {@code level}, at most {@code max} of them, for a report that says what went wrong. */
    List<String> logLines(String level, int max) throws IOException {
        try (var lines = Files.lines(log, StandardCharsets.UTF_8)) {
            return lines.filter(line -> {
                java.util.regex.Matcher m = LOG_LEVEL.matcher(line);
                return m.find() && m.group(1).equals(level);
            }).limit(max).toList();
        }
    }

    /** Stops the process (SIGTERM, then SIGKILL after 20 s, or at once when interrupted). */
    @Override
    public void close() {
        if (heap != null) {
            try {
                heap.close();
            } catch (IOException e) {
                // the process goes anyway
            }
            heap = null;
        }
        process.destroy();
        try {
            if (!process.waitFor(20, TimeUnit.SECONDS)) {
                process.destroyForcibly().waitFor(20, TimeUnit.SECONDS);
            }
        } catch (InterruptedException e) {
            process.destroyForcibly();
            Thread.currentThread().interrupt();
        }
    }
}
