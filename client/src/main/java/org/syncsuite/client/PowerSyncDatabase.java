package org.syncsuite.client;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.ResultSetMetaData;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.NoSuchElementException;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.locks.ReentrantLock;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

/**
 * The app's local database: a SQLite file holding the tables of its {@link Schema} as views,
 * the synced data behind them, and the queue of local writes waiting for upload. Reads and writes
 * go through {@link #getAll}, {@link #execute} and transactions; each write transaction's
 * changes to synced tables are queued as one {@link CrudTransaction}.
 *
 * <p>Thread-safe: one SQLite connection, used by one caller at a time.
 */
public final class PowerSyncDatabase implements AutoCloseable {

    private static final ObjectMapper JSON = new ObjectMapper();

    /**
     * The page size of a new local database, in bytes. The op log's rows (the row's JSON and its
     * key) are its key in a tree without a rowid, so its inner pages hold whole rows: at twice
     * SQLite's default, a page holds twice as many and a first sync splits half as many.
     */
    static final int PAGE_SIZE = 8192;

    private final Connection connection;
    private final WalCheckpointer checkpointer;
    private final ReentrantLock lock = new ReentrantLock();
    private final Schema schema;
    private final String clientId;
    private boolean closed; // guarded by lock
    private final Object statusLock = new Object();
    private SyncStatus status = SyncStatus.DISCONNECTED; // guarded by statusLock
    private final List<java.util.function.Consumer<SyncStatus>> statusListeners = new java.util.concurrent.CopyOnWriteArrayList<>();
    private volatile SyncClient sync;
    private final StreamSubscriptions subscriptions;
    // Tables written in the open transaction (SQLite's update hook), guarded by lock.
    private final java.util.Set<String> written = new java.util.HashSet<>();
    private final org.sqlite.SQLiteUpdateListener updateListener = (type, database, table, rowId) -> written.add(appTableName(table));
    private final List<TableListener> tableListeners = new java.util.concurrent.CopyOnWriteArrayList<>();
    // Prepared statements by SQL text, reused across transactions; guarded by lock.
    private final Map<String, PreparedStatement> statements = new java.util.LinkedHashMap<>(64, 0.75f, true) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<String, PreparedStatement> eldest) {
            if (size() > 128) {
                try {
                    eldest.getValue().close();
                } catch (SQLException ignored) {
                    // dropped from the cache anyway
                }
                return true;
            }
            return false;
        }
    };

    /** Told which tables (as the app names them) a committed transaction changed. */
    interface TableListener {
        void tablesChanged(java.util.Set<String> tables);
    }

    private PowerSyncDatabase(Path file, Connection connection, Schema schema) throws SQLException {
        this.connection = connection;
        this.schema = schema;
        try (Statement statement = connection.createStatement()) {
            statement.execute("PRAGMA page_size = " + PAGE_SIZE); // takes effect only in a new database
            statement.execute("PRAGMA journal_mode = WAL");
            statement.execute("PRAGMA synchronous = NORMAL");
            statement.execute("PRAGMA busy_timeout = 30000");
            statement.execute("PRAGMA cache_size = -65536");
            long pageSize;
            try (java.sql.ResultSet rs = statement.executeQuery("PRAGMA page_size")) {
                rs.next();
                pageSize = rs.getLong(1);
            }
            statement.execute("PRAGMA wal_autocheckpoint = " + WalCheckpointer.BACKSTOP_BYTES / pageSize);
            statement.execute("PRAGMA journal_size_limit = " + WalCheckpointer.LOG_LIMIT_BYTES);
        }
        sqlite().addUpdateListener(updateListener);
        connection.setAutoCommit(false);
        applySchema();
        this.clientId = readOrCreateClientId();
        connection.commit();
        this.checkpointer = new WalCheckpointer(file);
        try {
            this.subscriptions = new StreamSubscriptions(this, java.time.Clock.systemUTC());
            subscriptions.releaseLeftovers();
        } catch (RuntimeException e) {
            checkpointer.close();
            throw e;
        }
    }

    /** Opens (creating it when missing) the local database at {@code file} with {@code schema}. */
    public static PowerSyncDatabase open(Path file, Schema schema) {
        try {
            Path parent = file.toAbsolutePath().getParent();
            if (parent != null) {
                Files.createDirectories(parent);
            }
            java.util.Properties properties = new java.util.Properties();
            // Nothing here reads generated keys; the driver would otherwise ask SQLite for them after every insert.
            properties.setProperty("jdbc.get_generated_keys", "false");
            Connection connection = DriverManager.getConnection("jdbc:sqlite:" + file.toAbsolutePath(), properties);
            try {
                return new PowerSyncDatabase(file.toAbsolutePath(), connection, schema);
            } catch (SQLException | RuntimeException e) {
                try {
                    connection.close();
                } catch (SQLException suppressed) {
                    e.addSuppressed(suppressed);
                }
                throw e;
            }
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot create the folder of " + file, e);
        } catch (SQLException e) {
            throw new LocalDatabaseException("Cannot open the local database " + file + ": " + e.getMessage(), e);
        }
    }

    public Schema schema() {
        return schema;
    }

    /** This installation's id (a UUID), sent with every sync request and write checkpoint. */
    public String clientId() {
        return clientId;
    }

    // ---- reading and writing

    /** Work inside one transaction: statements and queries on its connection. */
    @FunctionalInterface
    public interface Work<T> {
        T run(Transaction transaction);
    }

    /** The statements of one transaction. */
    public final class Transaction {
        private Transaction() {
        }

        public long execute(String sql, Object... parameters) {
            try {
                return prepare(sql, parameters).executeUpdate();
            } catch (SQLException e) {
                throw failure(sql, e);
            }
        }

        /** Reports {@code table} (as the app names it) written, where the update hook is off. */
        void wrote(String table) {
            written.add(appTableName(table));
        }

        /** Runs {@code sql} once per parameter row, as one batch. */
        public void executeBatch(String sql, List<Object[]> rows) {
            if (rows.isEmpty()) {
                return;
            }
            try {
                PreparedStatement statement = prepare(sql);
                for (Object[] row : rows) {
                    for (int i = 0; i < row.length; i++) {
                        statement.setObject(i + 1, row[i]);
                    }
                    statement.addBatch();
                }
                statement.executeBatch();
            } catch (SQLException e) {
                throw failure(sql, e);
            }
        }

        public List<Map<String, Object>> getAll(String sql, Object... parameters) {
            try (ResultSet rs = prepare(sql, parameters).executeQuery()) {
                List<Map<String, Object>> rows = new ArrayList<>();
                ResultSetMetaData meta = rs.getMetaData();
                while (rs.next()) {
                    Map<String, Object> row = new LinkedHashMap<>();
                    for (int i = 1; i <= meta.getColumnCount(); i++) {
                        Object value = rs.getObject(i);
                        row.put(meta.getColumnLabel(i), value instanceof Integer n ? Long.valueOf(n) : value);
                    }
                    rows.add(row);
                }
                return rows;
            } catch (SQLException e) {
                throw failure(sql, e);
            }
        }

        public Optional<Map<String, Object>> getOptional(String sql, Object... parameters) {
            List<Map<String, Object>> rows = getAll(sql, parameters);
            return rows.isEmpty() ? Optional.empty() : Optional.of(rows.get(0));
        }

        public Map<String, Object> get(String sql, Object... parameters) {
            return getOptional(sql, parameters).orElseThrow(() -> new NoSuchElementException("No row for: " + sql));
        }

        private PreparedStatement prepare(String sql, Object... parameters) throws SQLException {
            PreparedStatement statement = statements.get(sql);
            if (statement == null || statement.isClosed()) {
                statement = connection.prepareStatement(sql);
                statements.put(sql, statement);
            }
            statement.clearParameters();
            for (int i = 0; i < parameters.length; i++) {
                statement.setObject(i + 1, parameters[i] instanceof Boolean b ? (b ? 1 : 0) : parameters[i]);
            }
            return statement;
        }
    }

    /**
     * Runs {@code work} in a write transaction, committed when it returns and rolled back when it
     * throws. Writes to synced tables in it are queued for upload as one transaction.
     */
    public <T> T writeTransaction(Work<T> work) {
        return inTransaction(work, true);
    }

    /** Runs {@code work} in a transaction that only reads. */
    public <T> T readTransaction(Work<T> work) {
        return inTransaction(work, false);
    }

    public long execute(String sql, Object... parameters) {
        return writeTransaction(tx -> tx.execute(sql, parameters));
    }

    public List<Map<String, Object>> getAll(String sql, Object... parameters) {
        return readTransaction(tx -> tx.getAll(sql, parameters));
    }

    public Optional<Map<String, Object>> getOptional(String sql, Object... parameters) {
        return readTransaction(tx -> tx.getOptional(sql, parameters));
    }

    /** The first row of {@code sql}; {@link NoSuchElementException} when there is none. */
    public Map<String, Object> get(String sql, Object... parameters) {
        return readTransaction(tx -> tx.get(sql, parameters));
    }

    /**
     * A write transaction whose work names the tables it writes ({@link Transaction#wrote}) instead
     * of SQLite's update hook reporting each row: for the sync client's set-based statements, which
     * write up to millions of rows, one call into Java per row each.
     */
    <T> T writeTransactionNamingTables(Work<T> work) {
        return inTransaction(work, true, false);
    }

    private <T> T inTransaction(Work<T> work, boolean write) {
        return inTransaction(work, write, true);
    }

    private <T> T inTransaction(Work<T> work, boolean write, boolean updateHook) {
        lock.lock();
        try {
            if (closed) {
                throw new IllegalStateException("The local database is closed");
            }
            org.sqlite.SQLiteConnection sqlite = sqlite();
            if (!updateHook) {
                sqlite.removeUpdateListener(updateListener);
            }
            Transaction transaction = new Transaction();
            T result;
            java.util.Set<String> changed;
            try {
                if (write) {
                    transaction.execute("UPDATE ps_tx SET current_tx = next_tx, next_tx = next_tx + 1 WHERE id = 1");
                }
                result = work.run(transaction);
                connection.commit();
                if (write) {
                    checkpointer.committed();
                }
                changed = java.util.Set.copyOf(written);
            } catch (RuntimeException e) {
                rollback(e);
                throw e;
            } catch (SQLException e) {
                rollback(e);
                throw new LocalDatabaseException("Commit failed: " + e.getMessage(), e);
            } finally {
                written.clear();
                if (!updateHook) {
                    sqlite.addUpdateListener(updateListener);
                }
            }
            if (!changed.isEmpty()) {
                lock.unlock();
                try {
                    notifyTables(changed);
                } finally {
                    lock.lock();
                }
            }
            return result;
        } finally {
            lock.unlock();
        }
    }

    private org.sqlite.SQLiteConnection sqlite() {
        try {
            return connection.unwrap(org.sqlite.SQLiteConnection.class);
        } catch (SQLException e) {
            throw new LocalDatabaseException("Not a SQLite connection: " + e.getMessage(), e);
        }
    }

    private void notifyTables(java.util.Set<String> changed) {
        for (TableListener listener : tableListeners) {
            listener.tablesChanged(changed);
        }
        SyncClient client = sync;
        if (client != null && changed.contains("ps_crud")) {
            client.wakeUpload();
        }
    }

    /** The app's name of a table SQLite reports: {@code ps_data__todos} is {@code todos}. */
    private static String appTableName(String table) {
        if (table.startsWith("ps_data_local__")) {
            return table.substring("ps_data_local__".length());
        }
        return table.startsWith("ps_data__") ? table.substring("ps_data__".length()) : table;
    }

    /**
     * The rows of {@code sql}, now and after every committed change to a table it reads, as long
     * as they differ from the last rows sent.
     */
    public java.util.concurrent.Flow.Publisher<List<Map<String, Object>>> watch(String sql, Object... parameters) {
        return new WatchedQuery(this, sql, parameters);
    }

    void addTableListener(TableListener listener) {
        tableListeners.add(listener);
    }

    void removeTableListener(TableListener listener) {
        tableListeners.remove(listener);
    }

    /** The tables (as the app names them) a query reads, from the tables and indexes its program opens. */
    java.util.Set<String> tablesRead(String sql) {
        return readTransaction(tx -> {
            Map<Long, String> byRootPage = new java.util.HashMap<>();
            for (Map<String, Object> row : tx.getAll("SELECT tbl_name, rootpage FROM sqlite_master WHERE type IN ('table', 'index')")) {
                if (row.get("rootpage") instanceof Number page) {
                    byRootPage.put(page.longValue(), appTableName((String) row.get("tbl_name")));
                }
            }
            java.util.Set<String> tables = new java.util.HashSet<>();
            for (Map<String, Object> op : tx.getAll("EXPLAIN " + sql, new Object[countParameters(sql)])) {
                if ("OpenRead".equals(op.get("opcode")) && op.get("p2") instanceof Number page) {
                    String table = byRootPage.get(page.longValue());
                    if (table != null) {
                        tables.add(table);
                    }
                }
            }
            return tables;
        });
    }

    private static int countParameters(String sql) {
        int count = 0;
        boolean quoted = false;
        for (char c : sql.toCharArray()) {
            if (c == '\'') {
                quoted = !quoted;
            } else if (c == '?' && !quoted) {
                count++;
            }
        }
        return count;
    }

    private void rollback(Exception cause) {
        try {
            connection.rollback();
        } catch (SQLException e) {
            cause.addSuppressed(e);
        }
    }

    // ---- syncing

    /**
     * A stream of the sync config with its parameters ({@code subscription.parameter(...)} in its
     * queries), to subscribe to. Subscriptions are kept in the local database with their time to
     * live and sent with every connection, along with {@link ConnectOptions#subscriptions()}.
     */
    public SyncStream syncStream(String name, Map<String, Object> parameters) {
        if (name == null || name.isBlank()) {
            throw new IllegalArgumentException("A stream needs a name");
        }
        return new SyncStream(this, name, parameters);
    }

    StreamSubscriptions subscriptions() {
        return subscriptions;
    }

    /** The kept subscriptions changed: {@code reopen} when the connection must send the new set now. */
    void subscriptionsChanged(boolean reopen) {
        SyncClient client = sync;
        if (client != null) {
            client.subscriptionsChanged(reopen);
        }
    }

    /**
     * Starts syncing with the gateway the connector names, in the background: returns at once
     * ({@link #waitForFirstSync} waits for data). Connecting again replaces the previous connection.
     */
    public void connect(PowerSyncBackendConnector connector, ConnectOptions options) {
        disconnect();
        SyncClient client = new SyncClient(this, connector, options);
        sync = client;
        client.start();
    }

    public void connect(PowerSyncBackendConnector connector) {
        connect(connector, ConnectOptions.DEFAULTS);
    }

    /** Stops syncing; local data and queued writes stay. */
    public void disconnect() {
        SyncClient client = sync;
        sync = null;
        if (client != null) {
            client.stop();
        }
    }

    /** Stops syncing and deletes every synced row, bucket and queued write (on logout). */
    public void disconnectAndClear() {
        disconnect();
        writeTransaction(tx -> {
            for (Table table : schema.tables()) {
                if (!table.insertOnly()) {
                    tx.execute("DELETE FROM " + SchemaSql.quote(table.dataTable()));
                }
            }
            for (String internal : List.of("ps_oplog", "ps_buckets", "ps_crud", "ps_untyped", "ps_updated_rows", "ps_sync_state",
                    "ps_stream_subscriptions")) {
                tx.execute("DELETE FROM " + internal);
            }
            tx.execute("DELETE FROM ps_kv WHERE key <> 'client_id'");
            return null;
        });
        updateStatus(s -> SyncStatus.DISCONNECTED);
        tablesChanged();
    }

    public SyncStatus currentStatus() {
        synchronized (statusLock) {
            return status;
        }
    }

    /** Called with every new status, on the thread that changed it. */
    public void addStatusListener(java.util.function.Consumer<SyncStatus> listener) {
        statusListeners.add(listener);
    }

    /**
     * Waits until a complete checkpoint has been applied (at once if one already was); false when
     * {@code timeout} passed first.
     */
    public boolean waitForFirstSync(java.time.Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        synchronized (statusLock) {
            while (!status.hasSynced()) {
                long left = deadline - System.nanoTime();
                if (left <= 0) {
                    return false;
                }
                statusLock.wait(Math.max(1, left / 1_000_000));
            }
            return true;
        }
    }

    void updateStatus(java.util.function.UnaryOperator<SyncStatus> change) {
        SyncStatus next;
        synchronized (statusLock) {
            next = change.apply(status);
            if (next.equals(status)) {
                return;
            }
            status = next;
            statusLock.notifyAll();
        }
        for (java.util.function.Consumer<SyncStatus> listener : statusListeners) {
            listener.accept(next);
        }
    }

    /** Synced data was published into the app's tables (their watchers heard of it with the commit). */
    void tablesChanged() {
        // the update hook already reported the tables written
    }

    // ---- the upload queue

    /** The oldest local transaction's queued writes, if any. */
    public Optional<CrudTransaction> nextCrudTransaction() {
        return readTransaction(tx -> {
            Optional<Map<String, Object>> first = tx.getOptional("SELECT id, tx_id FROM ps_crud ORDER BY id LIMIT 1");
            if (first.isEmpty()) {
                return Optional.empty();
            }
            Object txId = first.get().get("tx_id");
            List<CrudEntry> entries = txId == null
                    ? entries(tx.getAll("SELECT id, tx_id, data FROM ps_crud WHERE id = ?", first.get().get("id")))
                    : entries(tx.getAll("SELECT id, tx_id, data FROM ps_crud WHERE tx_id = ? ORDER BY id", txId));
            return Optional.of(new CrudTransaction(this, txId == null ? 0 : ((Number) txId).longValue(), entries));
        });
    }

    /** Up to {@code limit} queued writes, oldest first. */
    public Optional<CrudBatch> crudBatch(int limit) {
        return readTransaction(tx -> {
            List<CrudEntry> entries = entries(tx.getAll("SELECT id, tx_id, data FROM ps_crud ORDER BY id LIMIT ?", limit + 1));
            if (entries.isEmpty()) {
                return Optional.empty();
            }
            boolean more = entries.size() > limit;
            return Optional.of(new CrudBatch(this, more ? entries.subList(0, limit) : entries, more));
        });
    }

    /** How many writes wait for upload. */
    public long uploadQueueSize() {
        return ((Number) get("SELECT COUNT(*) AS n FROM ps_crud").get("n")).longValue();
    }

    /** Takes the queue's entries up to {@code lastClientId} off it. */
    void completeCrud(long lastClientId) {
        inTransaction(tx -> tx.execute("DELETE FROM ps_crud WHERE id <= ?", lastClientId), false);
    }

    private static List<CrudEntry> entries(List<Map<String, Object>> rows) {
        List<CrudEntry> entries = new ArrayList<>(rows.size());
        for (Map<String, Object> row : rows) {
            JsonNode data;
            try {
                data = JSON.readTree((String) row.get("data"));
            } catch (IOException e) {
                throw new LocalDatabaseException("An upload queue entry is not JSON: " + row.get("data"), e);
            }
            Optional<Map<String, Object>> opData = data.hasNonNull("data")
                    ? Optional.of(JSON.convertValue(data.get("data"), new TypeReference<LinkedHashMap<String, Object>>() { }))
                    : Optional.empty();
            Object txId = row.get("tx_id");
            entries.add(new CrudEntry(((Number) row.get("id")).longValue(), CrudEntry.Op.valueOf(data.get("op").asText()),
                    data.get("type").asText(), data.get("id").asText(), txId == null ? 0 : ((Number) txId).longValue(), opData));
        }
        return entries;
    }

    // ---- set-up

    private void applySchema() throws SQLException {
        try (Statement statement = connection.createStatement()) {
            boolean keyedOplog;
            try (ResultSet rs = statement.executeQuery("SELECT 1 FROM pragma_table_info('ps_oplog') WHERE name = 'key'")) {
                keyedOplog = rs.next();
            }
            if (keyedOplog) {
                for (String sql : SchemaSql.oplogFromKeyedVersion()) {
                    statement.execute(sql);
                }
            }
            for (String sql : SchemaSql.internal()) {
                statement.execute(sql);
            }
            List<String[]> previous = new ArrayList<>();
            try (ResultSet rs = statement.executeQuery(SchemaSql.previousObjects())) {
                while (rs.next()) {
                    previous.add(new String[]{rs.getString(1), rs.getString(2)});
                }
            }
            for (String[] object : previous) {
                if (!object[0].equals("view")) {
                    statement.execute("DROP " + object[0].toUpperCase(java.util.Locale.ROOT) + " IF EXISTS " + SchemaSql.quote(object[1]));
                }
            }
            for (String[] object : previous) {
                if (object[0].equals("view")) {
                    statement.execute("DROP VIEW IF EXISTS " + SchemaSql.quote(object[1]));
                }
            }
            for (Table table : schema.tables()) {
                for (String sql : SchemaSql.table(table)) {
                    try {
                        statement.execute(sql);
                    } catch (SQLException e) {
                        throw new LocalDatabaseException("Cannot set up table " + table.name() + ": " + e.getMessage() + " in " + sql, e);
                    }
                }
            }
        }
    }

    private String readOrCreateClientId() throws SQLException {
        try (PreparedStatement insert = connection.prepareStatement("INSERT OR IGNORE INTO ps_kv (key, value) VALUES ('client_id', ?)")) {
            insert.setString(1, UUID.randomUUID().toString());
            insert.executeUpdate();
        }
        try (Statement statement = connection.createStatement();
             ResultSet rs = statement.executeQuery("SELECT value FROM ps_kv WHERE key = 'client_id'")) {
            rs.next();
            return rs.getString(1);
        }
    }

    private static LocalDatabaseException failure(String sql, SQLException e) {
        return new LocalDatabaseException(e.getMessage() + " (in: " + sql + ")", e);
    }

    @Override
    public void close() {
        disconnect();
        lock.lock();
        try {
            if (!closed) {
                closed = true;
                try {
                    for (PreparedStatement statement : statements.values()) {
                        statement.close();
                    }
                    statements.clear();
                } finally {
                    checkpointer.close(); // first, so that the writer's connection is the last and takes the log in whole
                    connection.close();
                }
            }
        } catch (SQLException e) {
            throw new LocalDatabaseException("Closing the local database failed: " + e.getMessage(), e);
        } finally {
            lock.unlock();
        }
    }
}
