package org.syncsuite.gateway.storage;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;

import org.syncsuite.core.service.ServiceConfig;

/**
 * Where bucket storage lives: a JDBC URL with its account. Connections it opens send batches as
 * multi-row statements ({@code rewriteBatchedStatements}) and start with auto-commit off: every
 * storage write belongs to an explicit transaction.
 */
public record StorageDatabase(String url, String user, String password) {

    /** The default name of the storage database. */
    public static final String DEFAULT_DATABASE = "powersync_storage";

    public StorageDatabase {
        if (!url.contains("rewriteBatchedStatements")) {
            url = url + (url.contains("?") ? "&" : "?") + "rewriteBatchedStatements=true";
        }
    }

    /** The storage that a service config's {@code storage:} section names. */
    public static StorageDatabase of(ServiceConfig.StorageConfig storage) {
        String url = "jdbc:mysql://" + storage.hostname() + ":" + storage.port() + "/" + storage.database()
                + "?allowPublicKeyRetrieval=true&useSSL=" + storage.tls().enabled() + "&connectTimeout=10000";
        return new StorageDatabase(url, storage.username(), storage.password());
    }

    /** A new connection, auto-commit off, with backslash escapes in string literals whatever the server's sql_mode. */
    public Connection open() throws SQLException {
        return open(url);
    }

    /**
     * A connection as {@link #open()} makes it that may also send rows from memory with
     * {@code LOAD DATA LOCAL INFILE} ({@link LoadData}), when the server allows it
     * ({@link #loadsLocal}). Only the writer's storage lanes use one: the driver then answers the
     * server's requests for local files, so other connections keep that off.
     */
    public Connection openLoading() throws SQLException {
        return open(LOCAL_LOADS.matcher(url).find() ? url : url + "&allowLoadLocalInfile=true");
    }

    private static final java.util.regex.Pattern LOCAL_LOADS = java.util.regex.Pattern.compile(
            "(?i)[?&]allowLoadLocalInfile=([^&]*)");

    /** The same database, its URL turning local loads off ({@link #loadsLocal} is then false). */
    public StorageDatabase withoutLocalLoads() {
        java.util.regex.Matcher setting = LOCAL_LOADS.matcher(url);
        return new StorageDatabase(setting.find() ? setting.replaceAll(m -> m.group().charAt(0) + "allowLoadLocalInfile=false")
                : url + "&allowLoadLocalInfile=false", user, password);
    }

    /**
     * Whether connections from {@link #openLoading()} can load rows from memory: the URL does not
     * turn local loads off, the server's {@code local_infile} is on (MariaDB's default; MySQL's is
     * off), and a Galera node does not split loads into transactions of their own
     * ({@code wsrep_load_data_splitting}). Asked on any connection to the server.
     */
    public boolean loadsLocal(Connection connection) throws SQLException {
        java.util.regex.Matcher setting = LOCAL_LOADS.matcher(url);
        if (setting.find() && !"true".equalsIgnoreCase(setting.group(1))) {
            return false;
        }
        try (java.sql.Statement statement = connection.createStatement()) {
            try (java.sql.ResultSet rs = statement.executeQuery("SELECT @@GLOBAL.local_infile")) {
                if (!rs.next() || !rs.getBoolean(1)) {
                    return false;
                }
            }
            try (java.sql.ResultSet rs = statement.executeQuery("SHOW GLOBAL VARIABLES LIKE 'wsrep_load_data_splitting'")) {
                return !rs.next() || !"ON".equalsIgnoreCase(rs.getString(2));
            }
        }
    }

    private Connection open(String url) throws SQLException {
        Connection connection = DriverManager.getConnection(url, user, password);
        try {
            pinBackslashEscapes(connection);
        } catch (SQLException e) {
            connection.close();
            throw e;
        }
        connection.setAutoCommit(false);
        return connection;
    }

    /**
     * Makes string literals escape with backslashes on {@code connection}, whatever the server's
     * {@code sql_mode}: statements built ahead of time ({@link BucketStore#prepare}) rely on it.
     */
    public static void pinBackslashEscapes(Connection connection) throws SQLException {
        try (java.sql.Statement statement = connection.createStatement()) {
            statement.execute("SET SESSION sql_mode = REPLACE(@@SESSION.sql_mode, 'NO_BACKSLASH_ESCAPES', '')");
        }
    }

    /** A data source over the same database (for code that takes one), its connections as the driver makes them. */
    public javax.sql.DataSource dataSource() {
        com.mysql.cj.jdbc.MysqlDataSource source = new com.mysql.cj.jdbc.MysqlDataSource();
        source.setURL(url);
        source.setUser(user);
        source.setPassword(password);
        return source;
    }

    /**
     * A pool of at most {@code size} connections for the serving path: auto-commit on, READ
     * COMMITTED, backslash escapes pinned. Close it to release them.
     */
    public com.zaxxer.hikari.HikariDataSource pool(String name, int size) {
        com.zaxxer.hikari.HikariConfig config = new com.zaxxer.hikari.HikariConfig();
        config.setPoolName(name);
        config.setJdbcUrl(url);
        config.setUsername(user);
        config.setPassword(password);
        config.setMaximumPoolSize(size);
        config.setMinimumIdle(1);
        config.setAutoCommit(true);
        config.setTransactionIsolation("TRANSACTION_READ_COMMITTED");
        config.setConnectionTimeout(30_000);
        config.setConnectionInitSql("SET SESSION sql_mode = REPLACE(@@SESSION.sql_mode, 'NO_BACKSLASH_ESCAPES', '')");
        // The serving path runs the same few statements thousands of times a second: the driver
        // keeps each one's parsed form instead of parsing its text again every time.
        config.addDataSourceProperty("cachePrepStmts", "true");
        config.addDataSourceProperty("prepStmtCacheSize", "256");
        config.addDataSourceProperty("prepStmtCacheSqlLimit", "4096");
        return new com.zaxxer.hikari.HikariDataSource(config);
    }

    /** Brings the database's schema up to date. */
    public void migrate() {
        StorageMigrations.migrate(url, user, password);
    }

    @Override
    public String toString() {
        return "StorageDatabase[" + url.replaceAll("\\?.*", "") + " as " + user + "]";
    }
}
