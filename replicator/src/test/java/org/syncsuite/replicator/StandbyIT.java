package org.syncsuite.replicator;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.syncsuite.core.SqliteValue;
import org.syncsuite.core.change.ChangeRecord;
import org.syncsuite.core.mysql.MySqlValueMapper;
import org.syncsuite.core.service.ServiceConfig;
import org.syncsuite.services.EmbeddedKafka;
import org.syncsuite.services.EmbeddedMariaDb;
import org.syncsuite.services.junit.WithBackingServices;

@WithBackingServices
class StandbyIT {

    @Test
    void oneInstanceReplicatesAndTheStandbyTakesOverWhenItStops(EmbeddedMariaDb db, EmbeddedKafka kafka) {
        String database = ReplicationFixture.newDatabase(db, "standby");
        db.execute("CREATE TABLE " + database + ".items (id INT PRIMARY KEY)");
        ServiceConfig config = ReplicationFixture.config(db, kafka, database, "it-" + database);
        String topic = config.kafka().orElseThrow().changesTopic("default");
        StandbyReplicator first = standby(config);
        StandbyReplicator second = standby(config);
        try {
            first.start();
            await().atMost(Duration.ofSeconds(30)).until(first::isActive);
            second.start();
            db.execute("INSERT INTO " + database + ".items VALUES (1)");
            await().atMost(Duration.ofSeconds(30)).until(() -> ReplicationFixture.rowChanges(kafka, topic).size() == 1);
            assertThat(second.isActive()).as("the second instance waits as a standby").isFalse();
            assertThat(first.replicator().orElseThrow().fatalError()).isEmpty();

            first.close();
            await().atMost(Duration.ofSeconds(40)).until(second::isActive);
            db.execute("INSERT INTO " + database + ".items VALUES (2)");
            await().atMost(Duration.ofSeconds(30)).until(() -> ReplicationFixture.rowChanges(kafka, topic).size() == 2);
        } finally {
            first.close();
            second.close();
        }
        List<ChangeRecord.RowChange> changes = ReplicationFixture.rowChanges(kafka, topic);
        assertThat(changes).extracting(c -> c.key().get("id")).containsExactly(SqliteValue.of(1L), SqliteValue.of(2L));
    }

    private static StandbyReplicator standby(ServiceConfig config) {
        return new StandbyReplicator(config.connection(), config.kafka().orElseThrow(),
                () -> new Replicator(config.connection(), config.kafka().orElseThrow(), "items"::equals,
                        MySqlValueMapper.defaults()));
    }
}
