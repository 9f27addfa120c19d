package org.syncsuite.gateway.writer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.sql.Connection;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

import org.junit.jupiter.api.Test;
import org.syncsuite.gateway.storage.StorageDatabase;
import org.syncsuite.gateway.storage.SyncConfigVersions;
import org.syncsuite.services.EmbeddedKafka;
import org.syncsuite.services.EmbeddedMariaDb;
import org.syncsuite.services.junit.WithBackingServices;

@WithBackingServices
class RedeployIT {

    /** The second config: the public stream now also syncs each todo's list. */
    private static final String SECOND = WriterFixture.SYNC_CONFIG.replace(
            "SELECT id, title FROM todos WHERE json_extract", "SELECT id, title, list_id FROM todos WHERE json_extract");

    @Test
    void aNewConfigIsBuiltByReplayWhileTheOldOneServesThenTakesOverInOneStep(EmbeddedMariaDb db, EmbeddedKafka kafka)
            throws Exception {
        StorageDatabase storage = WriterFixture.newStorage(db, "redeploy");
        SyncConfigVersions versions = new SyncConfigVersions();
        Workload workload = new Workload(7);
        AtomicBoolean writing = new AtomicBoolean(true);
        AtomicLong transactions = new AtomicLong();
        try (TopicWriter topic = new TopicWriter(kafka, WriterFixture.newTopic("redeploy"));
             KafkaCheckpointPublisher publisher = new KafkaCheckpointPublisher(WriterFixture.kafkaProperties(kafka),
                     topic.topic() + ".checkpoints");
             WriterSupervisor supervisor = new WriterSupervisor(storage, WriterFixture.kafkaProperties(kafka), topic.topic(),
                     topic.topic(), publisher, WriterFixture.SETTINGS.withCaughtUpLag(50), new WriterListener() { },
                     Duration.ofMillis(200))) {
            for (int i = 0; i < 300; i++) {
                topic.transaction(workload.next(20));
            }
            int first = supervisor.deploy("sync-config.yaml", WriterFixture.SYNC_CONFIG);
            assertThat(supervisor.deploy("sync-config.yaml", WriterFixture.SYNC_CONFIG)).as("the same text again").isEqualTo(first);
            supervisor.start();
            await().atMost(Duration.ofSeconds(60)).until(() -> state(storage, first) == SyncConfigVersions.State.ACTIVE);

            Thread writer = Thread.ofPlatform().start(() -> {
                while (writing.get()) {
                    topic.transaction(workload.next(10));
                    transactions.incrementAndGet();
                }
            });
            try {
                int second = supervisor.deploy("sync-config.yaml", SECOND);
                assertThat(second).isGreaterThan(first);
                assertThat(state(storage, second)).isEqualTo(SyncConfigVersions.State.PROCESSING);
                long servedBefore = checkpoint(storage, first);
                await().atMost(Duration.ofSeconds(60)).until(() -> checkpoint(storage, first) > servedBefore);
                assertThat(state(storage, first)).as("the old version serves while the new one is built")
                        .isEqualTo(SyncConfigVersions.State.ACTIVE);

                await().atMost(Duration.ofSeconds(120)).until(() -> state(storage, second) == SyncConfigVersions.State.ACTIVE);
                assertThat(state(storage, first)).isIn(SyncConfigVersions.State.STOP, SyncConfigVersions.State.TERMINATED);
                long afterSwitch = transactions.get();
                await().atMost(Duration.ofSeconds(30)).until(() -> transactions.get() > afterSwitch + 20);
            } finally {
                writing.set(false);
                writer.join(10_000);
            }
            int second = versions.inStates(storage.open(), SyncConfigVersions.State.ACTIVE).getFirst().id();
            long last = topic.lastPosition();
            await().atMost(Duration.ofSeconds(60)).until(() -> WriterFixture.scalar(storage,
                    "SELECT COUNT(*) FROM sync_config_versions WHERE id = ? AND last_checkpoint_position LIKE ?",
                    second, "%\"pos\":" + last + ",%") == 1);
            await().atMost(Duration.ofSeconds(60)).until(() -> state(storage, first) == SyncConfigVersions.State.TERMINATED);

            assertThat(Workload.reduce(WriterFixture.ops(storage, second)))
                    .as("the replayed version holds exactly what its config gives for the rows as they are")
                    .isEqualTo(workload.expectedBuckets(WriterSupervisor.planOf(second, SECOND)));
            assertThat(WriterFixture.ops(storage, second)).anyMatch(op -> op.data() != null && op.data().contains("\"list_id\""));
            for (String table : List.of("bucket_ops", "bucket_state", "current_data", "parameter_index", "checkpoints")) {
                assertThat(WriterFixture.scalar(storage, "SELECT COUNT(*) FROM " + table + " WHERE group_id = ?", first))
                        .as("the old version's " + table).isZero();
            }
        }
    }

    private static SyncConfigVersions.State state(StorageDatabase storage, int id) throws Exception {
        try (Connection c = storage.open()) {
            return new SyncConfigVersions().find(c, id, false).orElseThrow().state();
        }
    }

    private static long checkpoint(StorageDatabase storage, int id) throws Exception {
        try (Connection c = storage.open()) {
            return new SyncConfigVersions().find(c, id, false).orElseThrow().lastCheckpoint()
                    .map(SyncConfigVersions.Checkpoint::opId).orElse(0L);
        }
    }
}
