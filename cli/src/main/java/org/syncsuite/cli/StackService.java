package org.syncsuite.cli;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import org.syncsuite.services.BackingServiceException;
import org.syncsuite.services.ChildProcess;
import org.syncsuite.services.ClassPath;

/**
 * A service of the local stack (the replicator, the sync gateway, the demo backend), run as it is deployed: its own
 * JVM configured by the stack's {@code service.yaml}, with health and metrics on its own port.
 * Started, it is live; readiness follows once it works.
 */
final class StackService implements AutoCloseable {

    private static final Duration START_TIMEOUT = Duration.ofSeconds(90);

    private final String name;
    private final ChildProcess process;
    private final int port;

    private StackService(String name, ChildProcess process, int port) {
        this.name = name;
        this.process = process;
        this.port = port;
    }

    /**
     * Starts service {@code name} ({@code mainClass}'s main with {@code -c serviceYaml --port port})
     * and waits until its health endpoint answers. Its class path is the CLI's without the other
     * services' modules ({@code withoutModules}), whose CDI beans would otherwise start in it too.
     */
    static StackService start(String name, Class<?> mainClass, Path serviceYaml, int port, Path logFile,
                              String... withoutModules) {
        return start(name, mainClass, List.of("-c", serviceYaml.toString()), serviceYaml, port, logFile, withoutModules);
    }

    /**
     * Starts service {@code name} with {@code options} and {@code --port port}; {@code config} is
     * the file the options name (the process is found again by it), in the stack folder.
     */
    static StackService start(String name, Class<?> mainClass, List<String> options, Path config, int port, Path logFile,
                              String... withoutModules) {
        Path java = Path.of(System.getProperty("java.home"), "bin", "java");
        List<String> command = new ArrayList<>(List.of(java.toString(), "-Xmx512m", "-cp", ClassPath.without(withoutModules),
                mainClass.getName()));
        command.addAll(options);
        command.addAll(List.of("--port", Integer.toString(port)));
        ChildProcess child = ChildProcess.start(name, command, config.getParent(), logFile, Map.of(), config.toString());
        StackService service = new StackService(name, child, port);
        try {
            service.awaitLive();
        } catch (RuntimeException e) {
            child.stop(Duration.ofSeconds(10));
            throw e;
        }
        return service;
    }

    private void awaitLive() {
        HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
        long deadline = System.nanoTime() + START_TIMEOUT.toNanos();
        while (System.nanoTime() < deadline) {
            if (!process.isAlive()) {
                throw new BackingServiceException("The " + name + " exited while starting:\n" + process.logTail(40));
            }
            try {
                HttpResponse<Void> live = http.send(HttpRequest.newBuilder(URI.create(healthUrl() + "/live"))
                        .timeout(Duration.ofSeconds(5)).build(), HttpResponse.BodyHandlers.discarding());
                if (live.statusCode() == 200) {
                    return;
                }
            } catch (IOException e) {
                // not listening yet
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new BackingServiceException("Interrupted while starting the " + name, e);
            }
            try {
                Thread.sleep(200);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new BackingServiceException("Interrupted while starting the " + name, e);
            }
        }
        throw new BackingServiceException("The " + name + " was not live within " + START_TIMEOUT.toSeconds() + " s:\n"
                + process.logTail(40));
    }

    int port() {
        return port;
    }

    long pid() {
        return process.pid();
    }

    String healthUrl() {
        return "http://127.0.0.1:" + port + "/health";
    }

    String metricsUrl() {
        return "http://127.0.0.1:" + port + "/metrics";
    }

    Path logFile() {
        return process.logFile();
    }

    @Override
    public void close() {
        process.stop(Duration.ofSeconds(30));
    }
}
