package org.syncsuite.replicator;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.sql.Connection;
import java.sql.ResultSet;
import java.time.Duration;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.atomic.AtomicBoolean;

import org.junit.jupiter.api.Test;
import org.syncsuite.core.SqliteValue;
import org.syncsuite.core.change.ChangeRecord;
import org.syncsuite.core.mysql.MySqlValueMapper;
import org.syncsuite.core.service.ServiceConfig;
import org.syncsuite.services.EmbeddedKafka;
import org.syncsuite.services.EmbeddedMariaDb;
import org.syncsuite.services.junit.WithBackingServices;

@WithBackingServices
class SnapshotIT {

    private final EmbeddedMariaDb db;
    private final EmbeddedKafka kafka;

    SnapshotIT(EmbeddedMariaDb db, EmbeddedKafka kafka) {
        this.db = db;
        this.kafka = kafka;
    }

    @Test
    void snapshotWithConcurrentWritesEndsInEveryRowsLatestState() throws Exception {
        String database = newDatabase(300);
        ServiceConfig config = config(database);
        AtomicBoolean writing = new AtomicBoolean(true);
        Thread writer = Thread.ofPlatform().start(() -> {
            Random random = new Random(1);
            int next = 1000;
            while (writing.get()) {
                int id = random.nextInt(300);
                switch (random.nextInt(3)) {
                    case 0 -> db.execute("UPDATE " + database + ".items SET title = 'changed " + next + "' WHERE id = " + id);
                    case 1 -> db.execute("INSERT INTO " + database + ".items VALUES (" + (next++) + ", 'new')");
                    default -> db.execute("DELETE FROM " + database + ".items WHERE id = " + id);
                }
            }
        });
        try (Replicator replicator = new Replicator(config.connection(), config.kafka().orElseThrow(),
                table -> table.equals("items"), MySqlValueMapper.defaults()).withSnapshot(true, 25)) {
            replicator.start();
            Thread.sleep(500);
            writing.set(false);
            writer.join();
            Map<SqliteValue, SqliteValue> source = sourceState(database);
            await().atMost(Duration.ofSeconds(60)).untilAsserted(() ->
                    assertThat(topicState(config)).isEqualTo(source));
        }
    }

    @Test
    void anInterruptedSnapshotContinuesAfterItsLastChunkAndReadsEachRowOnce() throws Exception {
        String database = newDatabase(2000);
        ServiceConfig config = config(database);
        Replicator first = new Replicator(config.connection(), config.kafka().orElseThrow(),
                table -> table.equals("items"), MySqlValueMapper.defaults()).withSnapshot(true, 20);
        Thread starting = Thread.ofPlatform().start(() -> {
            try {
                first.start();
            } catch (RuntimeException expected) {
                // the producer is closed under it
            }
        });
        await().atMost(Duration.ofSeconds(60)).until(() -> reads(config).size() >= 200);
        first.close(); // stops it mid-snapshot
        starting.join();
        int readBefore = reads(config).size();
        assertThat(readBefore).isLessThan(2000);

        try (Replicator second = new Replicator(config.connection(), config.kafka().orElseThrow(),
                table -> table.equals("items"), MySqlValueMapper.defaults()).withSnapshot(true, 20)) {
            second.start();
            await().atMost(Duration.ofSeconds(60)).until(() -> reads(config).size() >= 2000);
            List<SqliteValue> reads = reads(config);
            assertThat(reads).hasSize(2000).doesNotHaveDuplicates();
            assertThat(topicState(config)).isEqualTo(sourceState(database));
        }
    }

    private String newDatabase(int rows) {
        String database = ReplicationFixture.newDatabase(db, "snap");
        db.execute("CREATE TABLE " + database + ".items (id INT PRIMARY KEY, title VARCHAR(100))");
        StringBuilder insert = new StringBuilder("INSERT INTO " + database + ".items VALUES ");
        for (int i = 0; i < rows; i++) {
            insert.append(i == 0 ? "" : ",").append("(").append(i).append(", 'item ").append(i).append("')");
        }
        db.execute(insert.toString());
        return database;
    }

    private ServiceConfig config(String database) {
        return ReplicationFixture.config(db, kafka, database, "it-" + database);
    }

    private Map<SqliteValue, SqliteValue> sourceState(String database) throws Exception {
        Map<SqliteValue, SqliteValue> state = new HashMap<>();
        try (Connection connection = db.rootConnection(database);
             ResultSet rs = connection.createStatement().executeQuery("SELECT id, title FROM items")) {
            while (rs.next()) {
                state.put(SqliteValue.of(rs.getLong(1)), SqliteValue.of(rs.getString(2)));
            }
        }
        return state;
    }

    /** The table as the topic's committed records leave it: id to title. */
    private Map<SqliteValue, SqliteValue> topicState(ServiceConfig config) {
        Map<SqliteValue, SqliteValue> state = new LinkedHashMap<>();
        for (ChangeRecord record : records(config)) {
            if (record instanceof ChangeRecord.RowChange change) {
                SqliteValue id = change.key().get("id");
                if (change.after().isPresent()) {
                    state.put(id, change.after().get().get("title"));
                } else {
                    state.remove(id);
                }
            }
        }
        return state;
    }

    private List<SqliteValue> reads(ServiceConfig config) {
        return records(config).stream().filter(r -> r instanceof ChangeRecord.RowChange c && c.op() == ChangeRecord.Op.READ)
                .map(r -> ((ChangeRecord.RowChange) r).key().get("id")).toList();
    }

    private List<ChangeRecord> records(ServiceConfig config) {
        return ReplicationFixture.records(kafka, config.kafka().orElseThrow().changesTopic("default"));
    }
}
