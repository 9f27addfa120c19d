package org.syncsuite.services;

import java.io.IOException;
import java.io.OutputStream;
import java.lang.System.Logger.Level;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;

/**
 * An S3-compatible server: s3proxy over a filesystem store, with AWS signature v2/v4
 * authentication, run as a child JVM. s3proxy comes as its self-contained jar, kept apart from
 * this JVM's class path so its many libraries never clash with the services under test.
 *
 * <p>Thread-safety: start and close from one thread; the accessors are safe from any thread.
 */
public final class EmbeddedS3 implements BackingService {

    public static final String VERSION = Versions.of("s3proxy");
    private static final String JAR_RESOURCE = "org/syncsuite/services/s3proxy/s3proxy.jar";
    private static final System.Logger LOG = System.getLogger(EmbeddedS3.class.getName());

    private final Builder settings;
    private ServiceDirectory folder;
    private Path baseDir;
    private int port;
    private volatile ChildProcess process;

    private EmbeddedS3(Builder settings) {
        this.settings = settings;
    }

    public static Builder builder() {
        return new Builder();
    }

    @Override
    public String name() {
        return "s3";
    }

    @Override
    public synchronized void start() {
        if (process != null) {
            throw new IllegalStateException("S3 already started");
        }
        long started = System.nanoTime();
        try {
            Path jar = BinaryCache.file("s3proxy-" + VERSION, JAR_RESOURCE, "s3proxy.jar");
            prepareDirectories();
            port = Ports.preferredOrFree(settings.port);
            Path config = writeConfig();
            String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
            List<String> command = List.of(java, "-Xmx384m", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1",
                    "-Djava.io.tmpdir=" + baseDir, "-jar", jar.toString(), "--properties", config.toString());
            process = ChildProcess.start("s3proxy", command, baseDir, baseDir.resolve("s3proxy.log"), Map.of(),
                    config.toString());
            Ports.awaitListening("s3proxy", port, settings.startTimeout, process::isAlive);
            LOG.log(Level.INFO, "S3 (s3proxy {0}) ready on {1} in {2} ms (store {3})", VERSION, endpoint(),
                    (System.nanoTime() - started) / 1_000_000, storeDirectory());
        } catch (RuntimeException e) {
            String log = process == null ? "" : "\n" + process.logTail(30);
            close();
            throw new BackingServiceException("S3 did not start: " + e.getMessage() + log, e);
        }
    }

    private void prepareDirectories() {
        folder = ServiceDirectory.open(settings.dataDirectory, "s3");
        baseDir = folder.path();
        try {
            Files.createDirectories(baseDir.resolve("store"));
        } catch (IOException e) {
            throw new BackingServiceException("Could not create the S3 store folder", e);
        }
    }

    private Path writeConfig() {
        Properties p = new Properties();
        p.put("s3proxy.endpoint", "http://" + Ports.LOOPBACK + ":" + port);
        p.put("s3proxy.authorization", "aws-v2-or-v4");
        p.put("s3proxy.identity", settings.accessKey);
        p.put("s3proxy.credential", settings.secretKey);
        p.put("jclouds.provider", "filesystem-nio2");
        p.put("jclouds.filesystem.basedir", storeDirectory().toString());
        Path config = baseDir.resolve("s3proxy.properties");
        try (OutputStream out = Files.newOutputStream(config)) {
            p.store(out, "s3proxy settings, written at each start");
            return config;
        } catch (IOException e) {
            throw new BackingServiceException("Could not write the s3proxy configuration", e);
        }
    }

    /** The endpoint URL for S3 clients (path-style addressing). */
    public String endpoint() {
        if (process == null) {
            throw new IllegalStateException("S3 is not started");
        }
        return "http://" + Ports.LOOPBACK + ":" + port;
    }

    public int port() {
        return port;
    }

    public String accessKey() {
        return settings.accessKey;
    }

    public String secretKey() {
        return settings.secretKey;
    }

    /** The region clients should sign for. */
    public String region() {
        return "us-east-1";
    }

    public Path storeDirectory() {
        return baseDir.resolve("store");
    }

    public Optional<Long> pid() {
        ChildProcess current = process;
        return current != null && current.isAlive() ? Optional.of(current.pid()) : Optional.empty();
    }

    @Override
    public boolean isRunning() {
        ChildProcess current = process;
        return current != null && current.isAlive();
    }

    @Override
    public Map<String, String> connectionInfo() {
        Map<String, String> info = new LinkedHashMap<>();
        info.put("endpoint", endpoint());
        info.put("access key", accessKey());
        info.put("secret key", secretKey());
        info.put("region", region());
        info.put("store", storeDirectory().toString());
        return info;
    }

    @Override
    public synchronized void close() {
        ChildProcess current = process;
        process = null;
        if (current != null) {
            current.stop(Duration.ofSeconds(15));
            LOG.log(Level.INFO, "S3 on port {0,number,#} stopped", port);
        }
        if (folder != null) {
            folder.close();
        }
    }

    /** Settings; every one has a default that suits tests. */
    public static final class Builder extends ServiceBuilder<Builder> {
        private String accessKey = "syncsuite-access";
        private String secretKey = "syncsuite-secret-key";

        private Builder() {
        }

        public Builder credentials(String accessKey, String secretKey) {
            if (accessKey.isBlank() || secretKey.length() < 8) {
                throw new IllegalArgumentException("An access key and a secret of at least 8 characters are required");
            }
            this.accessKey = accessKey;
            this.secretKey = secretKey;
            return this;
        }

        public EmbeddedS3 build() {
            return new EmbeddedS3(this);
        }
    }
}
