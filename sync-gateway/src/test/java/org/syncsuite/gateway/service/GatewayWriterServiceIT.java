package org.syncsuite.gateway.service;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.junit.jupiter.api.Test;
import org.syncsuite.gateway.GatewayMain;
import org.syncsuite.gateway.storage.StorageDatabase;
import org.syncsuite.gateway.writer.GatewayTestSupport;
import org.syncsuite.services.EmbeddedKafka;
import org.syncsuite.services.EmbeddedMariaDb;
import org.syncsuite.services.Ports;
import org.syncsuite.services.ServiceYaml;
import org.syncsuite.services.junit.WithBackingServices;

/**
 * The gateway's writer role as it is deployed: a JVM of its own per instance, configured by a
 * service.yaml. One instance writes, a second stands by; the first is killed (SIGKILL) while
 * changes keep coming, and the second goes on from the last commit.
 */
@WithBackingServices
class GatewayWriterServiceIT {

    private final HttpClient http = HttpClient.newHttpClient();

    @Test
    void writesReportsHealthAndMetricsAndAStandbyTakesOverFromAKilledInstance(EmbeddedMariaDb db, EmbeddedKafka kafka)
            throws Exception {
        String prefix = "gw" + UUID.randomUUID().toString().substring(0, 8);
        Path dir = Files.createDirectories(Path.of("target", "gateway-it", prefix)); // the instances' logs stay for a look
        String storageName = "gwstorage_" + UUID.randomUUID().toString().substring(0, 8);
        db.execute("CREATE USER IF NOT EXISTS 'gateway'@'%' IDENTIFIED BY 'gateway-secret'",
                "GRANT ALL PRIVILEGES ON *.* TO 'gateway'@'%'");
        Path yaml = dir.resolve("service.yaml");
        Files.writeString(yaml, new ServiceYaml().source(db, "app", "gateway", "gateway-secret")
                .storage(db, storageName, "gateway", "gateway-secret").kafka(kafka, prefix)
                .kafkaProperty("session.timeout.ms", "6000").kafkaProperty("heartbeat.interval.ms", "1000")
                .syncConfigContent(GatewayTestSupport.syncConfig()).text());
        GatewayTestSupport.Changes changes = GatewayTestSupport.changes(kafka, prefix + ".default.changes", 11);
        StorageDatabase storage = new StorageDatabase(db.jdbcUrl(storageName), db.rootUser(), db.rootPassword());
        List<Process> processes = new ArrayList<>();
        try {
            for (int i = 0; i < 50; i++) {
                changes.transaction(20);
            }
            int firstPort = Ports.free();
            Process first = launch(yaml, firstPort, dir.resolve("first.log"), processes);
            await().atMost(Duration.ofSeconds(60)).until(() -> status(firstPort, "/health/ready") == 200);
            await().atMost(Duration.ofSeconds(60)).until(() -> changes.checkpointed(storage));
            String metrics = body(firstPort, "/metrics");
            assertThat(metric(metrics, "gateway_writer_ops")).isPositive();
            assertThat(metric(metrics, "gateway_writer_rows")).isEqualTo(changes.rowChanges());
            assertThat(metric(metrics, "gateway_writer_checkpoints")).isPositive();
            assertThat(metric(metrics, "gateway_writer_active")).isEqualTo(1);
            assertThat(metric(metrics, "gateway_storage_size_bytes")).isPositive();
            assertThat(metrics).contains("gateway_writer_lag", "gateway_writer_checkpoint_latency_seconds",
                    "gateway_writer_ops_rate_per_second", "gateway_storage_size_bytes", "gateway_writer_rows_skipped", "gateway_writer_retries");
            assertThat(body(firstPort, "/health/ready")).contains("\"version1\":\"active");

            int secondPort = Ports.free();
            Process second = launch(yaml, secondPort, dir.resolve("second.log"), processes);
            await().atMost(Duration.ofSeconds(60)).until(() -> status(secondPort, "/health/ready") == 200);
            // The consumer group settles on one holder: usually the first, but a rebalance may hand the
            // partition to the newcomer. Exactly one writes; the one that does is the one to kill.
            await().atMost(Duration.ofSeconds(60)).until(() -> body(firstPort, "/health/ready").contains("\"version1\":\"")
                    && body(secondPort, "/health/ready").contains("\"version1\":\"")
                    && body(firstPort, "/health/ready").contains("\"version1\":\"active")
                            != body(secondPort, "/health/ready").contains("\"version1\":\"active"));
            boolean firstHolds = body(firstPort, "/health/ready").contains("\"version1\":\"active");
            Process holder = firstHolds ? first : second;
            int survivorPort = firstHolds ? secondPort : firstPort;
            assertThat(body(survivorPort, "/health/ready")).contains("\"version1\":\"standby\"");

            AtomicBoolean writing = new AtomicBoolean(true);
            Thread writer = Thread.ofPlatform().start(() -> {
                while (writing.get()) {
                    changes.transaction(50);
                }
            });
            try {
                Thread.sleep(1_500);
                holder.destroyForcibly().waitFor();
                Thread.sleep(1_000);
            } finally {
                writing.set(false);
                writer.join(10_000);
            }
            await().atMost(Duration.ofSeconds(90)).until(() -> changes.checkpointed(storage));
            assertThat(metric(body(survivorPort, "/metrics"), "gateway_writer_active")).isEqualTo(1);
        } finally {
            for (Process process : processes) {
                process.destroyForcibly().waitFor();
            }
            changes.close();
        }
        changes.assertExactlyOnce(storage);
    }

    private static Process launch(Path yaml, int port, Path log, List<Process> processes) throws IOException {
        List<String> command = List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-Xmx384m",
                "-cp", System.getProperty("java.class.path"), GatewayMain.class.getName(), "-c", yaml.toString(),
                "--port", Integer.toString(port));
        Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
        processes.add(process);
        List<String> lines = new CopyOnWriteArrayList<>();
        BufferedReader reader = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8));
        Thread.ofPlatform().daemon().start(() -> {
            try (var out = Files.newBufferedWriter(log)) {
                for (String line = reader.readLine(); line != null; line = reader.readLine()) {
                    lines.add(line);
                    out.write(line);
                    out.newLine();
                    out.flush();
                }
            } catch (IOException e) {
                // the child is gone
            }
        });
        return process;
    }

    private int status(int port, String path) {
        try {
            return http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path)).build(),
                    HttpResponse.BodyHandlers.discarding()).statusCode();
        } catch (IOException e) {
            return -1;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return -1;
        }
    }

    private String body(int port, String path) throws Exception {
        return http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path)).header("Accept", "text/plain")
                .build(), HttpResponse.BodyHandlers.ofString()).body();
    }

    private static double metric(String metrics, String name) {
        Matcher m = Pattern.compile("(?m)^" + name + "(?:\\{[^}]*\\})? ([0-9.E+-]+)$").matcher(metrics);
        assertThat(m.find()).as(name + " in\n" + metrics).isTrue();
        return Double.parseDouble(m.group(1));
    }
}
