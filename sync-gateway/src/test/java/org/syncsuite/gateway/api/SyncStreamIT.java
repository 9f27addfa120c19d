package org.syncsuite.gateway.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;
import static org.syncsuite.gateway.writer.TopicWriter.insert;
import static org.syncsuite.gateway.writer.TopicWriter.update;

import java.io.ByteArrayOutputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.zaxxer.hikari.HikariDataSource;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.syncsuite.core.Checksums;
import org.syncsuite.core.ErrorCode;
import org.syncsuite.core.SyncException;
import org.syncsuite.core.change.ChangeRecord;
import org.syncsuite.core.change.SourcePosition;
import org.syncsuite.core.protocol.StreamingSyncRequest;
import org.syncsuite.core.service.ServiceConfig;
import org.syncsuite.gateway.auth.TestKeys;
import org.syncsuite.gateway.auth.TokenVerifier;
import org.syncsuite.gateway.auth.VerifiedToken;
import org.syncsuite.gateway.storage.StorageDatabase;
import org.syncsuite.gateway.storage.SyncConfigVersions;
import org.syncsuite.gateway.writer.BucketWriter;
import org.syncsuite.gateway.writer.KafkaCheckpointPublisher;
import org.syncsuite.gateway.writer.TopicWriter;
import org.syncsuite.gateway.writer.WriterFixture;
import org.syncsuite.gateway.writer.WriterSupervisor;
import org.syncsuite.services.EmbeddedKafka;
import org.syncsuite.services.EmbeddedMariaDb;
import org.syncsuite.services.junit.WithBackingServices;

/**
 * The api role's streams against a real writer, Kafka and bucket storage, without HTTP: the first
 * checkpoint and its ops, live diffs woken by the checkpoints topic (and only for the streams a
 * change concerns), buckets that come and go with a parameter lookup, write checkpoints, resuming,
 * token expiry and the bucket limit.
 */
@WithBackingServices
class SyncStreamIT {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final TestKeys.SigningKey KEY = TestKeys.hs256(null, "a development secret of 32 bytes!");

    private final EmbeddedMariaDb db;
    private final EmbeddedKafka kafka;
    private StorageDatabase storage;
    private TopicWriter topic;
    private KafkaCheckpointPublisher publisher;
    private BucketWriter writer;
    private Thread writerThread;
    private HikariDataSource pool;
    private CheckpointHub hub;
    private SyncApi api;
    private int version;
    private final AtomicReference<SourcePosition> head = new AtomicReference<>();
    private final List<Thread> streams = new ArrayList<>();

    SyncStreamIT(EmbeddedMariaDb db, EmbeddedKafka kafka) {
        this.db = db;
        this.kafka = kafka;
    }

    @BeforeEach
    void setUp() throws Exception {
        storage = WriterFixture.newStorage(db, "api");
        topic = new TopicWriter(kafka, WriterFixture.newTopic("changes"));
        String checkpoints = topic.topic() + ".checkpoints";
        publisher = new KafkaCheckpointPublisher(WriterFixture.kafkaProperties(kafka), checkpoints);
        try (Connection c = storage.open()) {
            version = new SyncConfigVersions().deploy(c, WriterFixture.SYNC_CONFIG);
            c.commit();
        }
        writer = new BucketWriter(version, WriterSupervisor.planOf(version, WriterFixture.SYNC_CONFIG), storage,
                WriterFixture.kafkaProperties(kafka), topic.topic(), "writer-" + topic.topic(), publisher,
                WriterFixture.SETTINGS, new WriterFixture.Counting());
        writerThread = Thread.ofPlatform().start(writer);
        topic.transaction(List.of(insert("lists", "id", "l1", "owner_id", "u1", "name", "Groceries"),
                insert("lists", "id", "l9", "owner_id", "u2", "name", "Other"),
                insert("todos", "id", "t1", "list_id", "l1", "title", "Milk", "meta", "{\"public\":1}"),
                insert("todos", "id", "t2", "list_id", "l1", "title", "Eggs", "meta", "{}")));
        awaitCheckpointAt(topic.lastPosition());
        pool = storage.pool("api-test", 4);
        hub = new CheckpointHub(pool, Duration.ofSeconds(5));
        hub.start(WriterFixture.kafkaProperties(kafka), checkpoints);
        ServiceConfig.ClientAuth auth = new ServiceConfig.ClientAuth(List.of(), Optional.of(TestKeys.keySet(KEY)),
                List.of("powersync"), false, Optional.empty(), List.of());
        ApiStats stats = new ApiStats();
        api = new SyncApi(TokenVerifier.of(auth, Clock.systemUTC()), hub, pool,
                new WriteCheckpointService(pool, head::get, hub, Optional.empty(), checkpoints, stats),
                new ApiLimits(100, 10, 100, 2, 1_000_000, Duration.ofSeconds(20)), stats, Clock.systemUTC());
    }

    @AfterEach
    void tearDown() throws Exception {
        hub.shutdown("test over");
        for (Thread stream : streams) {
            stream.join(5_000);
        }
        hub.close();
        writer.close();
        writerThread.join(10_000);
        pool.close();
        publisher.close();
        topic.close();
    }

    private void awaitCheckpointAt(long position) {
        await().atMost(Duration.ofSeconds(30)).until(() -> WriterFixture.scalar(storage,
                "SELECT COUNT(*) FROM sync_config_versions WHERE id = ? AND last_checkpoint_position LIKE ?",
                version, "%\"pos\":" + position + ",%") == 1);
    }

    private VerifiedToken token(String user, long lifetimeSeconds) {
        long now = System.currentTimeMillis() / 1000;
        return api.authenticate(Optional.of("Token " + KEY.sign("{\"sub\":\"" + user + "\",\"aud\":\"powersync\",\"iat\":"
                + now + ",\"exp\":" + (now + lifetimeSeconds) + "}")));
    }

    /** Lines a stream writes, one JSON object each. */
    private static final class Lines extends OutputStream {
        private final ByteArrayOutputStream pending = new ByteArrayOutputStream();
        private final BlockingQueue<JsonNode> lines = new LinkedBlockingQueue<>();

        @Override
        public synchronized void write(int b) {
            if (b == '\n') {
                try {
                    lines.add(JSON.readTree(pending.toString(StandardCharsets.UTF_8)));
                } catch (java.io.IOException e) {
                    throw new IllegalStateException(e);
                }
                pending.reset();
            } else {
                pending.write(b);
            }
        }

        JsonNode next() throws InterruptedException {
            JsonNode line = lines.poll(15, TimeUnit.SECONDS);
            assertThat(line).as("a line within 15 s").isNotNull();
            return line;
        }

        /** Lines up to and including the next {@code checkpoint_complete}. */
        List<JsonNode> untilComplete() throws InterruptedException {
            List<JsonNode> got = new ArrayList<>();
            while (true) {
                JsonNode line = next();
                if (line.has("token_expires_in")) {
                    continue;
                }
                got.add(line);
                if (line.has("checkpoint_complete")) {
                    return got;
                }
            }
        }

        JsonNode poll(long millis) throws InterruptedException {
            return lines.poll(millis, TimeUnit.MILLISECONDS);
        }
    }

    private Lines open(VerifiedToken token, String body) {
        return open(api, token, body);
    }

    private Lines open(SyncApi through, VerifiedToken token, String body) {
        SyncApi.Stream stream = through.open(token, StreamingSyncRequest.parse(body.getBytes(StandardCharsets.UTF_8)));
        Lines lines = new Lines();
        streams.add(Thread.ofVirtual().start(() -> {
            try (stream) {
                stream.serve(LineSink.NDJSON, lines);
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        }));
        return lines;
    }

    private static long sumOfChecksums(List<JsonNode> lines, String bucket) {
        long sum = 0;
        for (JsonNode line : lines) {
            if (line.has("data") && line.get("data").get("bucket").asText().equals(bucket)) {
                for (JsonNode op : line.get("data").get("data")) {
                    sum += op.get("checksum").asLong();
                }
            }
        }
        return Checksums.toSigned(sum);
    }

    @Test
    void servesTheFirstCheckpointThenOnlyTheChangesThatConcernTheStream() throws Exception {
        String l = version + "#";
        Lines u1 = open(token("u1", 3600), "{\"client_id\":\"c1\",\"raw_data\":true}");
        List<JsonNode> first = u1.untilComplete();
        JsonNode checkpoint = first.get(0).get("checkpoint");
        long lastOp = checkpoint.get("last_op_id").asLong();
        List<String> buckets = new ArrayList<>();
        checkpoint.get("buckets").forEach(b -> buckets.add(b.get("bucket").asText()));
        assertThat(buckets).containsExactlyInAnyOrder(l + "my_lists|0[\"u1\"]", l + "list_todos|0[\"l1\"]", l + "public_todos|0[]");
        for (JsonNode bucket : checkpoint.get("buckets")) {
            assertThat(bucket.get("checksum").asLong()).as(bucket.get("bucket").asText())
                    .isEqualTo(sumOfChecksums(first, bucket.get("bucket").asText()));
            assertThat(bucket.get("subscriptions").get(0).has("default")).isTrue();
        }
        assertThat(checkpoint.get("streams")).hasSize(3);
        assertThat(checkpoint.has("write_checkpoint")).isFalse();
        // two ops per data line at most: the list's todos come in two lines, the second after the first
        List<JsonNode> todoLines = first.stream().filter(x -> x.has("data")
                && x.get("data").get("bucket").asText().equals(l + "list_todos|0[\"l1\"]")).toList();
        assertThat(todoLines).hasSize(1);
        assertThat(todoLines.get(0).get("data").get("data")).hasSize(2);
        assertThat(first.get(first.size() - 1).get("checkpoint_complete").get("last_op_id").asLong()).isEqualTo(lastOp);
        assertThat(first.get(1).get("data").get("data").get(0).get("data").isTextual())
                .as("rows are JSON strings").isTrue();

        // a change of another user's list wakes nobody here
        topic.transaction(List.of(update("lists", "id", "l9", "owner_id", "u2", "name", "Other, renamed")));
        awaitCheckpointAt(topic.lastPosition());
        assertThat(u1.poll(1500)).as("u1 has nothing new").isNull();

        // a new todo in u1's list: a diff of that bucket, its op, and complete
        topic.transaction(List.of(insert("todos", "id", "t3", "list_id", "l1", "title", "Tea", "meta", "{}")));
        List<JsonNode> live = u1.untilComplete();
        JsonNode diff = live.get(0).get("checkpoint_diff");
        assertThat(diff.get("updated_buckets")).hasSize(1);
        assertThat(diff.get("updated_buckets").get(0).get("bucket").asText()).isEqualTo(l + "list_todos|0[\"l1\"]");
        assertThat(diff.get("removed_buckets")).isEmpty();
        assertThat(live.get(1).get("data").get("after").asLong()).isGreaterThan(0);
        assertThat(live.get(1).get("data").get("data").get(0).get("object_id").asText()).isEqualTo("t3");

        // the list changes hands: u1 loses its todos bucket through the parameter lookup
        topic.transaction(List.of(update("lists", "id", "l1", "owner_id", "u2", "name", "Groceries")));
        List<JsonNode> moved = u1.untilComplete();
        JsonNode movedDiff = moved.get(0).get("checkpoint_diff");
        assertThat(movedDiff.get("removed_buckets").get(0).asText()).isEqualTo(l + "list_todos|0[\"l1\"]");

        // a second client that resumes from where the first is gets the checkpoint and nothing else
        StringBuilder resume = new StringBuilder("{\"buckets\":[");
        JsonNode resumed0 = null;
        Lines probe = open(token("u1", 3600), "{}");
        List<JsonNode> probeLines = probe.untilComplete();
        resumed0 = probeLines.get(0).get("checkpoint");
        String sep = "";
        for (JsonNode bucket : resumed0.get("buckets")) {
            resume.append(sep).append("{\"name\":").append(bucket.get("bucket")).append(",\"after\":\"")
                    .append(resumed0.get("last_op_id").asText()).append("\"}");
            sep = ",";
        }
        resume.append("]}");
        List<JsonNode> resumed = open(token("u1", 3600), resume.toString()).untilComplete();
        assertThat(resumed).hasSize(2);
        assertThat(resumed.get(0).has("checkpoint")).isTrue();
    }

    /** A data source that counts the connections asked of it, and refuses those asked by reads ahead when told to. */
    private static final class CountingDataSource implements javax.sql.DataSource {
        final java.util.concurrent.atomic.AtomicInteger asked = new java.util.concurrent.atomic.AtomicInteger();
        final java.util.concurrent.atomic.AtomicInteger refused = new java.util.concurrent.atomic.AtomicInteger();
        private final javax.sql.DataSource delegate;
        private final boolean refuseReadsAhead;

        CountingDataSource(javax.sql.DataSource delegate) {
            this(delegate, false);
        }

        CountingDataSource(javax.sql.DataSource delegate, boolean refuseReadsAhead) {
            this.delegate = delegate;
            this.refuseReadsAhead = refuseReadsAhead;
        }

        @Override
        public Connection getConnection() throws java.sql.SQLException {
            asked.incrementAndGet();
            if (refuseReadsAhead && Thread.currentThread().getName().equals("read-ahead")) {
                refused.incrementAndGet();
                throw new java.sql.SQLTransientConnectionException("refused to a read ahead");
            }
            return delegate.getConnection();
        }

        @Override
        public Connection getConnection(String user, String password) throws java.sql.SQLException {
            asked.incrementAndGet();
            return delegate.getConnection(user, password);
        }

        @Override
        public java.io.PrintWriter getLogWriter() throws java.sql.SQLException {
            return delegate.getLogWriter();
        }

        @Override
        public void setLogWriter(java.io.PrintWriter out) throws java.sql.SQLException {
            delegate.setLogWriter(out);
        }

        @Override
        public void setLoginTimeout(int seconds) throws java.sql.SQLException {
            delegate.setLoginTimeout(seconds);
        }

        @Override
        public int getLoginTimeout() throws java.sql.SQLException {
            return delegate.getLoginTimeout();
        }

        @Override
        public java.util.logging.Logger getParentLogger() {
            return java.util.logging.Logger.getGlobal();
        }

        @Override
        public <T> T unwrap(Class<T> type) throws java.sql.SQLException {
            return delegate.unwrap(type);
        }

        @Override
        public boolean isWrapperFor(Class<?> type) throws java.sql.SQLException {
            return delegate.isWrapperFor(type);
        }
    }

    @Test
    void liveChangesReachEveryStreamFromOneReadOfTheHubWithChecksumsThatHold() throws Exception {
        String todos = version + "#list_todos|0[\"l1\"]";
        CountingDataSource counting = new CountingDataSource(pool);
        ApiStats stats = new ApiStats();
        SyncApi watched = new SyncApi(TokenVerifier.of(new ServiceConfig.ClientAuth(List.of(), Optional.of(TestKeys.keySet(KEY)),
                List.of("powersync"), false, Optional.empty(), List.of()), Clock.systemUTC()), hub, counting,
                new WriteCheckpointService(pool, head::get, hub, Optional.empty(), topic.topic() + ".checkpoints", stats),
                new ApiLimits(100, 10, 100, 2, 1_000_000, Duration.ofSeconds(20)), stats, Clock.systemUTC());
        int clients = 12;
        List<Lines> lines = new ArrayList<>();
        List<java.util.Map<String, Long>> sums = new ArrayList<>();
        for (int i = 0; i < clients; i++) {
            lines.add(open(watched, token("u1", 3600), "{\"client_id\":\"live" + i + "\",\"raw_data\":true}"));
            sums.add(new java.util.HashMap<>());
        }
        for (int i = 0; i < clients; i++) {
            checkSums(lines.get(i).untilComplete(), sums.get(i));
        }
        int askedBefore = counting.asked.get();
        // five transactions, two of them in one list, each seen by every stream with a checksum that adds up
        for (int t = 0; t < 5; t++) {
            topic.transaction(t % 2 == 0
                    ? List.of(insert("todos", "id", "live" + t, "list_id", "l1", "title", "Item " + t, "meta", "{}"))
                    : List.of(update("todos", "id", "t1", "list_id", "l1", "title", "Milk " + t, "meta", "{}"),
                    insert("todos", "id", "live" + t, "list_id", "l1", "title", "Item " + t, "meta", "{}")));
            for (int i = 0; i < clients; i++) {
                List<JsonNode> got = lines.get(i).untilComplete();
                assertThat(got.get(0).has("checkpoint_diff")).isTrue();
                checkSums(got, sums.get(i));
                assertThat(got.stream().filter(x -> x.has("data")).flatMap(x -> toList(x.get("data").get("data")).stream())
                        .map(op -> op.get("object_id").asText())).contains("live" + t);
            }
        }
        assertThat(sums.get(0)).containsKey(todos);
        assertThat(counting.asked.get() - askedBefore).as("storage connections the streams asked for the live changes")
                .isZero();
    }

    private static List<JsonNode> toList(JsonNode array) {
        List<JsonNode> items = new ArrayList<>();
        array.forEach(items::add);
        return items;
    }

    /** Adds a checkpoint's ops to the client's sums and checks each bucket's checksum against them, as a client does. */
    private static void checkSums(List<JsonNode> checkpointLines, java.util.Map<String, Long> sums) {
        JsonNode head = checkpointLines.get(0);
        for (JsonNode line : checkpointLines) {
            if (line.has("data")) {
                String bucket = line.get("data").get("bucket").asText();
                for (JsonNode op : line.get("data").get("data")) {
                    sums.merge(bucket, op.get("checksum").asLong(), Long::sum);
                }
            }
        }
        JsonNode buckets = head.has("checkpoint") ? head.get("checkpoint").get("buckets")
                : head.get("checkpoint_diff").get("updated_buckets");
        for (JsonNode bucket : buckets) {
            String name = bucket.get("bucket").asText();
            assertThat(bucket.get("checksum").asLong()).as(name)
                    .isEqualTo((long) Checksums.toSigned(sums.getOrDefault(name, 0L)));
        }
    }

    @Test
    void aBucketThatLeavesAStreamAndComesBackIsSentFromItsStart() throws Exception {
        String todos = version + "#list_todos|0[\"l-back\"]";
        topic.transaction(List.of(insert("lists", "id", "l-back", "owner_id", "u7", "name", "Back"),
                insert("todos", "id", "tb1", "list_id", "l-back", "title", "One", "meta", "{}"),
                insert("todos", "id", "tb2", "list_id", "l-back", "title", "Two", "meta", "{}")));
        awaitCheckpointAt(topic.lastPosition());
        JsonNode first = open(token("u7", 3600), "{}").untilComplete().get(0).get("checkpoint");
        assertThat(first.get("buckets").findValuesAsText("bucket")).contains(todos);
        // A client that holds the bucket up to here resumes from it.
        String after = first.get("last_op_id").asText();
        Lines u7 = open(token("u7", 3600), "{\"raw_data\":true,\"buckets\":[{\"name\":\"" + todos.replace("\"", "\\\"")
                + "\",\"after\":\"" + after + "\"}]}");
        u7.untilComplete();
        // The list goes to another user: the client drops the bucket and its ops.
        topic.transaction(List.of(update("lists", "id", "l-back", "owner_id", "u8", "name", "Back")));
        assertThat(u7.untilComplete().get(0).get("checkpoint_diff").get("removed_buckets")).extracting(JsonNode::asText)
                .containsExactly(todos);
        // It comes back: every op of it is sent again, and they add up to its checksum.
        topic.transaction(List.of(update("lists", "id", "l-back", "owner_id", "u7", "name", "Back")));
        List<JsonNode> back = u7.untilComplete();
        JsonNode updated = back.get(0).get("checkpoint_diff").get("updated_buckets");
        JsonNode bucket = null;
        for (JsonNode b : updated) {
            if (b.get("bucket").asText().equals(todos)) {
                bucket = b;
            }
        }
        assertThat(bucket).as("the bucket is announced again").isNotNull();
        List<JsonNode> data = back.stream().filter(x -> x.has("data") && x.get("data").get("bucket").asText().equals(todos)).toList();
        assertThat(data).as("the bucket's ops are sent again").isNotEmpty();
        assertThat(data.getFirst().get("data").get("after").asText()).isEqualTo("0");
        assertThat(sumOfChecksums(back, todos)).isEqualTo(bucket.get("checksum").asLong());
        assertThat(data.stream().mapToInt(x -> x.get("data").get("data").size()).sum()).isEqualTo(bucket.get("count").asInt());

        // A client that connects holding the bucket while it is someone else's, and gets it back later.
        topic.transaction(List.of(update("lists", "id", "l-back", "owner_id", "u8", "name", "Back")));
        u7.untilComplete();
        Lines stale = open(token("u7", 3600), "{\"raw_data\":true,\"buckets\":[{\"name\":\"" + todos.replace("\"", "\\\"")
                + "\",\"after\":\"" + after + "\"}]}");
        assertThat(stale.untilComplete().get(0).get("checkpoint").get("buckets").findValuesAsText("bucket")).doesNotContain(todos);
        topic.transaction(List.of(update("lists", "id", "l-back", "owner_id", "u7", "name", "Back")));
        List<JsonNode> regained = stale.untilComplete();
        assertThat(regained.stream().filter(x -> x.has("data") && x.get("data").get("bucket").asText().equals(todos))
                .findFirst().orElseThrow().get("data").get("after").asText()).isEqualTo("0");
        JsonNode regainedBucket = regained.get(0).get("checkpoint_diff").get("updated_buckets").findParent("bucket");
        for (JsonNode b : regained.get(0).get("checkpoint_diff").get("updated_buckets")) {
            if (b.get("bucket").asText().equals(todos)) {
                regainedBucket = b;
            }
        }
        assertThat(sumOfChecksums(regained, todos)).isEqualTo(regainedBucket.get("checksum").asLong());
    }

    @Test
    void aHubWhoseTopicSaysNothingServesWhatStorageHeldAWholeCheckEarlier() throws Exception {
        String silent = WriterFixture.newTopic("silent");
        KafkaCheckpointPublisher.ensureExists(WriterFixture.kafkaProperties(kafka), silent);
        try (CheckpointHub deaf = new CheckpointHub(pool, Duration.ofMillis(300))) {
            deaf.start(WriterFixture.kafkaProperties(kafka), silent);
            long before = deaf.served().orElseThrow().checkpoint();
            topic.transaction(List.of(insert("todos", "id", "unheard", "list_id", "l1", "title", "Unheard", "meta", "{}")));
            awaitCheckpointAt(topic.lastPosition());
            long stored = WriterFixture.scalar(storage, "SELECT last_checkpoint FROM sync_config_versions WHERE id = ?", version);
            assertThat(stored).isGreaterThan(before);
            await().atMost(Duration.ofSeconds(10)).until(() -> deaf.served().orElseThrow().checkpoint() == stored);
        }
    }

    @Test
    void acknowledgesWriteCheckpointsOnceACheckpointReachesTheirPosition() throws Exception {
        VerifiedToken token = token("u1", 3600);
        Lines u1 = open(token, "{\"client_id\":\"c1\"}");
        u1.untilComplete();
        // an idle source: the position asked for is the one already served, so the answer comes at once
        head.set(SourcePosition.at("0-1-" + topic.lastPosition(), "binlog.000001", topic.lastPosition()));
        long started = System.nanoTime();
        assertThat(api.writeCheckpoint(token, "c1")).isEqualTo(1);
        List<JsonNode> acked = u1.untilComplete();
        assertThat(acked.get(0).get("checkpoint_diff").get("write_checkpoint").asText()).isEqualTo("1");
        assertThat(Duration.ofNanos(System.nanoTime() - started)).isLessThan(Duration.ofSeconds(1));

        // the source is ahead of replication: acknowledged with the checkpoint that reaches it
        head.set(SourcePosition.at("0-1-" + (topic.lastPosition() + 100), "binlog.000001", topic.lastPosition() + 100));
        assertThat(api.writeCheckpoint(token, "c1")).isEqualTo(2);
        assertThat(u1.poll(1500)).as("not before the source's position is replicated").isNull();
        topic.transaction(List.of(insert("todos", "id", "t5", "list_id", "l1", "title", "Jam", "meta", "{}")));
        JsonNode diff = u1.untilComplete().get(0).get("checkpoint_diff");
        assertThat(diff.get("write_checkpoint").asText()).isEqualTo("2");

        // a client-numbered request: a higher number is taken, a lower one is not
        assertThat(api.checkpointRequest(token, "c1", 10)).isEqualTo(10);
        assertThat(api.checkpointRequest(token, "c1", 4)).isEqualTo(10);

        // a new stream of the same client starts with the acknowledged number
        head.set(SourcePosition.at("0-1-" + topic.lastPosition(), "binlog.000001", topic.lastPosition()));
        assertThat(api.checkpointRequest(token, "c1", 11)).isEqualTo(11);
        JsonNode again = open(token, "{\"client_id\":\"c1\"}").untilComplete().get(0).get("checkpoint");
        assertThat(again.get("write_checkpoint").asText()).isEqualTo("11");
    }

    @Test
    void higherPriorityBucketsComeFirstAndCompleteOnTheirOwn() throws Exception {
        String l = version + "#";
        List<JsonNode> lines = open(token("u1", 3600), "{\"streams\":{\"include_defaults\":true,\"subscriptions\":"
                + "[{\"stream\":\"my_lists\",\"override_priority\":0}]}}").untilComplete();
        JsonNode checkpoint = lines.get(0).get("checkpoint");
        for (JsonNode bucket : checkpoint.get("buckets")) {
            boolean lists = bucket.get("bucket").asText().equals(l + "my_lists|0[\"u1\"]");
            assertThat(bucket.get("priority").asInt()).isEqualTo(lists ? 0 : 3);
            if (lists) {
                assertThat(bucket.get("subscriptions").toString()).contains("{\"sub\":0}");
            }
        }
        assertThat(lines.get(1).get("data").get("bucket").asText()).isEqualTo(l + "my_lists|0[\"u1\"]");
        JsonNode partial = lines.get(2).get("partial_checkpoint_complete");
        assertThat(partial.get("priority").asInt()).isZero();
        assertThat(partial.get("last_op_id").asText()).isEqualTo(checkpoint.get("last_op_id").asText());
        assertThat(lines.subList(3, lines.size() - 1)).allMatch(line -> line.has("data"));
    }

    /**
     * A bucket of many chunks, read ahead of the stream: its lines follow one another without gap
     * or overlap, in op id order, each within the op bound (and, for the second stream, the byte
     * bound: every op here is over 100 bytes, so one op a line), {@code has_more} on all but the
     * last, and their checksums add up to the checkpoint's; the same when every read ahead fails
     * (the third stream). Storage tells where the next chunk
     * starts before the rows of this one are read, and only when there is a next chunk.
     */
    @Test
    void aLargeBucketComesInContiguousLinesWithinTheOpAndByteBounds() throws Exception {
        String bucket = version + "#list_todos|0[\"l1\"]";
        List<ChangeRecord> todos = new ArrayList<>();
        for (int i = 0; i < 40; i++) {
            todos.add(insert("todos", "id", String.format("many%02d", i), "list_id", "l1", "title", "Item " + i, "meta", "{}"));
        }
        topic.transaction(todos);
        awaitCheckpointAt(topic.lastPosition());
        ApiStats byBytesStats = new ApiStats();
        SyncApi byBytes = new SyncApi(TokenVerifier.of(new ServiceConfig.ClientAuth(List.of(),
                Optional.of(TestKeys.keySet(KEY)), List.of("powersync"), false, Optional.empty(), List.of()), Clock.systemUTC()),
                hub, pool, null, new ApiLimits(100, 10, 100, 1000, 100, Duration.ofSeconds(20)), byBytesStats,
                Clock.systemUTC());
        // Every read ahead fails here: the stream reads each chunk itself, and the lines are the same.
        CountingDataSource refusing = new CountingDataSource(pool, true);
        SyncApi failingAhead = new SyncApi(TokenVerifier.of(new ServiceConfig.ClientAuth(List.of(),
                Optional.of(TestKeys.keySet(KEY)), List.of("powersync"), false, Optional.empty(), List.of()), Clock.systemUTC()),
                hub, refusing, null, new ApiLimits(100, 10, 100, 2, 1_000_000, Duration.ofSeconds(20)), new ApiStats(),
                Clock.systemUTC());
        for (SyncApi through : List.of(api, byBytes, failingAhead)) {
            hub.chunks().clear(); // each stream reads storage itself
            int bound = through == byBytes ? 1 : 2;
            long aheadBefore = through.stats().chunksReadAhead();
            List<JsonNode> first = open(through, token("u1", 3600), "{}").untilComplete();
            JsonNode listed = null;
            for (JsonNode b : first.get(0).get("checkpoint").get("buckets")) {
                if (b.get("bucket").asText().equals(bucket)) {
                    listed = b;
                }
            }
            assertThat(listed).isNotNull();
            List<JsonNode> lines = first.stream().filter(x -> x.has("data") && x.get("data").get("bucket").asText()
                    .equals(bucket)).map(x -> x.get("data")).toList();
            assertThat(lines).hasSize(42 / bound);
            long after = 0;
            List<String> ids = new ArrayList<>();
            for (int i = 0; i < lines.size(); i++) {
                JsonNode line = lines.get(i);
                assertThat(line.get("after").asLong()).as("line %d starts where the one before ended", i).isEqualTo(after);
                assertThat(line.get("data")).hasSizeBetween(1, bound);
                long previous = after;
                for (JsonNode op : line.get("data")) {
                    assertThat(op.get("op_id").asLong()).isGreaterThan(previous);
                    previous = op.get("op_id").asLong();
                    ids.add(op.get("object_id").asText());
                }
                assertThat(line.get("next_after").asLong()).isEqualTo(previous);
                assertThat(line.get("has_more").asBoolean()).as("has_more of line %d", i).isEqualTo(i < lines.size() - 1);
                after = previous;
            }
            assertThat(ids).hasSize(42).doesNotHaveDuplicates().contains("t1", "t2", "many00", "many39");
            assertThat(listed.get("count").asLong()).isEqualTo(42);
            assertThat(listed.get("checksum").asLong()).isEqualTo(sumOfChecksums(first, bucket));
            if (through == failingAhead) {
                assertThat(refusing.refused).as("reads ahead tried and failed").hasValueGreaterThan(5);
                assertThat(through.stats().chunksReadAhead()).isZero();
            } else {
                assertThat(through.stats().chunksReadAhead() - aheadBefore).as("chunks found read ahead").isGreaterThan(5);
            }
        }

        long checkpoint = hub.served().orElseThrow().checkpoint();
        try (Connection c = storage.open()) {
            org.syncsuite.gateway.storage.BucketReader reader = new org.syncsuite.gateway.storage.BucketReader();
            List<Long> told = new ArrayList<>();
            var head = reader.read(c, version, bucket, 0, checkpoint, 5, 1 << 20, told::add).orElseThrow().chunk();
            assertThat(head.data()).hasSize(5);
            assertThat(head.hasMore()).isTrue();
            assertThat(told).as("where the next chunk starts, told once").containsExactly(head.nextAfter());
            told.clear();
            var byBytesHead = reader.read(c, version, bucket, 0, checkpoint, 5, 200, told::add).orElseThrow().chunk();
            assertThat(byBytesHead.data()).as("ops until 200 bytes are read").hasSize(2);
            assertThat(told).containsExactly(byBytesHead.nextAfter());
            told.clear();
            long beforeLast = beforeLastOp(reader, c, bucket, checkpoint);
            var tail = reader.read(c, version, bucket, beforeLast, checkpoint, 5, 1 << 20, told::add).orElseThrow().chunk();
            assertThat(tail.data()).hasSize(1);
            assertThat(tail.hasMore()).isFalse();
            assertThat(told).as("nothing after the last chunk").isEmpty();
        }
    }

    /** The op id just before the bucket's last op. */
    private long beforeLastOp(org.syncsuite.gateway.storage.BucketReader reader, Connection c, String bucket, long checkpoint)
            throws Exception {
        List<Long> ids = new ArrayList<>();
        long after = 0;
        while (true) {
            var chunk = reader.read(c, version, bucket, after, checkpoint, 1000, 1 << 20, x -> { }).orElseThrow().chunk();
            chunk.data().forEach(op -> ids.add(op.opId()));
            if (!chunk.hasMore()) {
                return ids.get(ids.size() - 2);
            }
            after = chunk.nextAfter();
        }
    }

    @Test
    void refusesMoreParameterResultsThanTheLimit() {
        SyncApi narrow = new SyncApi(TokenVerifier.of(new ServiceConfig.ClientAuth(List.of(),
                Optional.of(TestKeys.keySet(KEY)), List.of("powersync"), false, Optional.empty(), List.of()), Clock.systemUTC()),
                hub, pool, null, new ApiLimits(100, 100, 0, 1000, 1_000_000, Duration.ofSeconds(20)), new ApiStats(),
                Clock.systemUTC());
        assertThatThrownBy(() -> narrow.open(token("u1", 3600), StreamingSyncRequest.parse("{}".getBytes(StandardCharsets.UTF_8))))
                .isInstanceOfSatisfying(SyncException.class, e -> {
                    assertThat(e.errorCode()).isEqualTo(ErrorCode.TOO_MANY_BUCKETS);
                    assertThat(e.getMessage()).contains("max_parameter_query_results");
                });
    }

    @Test
    void aCheckpointThatCompactionOvertookIsNotCompletedUntilANewerOneIs() throws Exception {
        long checkpoint = hub.served().orElseThrow().checkpoint();
        // As compaction leaves it when the op that superseded this one comes after the checkpoint.
        try (Connection c = storage.open(); var update = c.prepareStatement("UPDATE bucket_ops SET op = 3, data = NULL, "
                + "object_type = NULL, object_id = NULL, subkey = NULL, target_op = ? WHERE group_id = ? AND bucket = ? "
                + "ORDER BY op_id LIMIT 1")) {
            update.setLong(1, checkpoint + 1);
            update.setInt(2, version);
            update.setBytes(3, (version + "#list_todos|0[\"l1\"]").getBytes(StandardCharsets.UTF_8));
            assertThat(update.executeUpdate()).isEqualTo(1);
            c.commit();
        }
        Lines u1 = open(token("u1", 3600), "{}");
        List<JsonNode> lines = new ArrayList<>();
        for (JsonNode line = u1.poll(3000); line != null; line = u1.poll(3000)) {
            lines.add(line);
        }
        assertThat(lines.get(0).has("checkpoint")).isTrue();
        assertThat(lines).as("data, but no checkpoint_complete for an unreachable checkpoint")
                .noneMatch(line -> line.has("checkpoint_complete")).anyMatch(line -> line.has("data"));
        topic.transaction(List.of(insert("todos", "id", "t7", "list_id", "l1", "title", "Rice", "meta", "{}")));
        List<JsonNode> next = u1.untilComplete();
        assertThat(next.get(next.size() - 1).get("checkpoint_complete").get("last_op_id").asLong()).isGreaterThan(checkpoint);
    }

    @Test
    void streamsEndWhenANewSyncConfigVersionBecomesActive() throws Exception {
        Lines u1 = open(token("u1", 3600), "{}");
        u1.untilComplete();
        Thread stream = streams.get(streams.size() - 1);
        int next;
        try (Connection c = storage.open()) {
            next = new SyncConfigVersions().deploy(c, WriterFixture.SYNC_CONFIG.replace("my_lists", "owned_lists"));
            c.commit();
        }
        CheckpointHub.Served served = hub.served().orElseThrow();
        hub.apply(new TopicRecord.Checkpoint(next, "ACTIVE", served.checkpoint() + 1, served.checkpoint(), served.position(),
                List.of(), List.of(), true, System.currentTimeMillis(), System.currentTimeMillis()));
        stream.join(5_000);
        assertThat(stream.isAlive()).as("the stream of the old version ended").isFalse();
        JsonNode checkpoint = open(token("u1", 3600), "{}").next().get("checkpoint");
        assertThat(checkpoint.get("streams").toString()).contains("owned_lists");
        assertThat(checkpoint.get("buckets").get(0).get("bucket").asText()).startsWith(next + "#");
    }

    @Test
    void endsWhenTheTokenExpiresAndRefusesTooManyBuckets() throws Exception {
        Lines brief = open(token("u1", 2), "{}");
        brief.untilComplete();
        JsonNode warning = brief.next();
        assertThat(warning.get("token_expires_in").asLong()).isBetween(0L, 2L);
        JsonNode last = warning;
        while (last.get("token_expires_in").asLong() > 0) {
            last = brief.next();
        }
        assertThat(brief.poll(1000)).as("nothing after token_expires_in 0").isNull();

        String subscriptions = "{\"streams\":{\"include_defaults\":false,\"subscriptions\":["
                + String.join(",", java.util.Collections.nCopies(1, "{\"stream\":\"my_lists\"}")) + "]}}";
        assertThat(open(token("u1", 3600), subscriptions).untilComplete().get(0).get("checkpoint").get("buckets")).hasSize(1);
        SyncApi narrow = new SyncApi(TokenVerifier.of(new ServiceConfig.ClientAuth(List.of(),
                Optional.of(TestKeys.keySet(KEY)), List.of("powersync"), false, Optional.empty(), List.of()), Clock.systemUTC()),
                hub, pool, null, new ApiLimits(100, 2, 100, 1000, 1_000_000, Duration.ofSeconds(20)), new ApiStats(),
                Clock.systemUTC());
        assertThatThrownBy(() -> narrow.open(token("u1", 3600), StreamingSyncRequest.parse("{}".getBytes(StandardCharsets.UTF_8))))
                .isInstanceOfSatisfying(SyncException.class, e -> assertThat(e.errorCode()).isEqualTo(ErrorCode.TOO_MANY_BUCKETS));
        SyncApi one = new SyncApi(TokenVerifier.of(new ServiceConfig.ClientAuth(List.of(),
                Optional.of(TestKeys.keySet(KEY)), List.of("powersync"), false, Optional.empty(), List.of()), Clock.systemUTC()),
                hub, pool, null, new ApiLimits(0, 10, 100, 1000, 1_000_000, Duration.ofSeconds(20)), new ApiStats(),
                Clock.systemUTC());
        assertThatThrownBy(() -> one.open(token("u1", 3600), StreamingSyncRequest.parse("{}".getBytes(StandardCharsets.UTF_8))))
                .isInstanceOfSatisfying(SyncException.class, e -> assertThat(e.errorCode()).isEqualTo(ErrorCode.TOO_MANY_CONNECTIONS));
    }
}
