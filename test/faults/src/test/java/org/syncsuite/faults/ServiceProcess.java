package org.syncsuite.faults;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import org.awaitility.Awaitility;
import org.syncsuite.services.ClassPath;
import org.syncsuite.services.ProcessGuard;

/**
 * One of the suite's services in a JVM of its own, as deployed, on a fixed port, so that it can
 * be killed ({@code kill -9}) and started again as a restarted pod would be. Its class path is
 * the test JVM's without the modules of the other services, whose CDI beans would start there
 * too. Logs go to {@code <name>.log} (appended to across restarts).
 */
final class ServiceProcess implements AutoCloseable {

    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

    private final String name;
    private final Path dir;
    private final List<String> command = new ArrayList<>();
    private final int port;
    private final String readinessPath;
    private Process process;
    private int starts;

    ServiceProcess(String name, Path dir, Class<?> main, List<String> jvmOptions, List<String> arguments, int port,
                   String readinessPath, String... leftOut) {
        this.name = name;
        this.dir = dir;
        this.port = port;
        this.readinessPath = readinessPath;
        command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        command.add("-Xmx384m");
        command.add("-XX:+UseSerialGC");
        command.add("-XX:TieredStopAtLevel=1");
        command.add("-Dsyncsuite.fault-suite.service=" + name + "@" + dir);
        command.addAll(jvmOptions);
        command.addAll(List.of("-cp", ClassPath.without(leftOut), main.getName()));
        command.addAll(arguments);
        command.addAll(List.of("--port", Integer.toString(port)));
    }

    String name() {
        return name;
    }

    String url() {
        return "http://127.0.0.1:" + port;
    }

    int starts() {
        return starts;
    }

    synchronized void start() throws IOException {
        if (process != null && process.isAlive()) {
            throw new IllegalStateException(name + " is running");
        }
        process = new ProcessBuilder(command).directory(dir.toFile()).redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(dir.resolve(name + ".log").toFile())).start();
        ProcessGuard.get().register(process, name, "-Dsyncsuite.fault-suite.service=" + name + "@" + dir);
        starts++;
    }

    /** Waits until the service answers 200 on its readiness path. */
    void awaitReady(Duration limit) {
        Awaitility.await(name + " ready").atMost(limit).pollInterval(Duration.ofMillis(200))
                .until(() -> {
                    if (!process.isAlive()) {
                        throw new IllegalStateException(name + " exited with " + process.exitValue() + "; see " + name + ".log");
                    }
                    return status(url() + readinessPath) == 200;
                });
    }

    /** {@code kill -9}: no shutdown hook, no flush, no goodbye to Kafka or MariaDB. */
    synchronized void kill() throws InterruptedException {
        if (process != null) {
            process.destroyForcibly();
            process.waitFor(30, TimeUnit.SECONDS);
            ProcessGuard.get().unregister(process);
        }
    }

    boolean isAlive() {
        return process != null && process.isAlive();
    }

    static int status(String url) {
        try {
            return HTTP.send(HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(3)).build(),
                    HttpResponse.BodyHandlers.discarding()).statusCode();
        } catch (IOException e) {
            return -1;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return -1;
        }
    }

    /** Stops the service gracefully, as a rolling update would. */
    @Override
    public synchronized void close() {
        if (process != null) {
            ProcessGuard.terminate(process.toHandle(), Duration.ofSeconds(15));
            ProcessGuard.get().unregister(process);
        }
    }
}
