package org.syncsuite.replicator;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;

import org.junit.jupiter.api.Test;
import org.syncsuite.core.ErrorCode;
import org.syncsuite.core.SyncException;
import org.syncsuite.core.change.ChangeRecord;
import org.syncsuite.core.change.SourcePosition;
import org.syncsuite.core.mysql.MySqlValueMapper;
import org.syncsuite.core.service.ServiceConfig;
import org.syncsuite.core.service.ServiceConfigReader;
import org.syncsuite.services.EmbeddedKafka;
import org.syncsuite.services.EmbeddedMariaDb;
import org.syncsuite.services.junit.WithBackingServices;

/** What the source does to replication besides sending changes: going quiet, and losing binlog. */
@WithBackingServices
class SourceFailuresIT {

    private final EmbeddedMariaDb db;
    private final EmbeddedKafka kafka;

    SourceFailuresIT(EmbeddedMariaDb db, EmbeddedKafka kafka) {
        this.db = db;
        this.kafka = kafka;
    }

    private Replicator replicator(ServiceConfig config) {
        return new Replicator(config.connection(), config.kafka().orElseThrow(), table -> table.equals("items"),
                MySqlValueMapper.defaults());
    }

    @Test
    void writesElsewhereMoveThePositionAndHeartbeatsKeepAnIdleSourceCaughtUp() throws Exception {
        String database = ReplicationFixture.newDatabase(db, "idle");
        String elsewhere = ReplicationFixture.newDatabase(db, "elsewhere");
        db.execute("CREATE TABLE " + database + ".items (id INT PRIMARY KEY)",
                "CREATE TABLE " + elsewhere + ".log (id INT AUTO_INCREMENT PRIMARY KEY, v INT)");
        ServiceConfig config = ReplicationFixture.config(db, kafka, database, "it-" + database);
        String topic = config.kafka().orElseThrow().changesTopic("default");
        ReplicationStats stats = new ReplicationStats();
        try (Replicator replicator = replicator(config).withListener(stats)) {
            replicator.start();
            await().atMost(Duration.ofSeconds(20)).until(replicator::isStreaming);
            SourcePosition before = replicator.lastCommittedPosition().orElseThrow();

            for (int i = 0; i < 5; i++) {
                db.execute("INSERT INTO " + elsewhere + ".log (v) VALUES (" + i + ")");
            }
            SourcePosition head = head();
            await().atMost(Duration.ofSeconds(20)).untilAsserted(() ->
                    assertThat(ReplicationFixture.records(kafka, topic).getLast())
                            .isInstanceOfSatisfying(ChangeRecord.PositionMarker.class,
                                    marker -> assertThat(marker.position().offset()).isEqualTo(head.offset())));
            assertThat(head.offset()).isGreaterThan(before.offset());
            assertThat(ReplicationFixture.rowChanges(kafka, topic)).isEmpty();

            // Quiet now: heartbeats still commit, so the lag reads zero rather than growing stale.
            long commits = stats.kafkaTransactions();
            await().atMost(Duration.ofSeconds(10)).until(() -> stats.kafkaTransactions() >= commits + 2);
            assertThat(stats.lagSeconds()).isZero();
            assertThat(replicator.lastCommittedPosition().orElseThrow().offset()).isEqualTo(head.offset());
        }
    }

    @Test
    void aPurgedBinlogStopsReplicationSayingHowToRecover(@org.junit.jupiter.api.io.TempDir Path dir) throws Exception {
        try (EmbeddedMariaDb source = EmbeddedMariaDb.builder().build()) {
            source.start();
            source.createDatabase("shop");
            source.execute("CREATE TABLE shop.items (id INT PRIMARY KEY)");
            ServiceConfig config = ServiceConfigReader.read(dir.resolve("service.yaml"),
                    ReplicationFixture.serviceYaml(source, kafka, "shop", "it-purged"), name -> null);
            String topic = config.kafka().orElseThrow().changesTopic("default");
            try (Replicator replicator = replicator(config)) {
                replicator.start();
                await().atMost(Duration.ofSeconds(20)).until(replicator::isStreaming);
                source.execute("INSERT INTO shop.items VALUES (1)");
                await().atMost(Duration.ofSeconds(20)).until(() -> ReplicationFixture.rowChanges(kafka, topic).size() == 1);
            }
            // While no replicator runs, the source moves on and purges the binlog it still needed.
            source.execute("INSERT INTO shop.items VALUES (2)", "FLUSH BINARY LOGS", "INSERT INTO shop.items VALUES (3)",
                    "FLUSH BINARY LOGS");
            String current;
            try (Connection connection = source.rootConnection(""); Statement statement = connection.createStatement();
                 ResultSet rs = statement.executeQuery("SHOW MASTER STATUS")) {
                rs.next();
                current = rs.getString("File");
            }
            source.execute("PURGE BINARY LOGS TO '" + current + "'");

            try (Replicator replicator = replicator(config)) {
                replicator.start();
                await().atMost(Duration.ofSeconds(30)).until(() -> replicator.fatalError().isPresent());
                assertThat(replicator.fatalError().get()).isInstanceOfSatisfying(SyncException.class, e -> {
                    assertThat(e.errorCode()).isEqualTo(ErrorCode.BINLOG_PURGED);
                    assertThat(e.getMessage()).contains("purged").contains("delete the changes topic");
                });
                assertThat(replicator.isStreaming()).isFalse();
            }
            assertThat(ReplicationFixture.rowChanges(kafka, topic)).hasSize(1); // nothing made up
        }
    }

    private SourcePosition head() throws Exception {
        try (Connection connection = db.rootConnection("")) {
            return Replicator.head(connection, true);
        }
    }
}
