package org.syncsuite.images;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;
import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import java.util.zip.ZipFile;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.syncsuite.services.EmbeddedKafka;
import org.syncsuite.services.EmbeddedMariaDb;
import org.syncsuite.services.EmbeddedS3;
import org.syncsuite.services.Ports;
import org.syncsuite.services.ServiceYaml;
import org.syncsuite.services.junit.WithBackingServices;

/**
 * The three service images as Jib wrote them ({@code <module>/target/jib-image.tar}): their
 * manifest and config, then their layers unpacked into a root file system each, in which the JRE
 * and then the service itself run as a container would run them: chroot, uid and gid 65532, in
 * a mount and pid namespace of their own, the root file system read-only, a writable folder of
 * their own on /tmp (Kubernetes' emptyDir), the service.yaml at the image's default
 * {@code POWERSYNC_CONFIG_PATH}, the host's network (so the embedded MariaDB, Kafka and S3 are
 * on 127.0.0.1). The working directory is chroot's, {@code /}.
 *
 * <p>As root the services run as uid 65532; otherwise in a user namespace ({@code unshare -r}),
 * where only the caller's own uid is mapped, so they run as that one.
 */
@WithBackingServices
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ImageIT {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String NONROOT = "65532";
    private static final long JRE_LIMIT_BYTES = 120L * 1024 * 1024;
    private static final String SOURCE = "images_source";
    private static final String SYNC_CONFIG = """
            config:
              edition: 3
            streams:
              items:
                auto_subscribe: true
                query: SELECT * FROM items
            """;

    /**
     * Mounts what a container runtime would (the root read-only, /proc, /dev, the writable /tmp,
     * the host's /etc/hosts), then becomes the image's process: {@code root tmp userspec command...}.
     */
    private static final String CONTAINER = """
            root=$1; tmp=$2; userspec=$3; shift 3
            mount --bind "$root" "$root"
            mount -o remount,bind,ro "$root"
            mount -t proc proc "$root/proc"
            mount --rbind /dev "$root/dev"
            mount --bind "$tmp" "$root/tmp"
            if [ -f /etc/hosts ]; then mount --bind /etc/hosts "$root/etc/hosts"; fi
            exec chroot ${userspec:+"$userspec"} "$root" "$@"
            """;

    record Image(String module, String name, String mainClass, int port) {

        Path tar() {
            return Path.of(System.getProperty("images.root", "../..")).toAbsolutePath().normalize()
                    .resolve(module).resolve("target").resolve("jib-image.tar");
        }

        String reference() {
            return name + ":" + System.getProperty("images.tag");
        }

        @Override
        public String toString() {
            return name;
        }
    }

    static List<Image> images() {
        return List.of(new Image("replicator", "syncsuite/replicator", "org.syncsuite.replicator.ReplicatorMain", 8080),
                new Image("sync-gateway", "syncsuite/sync-gateway", "org.syncsuite.gateway.GatewayMain", 8080),
                new Image("attachments-service", "syncsuite/attachments-service", "org.syncsuite.attachments.AttachmentsMain", 6061));
    }

    private final EmbeddedMariaDb db;
    private final EmbeddedKafka kafka;
    private final EmbeddedS3 s3;
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
    private final Map<String, JsonNode> configs = new LinkedHashMap<>();
    private final Map<String, Path> roots = new LinkedHashMap<>();
    private final List<Container> containers = new ArrayList<>();
    private boolean root;
    private Path work;

    ImageIT(EmbeddedMariaDb db, EmbeddedKafka kafka, EmbeddedS3 s3) {
        this.db = db;
        this.kafka = kafka;
        this.s3 = s3;
    }

    @BeforeAll
    void unpackTheImages() throws Exception {
        root = Files.readAllLines(Path.of("/proc/self/status")).stream().filter(l -> l.startsWith("Uid:"))
                .map(l -> l.split("\\s+")[1]).findFirst().orElseThrow().equals("0");
        Path target = Files.createDirectories(Path.of("target").toAbsolutePath());
        work = Files.createTempDirectory(target, "images-it-");
        checkIsolation();
        for (Image image : images()) {
            assertThat(image.tar()).as("the image tar (built at the package phase of %s)", image.module()).isRegularFile();
            Path unpacked = Files.createDirectories(work.resolve(image.module()).resolve("image"));
            run(List.of("tar", "-xf", image.tar().toString(), "-C", unpacked.toString()));
            JsonNode manifest = JSON.readTree(unpacked.resolve("manifest.json").toFile()).get(0);
            configs.put(image.module(), JSON.readTree(unpacked.resolve(manifest.get("Config").asText()).toFile()));
            Path rootfs = Files.createDirectories(work.resolve(image.module()).resolve("rootfs"));
            for (JsonNode layer : manifest.get("Layers")) {
                run(List.of("tar", "--warning=no-unknown-keyword", "-xzf", unpacked.resolve(layer.asText()).toString(),
                        "-C", rootfs.toString()));
            }
            // mount points a container runtime provides
            Files.createDirectories(rootfs.resolve("proc"));
            Files.createDirectories(rootfs.resolve("dev"));
            roots.put(image.module(), rootfs);
        }
    }

    @AfterAll
    void cleanUp() throws IOException {
        containers.reversed().forEach(Container::stop);
        if (work != null) {
            try (Stream<Path> files = Files.walk(work)) {
                files.sorted(Comparator.reverseOrder()).filter(p -> !p.toString().endsWith(".log")).forEach(p -> {
                    try {
                        if (!Files.isDirectory(p) || isEmpty(p)) {
                            Files.delete(p);
                        }
                    } catch (IOException e) {
                        throw new UncheckedIOException(e);
                    }
                });
            }
        }
    }

    @ParameterizedTest
    @MethodSource("images")
    void theImageRunsTheServiceAsNonRootWithTheJreOfTheImage(Image image) throws Exception {
        Path tar = image.tar();
        JsonNode manifest = JSON.readTree(work.resolve(image.module()).resolve("image").resolve("manifest.json").toFile()).get(0);
        assertThat(manifest.get("RepoTags").get(0).asText()).isEqualTo(image.reference());
        JsonNode config = configs.get(image.module());
        assertThat(config.get("architecture").asText()).isEqualTo("amd64");
        assertThat(config.get("os").asText()).isEqualTo("linux");
        JsonNode container = config.get("config");
        assertThat(container.get("User").asText()).isEqualTo(NONROOT + ":" + NONROOT);
        assertThat(strings(container.get("Entrypoint"))).containsExactly("/opt/java/bin/java", "--enable-native-access=ALL-UNNAMED",
                "-Dsun.misc.unsafe.memory.access=allow", "-cp", "@/app/jib-classpath-file",
                image.mainClass());
        assertThat(container.path("Cmd").isMissingNode() || container.get("Cmd").isNull() || container.get("Cmd").isEmpty()).isTrue();
        assertThat(fieldNames(container.get("ExposedPorts"))).containsExactly(image.port() + "/tcp");
        assertThat(container.get("WorkingDir").asText()).isEqualTo("/home/nonroot");
        assertThat(container.get("Labels").get("org.opencontainers.image.title").asText()).isEqualTo(image.name());
        assertThat(container.get("Labels").get("org.opencontainers.image.version").asText()).isEqualTo(System.getProperty("images.tag"));
        assertThat(container.get("Labels").get("org.opencontainers.image.description").asText()).isNotBlank();
        List<String> env = strings(container.get("Env"));
        assertThat(env).contains("POWERSYNC_CONFIG_PATH=/etc/powersync/service.yaml", "JAVA_TOOL_OPTIONS=-XX:MaxRAMPercentage=75");
        assertThat(env).as("no credentials in the image's environment")
                .noneMatch(e -> e.substring(0, e.indexOf('=')).matches("(?i).*(PASSWORD|SECRET|TOKEN|KEY|CREDENTIAL).*"));

        Path rootfs = roots.get(image.module());
        assertThat(rootfs.resolve("home/nonroot")).isDirectory();
        assertThat(Files.readString(rootfs.resolve("etc/passwd"))).contains("nonroot:x:65532:65532:nonroot:/home/nonroot:");
        assertThat(Files.readString(rootfs.resolve("etc/group"))).contains("nonroot:x:65532:");
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(rootfs.resolve("tmp")))).isEqualTo("rwxrwxrwx");
        // every class path entry is in the image, the main class among them
        String classPath = Files.readString(rootfs.resolve("app/jib-classpath-file")).strip();
        assertThat(classPath.split(":")).allSatisfy(entry -> assertThat(rootfs.resolve(entry.substring(1).replaceFirst("/\\*$", "")))
                .exists());
        // the module's jar as built: its CDI beans are found through the META-INF/beans.xml beside them
        assertThat(classPath.split(":")).contains("/app/classpath/*");
        Path jar = rootfs.resolve("app/classpath/" + image.module() + "-" + System.getProperty("images.version") + ".jar");
        try (ZipFile zip = new ZipFile(jar.toFile())) {
            assertThat(zip.getEntry(image.mainClass().replace('.', '/') + ".class")).isNotNull();
            assertThat(zip.getEntry("META-INF/beans.xml")).isNotNull();
        }

        Path tmp = emptyDir(image.module() + "-version");
        Path log = work.resolve(image.module() + "-java-version.log");
        Process java = start(image, tmp, log, Map.of(), List.of("/opt/java/bin/java", "-version"));
        boolean ended = java.waitFor(60, TimeUnit.SECONDS);
        if (!ended) {
            java.destroyForcibly().waitFor();
        }
        String output = Files.readString(log);
        assertThat(ended && java.exitValue() == 0).as("java -version in the image:\n" + output).isTrue();
        assertThat(output).contains("Runtime Environment").contains("64-Bit Server VM");

        long jre = size(rootfs.resolve("opt/java"));
        System.out.printf("%s: tar %.1f MB, %d layers, %.1f MB unpacked, JRE %.1f MB%n", image.reference(), mb(Files.size(tar)),
                manifest.get("Layers").size(), mb(size(rootfs) - size(rootfs.resolve("tmp"))), mb(jre));
        assertThat(jre).as("the JRE's size in bytes").isLessThan(JRE_LIMIT_BYTES);
    }

    @Test
    void eachServiceStartsFromItsImageOnAReadOnlyRootAndBecomesReady() throws Exception {
        db.createDatabase(SOURCE);
        db.execute("CREATE TABLE IF NOT EXISTS " + SOURCE + ".items (id VARCHAR(64) PRIMARY KEY, title TEXT NOT NULL)",
                "INSERT IGNORE INTO " + SOURCE + ".items VALUES ('i1', 'first')");
        String yaml = new ServiceYaml().source(db, SOURCE, db.replicationUser(), db.replicationPassword())
                .storage(db, "images_storage", db.rootUser(), db.rootPassword()).kafka(kafka, "images")
                .hs256("images-test development key, 32+ bytes").attachments(s3, "images-attachments", null)
                .syncConfigPath("sync-config.yaml").text();

        Map<Image, String> ready = new LinkedHashMap<>();
        for (Image image : images()) {
            // where the image says, on a root file system the service cannot write to
            Path config = Files.createDirectories(roots.get(image.module()).resolve("etc/powersync"));
            Files.writeString(config.resolve("service.yaml"), yaml);
            Files.writeString(config.resolve("sync-config.yaml"), SYNC_CONFIG);
            int port = Ports.free();
            Path tmp = emptyDir(image.module());
            Path log = work.resolve(image.module() + ".log");
            Map<String, String> env = Map.of("SERVER_PORT", Integer.toString(port), "JAVA_TOOL_OPTIONS", "-Xmx384m");
            Process process = start(image, tmp, log, env, strings(configs.get(image.module()).get("config").get("Entrypoint")));
            containers.add(new Container(image, process, log, tmp));
            ready.put(image, "http://127.0.0.1:" + port + "/health/ready");
        }

        await().atMost(Duration.ofSeconds(120)).pollInterval(Duration.ofMillis(500)).untilAsserted(() -> {
            for (Container container : containers) {
                if (!container.process().isAlive()) {
                    // not an assertion: Awaitility stops at once instead of waiting out its time
                    throw new IllegalStateException(container.image() + " ended:\n" + container.logTail());
                }
                HttpResponse<String> health = get(ready.get(container.image()));
                assertThat(health.statusCode()).as(container.image() + " /health/ready: " + health.body()).isEqualTo(200);
                // the service's own checks answered, not an empty list (its beans were found)
                assertThat(JSON.readTree(health.body()).path("checks").size()).as(container.image() + ": " + health.body())
                        .isPositive();
            }
        });

        for (Container container : containers) {
            String log = Files.readString(container.log());
            assertThat(log).as(container.image() + ": its JVM took the user's options").contains("Picked up JAVA_TOOL_OPTIONS: -Xmx384m");
            ProcessHandle java = container.java().orElseThrow(() -> new AssertionError(container.image() + ": no java process"));
            Map<String, String> status = status(java);
            String expected = root ? NONROOT : ownUid();
            assertThat(status.get("Uid").split("\\s+")).as(container.image() + " uids").containsOnly(expected);
            assertThat(status.get("Gid").split("\\s+")).as(container.image() + " gids").containsOnly(root ? NONROOT : ownGid());
            if (!root) {
                System.out.println(container.image() + " ran as this user in a user namespace: uid 65532 is checked as root only");
            }
        }
        // Narayana's log: not beside the read-only service.yaml, but in /tmp
        Container attachments = containers.stream().filter(c -> c.image().module().equals("attachments-service")).findFirst().orElseThrow();
        assertThat(attachments.tmp().resolve("attachments-transactions")).as(attachments.logTail()).isDirectory();
        containers.forEach(Container::stop);
    }

    /** A process of {@code image}'s root file system: {@code command} with the image's environment and {@code env}. */
    private Process start(Image image, Path tmp, Path log, Map<String, String> env, List<String> command) throws IOException {
        List<String> line = new ArrayList<>(isolation());
        line.addAll(List.of("sh", "-ec", CONTAINER, "container", roots.get(image.module()).toString(), tmp.toString(),
                root ? "--userspec=" + NONROOT + ":" + NONROOT : ""));
        line.addAll(command);
        ProcessBuilder builder = new ProcessBuilder(line).redirectErrorStream(true).redirectOutput(log.toFile());
        Map<String, String> environment = builder.environment();
        environment.clear();
        // for sh, mount and chroot on this machine; inside the image the entrypoint's path is absolute
        environment.put("PATH", "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin");
        for (String variable : strings(configs.get(image.module()).get("config").get("Env"))) {
            environment.put(variable.substring(0, variable.indexOf('=')), variable.substring(variable.indexOf('=') + 1));
        }
        environment.putAll(env);
        return builder.start();
    }

    /** A mount and pid namespace of its own; in a user namespace too unless this is root. */
    private List<String> isolation() {
        List<String> unshare = new ArrayList<>(List.of("unshare"));
        if (!root) {
            unshare.add("--map-root-user");
        }
        unshare.addAll(List.of("--mount", "--pid", "--fork", "--kill-child=SIGTERM", "--"));
        return unshare;
    }

    private void checkIsolation() throws Exception {
        Path probe = Files.createDirectories(work.resolve("probe"));
        List<String> command = new ArrayList<>(isolation());
        command.addAll(List.of("sh", "-ec", "mount --bind \"$1\" \"$1\" && mount -o remount,bind,ro \"$1\" && chroot / true", "probe",
                probe.toString()));
        Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
        String output = new String(process.getInputStream().readAllBytes());
        if (!process.waitFor(30, TimeUnit.SECONDS) || process.exitValue() != 0) {
            fail("ImageIT runs the images with unshare, mount and chroot: it needs root, or unprivileged user namespaces "
                    + "(unshare -r; see sysctl kernel.unprivileged_userns_clone and user.max_user_namespaces). "
                    + String.join(" ", command) + " said: " + output.strip());
        }
        Files.delete(probe);
    }

    private Path emptyDir(String name) throws IOException, InterruptedException {
        Path tmp = Files.createDirectories(work.resolve(name + "-tmp"));
        run(List.of("chmod", "1777", tmp.toString()));
        return tmp;
    }

    private HttpResponse<String> get(String url) throws InterruptedException {
        try {
            return http.send(HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(5)).build(),
                    HttpResponse.BodyHandlers.ofString());
        } catch (IOException e) {
            throw new AssertionError(url + " does not answer: " + e, e);
        }
    }

    private static Map<String, String> status(ProcessHandle process) throws IOException {
        Map<String, String> status = new LinkedHashMap<>();
        for (String line : Files.readAllLines(Path.of("/proc", Long.toString(process.pid()), "status"))) {
            int colon = line.indexOf(':');
            if (colon > 0) {
                status.put(line.substring(0, colon), line.substring(colon + 1).strip());
            }
        }
        return status;
    }

    private static String ownUid() throws IOException {
        return status(ProcessHandle.current()).get("Uid").split("\\s+")[0];
    }

    private static String ownGid() throws IOException {
        return status(ProcessHandle.current()).get("Gid").split("\\s+")[0];
    }

    private static void run(List<String> command) throws IOException, InterruptedException {
        Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
        String output = new String(process.getInputStream().readAllBytes());
        assertThat(process.waitFor()).as(String.join(" ", command) + ":\n" + output).isZero();
    }

    private static List<String> strings(JsonNode array) {
        List<String> values = new ArrayList<>();
        if (array != null) {
            array.forEach(value -> values.add(value.asText()));
        }
        return values;
    }

    private static List<String> fieldNames(JsonNode object) {
        List<String> names = new ArrayList<>();
        object.fieldNames().forEachRemaining(names::add);
        return names;
    }

    private static long size(Path dir) throws IOException {
        try (Stream<Path> files = Files.walk(dir)) {
            return files.filter(Files::isRegularFile).mapToLong(p -> {
                try {
                    return Files.size(p);
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            }).sum();
        }
    }

    private static double mb(long bytes) {
        return bytes / 1024.0 / 1024.0;
    }

    private static boolean isEmpty(Path dir) throws IOException {
        try (Stream<Path> entries = Files.list(dir)) {
            return entries.findAny().isEmpty();
        }
    }

    /** A service started from its image: unshare, and the service's JVM under it. */
    private record Container(Image image, Process process, Path log, Path tmp) {

        Optional<ProcessHandle> java() {
            return process.descendants().filter(p -> p.info().command().map(c -> c.endsWith("/java")).orElse(false)
                    || comm(p).equals("java")).findFirst();
        }

        String logTail() {
            try {
                List<String> lines = Files.readAllLines(log);
                return String.join("\n", lines.subList(Math.max(0, lines.size() - 60), lines.size()));
            } catch (IOException e) {
                return "(no log: " + e + ")";
            }
        }

        /** SIGTERM to the service's JVM, as a container runtime stops it; then whatever is left is killed. */
        void stop() {
            List<ProcessHandle> tree = Stream.concat(process.descendants(), Stream.of(process.toHandle())).toList();
            java().ifPresent(ProcessHandle::destroy);
            for (ProcessHandle handle : tree) {
                try {
                    handle.onExit().get(20, TimeUnit.SECONDS);
                } catch (Exception e) {
                    handle.destroyForcibly();
                }
            }
            tree.forEach(ProcessHandle::destroyForcibly);
        }

        private static String comm(ProcessHandle process) {
            try {
                return Files.readString(Path.of("/proc", Long.toString(process.pid()), "comm")).strip();
            } catch (IOException e) {
                return "";
            }
        }
    }
}
