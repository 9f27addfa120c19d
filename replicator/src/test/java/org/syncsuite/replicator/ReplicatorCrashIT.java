package org.syncsuite.replicator;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.syncsuite.core.SqliteValue;
import org.syncsuite.core.change.ChangeRecord;
import org.syncsuite.services.EmbeddedKafka;
import org.syncsuite.services.EmbeddedMariaDb;
import org.syncsuite.services.junit.WithBackingServices;

/**
 * The replicator killed with SIGKILL mid-snapshot and mid-stream, each time restarted: the
 * topic's committed events must equal the source's history, none lost and none repeated.
 */
@WithBackingServices
class ReplicatorCrashIT {

    private static final int INITIAL_ROWS = 3000;

    @TempDir
    Path workDir;

    private final EmbeddedMariaDb db;
    private final EmbeddedKafka kafka;
    private final List<Process> children = new ArrayList<>();

    ReplicatorCrashIT(EmbeddedMariaDb db, EmbeddedKafka kafka) {
        this.db = db;
        this.kafka = kafka;
    }

    @AfterEach
    void killChildren() throws Exception {
        children.forEach(Process::destroyForcibly);
        // Keep the children's logs with the test reports.
        Path reports = Path.of("target", "failsafe-reports", "replicator-crash-logs");
        Files.createDirectories(reports);
        try (var logs = Files.list(workDir)) {
            for (Path log : (Iterable<Path>) logs.filter(p -> p.toString().endsWith(".log"))::iterator) {
                Files.copy(log, reports.resolve(log.getFileName()), java.nio.file.StandardCopyOption.REPLACE_EXISTING);
            }
        }
    }

    @Test
    void killedMidSnapshotAndMidStreamLosesNothingAndRepeatsNothing() throws Exception {
        String database = ReplicationFixture.newDatabase(db, "crash");
        db.execute("CREATE TABLE " + database + ".counters (id INT PRIMARY KEY, v INT NOT NULL)");
        StringBuilder insert = new StringBuilder("INSERT INTO " + database + ".counters VALUES ");
        for (int i = 0; i < INITIAL_ROWS; i++) {
            insert.append(i == 0 ? "" : ",").append("(").append(i).append(", 0)");
        }
        db.execute(insert.toString());
        Path config = writeConfig(database);
        String topic = "crash-" + database + ".default.changes";

        // The source changes all along: before, during and after the snapshot, across every kill.
        AtomicInteger nextId = new AtomicInteger(INITIAL_ROWS);
        AtomicBoolean writing = new AtomicBoolean(true);
        AtomicInteger writes = new AtomicInteger();
        Thread writer = Thread.ofPlatform().start(() -> {
            Random random = new Random(3);
            while (writing.get()) {
                if (random.nextInt(4) == 0) {
                    db.execute("INSERT INTO " + database + ".counters VALUES (" + nextId.getAndIncrement() + ", 0)");
                } else {
                    // Mostly rows the snapshot has not reached yet when it is killed.
                    int id = random.nextInt(nextId.get());
                    db.execute("UPDATE " + database + ".counters SET v = v + 1 WHERE id = " + id);
                }
                writes.incrementAndGet();
            }
        });
        try {
            // 1. Killed in the middle of the snapshot.
            Process first = start(config, 50);
            await().atMost(Duration.ofSeconds(90)).until(() -> count(topic, ChangeRecord.Op.READ) >= 500);
            first.destroyForcibly().waitFor();
            assertThat(count(topic, ChangeRecord.Op.READ)).isLessThan(INITIAL_ROWS);
            int writesAtKill = writes.get();
            await().atMost(Duration.ofSeconds(30)).until(() -> writes.get() >= writesAtKill + 200);

            // 2. Restarted: it finishes the snapshot, then streams; killed again mid-stream.
            Process second = start(config, 50);
            await().atMost(Duration.ofSeconds(90)).until(() -> count(topic, ChangeRecord.Op.READ) >= INITIAL_ROWS - 100
                    && count(topic, ChangeRecord.Op.UPDATE) >= 50);
            second.destroyForcibly().waitFor();

            // 3. Restarted once more, while the writes go on.
            Process third = start(config, 50);
            Thread.sleep(1000);
            writing.set(false);
            writer.join();
            Map<SqliteValue, SqliteValue> source = sourceState(database);
            await().atMost(Duration.ofSeconds(90)).until(() -> fold(rowChanges(topic)).equals(source));
            third.destroy();
            third.waitFor();
        } finally {
            writing.set(false);
            writer.join();
        }

        // Per row: one first event (read by the snapshot, or inserted), then one update per
        // increment, in order, ending at the source's value: nothing lost, nothing repeated.
        Map<SqliteValue, SqliteValue> source = sourceState(database);
        Map<SqliteValue, List<ChangeRecord.RowChange>> byRow = new HashMap<>();
        for (ChangeRecord.RowChange change : rowChanges(topic)) {
            byRow.computeIfAbsent(change.key().get("id"), id -> new ArrayList<>()).add(change);
        }
        assertThat(byRow.keySet()).isEqualTo(source.keySet());
        for (Map.Entry<SqliteValue, List<ChangeRecord.RowChange>> row : byRow.entrySet()) {
            List<ChangeRecord.RowChange> history = row.getValue();
            assertThat(history.getFirst().op()).as("first event of row %s", row.getKey())
                    .isIn(ChangeRecord.Op.READ, ChangeRecord.Op.CREATE);
            long value = value(history.getFirst());
            for (ChangeRecord.RowChange change : history.subList(1, history.size())) {
                assertThat(change.op()).as("later event of row %s: %s", row.getKey(), history).isEqualTo(ChangeRecord.Op.UPDATE);
                assertThat(value(change)).as("row %s goes up by one each time: %s", row.getKey(), history).isEqualTo(value + 1);
                value = value(change);
            }
            assertThat(SqliteValue.of(value)).as("row %s ends at the source's value", row.getKey()).isEqualTo(source.get(row.getKey()));
        }
        assertThat(changesBy(topic, ChangeRecord.Op.READ)).hasSizeLessThanOrEqualTo(nextId.get()).doesNotHaveDuplicates();
    }

    private static long value(ChangeRecord.RowChange change) {
        return ((SqliteValue.Integer) change.after().orElseThrow().get("v")).value();
    }

    private List<SqliteValue> changesBy(String topic, ChangeRecord.Op op) {
        return rowChanges(topic).stream().filter(c -> c.op() == op).map(c -> c.key().get("id")).toList();
    }

    private Path writeConfig(String database) throws Exception {
        Path config = workDir.resolve("service.yaml");
        Files.writeString(config, ReplicationFixture.serviceYaml(db, kafka, database, "crash-" + database)
                + ReplicationFixture.syncConfigOf("counters"));
        return config;
    }

    private Process start(Path config, int chunkSize) throws Exception {
        Process process = ReplicationFixture.launchReplicator(List.of("--port", "0", "-c", config.toString(),
                "--snapshot-chunk-size", Integer.toString(chunkSize)), workDir.resolve("replicator-" + (children.size() + 1) + ".log"),
                line -> { });
        children.add(process);
        return process;
    }

    private long count(String topic, ChangeRecord.Op op) {
        return rowChanges(topic).stream().filter(c -> c.op() == op).count();
    }

    private List<ChangeRecord.RowChange> rowChanges(String topic) {
        return ReplicationFixture.rowChanges(kafka, topic);
    }

    private static Map<SqliteValue, SqliteValue> fold(List<ChangeRecord.RowChange> changes) {
        Map<SqliteValue, SqliteValue> state = new HashMap<>();
        for (ChangeRecord.RowChange change : changes) {
            if (change.after().isPresent()) {
                state.put(change.key().get("id"), change.after().get().get("v"));
            } else {
                state.remove(change.key().get("id"));
            }
        }
        return state;
    }

    private Map<SqliteValue, SqliteValue> sourceState(String database) throws Exception {
        Map<SqliteValue, SqliteValue> state = new HashMap<>();
        try (Connection connection = db.rootConnection(database); Statement statement = connection.createStatement();
             ResultSet rs = statement.executeQuery("SELECT id, v FROM counters")) {
            while (rs.next()) {
                state.put(SqliteValue.of(rs.getLong(1)), SqliteValue.of(rs.getLong(2)));
            }
        }
        return state;
    }
}
