package org.syncsuite.bench;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Random;
import java.util.UUID;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;

import io.minio.GetObjectArgs;
import io.minio.MakeBucketArgs;
import io.minio.MinioClient;
import io.minio.PutObjectArgs;

import okhttp3.OkHttpClient;
import okhttp3.Request;
import okhttp3.RequestBody;

import org.syncsuite.attachments.AttachmentsMain;
import org.syncsuite.attachments.S3HttpClient;
import org.syncsuite.services.DevTokens;
import org.syncsuite.services.EmbeddedMariaDb;
import org.syncsuite.services.EmbeddedS3;
import org.syncsuite.services.Ports;
import org.syncsuite.services.ServiceYaml;
import org.syncsuite.services.Trees;

/**
 * Upload and download throughput of the attachments service (in a JVM of its own, streaming
 * through to the embedded S3 server) for 1 MiB and 100 MiB files, against the MinIO SDK writing
 * and reading the same files straight to and from the same S3 server in the same run; and small
 * (10 KiB) uploads per second with 8 clients, both ways.
 */
final class AttachmentsBenchmark implements Benchmark {

    static final double GOAL_SHARE_OF_DIRECT = 0.8;
    /** A warm-up round: untimed transfers of 1 MiB (up and down) and 10 KiB uploads on each path. */
    static final int WARM_UP_FILES = 64;
    static final int WARM_UP_TINY = 400;
    /**
     * Warm-up rounds run until three rounds in a row use no less of the service's CPU time, by this
     * share, than the best round before them: until its JIT compiler has settled. On two cores that
     * takes some minutes of traffic, and the service's CPU per round falls by three quarters meanwhile.
     */
    static final double SETTLED = 0.10;
    static final int MIN_WARM_UP_ROUNDS = 8;
    static final int MAX_WARM_UP_ROUNDS = 16;
    private static final byte[] SECRET = "attachments benchmark key, 32 bytes or more".getBytes(java.nio.charset.StandardCharsets.UTF_8);
    private static final int MIB = 1024 * 1024;

    @Override
    public String name() {
        return "attachments";
    }

    @Override
    public String description() {
        return "attachments service: upload and download MB/s for 1 MiB and 100 MiB files, and 10 KiB uploads/s, vs. the MinIO SDK straight to S3";
    }

    @Override
    public BenchReport run(BenchOptions options) throws Exception {
        int smallFiles = options.integer("small-files", 64);
        int largeFiles = options.integer("large-files", 2);
        int tinyUploads = options.integer("tiny-uploads", 1000);
        Path dir = Files.createDirectories(Path.of("target", "bench-attachments").toAbsolutePath());
        Path large = dir.resolve("large.bin");
        writeRandom(large, 100L * MIB);
        byte[] small = random(MIB, 1);
        byte[] tiny = random(10 * 1024, 2);
        try {
            return run(options, dir, large, small, tiny, smallFiles, largeFiles, tinyUploads);
        } finally {
            Trees.delete(dir.resolve("s3")); // the objects of a run take some gigabytes
        }
    }

    private BenchReport run(BenchOptions options, Path dir, Path large, byte[] small, byte[] tiny, int smallFiles, int largeFiles,
                            int tinyUploads) throws Exception {
        try (EmbeddedMariaDb db = EmbeddedMariaDb.builder().build();
             EmbeddedS3 s3 = EmbeddedS3.builder().dataDirectory(dir.resolve("s3")).build()) {
            db.start();
            s3.start();
            // the service's own S3 client settings: the ratio is what the service adds, not a difference of clients
            MinioClient minio = MinioClient.builder().endpoint(s3.endpoint()).credentials(s3.accessKey(), s3.secretKey())
                    .region(s3.region()).httpClient(S3HttpClient.create(S3HttpClient.DEFAULT_TIMEOUT)).build();
            String bucket = "direct-" + UUID.randomUUID().toString().substring(0, 8);
            minio.makeBucket(MakeBucketArgs.builder().bucket(bucket).build());
            Path yaml = dir.resolve("service.yaml");
            Files.writeString(yaml, new ServiceYaml().source(db, "bench_source", db.rootUser(), db.rootPassword())
                    .storage(db, "bench_storage", db.rootUser(), db.rootPassword())
                    .hs256(new String(SECRET, java.nio.charset.StandardCharsets.UTF_8))
                    .attachments(s3, "attachments", "max_file_size_mb: 200\nuser_quota_mb: 1000000\n").text());
            int port = Ports.free();
            List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-Xmx512m"));
            if (options.flag("profile")) {
                // --profile=true: a flight recording of the service, to see where a request's time goes
                command.add("-XX:StartFlightRecording=filename=" + dir.resolve("attachments.jfr") + ",settings=profile");
                System.out.println("   recording the service to " + dir.resolve("attachments.jfr"));
            }
            command.addAll(List.of("-cp", org.syncsuite.services.ClassPath.without("replicator", "sync-gateway"),
                    AttachmentsMain.class.getName(), "-c", yaml.toString(), "--port", Integer.toString(port)));
            Process service = new ProcessBuilder(command).directory(dir.toFile()).redirectErrorStream(true)
                    .redirectOutput(dir.resolve("attachments.log").toFile()).start();
            try {
                String base = "http://127.0.0.1:" + port;
                HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();
                awaitReady(http, base, service, dir);
                String token = DevTokens.sign(SECRET, "bench-user", 7200);
                OkHttpClient ok = new OkHttpClient.Builder().connectTimeout(Duration.ofSeconds(10)).readTimeout(Duration.ofMinutes(5))
                        .writeTimeout(Duration.ofMinutes(5)).build();
                Service ours = new Service(ok, base, token);
                Direct direct = new Direct(minio, bucket);
                // warm-up of both paths: a service runs warm, and its JIT needs minutes of traffic on two cores
                List<Double> warmUp = warmUp(ours, direct, small, tiny, ProcessHandle.of(service.pid()).orElseThrow(),
                        options.wholeNumber("warm-up-rounds", 0));

                // timed rounds, each path in turn: the machine's speed drifts from minute to minute
                int roundCount = Math.max(1, options.integer("rounds", 3)) | 1; // odd: a round holds the median
                List<Round> rounds = new ArrayList<>();
                for (int r = 0; r < roundCount; r++) {
                    Rates oursSmall = transfer(ours, small, null, smallFiles);
                    Rates directSmall = transfer(direct, small, null, smallFiles);
                    Rates oursLarge = transfer(ours, null, large, largeFiles);
                    Rates directLarge = transfer(direct, null, large, largeFiles);
                    double oursTiny = tiny(ours, tiny, tinyUploads, 8);
                    double directTiny = tiny(direct, tiny, tinyUploads, 8);
                    rounds.add(new Round(new double[]{oursSmall.up, oursSmall.down, oursLarge.up, oursLarge.down, oursTiny},
                            new double[]{directSmall.up, directSmall.down, directLarge.up, directLarge.down, directTiny}));
                }
                // per transfer, the round with the median ratio
                double[] oursMedian = new double[Round.KINDS.length];
                double[] directMedian = new double[Round.KINDS.length];
                List<String> notes = new ArrayList<>();
                for (int k = 0; k < Round.KINDS.length; k++) {
                    int kind = k;
                    List<Round> byRatio = rounds.stream().sorted(java.util.Comparator.comparingDouble(round -> round.ratio(kind))).toList();
                    Round median = byRatio.get(byRatio.size() / 2);
                    oursMedian[k] = median.ours[k];
                    directMedian[k] = median.direct[k];
                    String unit = k == 4 ? "/s" : " MB/s";
                    notes.add(String.format(Locale.ROOT, "%s: %.1f%s vs %.1f%s direct (%.2fx); rounds %s", Round.KINDS[k], oursMedian[k], unit,
                            directMedian[k], unit, median.ratio(k), rounds.stream().map(round -> String.format(Locale.ROOT, "%.2fx",
                                    round.ratio(kind))).collect(java.util.stream.Collectors.joining(", "))));
                }
                double oursAll = (oursMedian[0] + oursMedian[1] + oursMedian[2] + oursMedian[3]) / 4;
                double directAll = (directMedian[0] + directMedian[1] + directMedian[2] + directMedian[3]) / 4;
                double worst = java.util.stream.IntStream.range(0, Round.KINDS.length).mapToDouble(k -> oursMedian[k] / directMedian[k])
                        .min().orElseThrow();
                notes.add(String.format(Locale.ROOT, "goal: each at least %.0f%% of direct: %s (lowest %.2fx); each figure is the round "
                        + "with the median ratio of %d", GOAL_SHARE_OF_DIRECT * 100, worst >= GOAL_SHARE_OF_DIRECT ? "met" : "NOT met",
                        worst, roundCount));
                notes.add(String.format(Locale.ROOT, "warm-up: %d rounds of %d x 1 MiB up and down and %d x 10 KiB on each path; "
                        + "the service's CPU seconds per round: %s", warmUp.size(), WARM_UP_FILES, WARM_UP_TINY,
                        warmUp.stream().map(c -> String.format(Locale.ROOT, "%.1f", c)).collect(java.util.stream.Collectors.joining(", "))));
                notes.add("the service checks the token and the quota, computes SHA-256 and keeps metadata in MariaDB for each upload; "
                        + "S3 (s3proxy on the local disk), MariaDB, the service and this JVM share the machine");
                return new BenchReport(name(), String.format(Locale.ROOT,
                        "%d x 1 MiB and %d x 100 MiB uploaded then downloaded one at a time; %d x 10 KiB uploads by 8 clients; "
                        + "%d rounds", smallFiles, largeFiles, tinyUploads, roundCount),
                        new BenchReport.Measurement("attachments service, mean of the four transfer rates", oursAll, "MB/s", ""),
                        new BenchReport.Measurement("MinIO SDK straight to S3, the same transfers", directAll, "MB/s", ""),
                        true, notes);
            } finally {
                service.destroy();
                service.waitFor();
            }
        }
    }

    record Rates(double up, double down) {
    }

    /** A timed round: the rate of each kind of transfer ({@link #KINDS}) through the service and direct. */
    record Round(double[] ours, double[] direct) {
        static final String[] KINDS = {"1 MiB uploads", "1 MiB downloads", "100 MiB uploads", "100 MiB downloads",
                "10 KiB uploads by 8 clients"};

        double ratio(int kind) {
            return ours[kind] / direct[kind];
        }
    }

    /** One way of storing and fetching a file. */
    private interface Path2S3 {
        void upload(String id, byte[] bytes, Path file, long size) throws Exception;

        long download(String id) throws Exception;
    }

    /**
     * Through the attachments service, with a client token, over the same HTTP client library as
     * the MinIO SDK's (OkHttp), so that both paths pay the same client-side costs.
     */
    private record Service(OkHttpClient http, String base, String token) implements Path2S3 {
        @Override
        public void upload(String id, byte[] bytes, Path file, long size) throws Exception {
            okhttp3.MediaType octets = okhttp3.MediaType.get("application/octet-stream");
            RequestBody body = bytes != null ? RequestBody.create(bytes, octets) : RequestBody.create(file.toFile(), octets);
            Request request = new Request.Builder().url(base + "/attachments/" + id).header("Authorization", "Bearer " + token)
                    .put(body).build();
            try (okhttp3.Response response = http.newCall(request).execute()) {
                if (response.code() != 201) {
                    throw new IllegalStateException("Upload answered " + response.code() + ": " + response.body().string());
                }
            }
        }

        @Override
        public long download(String id) throws Exception {
            Request request = new Request.Builder().url(base + "/attachments/" + id).header("Authorization", "Bearer " + token).build();
            try (okhttp3.Response response = http.newCall(request).execute(); InputStream in = response.body().byteStream()) {
                if (response.code() != 200) {
                    throw new IllegalStateException("Download answered " + response.code());
                }
                return in.transferTo(OutputStream.nullOutputStream());
            }
        }
    }

    /** The MinIO SDK straight to the S3 server. */
    private record Direct(MinioClient minio, String bucket) implements Path2S3 {
        @Override
        public void upload(String id, byte[] bytes, Path file, long size) throws Exception {
            try (InputStream in = bytes != null ? new ByteArrayInputStream(bytes) : Files.newInputStream(file)) {
                minio.putObject(PutObjectArgs.builder().bucket(bucket).object("objects/" + id).stream(in, size, -1L)
                        .contentType("application/octet-stream").build());
            }
        }

        @Override
        public long download(String id) throws Exception {
            try (InputStream in = minio.getObject(GetObjectArgs.builder().bucket(bucket).object("objects/" + id).build())) {
                return in.transferTo(OutputStream.nullOutputStream());
            }
        }
    }

    /**
     * Warm-up rounds on both paths, until the service's CPU time for a round has settled (see
     * {@link #SETTLED}), or exactly {@code rounds} when that is above 0: the service's CPU seconds
     * of each round.
     */
    private static List<Double> warmUp(Path2S3 ours, Path2S3 direct, byte[] small, byte[] tiny, ProcessHandle service, int rounds)
            throws Exception {
        List<Double> cpu = new ArrayList<>();
        while (true) {
            Duration before = service.info().totalCpuDuration().orElseThrow(() -> new IllegalStateException("No CPU time for the service"));
            transfer(ours, small, null, WARM_UP_FILES);
            transfer(direct, small, null, WARM_UP_FILES);
            tiny(ours, tiny, WARM_UP_TINY, 8);
            tiny(direct, tiny, WARM_UP_TINY, 8);
            cpu.add(service.info().totalCpuDuration().orElseThrow().minus(before).toMillis() / 1000.0);
            int n = cpu.size();
            System.out.printf(Locale.ROOT, "   warm-up round %d: the service used %.1f s of CPU%n", n, cpu.get(n - 1));
            // settled: none of the last three rounds did better than the best before them by the share
            double best = n > 3 ? cpu.subList(0, n - 3).stream().mapToDouble(Double::doubleValue).min().orElseThrow() : 0;
            boolean settled = n >= MIN_WARM_UP_ROUNDS
                    && cpu.subList(n - 3, n).stream().mapToDouble(Double::doubleValue).min().orElseThrow() > best * (1 - SETTLED);
            if (rounds > 0 ? n >= rounds : settled || n >= MAX_WARM_UP_ROUNDS) {
                return cpu;
            }
        }
    }

    /** Uploads {@code count} copies one at a time, then downloads them: MB/s each way. */
    private static Rates transfer(Path2S3 path, byte[] bytes, Path file, int count) throws Exception {
        long size = bytes != null ? bytes.length : Files.size(file);
        List<String> ids = new ArrayList<>();
        long started = System.nanoTime();
        for (int i = 0; i < count; i++) {
            String id = UUID.randomUUID().toString();
            path.upload(id, bytes, file, size);
            ids.add(id);
        }
        double up = size * count / 1e6 / ((System.nanoTime() - started) / 1e9);
        started = System.nanoTime();
        long read = 0;
        for (String id : ids) {
            read += path.download(id);
        }
        if (read != size * count) {
            throw new IllegalStateException("Read " + read + " bytes, not " + size * count);
        }
        double down = read / 1e6 / ((System.nanoTime() - started) / 1e9);
        return new Rates(up, down);
    }

    /** {@code count} uploads of {@code bytes} by {@code clients} at once: uploads per second. */
    private static double tiny(Path2S3 path, byte[] bytes, int count, int clients) throws Exception {
        AtomicInteger next = new AtomicInteger();
        long started = System.nanoTime();
        try (ExecutorService pool = Executors.newFixedThreadPool(clients)) {
            List<Future<?>> futures = new ArrayList<>();
            for (int c = 0; c < clients; c++) {
                futures.add(pool.submit(() -> {
                    while (next.getAndIncrement() < count) {
                        path.upload(UUID.randomUUID().toString(), bytes, null, bytes.length);
                    }
                    return null;
                }));
            }
            for (Future<?> future : futures) {
                future.get();
            }
        }
        return count / ((System.nanoTime() - started) / 1e9);
    }

    private static void awaitReady(HttpClient http, String base, Process service, Path dir) throws Exception {
        long deadline = System.nanoTime() + Duration.ofSeconds(120).toNanos();
        while (System.nanoTime() < deadline) {
            if (!service.isAlive()) {
                throw new IllegalStateException("The attachments service exited; see " + dir.resolve("attachments.log"));
            }
            try {
                if (http.send(HttpRequest.newBuilder(URI.create(base + "/health/ready")).build(), HttpResponse.BodyHandlers.discarding())
                        .statusCode() == 200) {
                    return;
                }
            } catch (IOException e) {
                // not listening yet
            }
            Thread.sleep(200);
        }
        throw new IllegalStateException("The attachments service was not ready in 120 s; see " + dir.resolve("attachments.log"));
    }

    private static byte[] random(int size, long seed) {
        byte[] bytes = new byte[size];
        new Random(seed).nextBytes(bytes);
        return bytes;
    }

    private static void writeRandom(Path file, long size) throws IOException {
        if (Files.exists(file) && Files.size(file) == size) {
            return;
        }
        Random random = new Random(3);
        byte[] block = new byte[MIB];
        try (OutputStream out = Files.newOutputStream(file)) {
            for (long written = 0; written < size; written += block.length) {
                random.nextBytes(block);
                out.write(block);
            }
        }
    }
}
