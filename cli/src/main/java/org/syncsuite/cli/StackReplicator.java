package org.syncsuite.cli;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;

import org.syncsuite.replicator.ReplicatorMain;
import org.syncsuite.services.BackingServiceException;
import org.syncsuite.services.ChildProcess;

/**
 * The replicator service of the local stack, run as it is deployed: its own JVM
 * ({@link ReplicatorMain}) configured by the stack's {@code service.yaml}, with health and metrics
 * on its own port. Started, it is live; readiness follows once it streams.
 */
final class StackReplicator implements AutoCloseable {

    private static final Duration START_TIMEOUT = Duration.ofSeconds(90);

    private final ChildProcess process;
    private final int port;

    private StackReplicator(ChildProcess process, int port) {
        this.process = process;
        this.port = port;
    }

    /** Starts the replicator on {@code port} and waits until its health endpoint answers. */
    static StackReplicator start(Path serviceYaml, int port, Path logFile) {
        Path java = Path.of(System.getProperty("java.home"), "bin", "java");
        List<String> command = List.of(java.toString(), "-Xmx512m", "-cp", System.getProperty("java.class.path"),
                ReplicatorMain.class.getName(), "-c", serviceYaml.toString(), "--port", Integer.toString(port));
        ChildProcess child = ChildProcess.start("replicator", command, serviceYaml.getParent(), logFile, Map.of(),
                serviceYaml.toString());
        StackReplicator replicator = new StackReplicator(child, port);
        try {
            replicator.awaitLive();
        } catch (RuntimeException e) {
            child.stop(Duration.ofSeconds(10));
            throw e;
        }
        return replicator;
    }

    private void awaitLive() {
        HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
        long deadline = System.nanoTime() + START_TIMEOUT.toNanos();
        while (System.nanoTime() < deadline) {
            if (!process.isAlive()) {
                throw new BackingServiceException("The replicator exited while starting:\n" + process.logTail(40));
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
                throw new BackingServiceException("Interrupted while starting the replicator", e);
            }
            try {
                Thread.sleep(200);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new BackingServiceException("Interrupted while starting the replicator", e);
            }
        }
        throw new BackingServiceException("The replicator was not live within " + START_TIMEOUT.toSeconds() + " s:\n"
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
