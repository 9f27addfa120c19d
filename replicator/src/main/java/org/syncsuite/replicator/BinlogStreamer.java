package org.syncsuite.replicator;

import java.io.IOException;
import java.io.Serializable;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.Predicate;
import java.util.function.Supplier;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import com.github.shyiko.mysql.binlog.BinaryLogClient;
import com.github.shyiko.mysql.binlog.event.DeleteRowsEventData;
import com.github.shyiko.mysql.binlog.event.Event;
import com.github.shyiko.mysql.binlog.event.EventHeaderV4;
import com.github.shyiko.mysql.binlog.event.EventType;
import com.github.shyiko.mysql.binlog.event.GtidEventData;
import com.github.shyiko.mysql.binlog.event.MariadbGtidEventData;
import com.github.shyiko.mysql.binlog.event.QueryEventData;
import com.github.shyiko.mysql.binlog.event.RotateEventData;
import com.github.shyiko.mysql.binlog.event.TableMapEventData;
import com.github.shyiko.mysql.binlog.event.UpdateRowsEventData;
import com.github.shyiko.mysql.binlog.event.WriteRowsEventData;
import org.syncsuite.core.ErrorCode;
import org.syncsuite.core.SqliteValue;
import org.syncsuite.core.SyncException;
import org.syncsuite.core.change.ChangeRecord;
import org.syncsuite.core.change.SourcePosition;

/**
 * Reads the source's binary log from a position and turns each source transaction on replicated
 * tables into a {@link SourceTransaction} on the queue: inserts, updates (before and after),
 * deletes (followed by a tombstone), truncations and schema changes, each closed by the position
 * after its commit. Transactions that touch no replicated table still move the position.
 *
 * <p>Threading: the binlog client's thread calls the listener; {@link #stop} may be called from
 * any thread.
 */
final class BinlogStreamer implements BinaryLogClient.EventListener, BinaryLogClient.LifecycleListener {

    private static final Pattern DDL_TABLE = Pattern.compile(
            "^\\s*(?:ALTER\\s+TABLE|CREATE\\s+TABLE(?:\\s+IF\\s+NOT\\s+EXISTS)?|DROP\\s+TABLE(?:\\s+IF\\s+EXISTS)?|TRUNCATE(?:\\s+TABLE)?|RENAME\\s+TABLE)\\s+"
                    + "(?:`?(\\w+)`?\\.)?`?(\\w+)`?", Pattern.CASE_INSENSITIVE);

    private final ReplicatorSettings settings;
    private final SourcePreflight.Flavor flavor;
    private final Predicate<String> replicated;
    private final RowDecoder decoder;
    private final Supplier<Connection> jdbc;
    private final TransactionQueue queue;
    private final BinaryLogClient client;
    private final Map<Long, TableMapEventData> tableMaps = new LinkedHashMap<>();
    private final Map<Long, TableSchema> tableMapSchemas = new LinkedHashMap<>();
    /** DDL seen per table, announced with the columns of the table's next table map. */
    private final Map<String, String> pendingSchemaChanges = new LinkedHashMap<>();
    private Map<String, TableSchema> schemas;
    private TableMapSchema tableMapSchema;

    private String file;
    private long nextPosition;
    private final Map<Long, String> gtidByDomain = new LinkedHashMap<>();
    private Optional<String> transactionGtid = Optional.empty();
    private boolean inTransaction;
    private final List<ChangesTopic.Encoded> pending = new ArrayList<>();
    private long pendingBytes;
    private long eventTimestamp;
    private volatile Throwable failure;

    BinlogStreamer(ReplicatorSettings settings, SourcePreflight.Flavor flavor, Predicate<String> replicated,
                   RowDecoder decoder, Supplier<Connection> jdbc, TransactionQueue queue, SourcePosition from) {
        this.settings = settings;
        this.flavor = flavor;
        this.replicated = replicated;
        this.decoder = decoder;
        this.jdbc = jdbc;
        this.queue = queue;
        this.file = from.file();
        this.nextPosition = from.offset();
        parseGtidSet(from.gtidSet());
        this.client = new BinaryLogClient(settings.hostname(), settings.port(), settings.username(), settings.password());
        // A replica id of its own per session, so a restarted replicator never collides with the old session.
        client.setServerId(settings.serverIdBase() + ThreadLocalRandom.current().nextInt(1, 10_000));
        client.setBinlogFilename(file);
        client.setBinlogPosition(nextPosition);
        client.setKeepAlive(false); // a lost connection ends the session; the replicator resumes from the last commit
        client.setHeartbeatInterval(settings.heartbeatMillis());
        client.setConnectTimeout(settings.connectTimeoutMillis());
        client.setEventDeserializer(Replicator.eventDeserializer());
        client.registerEventListener(this);
        client.registerLifecycleListener(this);
    }

    /** Connects and streams on the client's own thread. */
    void start() throws IOException, SQLException {
        reloadSchemas();
        try {
            client.connect(settings.connectTimeoutMillis());
        } catch (java.util.concurrent.TimeoutException e) {
            throw new IOException("Timed out connecting to the binlog of " + settings.hostname(), e);
        }
    }

    /** Why streaming stopped, if it did. */
    Optional<Throwable> failure() {
        return Optional.ofNullable(failure);
    }

    boolean isConnected() {
        return client.isConnected() && failure == null;
    }

    void stop() {
        try {
            client.disconnect();
        } catch (IOException e) {
            // already gone
        }
    }

    private void reloadSchemas() throws SQLException {
        try (Connection connection = jdbc.get()) {
            schemas = TableSchema.readAll(connection, settings.database());
            if (tableMapSchema == null) {
                tableMapSchema = TableMapSchema.load(connection);
            }
        }
    }

    @Override
    public void onEvent(Event event) {
        try {
            handle(event);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            fail(new SyncException(ErrorCode.SOURCE_UNREACHABLE, "Interrupted while queueing changes", e));
        } catch (RuntimeException | SQLException e) {
            fail(e);
        }
    }

    private void handle(Event event) throws InterruptedException, SQLException {
        EventHeaderV4 header = event.getHeader();
        EventType type = header.getEventType();
        if (header.getNextPosition() > 0) {
            nextPosition = header.getNextPosition();
        }
        eventTimestamp = header.getTimestamp();
        switch (type) {
            case ROTATE -> {
                RotateEventData rotate = event.getData();
                file = rotate.getBinlogFilename();
                nextPosition = rotate.getBinlogPosition();
            }
            case MARIADB_GTID -> {
                MariadbGtidEventData gtid = event.getData();
                // In file/position mode the event's own server id field reads 0: the header has it.
                String text = gtid.getDomainId() + "-" + header.getServerId() + "-" + gtid.getSequence();
                transactionGtid = Optional.of(text);
                gtidByDomain.put(gtid.getDomainId(), text);
                inTransaction = (gtid.getFlags() & MariadbGtidEventData.FL_STANDALONE) == 0;
            }
            case GTID -> {
                GtidEventData gtid = event.getData();
                transactionGtid = Optional.of(gtid.getMySqlGtid().toString());
                gtidByDomain.put(0L, gtid.getMySqlGtid().toString());
                inTransaction = true;
            }
            case TABLE_MAP -> {
                TableMapEventData map = event.getData();
                tableMaps.put(map.getTableId(), map);
                tableMapSchemas.remove(map.getTableId());
            }
            case WRITE_ROWS, EXT_WRITE_ROWS -> {
                WriteRowsEventData data = event.getData();
                table(data.getTableId()).ifPresent(schema -> {
                    int row = 0;
                    for (Serializable[] values : data.getRows()) {
                        Map<String, SqliteValue> after = decoder.decode(schema, data.getIncludedColumns(), values);
                        add(change(ChangeRecord.Op.CREATE, schema, Optional.empty(), Optional.of(after), row++));
                    }
                });
            }
            case UPDATE_ROWS, EXT_UPDATE_ROWS -> {
                UpdateRowsEventData data = event.getData();
                table(data.getTableId()).ifPresent(schema -> {
                    int row = 0;
                    for (Map.Entry<Serializable[], Serializable[]> values : data.getRows()) {
                        Map<String, SqliteValue> before = decoder.decode(schema, data.getIncludedColumnsBeforeUpdate(), values.getKey());
                        Map<String, SqliteValue> after = decoder.decode(schema, data.getIncludedColumns(), values.getValue());
                        if (!key(schema, before).equals(key(schema, after))) {
                            // The key changed: under the old key the row is gone.
                            add(change(ChangeRecord.Op.DELETE, schema, Optional.of(before), Optional.empty(), row));
                            add(new ChangeRecord.Tombstone(schema.database(), schema.table(), key(schema, before)));
                            add(change(ChangeRecord.Op.CREATE, schema, Optional.empty(), Optional.of(after), row++));
                        } else {
                            add(change(ChangeRecord.Op.UPDATE, schema, Optional.of(before), Optional.of(after), row++));
                        }
                    }
                });
            }
            case DELETE_ROWS, EXT_DELETE_ROWS -> {
                DeleteRowsEventData data = event.getData();
                table(data.getTableId()).ifPresent(schema -> {
                    int row = 0;
                    for (Serializable[] values : data.getRows()) {
                        Map<String, SqliteValue> before = decoder.decode(schema, data.getIncludedColumns(), values);
                        add(change(ChangeRecord.Op.DELETE, schema, Optional.of(before), Optional.empty(), row++));
                        add(new ChangeRecord.Tombstone(schema.database(), schema.table(), key(schema, before)));
                    }
                });
            }
            case XID -> endTransaction();
            case QUERY -> query(event.getData());
            case HEARTBEAT -> {
                if (!inTransaction && pending.isEmpty()) {
                    endTransaction(); // an idle source still moves the position forward
                }
            }
            default -> {
            }
        }
    }

    private void query(QueryEventData data) throws InterruptedException, SQLException {
        String sql = data.getSql().trim();
        String upper = sql.toUpperCase(Locale.ROOT);
        if (upper.equals("BEGIN") || upper.startsWith("XA START")) {
            inTransaction = true;
            return;
        }
        if (upper.equals("COMMIT") || upper.startsWith("XA COMMIT")) {
            endTransaction();
            return;
        }
        String database = data.getDatabase();
        Matcher matcher = DDL_TABLE.matcher(sql);
        if (matcher.find()) {
            String schemaName = matcher.group(1) != null ? matcher.group(1) : database;
            String table = matcher.group(2);
            if (settings.database().equals(schemaName)) {
                boolean wasReplicated = schemas.containsKey(table) && replicated.test(table);
                reloadSchemas();
                if (upper.startsWith("TRUNCATE") && replicated.test(table)) {
                    add(new ChangeRecord.Truncate(schemaName, table, false, eventTimestamp));
                } else if (upper.startsWith("DROP") && wasReplicated) {
                    add(new ChangeRecord.Truncate(schemaName, table, true, eventTimestamp));
                } else if (replicated.test(table)) {
                    // information_schema already shows later DDL when the binlog lags: the columns
                    // come from the next table map instead, which describes exactly this point.
                    pendingSchemaChanges.put(table, sql);
                }
            }
        }
        inTransaction = false;
        endTransaction(); // DDL commits implicitly
    }

    /** The schema of a row event's table as its table map described it, if the table is replicated. */
    private Optional<TableSchema> table(long tableId) {
        TableMapEventData map = tableMaps.get(tableId);
        if (map == null || !settings.database().equals(map.getDatabase()) || !replicated.test(map.getTable())) {
            return Optional.empty();
        }
        TableSchema schema = tableMapSchemas.computeIfAbsent(tableId,
                id -> tableMapSchema.of(map, Optional.ofNullable(schemas.get(map.getTable()))));
        String ddl = pendingSchemaChanges.remove(map.getTable());
        if (ddl != null) {
            add(new ChangeRecord.SchemaChange(schema.database(), schema.table(), schema.columnNames(), schema.keyColumns(),
                    Optional.of(ddl), eventTimestamp));
        }
        return Optional.of(schema);
    }

    private ChangeRecord.RowChange change(ChangeRecord.Op op, TableSchema schema, Optional<Map<String, SqliteValue>> before,
                                          Optional<Map<String, SqliteValue>> after, int row) {
        ChangeRecord.Source source = new ChangeRecord.Source(flavor == SourcePreflight.Flavor.MARIADB ? "mariadb" : "mysql",
                settings.connectionId(), schema.database(), schema.table(), transactionGtid, file, nextPosition, row,
                settings.serverIdBase(), eventTimestamp, false);
        return new ChangeRecord.RowChange(op, schema.database(), schema.table(), key(schema, after.or(() -> before).orElseThrow()),
                before, after, source, System.currentTimeMillis());
    }

    private static Map<String, SqliteValue> key(TableSchema schema, Map<String, SqliteValue> row) {
        Map<String, SqliteValue> key = new LinkedHashMap<>();
        for (String column : schema.keyColumns()) {
            key.put(column, row.getOrDefault(column, SqliteValue.NULL));
        }
        return key;
    }

    /** Encodes on this (the binlog reader's) thread, so the writer thread only sends. */
    private void add(ChangeRecord record) {
        ChangesTopic.Encoded encoded = ChangesTopic.Encoded.of(record);
        pending.add(encoded);
        pendingBytes += encoded.size();
    }

    private void endTransaction() throws InterruptedException {
        inTransaction = false;
        SourcePosition position = SourcePosition.at(gtidSet(), file, nextPosition);
        queue.put(new SourceTransaction(pending, position, pendingBytes, eventTimestamp));
        pending.clear();
        pendingBytes = 0;
        transactionGtid = Optional.empty();
    }

    private String gtidSet() {
        return String.join(",", gtidByDomain.values());
    }

    private void parseGtidSet(String set) {
        if (set == null || set.isBlank()) {
            return;
        }
        for (String gtid : set.split(",")) {
            String trimmed = gtid.trim();
            int dash = trimmed.indexOf('-');
            if (flavor == SourcePreflight.Flavor.MARIADB && dash > 0) {
                gtidByDomain.put(Long.parseLong(trimmed.substring(0, dash)), trimmed);
            } else {
                gtidByDomain.put(0L, trimmed);
            }
        }
    }

    private void fail(Throwable cause) {
        if (failure == null) {
            failure = cause;
        }
        queue.fail(cause instanceof RuntimeException r ? r
                : new SyncException(ErrorCode.SOURCE_UNREACHABLE, "Binlog streaming failed: " + cause.getMessage(), cause));
        stop();
    }

    @Override
    public void onConnect(BinaryLogClient client) {
    }

    @Override
    public void onCommunicationFailure(BinaryLogClient client, Exception e) {
        String message = String.valueOf(e.getMessage());
        if (message.contains("1236") || message.contains("Could not find first log file")
                || message.toLowerCase(Locale.ROOT).contains("purged")) {
            fail(new SyncException(ErrorCode.BINLOG_PURGED, "The binlog position " + file + ":" + nextPosition
                    + " is no longer on the source (" + message + "). The source purged it before it was replicated: "
                    + "delete the changes topic to take a new snapshot, and keep binlogs longer (binlog_expire_logs_seconds)", e));
        } else {
            fail(new SyncException(ErrorCode.SOURCE_UNREACHABLE, "Lost the binlog connection: " + message, e));
        }
    }

    @Override
    public void onEventDeserializationFailure(BinaryLogClient client, Exception e) {
        fail(new SyncException(ErrorCode.SOURCE_UNREACHABLE, "Could not read a binlog event: " + e.getMessage(), e));
    }

    @Override
    public void onDisconnect(BinaryLogClient client) {
        if (failure == null) {
            queue.fail(new SyncException(ErrorCode.SOURCE_UNREACHABLE, "The binlog connection closed"));
        }
    }
}
