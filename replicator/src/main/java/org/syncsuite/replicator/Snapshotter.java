package org.syncsuite.replicator;

import java.lang.System.Logger.Level;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.BooleanSupplier;
import java.util.function.Predicate;
import java.util.stream.Collectors;

import org.syncsuite.core.ErrorCode;
import org.syncsuite.core.SqliteValue;
import org.syncsuite.core.SyncException;
import org.syncsuite.core.change.ChangeRecord;
import org.syncsuite.core.change.SnapshotProgress;
import org.syncsuite.core.change.SourcePosition;
import org.syncsuite.core.mysql.MySqlValueMapper;

/**
 * The initial snapshot: every row of the replicated tables, read in one consistent read view
 * ({@code START TRANSACTION WITH CONSISTENT SNAPSHOT}) whose binlog position MariaDB reports
 * exactly ({@code binlog_snapshot_file}/{@code _position}), in primary-key chunks so memory stays
 * bounded. Each chunk is one Kafka transaction whose position record carries the progress, so
 * a crash resumes after the last finished chunk. Streaming then starts from the snapshot's
 * position: changes made during the snapshot arrive after it, and every row ends in its latest
 * state. (After a crash the remaining chunks are read in a new, later read view; a row changed
 * in between can then arrive both as read and as changed, which consumers apply as upserts.)
 */
final class Snapshotter {

    private static final System.Logger LOG = System.getLogger(Snapshotter.class.getName());

    private final ReplicatorSettings settings;
    private final SourcePreflight.Flavor flavor;
    private final Predicate<String> replicated;
    private final MySqlValueMapper mapper;
    private final ChangesTopic topic;
    private final int chunkSize;
    private final ReplicationListener listener;
    private final BooleanSupplier stopping;

    /** {@code stopping}: checked between chunks; once true, the snapshot ends (a later start continues it). */
    Snapshotter(ReplicatorSettings settings, SourcePreflight.Flavor flavor, Predicate<String> replicated,
                MySqlValueMapper mapper, ChangesTopic topic, int chunkSize, ReplicationListener listener,
                BooleanSupplier stopping) {
        this.listener = listener;
        this.stopping = stopping;
        this.settings = settings;
        this.flavor = flavor;
        this.replicated = replicated;
        this.mapper = mapper;
        this.topic = topic;
        this.chunkSize = chunkSize;
    }

    /** Where streaming starts once the snapshot is complete, and the snapshot's final progress. */
    record Result(SourcePosition streamFrom, SnapshotProgress progress) {
    }

    /**
     * Runs (or continues) the snapshot. {@code resume} is the last position record when a
     * snapshot was under way: the rest is read in a new read view, recorded as a restart first.
     */
    Result run(Connection connection, Optional<ChangeRecord.PositionMarker> resume) throws SQLException {
        // MySQL tells no read view's position: the head read before the view opens is at or before
        // it, so streaming from there misses nothing (it may repeat a change the snapshot read).
        Optional<SourcePosition> headBefore = flavor == SourcePreflight.Flavor.MARIADB ? Optional.empty() : masterStatus(connection);
        try (Statement statement = connection.createStatement()) {
            statement.execute("SET SESSION TRANSACTION ISOLATION LEVEL REPEATABLE READ");
            statement.execute("START TRANSACTION WITH CONSISTENT SNAPSHOT, READ ONLY");
        }
        SourcePosition streamFrom;
        SnapshotProgress progress;
        if (resume.isPresent()) {
            streamFrom = resume.get().position();
            SourcePosition view = snapshotPosition(connection, headBefore);
            progress = resume.get().snapshot().orElseThrow().restartedAt(view);
            topic.write(List.of(), streamFrom, Optional.of(progress)); // before any row of the new view
            LOG.log(Level.INFO, "[{0}] Continuing the snapshot after {1} (tables done: {2}) in a read view at {3}",
                    settings.connectionId(), progress.table().orElse("-"), progress.doneTables(), view);
        } else {
            streamFrom = snapshotPosition(connection, headBefore);
            progress = SnapshotProgress.started();
            topic.write(List.of(), streamFrom, Optional.of(progress)); // the position comes first
            LOG.log(Level.INFO, "[{0}] Snapshot started at {1}", settings.connectionId(), streamFrom);
        }
        Map<String, TableSchema> schemas = TableSchema.readAll(connection, settings.database());
        List<String> tables = schemas.keySet().stream().filter(replicated).sorted().toList();
        List<String> done = new ArrayList<>(progress.doneTables());
        for (String table : tables) {
            if (done.contains(table)) {
                listener.snapshotTableStarted(table, 0);
                listener.snapshotChunk(table, 0, true);
                continue;
            }
            listener.snapshotTableStarted(table, expectedRows(connection, table));
            Optional<Map<String, SqliteValue>> after = progress.table().filter(table::equals).flatMap(t -> progress.lastKey());
            readTable(connection, schemas.get(table), after, done, streamFrom, progress.restarts());
            done.add(table);
        }
        SnapshotProgress complete = new SnapshotProgress(done, Optional.empty(), Optional.empty(), true, progress.restarts());
        topic.write(List.of(), streamFrom, Optional.of(complete));
        try (Statement statement = connection.createStatement()) {
            statement.execute("COMMIT");
        }
        listener.snapshotComplete();
        LOG.log(Level.INFO, "[{0}] Snapshot complete: {1} table(s); streaming from {2}", settings.connectionId(),
                done.size(), streamFrom);
        return new Result(streamFrom, complete);
    }

    /** The binlog position of the read view just opened (MariaDB), else the head read before it. */
    private SourcePosition snapshotPosition(Connection connection, Optional<SourcePosition> headBefore) throws SQLException {
        if (headBefore.isPresent()) {
            return headBefore.get();
        }
        String file = null;
        long offset = -1;
        String gtids = "";
        try (Statement statement = connection.createStatement()) {
            if (flavor == SourcePreflight.Flavor.MARIADB) {
                try (ResultSet rs = statement.executeQuery("SHOW STATUS LIKE 'binlog_snapshot_%'")) {
                    while (rs.next()) {
                        switch (rs.getString(1).toLowerCase(java.util.Locale.ROOT)) {
                            case "binlog_snapshot_file" -> file = rs.getString(2);
                            case "binlog_snapshot_position" -> offset = Long.parseLong(rs.getString(2));
                            default -> { }
                        }
                    }
                }
                try (PreparedStatement gtidPosition = connection.prepareStatement("SELECT BINLOG_GTID_POS(?, ?)")) {
                    gtidPosition.setString(1, file);
                    gtidPosition.setLong(2, offset);
                    try (ResultSet rs = gtidPosition.executeQuery()) {
                        gtids = rs.next() && rs.getString(1) != null ? rs.getString(1) : "";
                    }
                }
            }
        }
        if (file == null) {
            throw new SQLException("The source reports no binlog position of its read view");
        }
        return SourcePosition.at(gtids, file, offset);
    }

    private static Optional<SourcePosition> masterStatus(Connection connection) throws SQLException {
        try (Statement statement = connection.createStatement(); ResultSet rs = statement.executeQuery("SHOW MASTER STATUS")) {
            if (!rs.next()) {
                throw new SQLException("SHOW MASTER STATUS returned nothing: is the binary log on?");
            }
            return Optional.of(SourcePosition.at(Optional.ofNullable(rs.getString("Executed_Gtid_Set")).orElse("").replace("\n", ""),
                    rs.getString("File"), rs.getLong("Position")));
        }
    }

    private void readTable(Connection connection, TableSchema schema, Optional<Map<String, SqliteValue>> after,
                           List<String> done, SourcePosition streamFrom, List<SnapshotProgress.Restart> restarts)
            throws SQLException {
        List<String> key = schema.keyColumns();
        String keyList = key.stream().map(Snapshotter::quote).collect(Collectors.joining(", "));
        String from = quote(schema.database()) + "." + quote(schema.table());
        String placeholders = key.stream().map(k -> "?").collect(Collectors.joining(", "));
        Optional<Map<String, SqliteValue>> last = after;
        long rows = 0;
        while (true) {
            if (stopping.getAsBoolean()) {
                throw new SyncException(ErrorCode.SHUTTING_DOWN, "Stopped during the snapshot of " + schema.table()
                        + "; the next start continues after its last chunk");
            }
            String sql = "SELECT * FROM " + from + (last.isPresent() ? " WHERE (" + keyList + ") > (" + placeholders + ")" : "")
                    + " ORDER BY " + keyList + " LIMIT " + chunkSize;
            List<ChangeRecord> chunk = new ArrayList<>();
            Map<String, SqliteValue> lastKey = null;
            Map<String, Object> lastRawKey = null;
            try (PreparedStatement statement = connection.prepareStatement(sql)) {
                if (last.isPresent()) {
                    int i = 1;
                    for (String column : key) {
                        statement.setObject(i++, jdbcValue(last.get().get(column)));
                    }
                }
                try (ResultSet rs = statement.executeQuery()) {
                    while (rs.next()) {
                        Map<String, SqliteValue> row = read(rs, schema);
                        Map<String, SqliteValue> rowKey = new LinkedHashMap<>();
                        for (String column : key) {
                            rowKey.put(column, row.get(column));
                        }
                        chunk.add(new ChangeRecord.RowChange(ChangeRecord.Op.READ, schema.database(), schema.table(), rowKey,
                                Optional.empty(), Optional.of(row), source(schema, streamFrom), System.currentTimeMillis()));
                        lastKey = rowKey;
                    }
                }
            }
            if (chunk.isEmpty()) {
                listener.snapshotChunk(schema.table(), rows, true);
                return;
            }
            rows += chunk.size();
            long started = System.nanoTime();
            topic.write(chunk, streamFrom, Optional.of(new SnapshotProgress(done, Optional.of(schema.table()),
                    Optional.of(lastKey), false, restarts)));
            listener.committed(0, chunk.size(), Duration.ofNanos(System.nanoTime() - started), streamFrom, 0);
            last = Optional.of(lastKey);
            listener.snapshotChunk(schema.table(), rows, chunk.size() < chunkSize);
            if (chunk.size() < chunkSize) {
                LOG.log(Level.INFO, "[{0}] Snapshot of {1}: {2} rows", settings.connectionId(), schema.table(), rows);
                return;
            }
        }
    }

    /** The table's row count as the server estimates it (InnoDB's is approximate). */
    private long expectedRows(Connection connection, String table) throws SQLException {
        try (PreparedStatement statement = connection.prepareStatement(
                "SELECT TABLE_ROWS FROM information_schema.TABLES WHERE TABLE_SCHEMA = ? AND TABLE_NAME = ?")) {
            statement.setString(1, settings.database());
            statement.setString(2, table);
            try (ResultSet rs = statement.executeQuery()) {
                return rs.next() ? rs.getLong(1) : 0;
            }
        }
    }

    /** A key value back in a form the driver binds as the column compares. */
    private static Object jdbcValue(SqliteValue value) {
        return switch (value) {
            case SqliteValue.Null n -> null;
            case SqliteValue.Integer i -> i.value();
            case SqliteValue.Real r -> r.value();
            case SqliteValue.Text t -> t.value();
            case SqliteValue.Blob b -> b.value();
        };
    }

    private Map<String, SqliteValue> read(ResultSet rs, TableSchema schema) throws SQLException {
        Map<String, SqliteValue> row = new LinkedHashMap<>();
        int index = 1;
        for (TableSchema.Column column : schema.columns()) {
            Object raw = switch (column.type().dataType()) {
                case "date" -> rs.getObject(index, LocalDate.class);
                case "datetime", "timestamp" -> rs.getObject(index, LocalDateTime.class);
                case "time" -> rs.getString(index);
                case "year" -> {
                    int year = rs.getInt(index);
                    yield rs.wasNull() ? null : year;
                }
                case "bit" -> rs.getBytes(index);
                default -> rs.getObject(index);
            };
            row.put(column.name(), mapper.map(column.type(), raw));
            index++;
        }
        return row;
    }

    private ChangeRecord.Source source(TableSchema schema, SourcePosition position) {
        return new ChangeRecord.Source(flavor == SourcePreflight.Flavor.MARIADB ? "mariadb" : "mysql", settings.connectionId(),
                schema.database(), schema.table(), Optional.empty(), position.file(), position.offset(), 0,
                settings.serverIdBase(), System.currentTimeMillis(), true);
    }

    private static String quote(String identifier) {
        return "`" + identifier.replace("`", "``") + "`";
    }
}
