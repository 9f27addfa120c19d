package org.syncsuite.replicator;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.syncsuite.core.change.ChangeRecord;
import org.syncsuite.core.mysql.MySqlValueMapper;
import org.syncsuite.core.service.ServiceConfig;
import org.syncsuite.core.service.ServiceConfigReader;
import org.syncsuite.services.EmbeddedKafka;
import org.syncsuite.services.EmbeddedMariaDb;
import org.syncsuite.services.junit.WithBackingServices;

/** Kafka goes away mid-stream and comes back: replication waits, then goes on with nothing lost or repeated. */
@WithBackingServices
class KafkaOutageIT {

    /** Client timeouts of seconds rather than minutes, so that the outage outlasts them. */
    private static final String CLIENT_TIMEOUTS = """
              properties:
                max.block.ms: "4000"
                request.timeout.ms: "2000"
                delivery.timeout.ms: "6000"
                default.api.timeout.ms: "4000"
            """;

    @Test
    void aKafkaOutageDelaysChangesAndLosesOrRepeatsNone(EmbeddedMariaDb db, @TempDir Path kafkaData) throws Exception {
        EmbeddedKafka first = EmbeddedKafka.builder().dataDirectory(kafkaData).build();
        first.start();
        EmbeddedKafka kafka = first;
        int port = first.port();
        String database = ReplicationFixture.newDatabase(db, "outage");
        db.execute("CREATE TABLE " + database + ".items (id INT PRIMARY KEY, v INT)");
        ServiceConfig config = ServiceConfigReader.read(Path.of("service.yaml"),
                ReplicationFixture.serviceYaml(db, kafka, database, "it-" + database) + CLIENT_TIMEOUTS, name -> null);
        String topic = config.kafka().orElseThrow().changesTopic("default");
        ReplicationStats stats = new ReplicationStats();
        try (Replicator replicator = new Replicator(config.connection(), config.kafka().orElseThrow(), "items"::equals,
                MySqlValueMapper.defaults()).withListener(stats)) {
            replicator.start();
            await().atMost(Duration.ofSeconds(30)).until(replicator::isStreaming);
            for (int i = 1; i <= 20; i++) {
                db.execute("INSERT INTO " + database + ".items VALUES (" + i + ", 0)");
            }
            await().atMost(Duration.ofSeconds(30)).until(() -> ReplicationFixture.rowChanges(first, topic).size() == 20);

            first.close();
            for (int i = 21; i <= 40; i++) {
                db.execute("INSERT INTO " + database + ".items VALUES (" + i + ", 0)");
                db.execute("UPDATE " + database + ".items SET v = v + 1 WHERE id = " + (i - 20));
            }
            await().atMost(Duration.ofSeconds(60)).until(() -> stats.retries() > 0);

            kafka = EmbeddedKafka.builder().dataDirectory(kafkaData).port(port).build();
            kafka.start();
            EmbeddedKafka back = kafka;
            await().atMost(Duration.ofSeconds(120)).until(() -> ReplicationFixture.rowChanges(back, topic).size() >= 60);
            Thread.sleep(2000); // anything repeated would arrive by now
            List<ChangeRecord.RowChange> changes = ReplicationFixture.rowChanges(back, topic);
            Map<String, Long> counts = changes.stream().collect(Collectors.groupingBy(
                    c -> c.op() + ":" + c.key().get("id"), Collectors.counting()));
            assertThat(changes).hasSize(60);
            assertThat(counts).allSatisfy((change, count) -> assertThat(count).as(change).isEqualTo(1L));
        } finally {
            kafka.close();
        }
    }
}
