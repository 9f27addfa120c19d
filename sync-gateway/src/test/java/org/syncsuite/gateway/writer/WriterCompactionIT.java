package org.syncsuite.gateway.writer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.sql.Connection;
import java.time.Duration;
import java.util.Map;
import java.util.TreeMap;

import org.junit.jupiter.api.Test;
import org.syncsuite.gateway.storage.BucketStore;
import org.syncsuite.gateway.storage.Compactor;
import org.syncsuite.gateway.storage.StorageDatabase;
import org.syncsuite.services.EmbeddedKafka;
import org.syncsuite.services.EmbeddedMariaDb;
import org.syncsuite.services.junit.WithBackingServices;

/** Compaction of what the writer wrote, on demand and on a schedule, while it goes on writing. */
@WithBackingServices
class WriterCompactionIT {

    @Test
    void compactionShrinksTheWritersBucketsAndKeepsEveryChecksum(EmbeddedMariaDb db, EmbeddedKafka kafka) throws Exception {
        StorageDatabase storage = WriterFixture.newStorage(db, "compaction");
        Workload workload = new Workload(3);
        try (TopicWriter topic = new TopicWriter(kafka, WriterFixture.newTopic("compaction"));
             WriterSupervisor supervisor = new WriterSupervisor(storage, WriterFixture.kafkaProperties(kafka), topic.topic(),
                     topic.topic(), CheckpointPublisher.NONE, WriterFixture.SETTINGS, new WriterListener() { },
                     Duration.ofMillis(200))) {
            for (int i = 0; i < 300; i++) {
                topic.transaction(workload.next(10));
            }
            int version = supervisor.deploy("sync-config.yaml", WriterFixture.SYNC_CONFIG);
            supervisor.start();
            awaitCheckpointAt(storage, version, topic.lastPosition());

            Map<String, Long> before = checksums(storage, version);
            long opsBefore = WriterFixture.ops(storage, version).size();
            Compactor.Result result = supervisor.compactActive();
            assertThat(result.opsMoved()).isPositive();
            assertThat(result.opsAfter()).isLessThan(result.opsBefore());
            assertThat(WriterFixture.ops(storage, version).size()).isLessThan((int) opsBefore);
            assertThat(checksums(storage, version)).as("every bucket's checksum").isEqualTo(before);
            assertThat(Workload.reduce(WriterFixture.ops(storage, version))).isEqualTo(workload.expectedBuckets(
                    WriterSupervisor.planOf(version, WriterFixture.SYNC_CONFIG)));

            // the writer goes on after compaction, and a scheduled compaction follows it
            supervisor.withCompactionEvery(Duration.ofMillis(300));
            for (int i = 0; i < 100; i++) {
                topic.transaction(workload.next(10));
            }
            awaitCheckpointAt(storage, version, topic.lastPosition());
            long checkpoint = WriterFixture.scalar(storage, "SELECT last_checkpoint FROM sync_config_versions WHERE id = ?", version);
            await().atMost(Duration.ofSeconds(30)).until(() -> WriterFixture.scalar(storage,
                    "SELECT COUNT(*) FROM bucket_state WHERE group_id = ? AND compacted_op >= ?", version, checkpoint) > 0);
            await().atMost(Duration.ofSeconds(30)).until(() -> checksumsMatchOps(storage, version));
            assertThat(Workload.reduce(WriterFixture.ops(storage, version))).isEqualTo(workload.expectedBuckets(
                    WriterSupervisor.planOf(version, WriterFixture.SYNC_CONFIG)));
        }
    }

    private static void awaitCheckpointAt(StorageDatabase storage, int version, long position) {
        await().atMost(Duration.ofSeconds(60)).until(() -> WriterFixture.scalar(storage,
                "SELECT COUNT(*) FROM sync_config_versions WHERE id = ? AND last_checkpoint_position LIKE ?",
                version, "%\"pos\":" + position + ",%") == 1);
    }

    private static Map<String, Long> checksums(StorageDatabase storage, int version) throws Exception {
        Map<String, Long> sums = new TreeMap<>();
        for (WriterFixture.StoredOp op : WriterFixture.ops(storage, version)) {
            sums.merge(op.bucket(), op.checksum() & 0xffffffffL, (a, b) -> (a + b) & 0xffffffffL);
        }
        return sums;
    }

    /** The stored totals agree with the stored ops, bucket by bucket. */
    private static boolean checksumsMatchOps(StorageDatabase storage, int version) throws Exception {
        Map<String, Long> sums = checksums(storage, version);
        try (Connection c = storage.open()) {
            Map<String, BucketStore.BucketTotals> totals = new BucketStore().totals(c, version, sums.keySet());
            c.commit();
            return sums.entrySet().stream().allMatch(e -> totals.get(e.getKey()).checksum() == e.getValue());
        }
    }
}
