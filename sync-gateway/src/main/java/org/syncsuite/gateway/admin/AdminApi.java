package org.syncsuite.gateway.admin;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.ResultSetMetaData;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.function.Supplier;

import javax.sql.DataSource;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import org.syncsuite.core.ErrorCode;
import org.syncsuite.core.JsonMappers;
import org.syncsuite.core.SyncException;
import org.syncsuite.core.auth.Hs256Tokens;
import org.syncsuite.core.change.SourcePosition;
import org.syncsuite.core.config.ConfigIssue;
import org.syncsuite.core.config.SourceSchema;
import org.syncsuite.core.config.SyncConfigCompiler;
import org.syncsuite.core.config.SyncConfigException;
import org.syncsuite.core.config.SyncPlan;
import org.syncsuite.core.protocol.StreamDescription;
import org.syncsuite.core.protocol.StreamingSyncRequest;
import org.syncsuite.core.service.ServiceConfig;
import org.syncsuite.gateway.api.SyncApi;
import org.syncsuite.gateway.api.UserInspector;
import org.syncsuite.gateway.storage.Compactor;
import org.syncsuite.gateway.storage.StorageDatabase;
import org.syncsuite.gateway.storage.SyncConfigVersions;
import org.syncsuite.gateway.writer.WriterSupervisor;

/**
 * The management API without its HTTP binding (PowerSync's {@code /api/admin/v1} and
 * {@code /api/sync-rules/v1}, reference §8, plus our status, compaction, user inspector and token
 * routes). Results are the JSON values that go under the response's {@code data}; failures are
 * {@link SyncException}s. Works in every gateway role: it reads bucket storage and the source
 * directly, and a deploy only stores a version, which the writers pick up.
 *
 * <p>Thread-safe.
 */
public final class AdminApi implements AutoCloseable {

    /** How {@code execute-sql} may touch the source. */
    public enum SqlAccess { DISABLED, READ_ONLY, READ_WRITE }

    /** The most rows {@code execute-sql} returns. */
    static final int MAX_SQL_ROWS = 1000;

    private static final ObjectMapper JSON = JsonMappers.builder().build();

    private final ServiceConfig config;
    private final StorageDatabase storage;
    private final DataSource pool;
    private final Supplier<Optional<SyncApi>> api;
    private final Supplier<Optional<CheckpointCounters>> counters;
    private final SqlAccess sqlAccess;
    private final Clock clock;

    /** The source's binlog position, read over one kept connection (the dashboard asks every few seconds). */
    private final org.syncsuite.gateway.api.SourceHead head;
    /** The compiled plans of the versions shown, by version (a stored version's text never changes). */
    private final Map<Integer, SyncPlan> plans = new java.util.concurrent.ConcurrentHashMap<>();
    /** The connection the source schema is read over, kept between reads; guarded by {@code this}. */
    private Connection schemaConnection;

    /** Totals the process counts while it runs (the writer's, when it writes here). */
    public record CheckpointCounters(long checkpoints, long opsWritten) {
    }

    public AdminApi(ServiceConfig config, StorageDatabase storage, DataSource pool, Supplier<Optional<SyncApi>> api,
                    Supplier<Optional<CheckpointCounters>> counters, SqlAccess sqlAccess, Clock clock) {
        this.config = config;
        this.storage = storage;
        this.pool = pool;
        this.api = api;
        this.counters = counters;
        this.sqlAccess = sqlAccess;
        this.clock = clock;
        this.head = new org.syncsuite.gateway.api.SourceHead(config.connection());
    }

    // ---- sync config versions

    /** One stored version with what the admin routes show of it. */
    record VersionRow(int id, String state, String content, String deployedFrom, Instant createdAt, Optional<Instant> activatedAt,
                      Optional<Long> lastCheckpoint, Optional<String> lastCheckpointPosition, Optional<Instant> lastCheckpointAt,
                      Optional<String> writtenPosition, boolean snapshotDone, Optional<String> lastError, long changesOffset) {

        String slotName() {
            return "powersync_" + id;
        }
    }

    /** The active (or errored) version and the one being built, if any. */
    record Live(Optional<VersionRow> active, Optional<VersionRow> deploying) {
    }

    Live live() {
        try (Connection c = pool.getConnection();
             PreparedStatement select = c.prepareStatement("SELECT id, state, content, deployed_from, UNIX_TIMESTAMP(created_at), "
                     + "UNIX_TIMESTAMP(activated_at), last_checkpoint, last_checkpoint_position, UNIX_TIMESTAMP(last_checkpoint_at), "
                     + "written_position, snapshot_done, "
                     + "last_fatal_error, changes_offset FROM sync_config_versions WHERE state IN ('ACTIVE', 'ERRORED', 'PROCESSING') "
                     + "ORDER BY id")) {
            Optional<VersionRow> active = Optional.empty();
            Optional<VersionRow> deploying = Optional.empty();
            try (ResultSet rs = select.executeQuery()) {
                while (rs.next()) {
                    long checkpoint = rs.getLong(7);
                    boolean noCheckpoint = rs.wasNull();
                    VersionRow row = new VersionRow(rs.getInt(1), rs.getString(2), rs.getString(3), rs.getString(4),
                            instant(rs, 5).orElse(Instant.EPOCH), instant(rs, 6),
                            noCheckpoint ? Optional.empty() : Optional.of(checkpoint), Optional.ofNullable(rs.getString(8)),
                            instant(rs, 9), Optional.ofNullable(rs.getString(10)), rs.getBoolean(11),
                            Optional.ofNullable(rs.getString(12)), rs.getLong(13));
                    if (row.state().equals("PROCESSING")) {
                        deploying = Optional.of(row);
                    } else {
                        active = Optional.of(row);
                    }
                }
            }
            return new Live(active, deploying);
        } catch (SQLException e) {
            throw storageDown(e);
        }
    }

    /**
     * A {@code UNIX_TIMESTAMP(column)} value as an instant: read as seconds since the epoch, so
     * that neither the server's nor the driver's time zone shifts it.
     */
    private static Optional<Instant> instant(ResultSet rs, int column) throws SQLException {
        java.math.BigDecimal seconds = rs.getBigDecimal(column);
        return seconds == null ? Optional.empty()
                : Optional.of(Instant.ofEpochMilli(seconds.movePointRight(3).longValue()));
    }

    // ---- /api/admin/v1/diagnostics

    /** PowerSync's diagnostics: the source connection and the active and deploying versions' status. */
    public ObjectNode diagnostics(boolean withContent) {
        ObjectNode data = JSON.createObjectNode();
        ServiceConfig.SourceConnection source = config.connection();
        ObjectNode connection = data.putArray("connections").addObject();
        String uri = "mysql://" + source.username() + "@" + source.hostname() + ":" + source.port() + "/" + source.database();
        connection.put("id", source.id()).put("tag", source.tag()).put("uri", uri).put("postgres_uri", uri);
        ArrayNode connectionErrors = connection.putArray("errors");
        Optional<Map<String, List<SourceColumn>>> schema = Optional.empty();
        try {
            schema = Optional.of(sourceColumns());
            connection.put("connected", true);
        } catch (SyncException e) {
            connection.put("connected", false);
            connectionErrors.addObject().put("level", "fatal").put("message", e.getMessage());
        }
        Live live = live();
        Optional<Map<String, List<SourceColumn>>> known = schema;
        live.active().ifPresent(v -> data.set("active_sync_rules", status(v, withContent, known)));
        live.deploying().ifPresent(v -> data.set("deploying_sync_rules", status(v, withContent, known)));
        return data;
    }

    private ObjectNode status(VersionRow version, boolean withContent, Optional<Map<String, List<SourceColumn>>> schema) {
        ObjectNode status = JSON.createObjectNode();
        status.put("version", version.id()).put("slot_name", version.slotName()).put("state", version.state())
                .put("deployed_from", version.deployedFrom()).put("created_at", version.createdAt().toString());
        version.activatedAt().ifPresent(t -> status.put("activated_at", t.toString()));
        if (withContent) {
            status.put("content", version.content());
        }
        ArrayNode errors = JSON.createArrayNode();
        Optional<SyncPlan> plan = Optional.empty();
        try {
            plan = Optional.of(plans.computeIfAbsent(version.id(), id -> WriterSupervisor.planOf(id, version.content())));
        } catch (SyncConfigException e) {
            e.issues().forEach(issue -> errors.add(issueJson(issue)));
        }
        ObjectNode connection = status.putArray("connections").addObject();
        connection.put("id", config.connection().id()).put("tag", config.connection().tag()).put("slot_name", version.slotName())
                .put("initial_replication_done", version.snapshotDone());
        putOptional(connection, "last_lsn", version.lastCheckpointPosition().map(AdminApi::positionText));
        putOptional(connection, "last_keepalive_ts", version.lastCheckpointAt().map(Instant::toString));
        putOptional(connection, "last_checkpoint_ts", version.lastCheckpointAt().map(Instant::toString));
        putOptional(connection, "last_checkpoint", version.lastCheckpoint().map(String::valueOf));
        connection.putNull("replication_lag_bytes");
        connection.put("changes_offset", version.changesOffset());
        ArrayNode tables = connection.putArray("tables");
        plan.ifPresent(p -> tablesJson(p, schema, tables));
        version.lastError().ifPresent(error -> errors.addObject().put("level", "fatal").put("message", error));
        if (version.state().equals("ACTIVE") || version.state().equals("ERRORED")) {
            version.lastCheckpointAt().ifPresent(at -> {
                long idleMinutes = java.time.Duration.between(at, clock.instant()).toMinutes();
                if (idleMinutes >= 15) {
                    errors.addObject().put("level", "fatal").put("message", "No replicated commit in " + idleMinutes + " minutes");
                } else if (idleMinutes >= 5) {
                    errors.addObject().put("level", "warning").put("message", "No replicated commit in " + idleMinutes + " minutes");
                }
            });
        }
        status.set("errors", errors);
        return status;
    }

    private static void tablesJson(SyncPlan plan, Optional<Map<String, List<SourceColumn>>> schema, ArrayNode tables) {
        for (SyncPlan.TableUsage usage : plan.tableUsage()) {
            ObjectNode table = tables.addObject();
            table.put("schema", "").put("name", usage.table());
            ArrayNode key = table.putArray("replication_id");
            ArrayNode errors = JSON.createArrayNode();
            if (schema.isPresent()) {
                List<SourceColumn> columns = schema.get().get(usage.table());
                if (columns == null && !usage.table().contains("%")) {
                    errors.addObject().put("level", "warning").put("message", "Table " + usage.table() + " not found in the source");
                } else if (columns != null) {
                    columns.stream().filter(SourceColumn::primaryKey).forEach(c -> key.add(c.name()));
                    if (key.isEmpty()) {
                        errors.addObject().put("level", "fatal").put("message", "Table " + usage.table()
                                + " has no primary key: its rows cannot be replicated");
                    }
                }
            }
            table.put("data_queries", usage.dataQueries()).put("parameter_queries", usage.parameterQueries());
            ArrayNode outputs = table.putArray("output_tables");
            usage.outputTables().forEach(outputs::add);
            table.set("errors", errors);
        }
    }

    private static String positionText(String json) {
        try {
            SourcePosition position = SourcePosition.parseJson(json);
            return position.gtidSet().isEmpty() ? position.file() + ":" + position.offset() : position.gtidSet();
        } catch (RuntimeException e) {
            return json;
        }
    }

    private static void putOptional(ObjectNode node, String name, Optional<String> value) {
        if (value.isPresent()) {
            node.put(name, value.get());
        } else {
            node.putNull(name);
        }
    }

    private static ObjectNode issueJson(ConfigIssue issue) {
        ObjectNode error = JSON.createObjectNode();
        error.put("level", issue.isError() ? "fatal" : "warning").put("message", issue.message()).put("code", issue.code());
        if (issue.line() > 0) {
            error.put("line", issue.line()).put("column", issue.column());
        }
        return error;
    }

    // ---- /api/admin/v1/validate and /api/sync-rules/v1/validate

    /** The candidate's status as diagnostics would show it, with every issue (checked against the live source schema). */
    public ObjectNode validate(String content) {
        Optional<Map<String, List<SourceColumn>>> schema;
        try {
            schema = Optional.of(sourceColumns());
        } catch (SyncException e) {
            schema = Optional.empty();
        }
        List<ConfigIssue> issues = issues(content, schema);
        ObjectNode status = JSON.createObjectNode();
        status.put("version", 0).put("slot_name", "").put("state", "VALIDATING").put("content", content);
        ObjectNode connection = status.putArray("connections").addObject();
        connection.put("id", config.connection().id()).put("tag", config.connection().tag()).put("slot_name", "")
                .put("initial_replication_done", false);
        ArrayNode tables = connection.putArray("tables");
        if (issues.stream().noneMatch(ConfigIssue::isError)) {
            tablesJson(SyncConfigCompiler.compile("sync-config.yaml", content), schema, tables);
        }
        ArrayNode errors = status.putArray("errors");
        issues.forEach(issue -> errors.add(issueJson(issue)));
        for (JsonNode table : tables) {
            for (JsonNode error : table.path("errors")) {
                if ("fatal".equals(error.path("level").asText())) { // unknown tables are the compiler's warnings already
                    errors.add(error.deepCopy());
                }
            }
        }
        if (schema.isEmpty()) {
            errors.addObject().put("level", "warning").put("message", "The source database cannot be reached: tables and columns "
                    + "were not checked");
        }
        return status;
    }

    /** PowerSync's {@code /api/sync-rules/v1/validate} answer (not wrapped in {@code data}). */
    public ObjectNode validateSyncRules(String content) {
        List<ConfigIssue> issues = issues(content, Optional.empty());
        ObjectNode result = JSON.createObjectNode();
        if (issues.stream().anyMatch(ConfigIssue::isError)) {
            result.put("valid", false);
            ArrayNode errors = result.putArray("errors");
            issues.forEach(issue -> errors.add(issueJson(issue)));
            return result;
        }
        SyncPlan plan = SyncConfigCompiler.compile("sync-config.yaml", content);
        result.put("valid", true);
        ArrayNode definitions = result.putArray("bucket_definitions");
        plan.streamNames().forEach(definitions::add);
        ArrayNode sources = result.putArray("source_tables");
        ArrayNode data = result.putArray("data_tables");
        for (SyncPlan.TableUsage usage : plan.tableUsage()) {
            sources.add(usage.table());
            usage.outputTables().forEach(data::add);
        }
        ArrayNode warnings = result.putArray("errors");
        issues.forEach(issue -> warnings.add(issueJson(issue)));
        return result;
    }

    private List<ConfigIssue> issues(String content, Optional<Map<String, List<SourceColumn>>> schema) {
        Map<String, List<String>> columns = new HashMap<>();
        schema.ifPresent(s -> s.forEach((table, cols) -> columns.put(table, cols.stream().map(SourceColumn::name).toList())));
        List<ConfigIssue> issues = new ArrayList<>(SyncConfigCompiler.validate("sync-config.yaml", content,
                new SyncConfigCompiler.Options(1, schema.map(s -> new SourceSchema(columns)))));
        if (issues.stream().noneMatch(ConfigIssue::isError)) {
            issues.addAll(unreplicated(SyncConfigCompiler.compile("sync-config.yaml", content)));
        }
        return issues;
    }

    /**
     * The tables a candidate reads that the replicator does not replicate: it replicates the
     * tables of the sync config its service config names (the same {@code service.yaml} as this
     * gateway's), and rows of any other table never reach the changes topic.
     */
    List<ConfigIssue> unreplicated(SyncPlan candidate) {
        Optional<ServiceConfig.SyncConfigSource> source = config.syncConfig();
        if (source.isEmpty()) {
            return List.of();
        }
        SyncPlan replicated;
        try {
            replicated = SyncConfigCompiler.compile(source.get().name(config.file()), source.get().text());
        } catch (SyncException e) {
            return List.of();
        }
        List<ConfigIssue> issues = new ArrayList<>();
        for (String table : candidate.tablePatterns()) {
            if (!table.contains("%") && !replicated.readsTable(table)) {
                issues.add(new ConfigIssue(ConfigIssue.Severity.ERROR, "TABLE_NOT_REPLICATED", "Table " + table + " is not "
                        + "replicated: the replicator replicates the tables that " + source.get().name(config.file())
                        + " (sync_config of the service config) reads; add a query of " + table + " there and restart the "
                        + "replicator first", "sync-config.yaml", 0, 0));
            }
        }
        return issues;
    }

    // ---- /api/sync-rules/v1/deploy, current, reprocess; /api/admin/v1/reprocess

    /** Stores {@code content} as a new version built beside the active one; the same text again deploys nothing. */
    public ObjectNode deploy(String content) {
        List<ConfigIssue> unreplicated = unreplicated(SyncConfigCompiler.compile("sync-config.yaml", content));
        if (!unreplicated.isEmpty()) {
            throw new SyncConfigException(unreplicated);
        }
        try {
            int version = WriterSupervisor.deploy(storage, "sync-config.yaml", content, SyncConfigVersions.Origin.API, false, false);
            return JSON.createObjectNode().put("slot_name", "powersync_" + version).put("version", version);
        } catch (SQLException e) {
            throw storageDown(e);
        }
    }

    /** PowerSync's {@code current}: the active version and the one being built. */
    public ObjectNode current() {
        Live live = live();
        ObjectNode data = JSON.createObjectNode();
        data.set("current", live.active().map(this::versionJson).orElse(null));
        data.set("next", live.deploying().map(this::versionJson).orElse(null));
        return data;
    }

    private ObjectNode versionJson(VersionRow version) {
        ObjectNode node = JSON.createObjectNode();
        node.put("version", version.id()).put("slot_name", version.slotName()).put("state", version.state())
                .put("deployed_from", version.deployedFrom()).put("content", version.content())
                .put("created_at", version.createdAt().toString());
        putOptional(node, "last_checkpoint", version.lastCheckpoint().map(String::valueOf));
        putOptional(node, "last_checkpoint_ts", version.lastCheckpointAt().map(Instant::toString));
        putOptional(node, "last_lsn", version.lastCheckpointPosition().map(AdminApi::positionText));
        putOptional(node, "last_fatal_error", version.lastError());
        node.put("changes_offset", version.changesOffset()).put("initial_replication_done", version.snapshotDone());
        return node;
    }

    /** Rebuilds the active version's buckets from the changes topic as a new version; the old one serves meanwhile. */
    public ObjectNode reprocess() {
        Live live = live();
        VersionRow active = live.active().orElseThrow(() -> new SyncException(ErrorCode.REQUEST_INVALID,
                "No sync config is deployed: nothing to reprocess"));
        try {
            // refused inside the deploy's transaction if a version is being deployed by then
            int version = WriterSupervisor.deploy(storage, "sync config version " + active.id(), active.content(),
                    active.deployedFrom().equals("api") ? SyncConfigVersions.Origin.API : SyncConfigVersions.Origin.CONFIG,
                    true, true);
            return JSON.createObjectNode().put("slot_name", "powersync_" + version).put("version", version);
        } catch (SQLException e) {
            throw storageDown(e);
        }
    }

    /** PowerSync's admin reprocess answer: the connections and their new slot. */
    public ObjectNode reprocessConnections() {
        ObjectNode result = reprocess();
        ObjectNode data = JSON.createObjectNode();
        data.putArray("connections").addObject().put("id", config.connection().id()).put("tag", config.connection().tag())
                .put("slot_name", result.get("slot_name").asText());
        data.put("version", result.get("version").asInt());
        return data;
    }

    // ---- /api/admin/v1/compact

    /** A compaction started through the API: its progress, then its result or failure. */
    private record Compaction(Instant started, long bucketsTotal, java.util.concurrent.atomic.AtomicLong visited,
                              java.util.concurrent.atomic.AtomicReference<ObjectNode> outcome) {
    }

    private final java.util.concurrent.atomic.AtomicReference<Compaction> compaction = new java.util.concurrent.atomic.AtomicReference<>();

    /**
     * Compacts the active version's buckets now, up to its last checkpoint; checksums stay as they
     * were. Returns when done; {@link #compaction()} tells its progress meanwhile.
     */
    public ObjectNode compact() {
        long started = System.nanoTime();
        Live live = live();
        long total = 0;
        if (live.active().isPresent()) {
            try (Connection c = pool.getConnection();
                 PreparedStatement count = c.prepareStatement("SELECT COUNT(*) FROM bucket_state WHERE group_id = ?")) {
                count.setInt(1, live.active().get().id());
                try (ResultSet rs = count.executeQuery()) {
                    rs.next();
                    total = rs.getLong(1);
                }
            } catch (SQLException e) {
                throw storageDown(e);
            }
        }
        Compaction job = new Compaction(clock.instant(), total, new java.util.concurrent.atomic.AtomicLong(),
                new java.util.concurrent.atomic.AtomicReference<>());
        compaction.set(job);
        Compactor.Result result;
        try {
            result = WriterSupervisor.compactActive(storage, job.visited()::set);
        } catch (SQLException e) {
            job.outcome().set(JSON.createObjectNode().put("error", e.getMessage()));
            throw storageDown(e);
        } catch (RuntimeException e) {
            job.outcome().set(JSON.createObjectNode().put("error", String.valueOf(e.getMessage())));
            throw e;
        }
        ObjectNode data = JSON.createObjectNode();
        live.active().ifPresent(v -> data.put("version", v.id()));
        data.put("buckets_visited", result.bucketsVisited()).put("buckets_skipped", result.bucketsSkipped())
                .put("ops_scanned", result.opsScanned()).put("ops_moved", result.opsMoved()).put("ops_cleared", result.opsCleared())
                .put("ops_before", result.opsBefore()).put("ops_after", result.opsAfter()).put("ops_deleted", result.opsDeleted())
                .put("bytes_before", result.bytesBefore()).put("bytes_after", result.bytesAfter())
                .put("parameter_rows_deleted", result.parameterRowsDeleted())
                .put("duration_ms", (System.nanoTime() - started) / 1_000_000);
        job.outcome().set(data);
        return data;
    }

    /** The last compaction started through this process's API: running or not, buckets done of the total, its result. */
    public ObjectNode compaction() {
        Compaction job = compaction.get();
        ObjectNode data = JSON.createObjectNode();
        if (job == null) {
            return data.put("running", false);
        }
        ObjectNode outcome = job.outcome().get();
        data.put("running", outcome == null).put("started_at", job.started().toString())
                .put("buckets_total", job.bucketsTotal()).put("buckets_done", job.visited().get());
        if (outcome != null) {
            data.set("result", outcome);
        }
        return data;
    }

    // ---- /api/admin/v1/status

    /** Figures for the dashboard: counts from storage, this process's counters, the replication lag. */
    public ObjectNode status() {
        ObjectNode data = JSON.createObjectNode();
        data.put("now", clock.instant().toString());
        Optional<SyncApi> sync = api.get();
        data.put("open_streams", sync.map(SyncApi::openStreams).orElse(0));
        sync.ifPresent(s -> data.put("ops_sent_total", s.stats().opsSent()).put("checkpoints_sent_total",
                s.stats().checkpointsSent()).put("bytes_sent_total", s.stats().bytesSent()));
        Live live = live();
        putOptionalInt(data, "active_version", live.active().map(VersionRow::id));
        putOptionalInt(data, "deploying_version", live.deploying().map(VersionRow::id));
        try (Connection c = pool.getConnection()) {
            if (live.active().isPresent()) {
                try (PreparedStatement select = c.prepareStatement(
                        "SELECT COUNT(*), COALESCE(SUM(op_count), 0), COALESCE(SUM(bytes), 0) FROM bucket_state WHERE group_id = ?")) {
                    select.setInt(1, live.active().get().id());
                    try (ResultSet rs = select.executeQuery()) {
                        rs.next();
                        data.put("buckets", rs.getLong(1)).put("ops", rs.getLong(2)).put("bucket_bytes", rs.getLong(3));
                    }
                }
            } else {
                data.put("buckets", 0).put("ops", 0).put("bucket_bytes", 0);
            }
            try (Statement statement = c.createStatement();
                 ResultSet rs = statement.executeQuery("SELECT COALESCE(SUM(data_length + index_length), 0) FROM "
                         + "information_schema.TABLES WHERE table_schema = DATABASE()")) {
                rs.next();
                data.put("storage_bytes", rs.getLong(1));
            }
            try (Statement statement = c.createStatement();
                 // the highest op id written: the sequence itself runs ahead by what writers reserved
                 ResultSet rs = statement.executeQuery("SELECT COALESCE(MAX(written_op), 0) FROM sync_config_versions")) {
                data.put("op_id_total", rs.next() ? rs.getLong(1) : 0);
            }
        } catch (SQLException e) {
            throw storageDown(e);
        }
        Optional<CheckpointCounters> totals = counters.get();
        if (totals.isPresent()) {
            data.put("checkpoints_total", totals.get().checkpoints()).put("ops_written_total", totals.get().opsWritten());
        } else {
            data.putNull("checkpoints_total");
            data.putNull("ops_written_total");
        }
        Optional<VersionRow> active = live.active();
        if (active.isPresent() && active.get().lastCheckpoint().isPresent()) {
            ObjectNode checkpoint = data.putObject("last_checkpoint");
            checkpoint.put("op_id", String.valueOf(active.get().lastCheckpoint().get()));
            putOptional(checkpoint, "source_position", active.get().lastCheckpointPosition().map(AdminApi::positionText));
            putOptional(checkpoint, "ts", active.get().lastCheckpointAt().map(Instant::toString));
        } else {
            data.putNull("last_checkpoint");
        }
        data.set("replication_lag_ms", replicationLag(active).map(l -> (JsonNode) JSON.getNodeFactory().numberNode(l))
                .orElse(JSON.getNodeFactory().nullNode()));
        return data;
    }

    /**
     * Milliseconds the served data lags behind the source: 0 when the last checkpoint reaches the
     * source's position now, else the time since the checkpoint's source transaction committed.
     */
    private Optional<Long> replicationLag(Optional<VersionRow> active) {
        if (active.isEmpty() || active.get().lastCheckpointPosition().isEmpty()) {
            return Optional.empty();
        }
        try {
            SourcePosition checkpoint = SourcePosition.parseJson(active.get().lastCheckpointPosition().get());
            if (checkpoint.reaches(sourceHead())) {
                return Optional.of(0L);
            }
        } catch (RuntimeException e) {
            return Optional.empty();
        }
        Optional<Long> sourceMillis = api.get().flatMap(s -> s.hub().served()).map(s -> s.sourceMillis()).filter(m -> m > 0);
        long since = sourceMillis.orElse(active.get().lastCheckpointAt().map(Instant::toEpochMilli).orElse(clock.millis()));
        return Optional.of(Math.max(0, clock.millis() - since));
    }

    private SourcePosition sourceHead() {
        return head.get();
    }

    private static void putOptionalInt(ObjectNode node, String name, Optional<Integer> value) {
        if (value.isPresent()) {
            node.put(name, value.get());
        } else {
            node.putNull(name);
        }
    }

    // ---- /api/admin/v1/schema

    /** A source column: its name, its type as the source spells it, and whether it is in the primary key. */
    record SourceColumn(String name, String dataType, String columnType, boolean primaryKey) {
    }

    /** The source database's tables and columns, in ordinal order. */
    synchronized Map<String, List<SourceColumn>> sourceColumns() {
        Map<String, List<SourceColumn>> tables = new LinkedHashMap<>();
        try {
            if (schemaConnection == null || !schemaConnection.isValid(2)) {
                closeSchemaConnection();
                schemaConnection = source();
            }
        } catch (SQLException e) {
            throw sourceDown(e);
        }
        try (PreparedStatement select = schemaConnection.prepareStatement("SELECT c.TABLE_NAME, c.COLUMN_NAME, c.DATA_TYPE, c.COLUMN_TYPE, "
                     + "c.COLUMN_KEY FROM information_schema.COLUMNS c JOIN information_schema.TABLES t ON t.TABLE_SCHEMA = "
                     + "c.TABLE_SCHEMA AND t.TABLE_NAME = c.TABLE_NAME WHERE c.TABLE_SCHEMA = ? AND t.TABLE_TYPE = 'BASE TABLE' "
                     + "ORDER BY c.TABLE_NAME, c.ORDINAL_POSITION")) {
            select.setString(1, config.connection().database());
            try (ResultSet rs = select.executeQuery()) {
                while (rs.next()) {
                    tables.computeIfAbsent(rs.getString(1), t -> new ArrayList<>()).add(new SourceColumn(rs.getString(2),
                            rs.getString(3).toLowerCase(Locale.ROOT), rs.getString(4), "PRI".equals(rs.getString(5))));
                }
            }
        } catch (SQLException e) {
            closeSchemaConnection();
            throw sourceDown(e);
        }
        return tables;
    }

    private void closeSchemaConnection() {
        if (schemaConnection != null) {
            try {
                schemaConnection.close();
            } catch (SQLException ignored) {
                // already broken
            }
            schemaConnection = null;
        }
    }

    /** PowerSync's schema answer: every table of the source database with each column's SQLite type. */
    public ObjectNode schema() {
        Map<String, List<SourceColumn>> tables = sourceColumns();
        ObjectNode data = JSON.createObjectNode();
        ObjectNode connection = data.putArray("connections").addObject();
        connection.put("id", config.connection().id()).put("tag", config.connection().tag());
        ObjectNode schema = connection.putArray("schemas").addObject();
        schema.put("name", config.connection().database());
        ArrayNode tableList = schema.putArray("tables");
        tables.forEach((name, columns) -> {
            ObjectNode table = tableList.addObject();
            table.put("name", name);
            ArrayNode columnList = table.putArray("columns");
            for (SourceColumn column : columns) {
                columnList.addObject().put("name", column.name()).put("type", column.columnType())
                        .put("sqlite_type", sqliteType(column.dataType(), column.columnType()))
                        .put("internal_type", column.columnType()).put("pg_type", column.dataType());
            }
        });
        data.put("defaultConnectionTag", config.connection().tag()).put("defaultSchema", config.connection().database());
        return data;
    }

    /** The SQLite type a source type replicates as, as PowerSync's bit set: 1 blob, 2 text, 4 integer, 8 real. */
    static int sqliteType(String dataType, String columnType) {
        return switch (dataType) {
            case "tinyint", "smallint", "mediumint", "int", "integer", "bigint", "year", "bit", "bool", "boolean" -> 4;
            case "float", "double", "real", "decimal", "numeric" -> 8;
            case "binary", "varbinary", "tinyblob", "blob", "mediumblob", "longblob", "geometry", "point", "linestring",
                 "polygon", "multipoint", "multilinestring", "multipolygon", "geometrycollection", "geomcollection", "vector" -> 1;
            default -> 2;
        };
    }

    // ---- /api/admin/v1/execute-sql

    /** Runs one statement on the source (in a read-only transaction unless configured otherwise). */
    public ObjectNode executeSql(String query, List<JsonNode> args) {
        if (sqlAccess == SqlAccess.DISABLED) {
            throw new SyncException(ErrorCode.FORBIDDEN, "execute-sql is disabled (gateway.admin.execute-sql=disabled)");
        }
        ObjectNode data = JSON.createObjectNode();
        if (sqlAccess == SqlAccess.READ_ONLY && !isReadStatement(query)) {
            return data.put("success", false).put("error", "Only SELECT, SHOW, DESCRIBE, EXPLAIN, WITH and TABLE statements run "
                    + "here (gateway.admin.execute-sql=read-only)");
        }
        try (Connection c = source()) {
            c.setAutoCommit(false);
            c.setReadOnly(sqlAccess == SqlAccess.READ_ONLY);
            if (sqlAccess == SqlAccess.READ_ONLY) {
                try (Statement statement = c.createStatement()) {
                    statement.execute("SET SESSION TRANSACTION READ ONLY");
                }
            }
            try (PreparedStatement statement = c.prepareStatement(query)) {
                statement.setMaxRows(MAX_SQL_ROWS);
                statement.setQueryTimeout(30);
                for (int i = 0; i < args.size(); i++) {
                    JsonNode arg = args.get(i);
                    if (arg == null || arg.isNull()) {
                        statement.setObject(i + 1, null);
                    } else if (arg.isIntegralNumber()) {
                        statement.setLong(i + 1, arg.asLong());
                    } else if (arg.isNumber()) {
                        statement.setDouble(i + 1, arg.asDouble());
                    } else if (arg.isBoolean()) {
                        statement.setBoolean(i + 1, arg.asBoolean());
                    } else {
                        statement.setString(i + 1, arg.isTextual() ? arg.asText() : arg.toString());
                    }
                }
                ObjectNode results = data.putObject("results");
                ArrayNode columns = results.putArray("columns");
                ArrayNode rows = results.putArray("rows");
                if (statement.execute()) {
                    try (ResultSet rs = statement.getResultSet()) {
                        ResultSetMetaData meta = rs.getMetaData();
                        for (int i = 1; i <= meta.getColumnCount(); i++) {
                            columns.add(meta.getColumnLabel(i));
                        }
                        while (rs.next()) {
                            ArrayNode row = rows.addArray();
                            for (int i = 1; i <= meta.getColumnCount(); i++) {
                                row.add(cellJson(rs.getObject(i)));
                            }
                        }
                    }
                } else {
                    results.put("update_count", statement.getUpdateCount());
                }
            }
            if (sqlAccess == SqlAccess.READ_WRITE) {
                c.commit();
            } else {
                c.rollback();
            }
            data.put("success", true);
        } catch (SQLException e) {
            data.removeAll();
            data.put("success", false).put("error", e.getMessage());
        }
        return data;
    }

    /**
     * Whether a statement only reads: checked before it runs, besides the read-only transaction,
     * because DDL and some administrative statements commit or act outside any transaction.
     */
    private static final java.util.regex.Pattern UNSAFE_READ = java.util.regex.Pattern.compile(
            "(?i)\\bINTO\\s+(OUTFILE|DUMPFILE)\\b|\\bINTO\\s+@|\\bFOR\\s+UPDATE\\b|\\bLOCK\\s+IN\\s+SHARE\\s+MODE\\b|\\bFOR\\s+SHARE\\b"
                    + "|\\b(LOAD_FILE|GET_LOCK|SLEEP|BENCHMARK|RELEASE_ALL_LOCKS|RELEASE_LOCK)\\s*\\(");

    static boolean isReadStatement(String query) {
        String text = query.strip();
        while (text.startsWith("(")) {
            text = text.substring(1).strip();
        }
        String first = text.split("[\\s(]", 2)[0].toUpperCase(Locale.ROOT);
        return switch (first) {
            case "SELECT", "SHOW", "DESCRIBE", "DESC", "EXPLAIN", "WITH", "TABLE", "VALUES" -> (!text.contains(";")
                    || text.indexOf(';') == text.length() - 1) && !UNSAFE_READ.matcher(text).find();
            default -> false;
        };
    }

    private static JsonNode cellJson(Object value) {
        if (value == null) {
            return JSON.getNodeFactory().nullNode();
        }
        if (value instanceof Number n && !(value instanceof java.math.BigDecimal)) {
            return n instanceof Double || n instanceof Float ? JSON.getNodeFactory().numberNode(n.doubleValue())
                    : JSON.getNodeFactory().numberNode(n.longValue());
        }
        if (value instanceof Boolean b) {
            return JSON.getNodeFactory().booleanNode(b);
        }
        if (value instanceof byte[] bytes) {
            return JSON.getNodeFactory().textNode(java.util.HexFormat.of().formatHex(bytes));
        }
        return JSON.getNodeFactory().textNode(value.toString());
    }

    // ---- /api/admin/v1/inspect-user

    /** What {@code userId}'s connections get now (buckets, checksums, streams, errors). */
    public ObjectNode inspectUser(String userId, JsonNode claims, byte[] syncRequest) {
        SyncApi sync = api.get().orElseThrow(() -> new SyncException(ErrorCode.SHUTTING_DOWN,
                "The user inspector needs the api role in this process (gateway.role is writer)"));
        ObjectNode tokenClaims = claims != null && claims.isObject() ? ((ObjectNode) claims).deepCopy() : JSON.createObjectNode();
        tokenClaims.put("sub", userId);
        UserInspector.Inspection inspection = sync.inspect(userId, tokenClaims, StreamingSyncRequest.parse(syncRequest));
        ObjectNode data = JSON.createObjectNode();
        data.put("user_id", userId);
        if (inspection.served().isPresent()) {
            ObjectNode checkpoint = data.putObject("checkpoint");
            checkpoint.put("op_id", String.valueOf(inspection.served().get().checkpoint()))
                    .put("version", inspection.served().get().version())
                    .put("source_position", positionText(inspection.served().get().position().toJson()));
            UserInspector.sourceCommit(inspection.served().get()).ifPresent(t -> checkpoint.put("ts", t.toString()));
        } else {
            data.putNull("checkpoint");
        }
        ArrayNode buckets = data.putArray("buckets");
        for (UserInspector.Bucket bucket : inspection.buckets()) {
            ObjectNode node = buckets.addObject();
            node.put("bucket", bucket.bucket()).put("stream_or_definition", String.join(", ", bucket.sources()))
                    .put("priority", bucket.priority()).put("checksum", (int) bucket.checksum()).put("count", bucket.count())
                    .put("last_op", String.valueOf(bucket.lastOp()));
        }
        ArrayNode streams = data.putArray("streams");
        for (StreamDescription stream : inspection.streams()) {
            ObjectNode node = streams.addObject();
            node.put("name", stream.name()).put("is_default", stream.isDefault());
            ArrayNode errors = node.putArray("errors");
            stream.errors().forEach(e -> errors.addObject().put("message", e.message())
                    .put("subscription", e.subscription().isPresent() ? String.valueOf(e.subscription().getAsInt()) : "default"));
        }
        ArrayNode errors = data.putArray("errors");
        inspection.recentErrors().forEach(e -> errors.addObject().put("ts", e.at().toString()).put("code", e.code())
                .put("message", e.message()));
        data.put("connections", inspection.openStreams());
        return data;
    }

    // ---- /api/admin/v1/token

    /** A development token for {@code subject}, signed with the first HS256 key of {@code client_auth}. */
    public ObjectNode token(String subject, long expiresInSeconds) {
        if (subject == null || subject.isBlank()) {
            throw new SyncException(ErrorCode.REQUEST_INVALID, "subject is required");
        }
        if (expiresInSeconds <= 0 || expiresInSeconds > 86_400) {
            throw new SyncException(ErrorCode.REQUEST_INVALID, "expires_in_seconds must be between 1 and 86400 (tokens may "
                    + "live at most a day)");
        }
        Hs256Tokens.Key key = config.clientAuth().jwksJson().flatMap(Hs256Tokens::firstKey).orElseThrow(() -> new SyncException(
                ErrorCode.REQUEST_INVALID, "client_auth has no HS256 key (kty: oct) to sign development tokens with"));
        Instant now = clock.instant();
        return JSON.createObjectNode().put("token", Hs256Tokens.devToken(key, subject, config.clientAuth().audience(),
                        "powersync-admin", now, expiresInSeconds))
                .put("expires_at", now.plusSeconds(expiresInSeconds).toString());
    }

    // ---- connections

    private Connection source() throws SQLException {
        ServiceConfig.SourceConnection source = config.connection();
        return DriverManager.getConnection("jdbc:mysql://" + source.hostname() + ":" + source.port() + "/" + source.database()
                + "?allowPublicKeyRetrieval=true&allowMultiQueries=false&allowLoadLocalInfile=false&useSSL=" + source.tls().enabled()
                + "&connectTimeout=5000&socketTimeout=60000",
                source.username(), source.password());
    }

    /** Closes the kept source connections. */
    @Override
    public synchronized void close() {
        closeSchemaConnection();
        head.close();
    }

    private static SyncException storageDown(SQLException e) {
        return new SyncException(ErrorCode.STORAGE_UNAVAILABLE, "Bucket storage cannot be read: " + e.getMessage(), e);
    }

    private static SyncException sourceDown(SQLException e) {
        return new SyncException(ErrorCode.SOURCE_UNREACHABLE, "The source database cannot be read: " + e.getMessage(), e);
    }
}
