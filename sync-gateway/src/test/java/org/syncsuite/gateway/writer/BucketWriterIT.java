package org.syncsuite.gateway.writer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.syncsuite.gateway.writer.TopicWriter.delete;
import static org.syncsuite.gateway.writer.TopicWriter.insert;
import static org.syncsuite.gateway.writer.TopicWriter.update;

import java.nio.ByteBuffer;
import java.sql.Connection;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.syncsuite.core.Checksums;
import org.syncsuite.core.SqliteValue;
import org.syncsuite.core.config.LookupSource;
import org.syncsuite.core.config.ResolvedBucket;
import org.syncsuite.core.config.SyncPlan;
import org.syncsuite.core.protocol.StreamingSyncRequest;
import org.syncsuite.core.sql.RequestParameters;
import org.syncsuite.gateway.storage.BucketStore;
import org.syncsuite.gateway.storage.LookupKeys;
import org.syncsuite.gateway.storage.ParameterIndex;
import org.syncsuite.gateway.storage.StorageDatabase;
import org.syncsuite.gateway.storage.SyncConfigVersions;
import org.syncsuite.services.EmbeddedKafka;
import org.syncsuite.services.EmbeddedMariaDb;
import org.syncsuite.services.junit.WithBackingServices;

@WithBackingServices
class BucketWriterIT {

    private final EmbeddedMariaDb db;
    private final EmbeddedKafka kafka;
    private StorageDatabase storage;
    private TopicWriter topic;
    private String checkpointsTopic;
    private KafkaCheckpointPublisher publisher;
    private final WriterFixture.Counting counting = new WriterFixture.Counting();
    private final List<Thread> threads = new ArrayList<>();
    private final List<BucketWriter> writers = new ArrayList<>();
    private int version;
    private SyncPlan plan;

    BucketWriterIT(EmbeddedMariaDb db, EmbeddedKafka kafka) {
        this.db = db;
        this.kafka = kafka;
    }

    @BeforeEach
    void setUp() throws Exception {
        storage = WriterFixture.newStorage(db, "writer");
        topic = new TopicWriter(kafka, WriterFixture.newTopic("changes"));
        checkpointsTopic = topic.topic() + ".checkpoints";
        publisher = new KafkaCheckpointPublisher(WriterFixture.kafkaProperties(kafka), checkpointsTopic);
        try (Connection c = storage.open()) {
            version = new SyncConfigVersions().deploy(c, WriterFixture.SYNC_CONFIG);
            c.commit();
        }
        plan = WriterSupervisor.planOf(version, WriterFixture.SYNC_CONFIG);
    }

    @AfterEach
    void tearDown() throws Exception {
        writers.forEach(BucketWriter::close);
        for (Thread thread : threads) {
            thread.join(10_000);
        }
        publisher.close();
        topic.close();
    }

    private BucketWriter startWriter() {
        return startWriter(WriterFixture.SETTINGS);
    }

    private BucketWriter startWriter(WriterSettings settings) {
        BucketWriter writer = new BucketWriter(version, plan, storage, WriterFixture.kafkaProperties(kafka), topic.topic(),
                "writer-" + topic.topic(), publisher, settings, counting);
        writers.add(writer);
        threads.add(Thread.ofPlatform().start(writer));
        return writer;
    }

    private void awaitCheckpointAt(long position) {
        await().atMost(Duration.ofSeconds(30)).until(() -> WriterFixture.scalar(storage,
                "SELECT COUNT(*) FROM sync_config_versions WHERE id = ? AND last_checkpoint_position LIKE ?",
                version, "%\"pos\":" + position + ",%") == 1);
    }

    /**
     * With {@code localLoads} batches go in as {@code LOAD DATA LOCAL} rows (the server allows it
     * by default); without, the storage URL turns that off and they go in as statements.
     */
    @ParameterizedTest(name = "local loads: {0}")
    @ValueSource(booleans = {true, false})
    void goldenScenariosGiveTheExpectedOperationsAndChecksums(boolean localLoads) throws Exception {
        if (!localLoads) {
            storage = new StorageDatabase(storage.url() + "&allowLoadLocalInfile=false", storage.user(), storage.password());
        }
        long loadsBefore = loadStatements();
        startWriter();
        String l = version + "#";
        // 1. inserts
        topic.transaction(List.of(insert("lists", "id", "l1", "owner_id", "u1", "name", "Groceries"),
                insert("todos", "id", "t1", "list_id", "l1", "title", "Milk", "meta", "{\"public\":1}")));
        awaitCheckpointAt(topic.lastPosition());
        assertThat(WriterFixture.lines(storage, version)).containsExactly(
                l + "my_lists|0[\"u1\"] PUT lists/l1 {\"id\":\"l1\",\"owner_id\":\"u1\",\"name\":\"Groceries\"}",
                l + "list_todos|0[\"l1\"] PUT todos/t1 {\"id\":\"t1\",\"list_id\":\"l1\",\"title\":\"Milk\",\"meta\":\"{\\\"public\\\":1}\"}",
                l + "public_todos|0[] PUT todos/t1 {\"id\":\"t1\",\"title\":\"Milk\"}");
        assertThat(new SyncConfigVersions().find(storage.open(), version, false).orElseThrow().state())
                .as("caught up at its first checkpoint, the first version becomes active").isEqualTo(SyncConfigVersions.State.ACTIVE);

        // 2. an update that moves a row from one bucket to another
        topic.transaction(List.of(insert("lists", "id", "l2", "owner_id", "u1", "name", "Work"),
                update("todos", "id", "t1", "list_id", "l2", "title", "Milk", "meta", "{\"public\":1}")));
        awaitCheckpointAt(topic.lastPosition());
        assertThat(WriterFixture.lines(storage, version).subList(3, 7)).containsExactly(
                l + "my_lists|0[\"u1\"] PUT lists/l2 {\"id\":\"l2\",\"owner_id\":\"u1\",\"name\":\"Work\"}",
                l + "list_todos|0[\"l2\"] PUT todos/t1 {\"id\":\"t1\",\"list_id\":\"l2\",\"title\":\"Milk\",\"meta\":\"{\\\"public\\\":1}\"}",
                l + "public_todos|0[] PUT todos/t1 {\"id\":\"t1\",\"title\":\"Milk\"}",
                l + "list_todos|0[\"l1\"] REMOVE todos/t1");

        // 3. a delete
        topic.transaction(List.of(delete("todos", "id", "t1", "list_id", "l2", "title", "Milk", "meta", "{\"public\":1}")));
        awaitCheckpointAt(topic.lastPosition());
        assertThat(WriterFixture.lines(storage, version).subList(7, 9)).containsExactly(
                l + "list_todos|0[\"l2\"] REMOVE todos/t1", l + "public_todos|0[] REMOVE todos/t1");

        // 4. a parameter lookup change: list l1 changes owner, and with it every todo of l1 changes hands
        topic.transaction(List.of(insert("todos", "id", "t2", "list_id", "l1", "title", "Eggs", "meta", "{}"),
                insert("todos", "id", "t3", "list_id", "l1", "title", "Tea", "meta", "{}")));
        awaitCheckpointAt(topic.lastPosition());
        long before = checkpoint();
        assertThat(bucketsOf("u1", before)).contains(l + "list_todos|0[\"l1\"]");
        assertThat(bucketsOf("u2", before)).doesNotContain(l + "list_todos|0[\"l1\"]");
        int opsBefore = WriterFixture.lines(storage, version).size();
        topic.transaction(List.of(update("lists", "id", "l1", "owner_id", "u2", "name", "Groceries")));
        awaitCheckpointAt(topic.lastPosition());
        long after = checkpoint();
        assertThat(WriterFixture.lines(storage, version).subList(opsBefore, opsBefore + 2)).containsExactly(
                l + "my_lists|0[\"u2\"] PUT lists/l1 {\"id\":\"l1\",\"owner_id\":\"u2\",\"name\":\"Groceries\"}",
                l + "my_lists|0[\"u1\"] REMOVE lists/l1");
        assertThat(WriterFixture.lines(storage, version)).as("the todos' buckets are untouched: only the index moved")
                .hasSize(opsBefore + 2);
        assertThat(bucketsOf("u2", after)).contains(l + "list_todos|0[\"l1\"]");
        assertThat(bucketsOf("u1", after)).doesNotContain(l + "list_todos|0[\"l1\"]").contains(l + "list_todos|0[\"l2\"]");
        assertThat(bucketsOf("u1", before)).as("the index as of the earlier checkpoint is unchanged")
                .contains(l + "list_todos|0[\"l1\"]");

        // checksums: each bucket's stored total is the sum of its ops' checksums, computed here from scratch
        Map<String, Long> expected = new java.util.TreeMap<>();
        for (WriterFixture.StoredOp op : WriterFixture.ops(storage, version)) {
            long checksum = op.op() == 1 ? Checksums.put(op.objectType(), op.objectId(), op.data()) : Checksums.remove(op.subkey());
            assertThat(op.checksum()).isEqualTo(checksum);
            expected.merge(op.bucket(), checksum, Checksums::add);
        }
        try (Connection c = storage.open()) {
            Map<String, BucketStore.BucketTotals> totals = new BucketStore().totals(c, version, expected.keySet());
            expected.forEach((bucket, sum) -> assertThat(totals.get(bucket).checksum()).as(bucket).isEqualTo(sum));
        }
        assertThat(Checksums.toSigned(expected.get(l + "public_todos|0[]"))).as("PUT then REMOVE of t1")
                .isEqualTo(Checksums.toSigned(Checksums.add(
                        Checksums.put("todos", "t1", "{\"id\":\"t1\",\"title\":\"Milk\"}"),
                        Checksums.add(Checksums.put("todos", "t1", "{\"id\":\"t1\",\"title\":\"Milk\"}"),
                                Checksums.remove(WriterFixture.ops(storage, version).get(8).subkey())))));

        // op ids: one sequence without a gap (index entries take their ids from it too)
        List<Long> ids = new ArrayList<>(WriterFixture.ops(storage, version).stream().map(WriterFixture.StoredOp::opId).toList());
        ids.addAll(lookupIds());
        ids.sort(null);
        for (int i = 0; i < ids.size(); i++) {
            assertThat(ids.get(i)).isEqualTo(i + 1L);
        }
        assertThat(after).isEqualTo(ids.getLast());

        // checkpoints are published with what changed
        await().atMost(Duration.ofSeconds(10)).until(() -> WriterFixture.checkpointEvents(kafka, checkpointsTopic).stream()
                .anyMatch(e -> e.path("checkpoint").asText().equals(Long.toString(after))));
        List<JsonNode> events = WriterFixture.checkpointEvents(kafka, checkpointsTopic);
        JsonNode last = events.getLast();
        assertThat(last.path("version").asInt()).isEqualTo(version);
        assertThat(last.path("state").asText()).isEqualTo("ACTIVE");
        assertThat(last.path("previous").asText()).isEqualTo(Long.toString(before));
        assertThat(last.path("buckets").toString()).contains("my_lists|0[\\\"u2\\\"]", "my_lists|0[\\\"u1\\\"]");
        assertThat(last.path("lookups").size()).isEqualTo(2);
        assertThat(last.path("position").path("pos").asLong()).isEqualTo(topic.lastPosition());
        assertThat(events.getFirst().path("invalidate_all").asBoolean()).as("the activation invalidates everything").isTrue();
        assertThat(counting.skipped).isEmpty();
        assertThat(loadStatements() > loadsBefore).as("batches loaded as rows").isEqualTo(localLoads);
    }

    /** LOAD DATA statements the server has run (its status counter). */
    private long loadStatements() throws Exception {
        try (Connection c = db.rootConnection(""); var rs = c.createStatement().executeQuery("SHOW GLOBAL STATUS LIKE 'Com_load'")) {
            rs.next();
            return rs.getLong(2);
        }
    }

    @Test
    void aRowTheConfigCannotEvaluateIsSkippedAndTheRestGoesOn() throws Exception {
        startWriter();
        topic.transaction(List.of(insert("todos", "id", "bad", "list_id", "l1", "title", "Broken", "meta", "{not json"),
                insert("todos", "id", "good", "list_id", "l1", "title", "Fine", "meta", "{\"public\":1}")));
        awaitCheckpointAt(topic.lastPosition());
        assertThat(counting.skipped).hasSize(1);
        assertThat(counting.skipped.getFirst()).contains("todos", "\"id\":\"bad\"", "Malformed JSON");
        String l = version + "#";
        assertThat(WriterFixture.lines(storage, version)).containsExactly(
                l + "list_todos|0[\"l1\"] PUT todos/bad {\"id\":\"bad\",\"list_id\":\"l1\",\"title\":\"Broken\",\"meta\":\"{not json\"}",
                l + "list_todos|0[\"l1\"] PUT todos/good {\"id\":\"good\",\"list_id\":\"l1\",\"title\":\"Fine\",\"meta\":\"{\\\"public\\\":1}\"}",
                l + "public_todos|0[] PUT todos/good {\"id\":\"good\",\"title\":\"Fine\"}");
    }

    @Test
    void abortedTransactionsAreNeverSeenAndATruncationRemovesEveryRow() throws Exception {
        startWriter();
        topic.transaction(List.of(insert("lists", "id", "l1", "owner_id", "u1", "name", "A"),
                insert("lists", "id", "l2", "owner_id", "u1", "name", "B")));
        topic.aborted(List.of(insert("lists", "id", "ghost", "owner_id", "u1", "name", "never committed")));
        topic.transaction(List.of(TopicWriter.truncate("lists"), insert("lists", "id", "l3", "owner_id", "u1", "name", "C")));
        awaitCheckpointAt(topic.lastPosition());
        String l = version + "#";
        List<String> lines = WriterFixture.lines(storage, version);
        assertThat(lines).noneMatch(line -> line.contains("ghost"));
        assertThat(lines.subList(2, lines.size())).containsExactlyInAnyOrder(
                l + "my_lists|0[\"u1\"] REMOVE lists/l1", l + "my_lists|0[\"u1\"] REMOVE lists/l2",
                l + "my_lists|0[\"u1\"] PUT lists/l3 {\"id\":\"l3\",\"owner_id\":\"u1\",\"name\":\"C\"}");
        assertThat(lines.getLast()).contains("PUT lists/l3");
        assertThat(WriterFixture.scalar(storage, "SELECT COUNT(*) FROM current_data WHERE group_id = ?", version)).isEqualTo(1);
    }

    @Test
    void aRowDeletedAndInsertedAgainInOneTransactionLeavesItsOldBucket() throws Exception {
        startWriter();
        topic.transaction(List.of(insert("todos", "id", "t1", "list_id", "l1", "title", "A", "meta", "{}")));
        awaitCheckpointAt(topic.lastPosition());
        topic.transaction(List.of(delete("todos", "id", "t1", "list_id", "l1", "title", "A", "meta", "{}"),
                insert("todos", "id", "t1", "list_id", "l2", "title", "A", "meta", "{}")));
        awaitCheckpointAt(topic.lastPosition());
        String l = version + "#";
        assertThat(WriterFixture.lines(storage, version)).containsExactly(
                l + "list_todos|0[\"l1\"] PUT todos/t1 {\"id\":\"t1\",\"list_id\":\"l1\",\"title\":\"A\",\"meta\":\"{}\"}",
                l + "list_todos|0[\"l1\"] REMOVE todos/t1",
                l + "list_todos|0[\"l2\"] PUT todos/t1 {\"id\":\"t1\",\"list_id\":\"l2\",\"title\":\"A\",\"meta\":\"{}\"}");
    }

    @Test
    void checkpointsThatAddNoOpAreCommittedAtMostOnceASecondAndTheLastIsNotLost() throws Exception {
        // Where storage shares the source's server, each of these commits comes back as a source transaction.
        startWriter();
        topic.transaction(List.of(insert("lists", "id", "l1", "owner_id", "u1", "name", "A")));
        awaitCheckpointAt(topic.lastPosition());
        long checkpointsBefore = counting.checkpoints.get();
        long opsBefore = counting.ops.get();
        long started = System.nanoTime();
        for (int i = 0; i < 40; i++) {
            topic.transaction(List.of()); // a transaction of tables no stream reads: its position alone
            Thread.sleep(25);
        }
        awaitCheckpointAt(topic.lastPosition());
        double seconds = (System.nanoTime() - started) / 1e9;
        long commits = counting.checkpoints.get() - checkpointsBefore;
        assertThat(commits).as("position-only checkpoints in %.1f s", seconds).isBetween(1L, (long) Math.ceil(seconds) + 1);
        assertThat(counting.ops.get()).isEqualTo(opsBefore);

        // ops are never held back by the interval, even behind a position that waits for it
        topic.transaction(List.of());
        topic.transaction(List.of(insert("lists", "id", "l2", "owner_id", "u1", "name", "B")));
        long sent = System.nanoTime();
        awaitCheckpointAt(topic.lastPosition());
        assertThat(Duration.ofNanos(System.nanoTime() - sent)).isLessThan(Duration.ofMillis(900));
    }

    @Test
    void aCheckpointAfterBatchesInsideOneLongTransactionNamesEveryBucketTheyChanged() throws Exception {
        startWriter(new WriterSettings(50, 100, Duration.ofMillis(50), 2_000, Duration.ofMillis(100), 0, Duration.ofMillis(300)));
        topic.transaction(List.of(insert("todos", "id", "t0", "list_id", "l0", "title", "A", "meta", "{}")));
        awaitCheckpointAt(topic.lastPosition());
        List<org.syncsuite.core.change.ChangeRecord> rows = new ArrayList<>();
        for (int i = 1; i <= 300; i++) {
            rows.add(insert("todos", "id", "t" + i, "list_id", i <= 150 ? "lA" : "lB", "title", "A", "meta", "{}"));
        }
        topic.transaction(rows);
        awaitCheckpointAt(topic.lastPosition());
        await().atMost(Duration.ofSeconds(10)).until(() -> WriterFixture.checkpointEvents(kafka, checkpointsTopic).stream()
                .anyMatch(e -> e.path("position").path("pos").asLong() == topic.lastPosition()));
        JsonNode last = WriterFixture.checkpointEvents(kafka, checkpointsTopic).getLast();
        assertThat(last.path("invalidate_all").asBoolean()).isFalse();
        assertThat(last.path("buckets").toString()).contains("list_todos|0[\\\"lA\\\"]", "list_todos|0[\\\"lB\\\"]");
        assertThat(counting.checkpoints.get()).as("the long transaction was written in several batches, one checkpoint")
                .isLessThan(counting.ops.get() / 100 + 2);
    }

    /**
     * With room for a few memberships only, the writer forgets them at nearly every poll, while
     * batches are still in flight: a row whose new membership a batch in flight holds must not be
     * read back from storage before that batch commits, or it would miss its REMOVEs.
     */
    @Test
    void membershipsForgottenWhileBatchesAreInFlightAreNeverReadBackStale() throws Exception {
        Workload workload = new Workload(11);
        for (int i = 0; i < 200; i++) {
            topic.transaction(workload.next(6));
        }
        BucketWriter writer = new BucketWriter(version, plan, storage, WriterFixture.kafkaProperties(kafka), topic.topic(),
                "writer-" + topic.topic(), publisher,
                new WriterSettings(15, 40, Duration.ofMillis(50), 20, Duration.ofMillis(100), 0, Duration.ofMillis(300)), counting);
        writer.membershipCache(8);
        writers.add(writer);
        threads.add(Thread.ofPlatform().start(writer));
        awaitCheckpointAt(topic.lastPosition());
        assertThat(writer.evictions()).as("memberships were forgotten").isGreaterThan(20);
        assertThat(counting.retries.get()).isZero();
        assertThat(Workload.reduce(WriterFixture.ops(storage, version))).isEqualTo(workload.expectedBuckets(plan));
    }

    /**
     * The same, step by step: the batch that puts a todo in list A is held before it commits; a
     * poll without the todo finds the cache full and forgets what it may; the next poll moves the
     * todo to list B. Its membership must come from the held batch, not from storage (which does
     * not have it yet), or list A would keep the todo.
     */
    @Test
    void aRowForgottenWhileItsBatchWaitsToCommitIsNotReadBackFromStorage() throws Exception {
        java.util.concurrent.CountDownLatch holding = new java.util.concurrent.CountDownLatch(1);
        java.util.concurrent.CountDownLatch release = new java.util.concurrent.CountDownLatch(1);
        java.util.concurrent.atomic.AtomicBoolean first = new java.util.concurrent.atomic.AtomicBoolean(true);
        WriterListener holdFirstCommit = new WriterListener() {
            @Override
            public void beforeCommit(int versionId, Commit commit) {
                if (first.compareAndSet(true, false)) {
                    holding.countDown();
                    try {
                        release.await(60, java.util.concurrent.TimeUnit.SECONDS);
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                }
            }
        };
        BucketWriter writer = new BucketWriter(version, plan, storage, WriterFixture.kafkaProperties(kafka), topic.topic(),
                "writer-" + topic.topic(), publisher,
                new WriterSettings(1, 100, Duration.ofMillis(50), 2, Duration.ofMillis(100), 0, Duration.ofMillis(300)),
                holdFirstCommit);
        writer.membershipCache(0);
        writers.add(writer);
        threads.add(Thread.ofPlatform().start(writer));
        try {
            topic.transaction(List.of(insert("todos", "id", "t1", "list_id", "lA", "title", "A", "meta", "{}")));
            assertThat(holding.await(30, java.util.concurrent.TimeUnit.SECONDS)).as("the first batch waits to commit").isTrue();
            topic.transaction(List.of(insert("todos", "id", "t2", "list_id", "lC", "title", "B", "meta", "{}")));
            await().atMost(Duration.ofSeconds(30)).until(() -> writer.evictions() >= 1);
            topic.transaction(List.of(update("todos", "id", "t1", "list_id", "lB", "title", "A", "meta", "{}")));
            await().atMost(Duration.ofSeconds(30)).until(() -> writer.evictions() >= 2);
            Thread.sleep(500); // the poll that moves t1 reads its memberships right after forgetting
        } finally {
            release.countDown();
        }
        awaitCheckpointAt(topic.lastPosition());
        Map<String, Map<String, String>> buckets = Workload.reduce(WriterFixture.ops(storage, version));
        assertThat(buckets.keySet()).as("list A keeps nothing").noneMatch(bucket -> bucket.contains("\"lA\""));
        assertThat(buckets.entrySet()).anyMatch(b -> b.getKey().contains("\"lB\"") && b.getValue().containsKey("todos/t1"));
    }

    private long checkpoint() throws Exception {
        try (Connection c = storage.open()) {
            return new SyncConfigVersions().find(c, version, false).orElseThrow().lastCheckpoint().orElseThrow().opId();
        }
    }

    private List<Long> lookupIds() throws Exception {
        List<Long> ids = new ArrayList<>();
        try (Connection c = storage.open(); var rs = c.createStatement().executeQuery(
                "SELECT id FROM parameter_index WHERE group_id = " + version)) {
            while (rs.next()) {
                ids.add(rs.getLong(1));
            }
        }
        return ids;
    }

    /** The buckets user {@code userId} syncs at {@code checkpoint}, with the parameter index read from storage. */
    private List<String> bucketsOf(String userId, long checkpoint) throws Exception {
        try (Connection c = storage.open()) {
            ParameterIndex index = new ParameterIndex();
            LookupSource lookups = (indexId, key) -> {
                try {
                    byte[] lookup = LookupKeys.lookup(indexId, key);
                    List<List<SqliteValue>> rows = new ArrayList<>();
                    for (String result : index.results(c, version, List.of(lookup), checkpoint).get(ByteBuffer.wrap(lookup))) {
                        rows.addAll(LookupKeys.parseResults(result));
                    }
                    return rows;
                } catch (java.sql.SQLException e) {
                    throw new IllegalStateException(e);
                }
            };
            return plan.resolveBuckets(RequestParameters.of("{\"sub\":\"" + userId + "\"}", "{}"),
                    new StreamingSyncRequest.StreamsRequest(true, List.of()), lookups, 100)
                    .buckets().stream().map(ResolvedBucket::bucket).toList();
        }
    }
}
