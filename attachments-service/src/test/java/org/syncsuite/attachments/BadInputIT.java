package org.syncsuite.attachments;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

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
import org.syncsuite.services.EmbeddedMariaDb;
import org.syncsuite.services.EmbeddedS3;
import org.syncsuite.services.Ports;
import org.syncsuite.services.ServiceYaml;
import org.syncsuite.services.badinput.BadInputCorpus;
import org.syncsuite.services.badinput.BadInputRunner;
import org.syncsuite.services.badinput.CorpusTokens;
import org.syncsuite.services.junit.WithBackingServices;

/**
 * The bad-input corpus of the attachments service ({@code bad-input/attachments-service.yaml})
 * against an attachments-service process on the embedded MariaDB and an S3 server of its own:
 * bad tokens, path tricks in attachment ids, oversized and malformed uploads, compression bombs,
 * hostile headers each get their expected status and error code; nothing is logged as an
 * internal error, and the service still serves a good request afterwards. A process of its own
 * rather than this JVM: {@link AttachmentsServiceIT} runs the service here, and its log is what
 * must hold no internal error.
 */
@WithBackingServices
class BadInputIT {

    private static final String ADMIN_TOKEN = "bad-input-admin-token";

    private final HttpClient http = HttpClient.newHttpClient();

    @Test
    void everyBadInputGetsItsTypedAnswerAndTheServiceServesOnAfterwards(EmbeddedMariaDb db) throws Exception {
        String suffix = UUID.randomUUID().toString().substring(0, 8);
        Path dir = Files.createDirectories(Path.of("target", "bad-input-it", suffix).toAbsolutePath());
        CorpusTokens tokens = new CorpusTokens();
        try (EmbeddedS3 s3 = EmbeddedS3.builder().port(Ports.free()).dataDirectory(dir.resolve("s3")).build()) {
            s3.start();
            Path yaml = dir.resolve("service.yaml");
            Files.writeString(yaml, new ServiceYaml().source(db, "badinput_source", db.replicationUser(), db.replicationPassword())
                    .storage(db, "badinput_storage_" + suffix, db.rootUser(), db.rootPassword()).jwks(tokens.jwks())
                    .apiToken(ADMIN_TOKEN).attachments(s3, "bad-input-" + suffix, """
                            max_file_size_mb: 1
                            user_quota_mb: 50
                            allowed_media_types: [image/*, text/plain]
                            database:
                              hostname: 127.0.0.1
                              port: %d
                              database: badinput_attachments_%s
                              username: %s
                              password: "%s"
                            """.formatted(db.port(), suffix, db.rootUser(), db.rootPassword())).text());
            int port = Ports.free();
            Path log = dir.resolve("attachments.log");
            Process service = launch(dir, yaml, port, log);
            try {
                await().atMost(Duration.ofSeconds(120)).until(() -> status("http://127.0.0.1:" + port + "/health/ready") == 200);
                BadInputCorpus corpus = BadInputCorpus.load("bad-input/attachments-service.yaml");
                BadInputRunner runner = new BadInputRunner("127.0.0.1", port, tokens, Duration.ofSeconds(60));
                assertThat(corpus.setup()).allSatisfy(setup -> assertThat(runner.run(setup).problems()).as(setup.name()).isEmpty());
                BadInputCorpus.Case good = corpus.good().orElseThrow();
                assertThat(runner.run(good).problems()).as("a good request before the corpus").isEmpty();

                List<BadInputRunner.Outcome> outcomes = runner.run(corpus);
                outcomes.forEach(System.out::println);
                assertThat(outcomes).hasSizeGreaterThan(80);
                assertThat(outcomes).filteredOn(o -> !o.passed()).as("cases answered otherwise than the corpus says")
                        .isEmpty();

                assertThat(runner.run(good).problems()).as("a good request after the corpus").isEmpty();
                assertThat(service.isAlive()).isTrue();
                String logged = Files.readString(log);
                assertThat(logged).as("bad input is not an internal error").doesNotContain("SEVERE", "Request failed",
                        "StackOverflowError", "OutOfMemoryError");
            } finally {
                service.destroyForcibly().waitFor();
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

    /** The service in a process of its own, working in {@code dir}: what its transaction manager leaves stays under target. */
    private static Process launch(Path dir, Path yaml, int port, Path log) throws IOException {
        List<String> command = List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-Xmx384m",
                "-cp", classPath(), AttachmentsMain.class.getName(), "-c", yaml.toString(), "--port", Integer.toString(port));
        return new ProcessBuilder(command).directory(dir.toFile()).redirectErrorStream(true).redirectOutput(log.toFile()).start();
    }

    /** This JVM's class path with every entry absolute, for a process working elsewhere. */
    private static String classPath() {
        return java.util.Arrays.stream(System.getProperty("java.class.path").split(java.io.File.pathSeparator))
                .map(entry -> Path.of(entry).toAbsolutePath().toString())
                .collect(java.util.stream.Collectors.joining(java.io.File.pathSeparator));
    }
}
