package org.syncsuite.gateway.writer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.sql.Connection;
import java.sql.ResultSet;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

import org.junit.jupiter.api.Test;
import org.syncsuite.core.config.SyncPlan;
import org.syncsuite.gateway.storage.StorageDatabase;
import org.syncsuite.gateway.storage.SyncConfigVersions;
import org.syncsuite.services.EmbeddedKafka;
import org.syncsuite.services.EmbeddedMariaDb;
import org.syncsuite.services.junit.WithBackingServices;

@WithBackingServices
class WriterFailoverIT {

    /** What a process killed in the middle of a commit leaves: an open transaction that never commits. */
    static final class Killed extends Error {
        Killed() {
            super("killed mid-batch", null, false, false);
        }
    }

    @Test
    void aWriterKilledMidBatchIsReplacedByTheStandbyWithoutAGapOrADuplicate(EmbeddedMariaDb db, EmbeddedKafka kafka)
            throws Exception {
        StorageDatabase storage = WriterFixture.newStorage(db, "failover");
        int version = deploy(storage);
        SyncPlan plan = WriterSupervisor.planOf(version, WriterFixture.SYNC_CONFIG);
        Workload workload = new Workload(42);
        List<Thread> threads = new ArrayList<>();
        List<BucketWriter> writers = new ArrayList<>();
        try (TopicWriter topic = new TopicWriter(kafka, WriterFixture.newTopic("failover"))) {
            for (int i = 0; i < 100; i++) {
                topic.transaction(workload.next(20));
            }
            AtomicInteger commits = new AtomicInteger();
            AtomicBoolean killed = new AtomicBoolean();
            WriterListener dying = new WriterListener() {
                @Override
                public void beforeCommit(int versionId, Commit commit) {
                    if (commits.incrementAndGet() == 3 && commit.ops() > 0) {
                        killed.set(true);
                        throw new Killed();
                    }
                }
            };
            BucketWriter first = new BucketWriter(version, plan, storage, WriterFixture.kafkaProperties(kafka), topic.topic(),
                    "failover-" + topic.topic(), CheckpointPublisher.NONE, WriterFixture.SETTINGS, dying);
            writers.add(first);
            Thread firstThread = Thread.ofPlatform().uncaughtExceptionHandler((t, e) -> { }).start(first);
            threads.add(firstThread);
            await().atMost(Duration.ofSeconds(30)).until(first::isOwner);
            BucketWriter standby = new BucketWriter(version, plan, storage, WriterFixture.kafkaProperties(kafka), topic.topic(),
                    "failover-" + topic.topic(), CheckpointPublisher.NONE, WriterFixture.SETTINGS, new WriterListener() { });
            writers.add(standby);
            threads.add(Thread.ofPlatform().start(standby));

            await().atMost(Duration.ofSeconds(30)).until(killed::get);
            firstThread.join(10_000);
            assertThat(firstThread.isAlive()).isFalse();
            for (int i = 0; i < 100; i++) {
                topic.transaction(workload.next(20));
            }
            await().atMost(Duration.ofSeconds(60)).until(standby::isOwner);
            long last = topic.lastPosition();
            await().atMost(Duration.ofSeconds(60)).until(() -> WriterFixture.scalar(storage,
                    "SELECT COUNT(*) FROM sync_config_versions WHERE id = ? AND last_checkpoint_position LIKE ?",
                    version, "%\"pos\":" + last + ",%") == 1);
        } finally {
            writers.forEach(BucketWriter::close);
            for (Thread thread : threads) {
                thread.join(10_000);
            }
        }

        List<Long> ids = opIdsWithoutAGap(storage, version);
        assertThat(WriterFixture.scalar(storage, "SELECT last_checkpoint FROM sync_config_versions WHERE id = ?", version))
                .isEqualTo(ids.getLast());
        assertThat(Workload.reduce(WriterFixture.ops(storage, version))).isEqualTo(workload.expectedBuckets(plan));
        long puts = WriterFixture.ops(storage, version).stream().filter(op -> op.op() == 1).count();
        assertThat(puts).as("each row change was written once").isEqualTo(expectedPuts(plan, workload));
    }

    @Test
    void aWriterStartedAgainWhereItsReservedIdsRanOutGoesOnFromTheNextId(EmbeddedMariaDb db, EmbeddedKafka kafka)
            throws Exception {
        StorageDatabase storage = WriterFixture.newStorage(db, "reserved");
        int version = deploy(storage);
        SyncPlan plan = WriterSupervisor.planOf(version, WriterFixture.SYNC_CONFIG);
        Workload workload = new Workload(42);
        // a writer that numbered a batch with ids already taken would be refused (a warning, and it starts again)
        List<String> warnings = java.util.Collections.synchronizedList(new ArrayList<>());
        java.util.logging.Logger log = java.util.logging.Logger.getLogger(BucketWriter.class.getName());
        java.util.logging.Handler handler = new java.util.logging.Handler() {
            @Override
            public void publish(java.util.logging.LogRecord record) {
                if (record.getLevel().intValue() >= java.util.logging.Level.WARNING.intValue()) {
                    warnings.add(record.getMessage());
                }
            }

            @Override
            public void flush() {
            }

            @Override
            public void close() {
            }
        };
        log.addHandler(handler);
        try (TopicWriter topic = new TopicWriter(kafka, WriterFixture.newTopic("reserved"))) {
            for (int run = 0; run < 3; run++) {
                for (int i = 0; i < 40; i++) {
                    topic.transaction(workload.next(20));
                }
                // each batch reserves just the ids it takes: every commit leaves the reserved range used up
                BucketWriter writer = new BucketWriter(version, plan, storage, WriterFixture.kafkaProperties(kafka), topic.topic(),
                        "reserved-" + topic.topic(), CheckpointPublisher.NONE, WriterFixture.SETTINGS, new WriterListener() { });
                writer.reserveOpIdsAtATime(1);
                Thread thread = Thread.ofPlatform().start(writer);
                long last = topic.lastPosition();
                try {
                    await().atMost(Duration.ofSeconds(60)).until(() -> WriterFixture.scalar(storage,
                            "SELECT COUNT(*) FROM sync_config_versions WHERE id = ? AND last_checkpoint_position LIKE ?",
                            version, "%\"pos\":" + last + ",%") == 1);
                } finally {
                    writer.close();
                    thread.join(10_000);
                }
            }
        } finally {
            log.removeHandler(handler);
        }
        assertThat(warnings).as("every batch numbered from the first free id at once").isEmpty();

        List<Long> ids = opIdsWithoutAGap(storage, version);
        assertThat(WriterFixture.scalar(storage, "SELECT op_ids_reserved_until FROM sync_config_versions WHERE id = ?", version))
                .as("the reserved range ends where the last batch did").isEqualTo(ids.getLast());
        assertThat(Workload.reduce(WriterFixture.ops(storage, version))).isEqualTo(workload.expectedBuckets(plan));
        assertThat(WriterFixture.ops(storage, version).stream().filter(op -> op.op() == 1).count())
                .as("each row change was written once").isEqualTo(new Workload(42).replayPlacements(plan, 120, 20));
    }

    private static int deploy(StorageDatabase storage) throws Exception {
        try (Connection c = storage.open()) {
            int version = new SyncConfigVersions().deploy(c, WriterFixture.SYNC_CONFIG);
            c.commit();
            return version;
        }
    }

    /** The version's op ids (ops and index entries), checked to run from 1 without a gap. */
    private static List<Long> opIdsWithoutAGap(StorageDatabase storage, int version) throws Exception {
        List<Long> ids = new ArrayList<>();
        WriterFixture.ops(storage, version).forEach(op -> ids.add(op.opId()));
        try (Connection c = storage.open(); ResultSet rs = c.createStatement().executeQuery(
                "SELECT id FROM parameter_index WHERE group_id = " + version)) {
            while (rs.next()) {
                ids.add(rs.getLong(1));
            }
        }
        ids.sort(null);
        assertThat(ids).isNotEmpty();
        for (int i = 0; i < ids.size(); i++) {
            assertThat(ids.get(i)).as("op id at %d", i).isEqualTo(i + 1L);
        }
        return ids;
    }

    private static long expectedPuts(SyncPlan plan, Workload workload) {
        return new Workload(42).replayPlacements(plan, 200, 20);
    }
}
