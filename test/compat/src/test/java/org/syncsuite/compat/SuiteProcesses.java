package org.syncsuite.compat;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import org.syncsuite.attachments.AttachmentsMain;
import org.syncsuite.demo.DemoBackendMain;
import org.syncsuite.services.ClassPath;

/**
 * The suite's services for a test class, each in a JVM of its own as deployed, logging to
 * {@code <name>.log} in the test's folder; stopped in reverse order.
 */
final class SuiteProcesses implements AutoCloseable {

    private final Path dir;
    private final List<Process> processes = new ArrayList<>();
    private final HttpClient http = HttpClient.newHttpClient();

    SuiteProcesses(Path dir) {
        this.dir = dir;
    }

    /**
     * Starts {@code main} with {@code options} and {@code --port port}; its class path is this
     * JVM's without {@code modules}, whose CDI beans would start there too.
     */
    void launch(String name, Class<?> main, List<String> options, int port, String... modules) throws IOException {
        List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xmx512m", "-cp", ClassPath.without(modules), main.getName()));
        command.addAll(options);
        command.addAll(List.of("--port", Integer.toString(port)));
        processes.add(new ProcessBuilder(command).directory(dir.toFile()).redirectErrorStream(true)
                .redirectOutput(dir.resolve(name + ".log").toFile()).start());
    }

    /** {@code module} and the jars only the demo backend and the attachments service use. */
    static String[] withoutServices(String module) {
        return Stream.of(Stream.of(module), Stream.of(DemoBackendMain.OWN_JARS), Stream.of(AttachmentsMain.OWN_JARS))
                .flatMap(x -> x).distinct().toArray(String[]::new);
    }

    /** The status of a GET of {@code url}, or -1 when nothing answers. */
    int status(String url) {
        try {
            return http.send(HttpRequest.newBuilder(URI.create(url)).build(), HttpResponse.BodyHandlers.discarding()).statusCode();
        } catch (IOException e) {
            return -1;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return -1;
        }
    }

    @Override
    public void close() throws InterruptedException {
        for (Process process : processes.reversed()) {
            process.destroy();
            if (!process.waitFor(15, TimeUnit.SECONDS)) {
                process.destroyForcibly().waitFor();
            }
        }
        processes.clear();
    }
}
