package org.syncsuite.gateway.service;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.syncsuite.gateway.writer.TopicWriter.insert;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.UUID;

import org.junit.jupiter.api.Test;
import org.syncsuite.gateway.GatewayMain;
import org.syncsuite.gateway.writer.TopicWriter;
import org.syncsuite.services.EmbeddedKafka;
import org.syncsuite.services.EmbeddedMariaDb;
import org.syncsuite.services.Ports;
import org.syncsuite.services.ServiceYaml;
import org.syncsuite.services.badinput.BadInputCorpus;
import org.syncsuite.services.badinput.BadInputRunner;
import org.syncsuite.services.badinput.CorpusTokens;
import org.syncsuite.services.junit.WithBackingServices;

/**
 * The bad-input corpus of the sync gateway ({@code bad-input/sync-gateway.yaml}) against a
 * gateway process: forged, expired and not-yet-valid tokens, algorithm confusion, malformed and
 * oversized sync requests, compression bombs, oversized headers, hostile stream parameters and
 * path tricks each get their expected status and PowerSync error code (hostile parameters select
 * no row they should not); nothing is logged as an internal error, and the gateway still serves
 * a good request afterwards.
 */
@WithBackingServices
class BadInputIT {

    /** The gateway's sync config: see the corpus's header. */
    static final String SYNC_CONFIG = """
            config:
              edition: 3
            streams:
              my_lists:
                auto_subscribe: true
                query: SELECT * FROM lists WHERE owner_id = auth.user_id()
              list_todos:
                query: |
                  SELECT * FROM todos WHERE list_id = subscription.parameter('list_id')
                    AND list_id IN (SELECT id FROM lists WHERE owner_id = auth.user_id())
              region_lists:
                auto_subscribe: true
                accept_potentially_dangerous_queries: true
                query: SELECT * FROM lists WHERE region = connection.parameter('region')
            """;
    private static final String ADMIN_TOKEN = "bad-input-admin-token";

    private final HttpClient http = HttpClient.newHttpClient();

    @Test
    void everyBadInputGetsItsTypedAnswerAndTheGatewayServesOnAfterwards(EmbeddedMariaDb db, EmbeddedKafka kafka) throws Exception {
        String prefix = "bad" + UUID.randomUUID().toString().substring(0, 8);
        Path dir = Files.createDirectories(Path.of("target", "bad-input-it", prefix));
        db.execute("CREATE USER IF NOT EXISTS 'gateway'@'%' IDENTIFIED BY 'gateway-secret'",
                "GRANT ALL PRIVILEGES ON *.* TO 'gateway'@'%'");
        CorpusTokens tokens = new CorpusTokens();
        Path yaml = dir.resolve("service.yaml");
        Files.writeString(yaml, new ServiceYaml().source(db, "mysql", "gateway", "gateway-secret")
                .storage(db, "badstorage_" + UUID.randomUUID().toString().substring(0, 8), "gateway", "gateway-secret")
                .kafka(kafka, prefix).jwks(tokens.jwks()).apiToken(ADMIN_TOKEN).syncConfigContent(SYNC_CONFIG).text());
        try (TopicWriter topic = new TopicWriter(kafka, prefix + ".default.changes")) {
            topic.transaction(List.of(insert("lists", "id", "l1", "owner_id", "u1", "region", "eu", "name", "Groceries"),
                    insert("lists", "id", "l2", "owner_id", "u2", "region", "us", "name", "Secret plans"),
                    insert("todos", "id", "t1", "list_id", "l1", "title", "Milk"),
                    insert("todos", "id", "t2", "list_id", "l2", "title", "Take over")));
            int port = Ports.free();
            Path log = dir.resolve("gateway.log");
            Process gateway = launch(yaml, port, log);
            try {
                String base = "http://127.0.0.1:" + port;
                await().atMost(Duration.ofSeconds(120)).until(() -> status(base + "/probes/readiness") == 200);
                BadInputCorpus corpus = BadInputCorpus.load("bad-input/sync-gateway.yaml");
                BadInputRunner runner = new BadInputRunner("127.0.0.1", port, tokens, Duration.ofSeconds(60));
                BadInputCorpus.Case good = corpus.good().orElseThrow();
                // the writer may still be on its way to the rows: wait until the good request sees them
                await().atMost(Duration.ofSeconds(60)).until(() -> runner.run(good).passed());

                List<BadInputRunner.Outcome> outcomes = runner.run(corpus);
                outcomes.forEach(System.out::println);
                assertThat(outcomes).hasSizeGreaterThan(100);
                assertThat(outcomes).filteredOn(o -> !o.passed()).as("cases answered otherwise than the corpus says")
                        .isEmpty();

                assertThat(runner.run(good).problems()).as("a good request after the corpus").isEmpty();
                assertThat(gateway.isAlive()).isTrue();
                String logged = Files.readString(log);
                assertThat(logged).as("bad input is not an internal error").doesNotContain("SEVERE", "Internal error",
                        "StackOverflowError", "OutOfMemoryError");
            } finally {
                gateway.destroyForcibly().waitFor();
            }
        }
    }

    private int status(String url) {
        try {
            return http.send(HttpRequest.newBuilder(URI.create(url)).build(), HttpResponse.BodyHandlers.discarding()).statusCode();
        } catch (IOException e) {
            return -1;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return -1;
        }
    }

    private static Process launch(Path yaml, int port, Path log) throws IOException {
        List<String> command = List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-Xmx384m",
                "-Dgateway.api.keepalive-seconds=2", "-cp", System.getProperty("java.class.path"), GatewayMain.class.getName(),
                "-c", yaml.toString(), "--port", Integer.toString(port));
        return new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile()).start();
    }
}
