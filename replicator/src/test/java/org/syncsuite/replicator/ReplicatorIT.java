package org.syncsuite.replicator;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.IntStream;

import org.junit.jupiter.api.Test;
import org.syncsuite.core.SqliteValue;
import org.syncsuite.core.change.ChangeRecord;
import org.syncsuite.core.change.SourcePosition;
import org.syncsuite.core.mysql.MySqlValueMapper;
import org.syncsuite.core.service.ServiceConfig;
import org.syncsuite.services.EmbeddedKafka;
import org.syncsuite.services.EmbeddedMariaDb;
import org.syncsuite.services.junit.WithBackingServices;

@WithBackingServices
class ReplicatorIT {

    private final EmbeddedMariaDb db;
    private final EmbeddedKafka kafka;

    ReplicatorIT(EmbeddedMariaDb db, EmbeddedKafka kafka) {
        this.db = db;
        this.kafka = kafka;
    }

    private ServiceConfig config(String database, String prefix) {
        return ReplicationFixture.config(db, kafka, database, prefix);
    }

    private Replicator replicator(ServiceConfig config) {
        return new Replicator(config.connection(), config.kafka().orElseThrow(), table -> table.equals("todos"),
                MySqlValueMapper.defaults());
    }

    @Test
    void insertsUpdatesAndDeletesReachTheTopicOnceAcrossARestart() {
        String database = "rep_" + UUID.randomUUID().toString().substring(0, 8).replace('-', '_');
        String prefix = "it-" + database;
        db.createDatabase(database);
        db.execute("CREATE TABLE " + database + ".todos (id VARCHAR(36) PRIMARY KEY, title TEXT, done TINYINT(1), "
                        + "n BIGINT UNSIGNED, due DATETIME(3), price DECIMAL(10,2), photo BLOB, born DATE)",
                "CREATE TABLE " + database + ".other (id INT PRIMARY KEY)");
        ServiceConfig config = config(database, prefix);
        String topic = config.kafka().orElseThrow().changesTopic("default");

        try (Replicator replicator = replicator(config)) {
            replicator.start();
            await().atMost(Duration.ofSeconds(20)).until(replicator::isStreaming);
            db.execute("START TRANSACTION",
                    "INSERT INTO " + database + ".todos VALUES ('t1', 'Buy milk', 0, 18446744073709551615, '2024-01-02 03:04:05.123', 12.50, X'CAFE', '1960-05-01')",
                    "SET SESSION sql_mode = ''",
                    "INSERT INTO " + database + ".todos VALUES ('t2', 'Call Bob', 0, 1, '0000-00-00 00:00:00', NULL, NULL, '0000-00-00')",
                    "INSERT INTO " + database + ".other VALUES (1)",
                    "COMMIT");
            db.execute("UPDATE " + database + ".todos SET done = 1 WHERE id = 't1'");
            db.execute("DELETE FROM " + database + ".todos WHERE id = 't2'");
            await().atMost(Duration.ofSeconds(30)).until(() -> rowChanges(topic).size() >= 5);
        }

        List<ChangeRecord> changes = rowChanges(topic);
        assertThat(changes).hasSize(5);
        ChangeRecord.RowChange first = (ChangeRecord.RowChange) changes.get(0);
        assertThat(first.op()).isEqualTo(ChangeRecord.Op.CREATE);
        assertThat(first.table()).isEqualTo("todos");
        assertThat(first.key()).containsEntry("id", SqliteValue.of("t1"));
        Map<String, SqliteValue> after = first.after().orElseThrow();
        assertThat(after).containsEntry("title", SqliteValue.of("Buy milk"))
                .containsEntry("n", SqliteValue.of("18446744073709551615"))
                .containsEntry("due", SqliteValue.of("2024-01-02T03:04:05.123Z"))
                .containsEntry("price", SqliteValue.of(12.5))
                .containsEntry("photo", SqliteValue.ofBlob(new byte[] {(byte) 0xCA, (byte) 0xFE}))
                .containsEntry("born", SqliteValue.of("1960-05-01"));
        // Zero dates have no calendar meaning: NULL.
        assertThat(((ChangeRecord.RowChange) changes.get(1)).after().orElseThrow())
                .containsEntry("due", SqliteValue.NULL).containsEntry("born", SqliteValue.NULL);
        assertThat(first.source().gtid()).get().asString().matches("0-1-\\d+");
        assertThat(((ChangeRecord.RowChange) changes.get(2)).op()).isEqualTo(ChangeRecord.Op.UPDATE);
        assertThat(((ChangeRecord.RowChange) changes.get(2)).before().orElseThrow()).containsEntry("done", SqliteValue.of(0L));
        assertThat(((ChangeRecord.RowChange) changes.get(2)).after().orElseThrow()).containsEntry("done", SqliteValue.of(1L));
        assertThat(((ChangeRecord.RowChange) changes.get(3)).op()).isEqualTo(ChangeRecord.Op.DELETE);
        assertThat(changes.get(4)).isInstanceOf(ChangeRecord.Tombstone.class);

        // Changes made while no replicator runs arrive after a restart, and nothing arrives twice.
        db.execute("INSERT INTO " + database + ".todos (id, title) VALUES ('t3', 'While stopped')");
        try (Replicator again = replicator(config)) {
            again.start();
            db.execute("INSERT INTO " + database + ".todos (id, title) VALUES ('t4', 'After restart')");
            await().atMost(Duration.ofSeconds(30)).until(() -> rowChanges(topic).size() >= 7);
            assertThat(again.committedChanges()).isEqualTo(2);
        }
        List<ChangeRecord> all = rowChanges(topic);
        assertThat(all).hasSize(7);
        assertThat(all.subList(5, 7)).extracting(r -> ((ChangeRecord.RowChange) r).key().get("id"))
                .containsExactly(SqliteValue.of("t3"), SqliteValue.of("t4"));
    }

    @Test
    void aBusySourceSharesPacedKafkaTransactionsAndAQuietOneIsNotHeldBack() throws Exception {
        String database = "rep_" + UUID.randomUUID().toString().substring(0, 8).replace('-', '_');
        db.createDatabase(database);
        db.execute("CREATE TABLE " + database + ".todos (id VARCHAR(36) PRIMARY KEY, title TEXT)");
        ServiceConfig config = config(database, "it-" + database);
        String topic = config.kafka().orElseThrow().changesTopic("default");
        // Longer than the source's heartbeat (1 s), so that a heartbeat holding back what follows would show.
        Duration interval = Duration.ofSeconds(5);
        AtomicInteger dataTransactions = new AtomicInteger(); // Kafka transactions that carry changes
        AtomicLong lastDataCommit = new AtomicLong();
        ReplicationListener counting = new ReplicationListener() {
            @Override
            public void committed(int sourceTransactions, int changes, Duration kafkaTime, SourcePosition position,
                                  long sourceCommitMillis) {
                if (changes > 0) {
                    dataTransactions.incrementAndGet();
                    lastDataCommit.set(System.nanoTime());
                }
            }
        };
        try (Replicator replicator = replicator(config).withTransactionInterval(interval).withListener(counting)) {
            replicator.start();
            await().atMost(Duration.ofSeconds(20)).until(replicator::isStreaming);
            int rows = 200;
            long started = System.nanoTime();
            try (Connection c = db.rootConnection(database); PreparedStatement insert =
                    c.prepareStatement("INSERT INTO todos (id, title) VALUES (?, 'busy')")) {
                for (int i = 0; i < rows; i++) {
                    insert.setString(1, "b" + i);
                    insert.executeUpdate(); // autocommit: one source transaction each
                }
            }
            await().atMost(Duration.ofSeconds(60)).until(() -> rowChanges(topic).size() >= rows);
            long spanMillis = (lastDataCommit.get() - started) / 1_000_000;
            // Kafka transactions start at least an interval apart: the burst took a few, not one per row.
            assertThat(dataTransactions.get()).isPositive()
                    .isLessThanOrEqualTo((int) (spanMillis / interval.toMillis()) + 1);
            assertThat(rowChanges(topic)).extracting(r -> ((ChangeRecord.RowChange) r).key().get("id"))
                    .containsExactlyElementsOf(IntStream.range(0, rows).mapToObj(i -> SqliteValue.of("b" + i)).toList());

            // After a quiet spell longer than the interval (heartbeats only), a transaction is not held back.
            Thread.sleep(interval.toMillis() + 1000);
            int before = dataTransactions.get();
            long quietStarted = System.nanoTime();
            db.execute("INSERT INTO " + database + ".todos (id, title) VALUES ('q', 'quiet')");
            await().atMost(Duration.ofSeconds(30)).until(() -> dataTransactions.get() > before);
            assertThat(Duration.ofNanos(lastDataCommit.get() - quietStarted)).isLessThan(interval.dividedBy(2));
            await().atMost(Duration.ofSeconds(30)).until(() -> rowChanges(topic).size() > rows);
        }
        assertThatThrownBy(() -> replicator(config).withTransactionInterval(Duration.ofMillis(-1)))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> replicator(config).withTransactionInterval(Replicator.MAX_TRANSACTION_INTERVAL.plusMillis(1)))
                .isInstanceOf(IllegalArgumentException.class);
    }

    /** Every committed row change and tombstone of the topic, in order. */
    private List<ChangeRecord> rowChanges(String topic) {
        return ReplicationFixture.records(kafka, topic).stream()
                .filter(r -> r instanceof ChangeRecord.RowChange || r instanceof ChangeRecord.Tombstone).toList();
    }
}
