package org.syncsuite.replicator;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
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
import java.util.concurrent.ConcurrentHashMap;
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

        // 1. Killed in the middle of the snapshot.
        Process first = start(config, 50);
        await().atMost(Duration.ofSeconds(90)).until(() -> count(topic, ChangeRecord.Op.READ) >= 500);
        first.destroyForcibly().waitFor();
        assertThat(count(topic, ChangeRecord.Op.READ)).isLessThan(INITIAL_ROWS);

        // 2. Restarted: it finishes the snapshot, then streams while the source keeps changing.
        Process second = start(config, 50);
        await().atMost(Duration.ofSeconds(90)).until(() -> count(topic, ChangeRecord.Op.READ) >= INITIAL_ROWS);
        Map<Integer, Integer> updates = new ConcurrentHashMap<>();
        AtomicInteger nextId = new AtomicInteger(INITIAL_ROWS);
        AtomicBoolean writing = new AtomicBoolean(true);
        Thread writer = Thread.ofPlatform().start(() -> {
            Random random = new Random(3);
            while (writing.get()) {
                if (random.nextBoolean()) {
                    int id = nextId.getAndIncrement();
                    db.execute("INSERT INTO " + database + ".counters VALUES (" + id + ", 0)");
                } else {
                    int id = random.nextInt(INITIAL_ROWS);
                    db.execute("UPDATE " + database + ".counters SET v = v + 1 WHERE id = " + id);
                    updates.merge(id, 1, Integer::sum);
                }
            }
        });
        await().atMost(Duration.ofSeconds(90)).until(() -> count(topic, ChangeRecord.Op.UPDATE) >= 50);
        second.destroyForcibly().waitFor(); // 3. killed mid-stream

        Process third = start(config, 50);
        Thread.sleep(1000);
        writing.set(false);
        writer.join();

        int inserted = nextId.get() - INITIAL_ROWS;
        int updated = updates.values().stream().mapToInt(Integer::intValue).sum();
        await().atMost(Duration.ofSeconds(90)).until(() -> count(topic, ChangeRecord.Op.CREATE) >= inserted
                && count(topic, ChangeRecord.Op.UPDATE) >= updated);
        third.destroy();
        third.waitFor();

        List<ChangeRecord.RowChange> changes = rowChanges(topic);
        // Every initial row read exactly once, although the snapshot was killed half-way.
        assertThat(changes.stream().filter(c -> c.op() == ChangeRecord.Op.READ).map(c -> c.key().get("id")))
                .hasSize(INITIAL_ROWS).doesNotHaveDuplicates();
        // Every insert exactly once, every update exactly once per time it was made.
        assertThat(changes.stream().filter(c -> c.op() == ChangeRecord.Op.CREATE).map(c -> c.key().get("id")))
                .hasSize(inserted).doesNotHaveDuplicates();
        Map<SqliteValue, Integer> updateCounts = new HashMap<>();
        changes.stream().filter(c -> c.op() == ChangeRecord.Op.UPDATE)
                .forEach(c -> updateCounts.merge(c.key().get("id"), 1, Integer::sum));
        Map<SqliteValue, Integer> expected = new HashMap<>();
        updates.forEach((id, n) -> expected.put(SqliteValue.of((long) id), n));
        assertThat(updateCounts).isEqualTo(expected);
        // And the topic folds into exactly the source's final state.
        assertThat(fold(changes)).isEqualTo(sourceState(database));
    }

    private Path writeConfig(String database) throws Exception {
        Path config = workDir.resolve("service.yaml");
        Files.writeString(config, ReplicationFixture.serviceYaml(db, kafka, database, "crash-" + database) + """
                sync_config:
                  content: |
                    config:
                      edition: 3
                    streams:
                      all:
                        auto_subscribe: true
                        query: SELECT * FROM counters
                """);
        return config;
    }

    private Process start(Path config, int chunkSize) throws Exception {
        Process process = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp", System.getProperty("java.class.path"), ReplicatorMain.class.getName(), "--port", "0",
                "-c", config.toString(), "--snapshot-chunk-size", Integer.toString(chunkSize))
                .redirectErrorStream(true).start();
        children.add(process);
        BufferedReader reader = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8));
        Path log = workDir.resolve("replicator-" + children.size() + ".log");
        Thread.ofPlatform().daemon().start(() -> {
            try (var out = Files.newBufferedWriter(log)) {
                for (String line = reader.readLine(); line != null; line = reader.readLine()) {
                    out.write(line);
                    out.newLine();
                    out.flush();
                }
            } catch (java.io.IOException e) {
                // the child is gone
            }
        });
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
