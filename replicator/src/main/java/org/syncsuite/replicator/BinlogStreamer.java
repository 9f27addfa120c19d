package org.syncsuite.replicator;

import java.io.IOException;
import java.io.Serializable;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.HashMap;
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
import com.github.shyiko.mysql.binlog.event.deserialization.EventDeserializer;
import org.syncsuite.core.ErrorCode;
import org.syncsuite.core.SyncException;
import org.syncsuite.core.change.ChangeEventCodec;
import org.syncsuite.core.change.ChangeRecord;
import org.syncsuite.core.change.RowEnvelopeEncoder;
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

    private static final int MAX_TABLE_MAPS = 10_000;

    private final ReplicatorSettings settings;
    private final SourcePreflight.Flavor flavor;
    private final Predicate<String> replicated;
    private final RowDecoder decoder;
    private final Supplier<Connection> jdbc;
    private final TransactionQueue queue;
    private final BinaryLogClient client;
    private final Map<Long, TableMapEventData> tableMaps = new LinkedHashMap<>(16, 0.75f, false) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<Long, TableMapEventData> eldest) {
            return size() > MAX_TABLE_MAPS; // table ids only grow; old ones are never used again
        }
    };
    /** The encoding of each table id's rows, made from its table map when first needed. */
    private final Map<Long, TableEncoding> tableEncodings = new HashMap<>();
    /** The last encoding of each table, reused while its schema stays the same. */
    private final Map<String, TableEncoding> encodingsByTable = new HashMap<>();
    /** DDL seen per table, announced with the columns of the table's next table map. */
    private final Map<String, String> pendingSchemaChanges = new LinkedHashMap<>();
    private Map<String, TableSchema> schemas;
    private TableMapSchema tableMapSchema;

    private String file;
    private long nextPosition;
    private final Map<Long, String> gtidByDomain = new LinkedHashMap<>();
    private Optional<String> transactionGtid = Optional.empty();
    private boolean inTransaction;
    private final String connector;
    private List<ChangesTopic.Encoded> pending = new ArrayList<>();
    private long pendingBytes;
    private long eventTimestamp;
    private volatile Throwable failure;
    private volatile SnapshotCatchUp catchUp;
    private byte[] skippedKey;

    BinlogStreamer(ReplicatorSettings settings, SourcePreflight.Flavor flavor, Predicate<String> replicated,
                   RowDecoder decoder, Supplier<Connection> jdbc, TransactionQueue queue, SourcePosition from) {
        this.settings = settings;
        this.flavor = flavor;
        this.replicated = replicated;
        this.decoder = decoder;
        this.jdbc = jdbc;
        this.queue = queue;
        this.connector = flavor == SourcePreflight.Flavor.MARIADB ? "mariadb" : "mysql";
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
        EventDeserializer deserializer = Replicator.eventDeserializer();
        SignedTimeRows.install(deserializer, tableMaps); // filled by handle(TABLE_MAP) before the rows that follow
        client.setEventDeserializer(deserializer);
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
        SnapshotCatchUp current = catchUp;
        if (current != null) {
            current.close(); // a comparison still under way fails, and the session ends anyway
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
                tableEncodings.remove(map.getTableId());
            }
            case WRITE_ROWS, EXT_WRITE_ROWS -> inserted(event.getData());
            case UPDATE_ROWS, EXT_UPDATE_ROWS -> updated(event.getData());
            case DELETE_ROWS, EXT_DELETE_ROWS -> deleted(event.getData());
            case XID -> endTransaction();
            case QUERY -> query(event.getData());
            case HEARTBEAT -> {
                if (!inTransaction && pending.isEmpty()) {
                    endTransaction(true); // an idle source still moves the position forward
                }
            }
            default -> {
            }
        }
    }

    // The row events: each row is encoded straight from its binlog values into the changes topic's bytes.

    private void inserted(WriteRowsEventData data) {
        TableEncoding table = table(data.getTableId());
        if (table == null) {
            return;
        }
        RowEnvelopeEncoder encoder = table.startEvent(this);
        RowDecoder.Image after = table.after().columns(data.getIncludedColumns());
        int row = 0;
        for (Serializable[] values : data.getRows()) {
            byte[] value = encoder.encode(ChangeRecord.Op.CREATE, null, after.row(values), row++, System.currentTimeMillis());
            add(encoder.key(), value);
        }
    }

    private void updated(UpdateRowsEventData data) {
        TableEncoding table = table(data.getTableId());
        if (table == null) {
            return;
        }
        RowEnvelopeEncoder encoder = table.startEvent(this);
        RowDecoder.Image before = table.before().columns(data.getIncludedColumnsBeforeUpdate());
        RowDecoder.Image after = table.after().columns(data.getIncludedColumns());
        int row = 0;
        for (Map.Entry<Serializable[], Serializable[]> values : data.getRows()) {
            before.row(values.getKey());
            after.row(values.getValue());
            long now = System.currentTimeMillis();
            byte[] value = encoder.encode(ChangeRecord.Op.UPDATE, before, after, row, now);
            if (encoder.keyChanged()) {
                keyChanged(encoder, before, after, row, now);
            } else {
                add(encoder.key(), value);
            }
            row++;
        }
    }

    /** An update that changed the row's key: under the old key the row is gone, under the new one it is created. */
    private void keyChanged(RowEnvelopeEncoder encoder, RowDecoder.Image before, RowDecoder.Image after, int row, long now) {
        byte[] deleted = encoder.encode(ChangeRecord.Op.DELETE, before, null, row, now);
        byte[] oldKey = encoder.key();
        add(oldKey, deleted);
        add(oldKey, null);
        byte[] created = encoder.encode(ChangeRecord.Op.CREATE, null, after, row, now);
        add(encoder.key(), created);
    }

    private void deleted(DeleteRowsEventData data) {
        TableEncoding table = table(data.getTableId());
        if (table == null) {
            return;
        }
        RowEnvelopeEncoder encoder = table.startEvent(this);
        RowDecoder.Image before = table.before().columns(data.getIncludedColumns());
        int row = 0;
        for (Serializable[] values : data.getRows()) {
            byte[] value = encoder.encode(ChangeRecord.Op.DELETE, before.row(values), null, row++, System.currentTimeMillis());
            byte[] key = encoder.key();
            add(key, value);
            add(key, null); // the tombstone
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

    /**
     * A table's schema as a table map describes it, with the encoder and the row images of its
     * changes. Not thread-safe: the binlog reader's thread.
     */
    private record TableEncoding(TableSchema schema, RowEnvelopeEncoder encoder, RowDecoder.Image before,
                                 RowDecoder.Image after) {

        /** Readies the encoder for the rows of the event being handled: its transaction, position and time. */
        RowEnvelopeEncoder startEvent(BinlogStreamer streamer) {
            encoder.source(streamer.transactionGtid, streamer.file, streamer.nextPosition, streamer.eventTimestamp);
            return encoder;
        }
    }

    /** The encoding of a row event's table as its table map described it, or null if the table is not replicated. */
    private TableEncoding table(long tableId) {
        TableMapEventData map = tableMaps.get(tableId);
        if (map == null || !settings.database().equals(map.getDatabase()) || !replicated.test(map.getTable())) {
            return null;
        }
        TableEncoding encoding = tableEncodings.get(tableId);
        if (encoding == null) {
            TableSchema schema = tableMapSchema.of(map, Optional.ofNullable(schemas.get(map.getTable())));
            encoding = encodingsByTable.get(map.getTable());
            if (encoding == null || !encoding.schema().equals(schema)) {
                encoding = new TableEncoding(schema, new RowEnvelopeEncoder(connector, settings.connectionId(), schema.database(),
                        schema.table(), schema.columnNames(), schema.keyColumns(), settings.serverIdBase(), false),
                        decoder.image(schema), decoder.image(schema));
                encodingsByTable.put(map.getTable(), encoding);
            }
            tableEncodings.put(tableId, encoding);
        }
        String ddl = pendingSchemaChanges.remove(map.getTable());
        if (ddl != null) {
            TableSchema schema = encoding.schema();
            add(new ChangeRecord.SchemaChange(schema.database(), schema.table(), schema.columnNames(), schema.keyColumns(),
                    Optional.of(ddl), eventTimestamp));
        }
        return encoding;
    }

    /** Encodes on this (the binlog reader's) thread, so the writer thread only sends. */
    private void add(ChangeRecord record) {
        add(ChangeEventCodec.key(record), ChangeEventCodec.value(record));
    }

    /** Leaves out the changes that rows read by a continued snapshot already hold. */
    void catchUp(SnapshotCatchUp catchUp) {
        this.catchUp = catchUp;
    }

    private void add(byte[] key, byte[] value) {
        if (catchUp != null && skipped(key, value)) {
            return;
        }
        ChangesTopic.Encoded encoded = new ChangesTopic.Encoded(key, value);
        pending.add(encoded);
        pendingBytes += encoded.size();
    }

    /** Whether a continued snapshot's read already holds this change (or this is the tombstone of one that it holds). */
    private boolean skipped(byte[] key, byte[] value) {
        if (!catchUp.covers(file, nextPosition)) {
            catchUp.close();
            catchUp = null;
            return false;
        }
        if (value == null) {
            return java.util.Arrays.equals(key, skippedKey);
        }
        skippedKey = null;
        ChangeRecord change = ChangeEventCodec.decode(key, value);
        if (change instanceof ChangeRecord.Truncate truncate) {
            catchUp.truncated(truncate.table());
        } else if (change instanceof ChangeRecord.RowChange row && catchUp.alreadyRead(row.table(), row.key(), file, nextPosition)) {
            skippedKey = key;
            return true;
        }
        return false;
    }

    private void endTransaction() throws InterruptedException {
        endTransaction(false);
    }

    private void endTransaction(boolean heartbeat) throws InterruptedException {
        inTransaction = false;
        SourcePosition position = SourcePosition.at(gtidSet(), file, nextPosition);
        queue.put(new SourceTransaction(pending, position, pendingBytes, eventTimestamp, heartbeat));
        pending = new ArrayList<>(Math.clamp(pending.size(), 16, 4096)); // handed over with the transaction
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
        fail(ReplicationErrors.classify(e, settings.connectionId(), file + ":" + nextPosition));
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
