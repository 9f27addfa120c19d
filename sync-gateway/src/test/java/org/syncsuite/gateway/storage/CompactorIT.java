package org.syncsuite.gateway.storage;

import static org.assertj.core.api.Assertions.assertThat;
import static org.syncsuite.gateway.storage.ClientBucketModel.CLEAR;
import static org.syncsuite.gateway.storage.ClientBucketModel.MOVE;
import static org.syncsuite.gateway.storage.ClientBucketModel.PUT;
import static org.syncsuite.gateway.storage.ClientBucketModel.REMOVE;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

import javax.sql.DataSource;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.syncsuite.core.Checksums;
import org.syncsuite.core.protocol.OplogEntry;
import org.syncsuite.gateway.storage.ClientBucketModel.Op;
import org.syncsuite.services.EmbeddedMariaDb;
import org.syncsuite.services.junit.WithBackingServices;

import com.mysql.cj.jdbc.MysqlDataSource;

@WithBackingServices
class CompactorIT {

    private static final int GROUP = 1;

    private final EmbeddedMariaDb db;
    private final BucketStore store = new BucketStore();
    private String database;

    CompactorIT(EmbeddedMariaDb db) {
        this.db = db;
    }

    @BeforeEach
    void migrate() {
        database = StorageFixture.newStorage(db, "compact");
    }

    @Test
    void theReferenceExampleBCompactsToAClearAPutAndARemove() throws Exception {
        String t2Subkey = "2f0c5a8e-9d3b-5c1e-8a47-0b6e2d9f4c11";
        String done0 = "{\"id\":\"t1\",\"title\":\"Buy milk\",\"done\":0}";
        String bob = "{\"id\":\"t2\",\"title\":\"Call Bob\",\"done\":0}";
        String done1 = "{\"id\":\"t1\",\"title\":\"Buy milk\",\"done\":1}";
        append("todos", List.of(
                put(1, "todos", "t1", "9b2e41c0-5a8f-5d6e-b1a3-7c4d2e8f0a19", done0),
                put(2, "todos", "t2", t2Subkey, bob),
                put(3, "todos", "t1", "9b2e41c0-5a8f-5d6e-b1a3-7c4d2e8f0a19", done1),
                remove(4, "todos", "t2", t2Subkey)));
        assertThat(ops("todos")).extracting(Op::checksum).containsExactly(608351665L, 2101589264L, 538466362L, 2300717169L);

        Compactor.Result result = new Compactor(dataSource()).compactGroup(GROUP, 4);

        assertThat(ops("todos")).containsExactly(
                new Op(2, CLEAR, null, null, null, -1585026367L, null, 4L),
                new Op(3, PUT, "todos", "t1", "9b2e41c0-5a8f-5d6e-b1a3-7c4d2e8f0a19", 538466362L, done1, null),
                new Op(4, REMOVE, "todos", "t2", t2Subkey, 2300717169L, null, null));
        assertThat(state("todos")).isEqualTo(stateOf(4, 3, 1254157164L, done1.length(), 4));
        assertThat(result).isEqualTo(new Compactor.Result(1, 0, 4, 2, 2, 1, 4, 3,
                done0.length() + bob.length() + done1.length(), done1.length(), 0));
    }

    @Test
    void aRangeOfOpsIsReadAsTheWriterAppendedItOrNotAtAllOnceCompactionTouchedIt() throws Exception {
        String t2Subkey = "2f0c5a8e-9d3b-5c1e-8a47-0b6e2d9f4c11";
        String t1Subkey = "9b2e41c0-5a8f-5d6e-b1a3-7c4d2e8f0a19";
        append("todos", List.of(
                put(1, "todos", "t1", t1Subkey, "{\"id\":\"t1\",\"done\":0}"),
                put(2, "todos", "t2", t2Subkey, "{\"id\":\"t2\"}"),
                put(3, "todos", "t1", t1Subkey, "{\"id\":\"t1\",\"done\":1}"),
                remove(4, "todos", "t2", t2Subkey)));
        append("lists", List.of(put(5, "lists", "l1", "s-l1", "{\"id\":\"l1\"}")));
        BucketReader reader = new BucketReader();
        try (Connection connection = db.rootConnection(database)) {
            var before = reader.readRange(connection, GROUP, List.of("todos", "lists"), 1, 3, 100, 1 << 20).orElseThrow();
            assertThat(before.get("todos")).extracting(OplogEntry::opId).containsExactly(2L, 3L);
            assertThat(before).doesNotContainKey("lists"); // op 5 belongs to a later checkpoint
            assertThat(reader.readRange(connection, GROUP, List.of("todos"), 0, 4, 3, 1 << 20)).as("more ops than asked for")
                    .isEmpty();
            assertThat(reader.readRange(connection, GROUP, List.of("todos"), 0, 4, 100, 10)).as("more bytes than asked for")
                    .isEmpty();
        }

        new Compactor(dataSource()).compactGroup(GROUP, 4); // ops 1 and 2 become one CLEAR at 2, op 1 having moved

        try (Connection connection = db.rootConnection(database)) {
            assertThat(reader.readRange(connection, GROUP, List.of("todos"), 1, 3, 100, 1 << 20))
                    .as("the CLEAR at 2 holds what the writer appended at 2: not the writer's ops any more").isEmpty();
            assertThat(reader.readRange(connection, GROUP, List.of("todos"), 0, 1, 100, 1 << 20))
                    .as("op 1 is gone into the CLEAR, which only a read after 1 sees; a read after 0 does").isEmpty();
            assertThat(reader.readRange(connection, GROUP, List.of("todos", "lists"), 3, 5, 100, 1 << 20).orElseThrow())
                    .satisfies(after3 -> {
                        assertThat(after3.get("todos")).extracting(OplogEntry::opId).containsExactly(4L);
                        assertThat(after3.get("lists")).extracting(OplogEntry::opId).containsExactly(5L);
                    });
        }
    }

    @Test
    void supersededOpsBecomeMovesToTheirKeysNewestOpAndTheLeadingRunOfNonPutsOneClear() throws Exception {
        List<OplogEntry> first = List.of(
                put(1, "todos", "a", "s/a", "{\"id\":\"a\",\"v\":1}"),
                put(2, "todos", "b", "s/b", "{\"id\":\"b\",\"v\":1}"),
                put(3, "todos", "a", "s/a", "{\"id\":\"a\",\"v\":2}"),
                remove(4, "todos", "b", "s/b"),
                put(5, "todos", "c", "s/c", "{\"id\":\"c\",\"v\":1}"),
                put(6, "todos", "a", "s/a", "{\"id\":\"a\",\"v\":3}"),
                put(7, "todos", "c", "s/c", "{\"id\":\"c\",\"v\":2}"),
                put(8, "todos", "d", "s1/d", "{\"id\":\"d\",\"from\":1}"),   // two source rows, one output row:
                put(9, "todos", "d", "s2/d", "{\"id\":\"d\",\"from\":2}"),   // different subkeys, both kept
                remove(10, "todos", "e", "s/e"),
                put(11, "lists", "a", "s/a", "{\"id\":\"a\"}"));            // another table, same id: another row
        append("b", first);
        long checksum = sum(first);
        List<Op> before = ops("b");

        Compactor.Result result = new Compactor(dataSource()).compactGroup(GROUP, 11);

        long clear5 = Checksums.add(Checksums.add(first.get(0).checksum(), first.get(1).checksum()),
                Checksums.add(Checksums.add(first.get(2).checksum(), first.get(3).checksum()), first.get(4).checksum()));
        assertThat(ops("b")).containsExactly(
                new Op(5, CLEAR, null, null, null, Checksums.toSigned(clear5), null, 7L),
                before.get(5), before.get(6), before.get(7), before.get(8), before.get(9), before.get(10));
        assertThat(result.opsMoved()).isEqualTo(4);
        assertThat(result.opsCleared()).isEqualTo(5);
        assertThat(result.clearsWritten()).isEqualTo(1);
        assertThat(result.opsDeleted()).isEqualTo(4);
        assertThat(state("b")).isEqualTo(stateOf(11, 7, checksum, bytes(ops("b")), 11));

        // More changes, then again: the CLEAR grows over the ops superseded since, its target the highest one.
        List<OplogEntry> second = List.of(
                put(12, "todos", "a", "s/a", "{\"id\":\"a\",\"v\":4}"),
                remove(13, "todos", "c", "s/c"));
        append("b", second);
        checksum = Checksums.add(checksum, sum(second));
        new Compactor(dataSource()).compactGroup(GROUP, 13);

        long clear7 = Checksums.add(Checksums.add(clear5, first.get(5).checksum()), first.get(6).checksum());
        List<Op> after = ops("b");
        assertThat(after.get(0)).isEqualTo(new Op(7, CLEAR, null, null, null, Checksums.toSigned(clear7), null, 13L));
        assertThat(after).extracting(Op::opId).containsExactly(7L, 8L, 9L, 10L, 11L, 12L, 13L);
        assertThat(after.subList(1, 5)).isEqualTo(before.subList(7, 11));
        assertThat(ClientBucketModel.sum(after)).isEqualTo(checksum);
        assertThat(state("b")).isEqualTo(stateOf(13, 7, checksum, bytes(after), 13));
    }

    @Test
    void aMovedOpKeepsItsChecksumAndLosesItsRowAndData() throws Exception {
        append("b", List.of(
                put(1, "todos", "a", "s/a", "{\"id\":\"a\",\"v\":1}"),
                put(2, "todos", "b", "s/b", "{\"id\":\"b\",\"v\":1}"),
                put(3, "todos", "a", "s/a", "{\"id\":\"a\",\"v\":2}")));
        List<Op> before = ops("b");

        new Compactor(dataSource()).compactGroup(GROUP, 3);

        // op 1 is a lone MOVE before a PUT: nothing to clear.
        assertThat(ops("b")).containsExactly(new Op(1, MOVE, null, null, null, before.get(0).checksum(), null, 3L),
                before.get(1), before.get(2));
    }

    @Test
    void everyBucketKeepsItsChecksumWhileItsStorageShrinks() throws Exception {
        Random random = new Random(7);
        Map<String, List<Op>> truth = new HashMap<>();
        long opId = 1;
        for (int round = 0; round < 40; round++) {
            for (int b = 0; b < 12; b++) {
                String bucket = "user_todos[\"u" + b + "\"]";
                String id = "t" + random.nextInt(6);
                OplogEntry entry = random.nextInt(5) == 0 ? remove(opId++, "todos", id, "src/" + id)
                        : put(opId++, "todos", id, "src/" + id, "{\"id\":\"" + id + "\",\"title\":\"" + "x".repeat(random.nextInt(200)) + "\"}");
                append(bucket, List.of(entry));
                truth.computeIfAbsent(bucket, k -> new ArrayList<>()).add(op(entry));
            }
        }
        long head = opId - 1;
        Map<String, BucketStore.BucketTotals> before = totals(truth.keySet());
        long rowsBefore = count("SELECT COUNT(*) FROM bucket_ops");
        long dataBefore = count("SELECT SUM(LENGTH(data)) FROM bucket_ops");

        Compactor.Result result = new Compactor(dataSource()).compactGroup(GROUP, head);

        long rowsAfter = count("SELECT COUNT(*) FROM bucket_ops");
        long dataAfter = count("SELECT SUM(LENGTH(data)) FROM bucket_ops");
        assertThat(rowsAfter).isLessThan(rowsBefore);
        assertThat(dataAfter).isLessThan(dataBefore);
        assertThat(result.bucketsVisited()).isEqualTo(12);
        assertThat(result.opsBefore() - result.opsAfter()).isEqualTo(rowsBefore - rowsAfter);
        assertThat(result.opsBefore()).isEqualTo(rowsBefore);
        assertThat(result.bytesAfter()).isLessThan(result.bytesBefore());
        Map<String, BucketStore.BucketTotals> after = totals(truth.keySet());
        Map<String, List<Op>> stored = readAll();
        for (String bucket : truth.keySet()) {
            List<Op> ops = stored.get(bucket);
            assertThat(after.get(bucket).checksum()).as(bucket).isEqualTo(before.get(bucket).checksum());
            assertThat(ClientBucketModel.sum(ops)).as(bucket).isEqualTo(ClientBucketModel.sum(truth.get(bucket)));
            assertThat(state(bucket)).as(bucket).isEqualTo(
                    stateOf(lastOp(truth.get(bucket)), ops.size(), ClientBucketModel.sum(ops), bytes(ops), head));
            assertThat(new ClientBucketModel().apply(ops).rows()).as(bucket)
                    .isEqualTo(new ClientBucketModel().apply(truth.get(bucket)).rows());
        }
        assertThat(result.bytesBefore() - result.bytesAfter())
                .isEqualTo(bytes(flatten(truth)) - bytes(flatten(stored)));
    }

    @Test
    void opsAboveMaxOpIdAreNeitherChangedNorUsedToSupersede() throws Exception {
        List<OplogEntry> entries = List.of(
                put(1, "todos", "a", "s/a", "{\"id\":\"a\",\"v\":1}"),
                put(2, "todos", "b", "s/b", "{\"id\":\"b\",\"v\":1}"),
                put(3, "todos", "b", "s/b", "{\"id\":\"b\",\"v\":2}"),
                put(4, "todos", "c", "s/c", "{\"id\":\"c\",\"v\":1}"),
                // the checkpoint is 4; what follows is newer
                put(5, "todos", "a", "s/a", "{\"id\":\"a\",\"v\":2}"),
                remove(6, "todos", "c", "s/c"),
                put(7, "todos", "b", "s/b", "{\"id\":\"b\",\"v\":3}"));
        append("b", entries);
        List<Op> before = ops("b");
        BucketStore.CheckpointTotals atFour = totalsAt("b", 4);

        Compactor.Result result = new Compactor(dataSource()).compactGroup(GROUP, 4);

        List<Op> after = ops("b");
        assertThat(after).containsExactly(before.get(0), new Op(2, MOVE, null, null, null, before.get(1).checksum(), null, 3L),
                before.get(2), before.get(3), before.get(4), before.get(5), before.get(6));
        assertThat(result.opsMoved()).isEqualTo(1);
        assertThat(result.clearsWritten()).isZero();
        assertThat(totalsAt("b", 4)).isEqualTo(atFour);
        assertThat(state("b")).isEqualTo(stateOf(7, 7, sum(entries), bytes(after), 4));
    }

    @Test
    void aWriterAppendingDuringCompactionKeepsTheTotalsRight() throws Exception {
        Random random = new Random(11);
        List<String> buckets = List.of("b0", "b1", "b2", "b3", "b4", "b5");
        Map<String, List<Op>> truth = new HashMap<>();
        long head;
        try (Connection connection = db.rootConnection(database)) {
            connection.setAutoCommit(false);
            long next = store.allocateOpIds(connection, 6 * 400);
            List<BucketStore.BucketOp> ops = new ArrayList<>();
            for (int i = 0; i < 6 * 400; i++) {
                String bucket = buckets.get(i % 6);
                OplogEntry entry = randomEntry(random, next++, 8);
                ops.add(new BucketStore.BucketOp(bucket, entry));
                truth.computeIfAbsent(bucket, k -> new ArrayList<>()).add(op(entry));
            }
            store.append(connection, GROUP, ops);
            connection.commit();
            head = next - 1;
        }

        AtomicBoolean compacting = new AtomicBoolean(true);
        AtomicInteger batchesDuring = new AtomicInteger();
        Map<String, List<Op>> appended = new HashMap<>();
        CompletableFuture<Void> writer = CompletableFuture.runAsync(() -> {
            Random writes = new Random(13);
            try (Connection connection = db.rootConnection(database)) {
                connection.setAutoCommit(false);
                int batches = 0;
                while (compacting.get() || batches < 20) {
                    long next = store.allocateOpIds(connection, 12);
                    List<BucketStore.BucketOp> ops = new ArrayList<>();
                    for (int i = 0; i < 12; i++) {
                        String bucket = buckets.get(writes.nextInt(buckets.size()));
                        OplogEntry entry = randomEntry(writes, next++, 8);
                        ops.add(new BucketStore.BucketOp(bucket, entry));
                    }
                    store.append(connection, GROUP, ops);
                    connection.commit();
                    for (BucketStore.BucketOp op : ops) {
                        appended.computeIfAbsent(op.bucket(), k -> new ArrayList<>()).add(op(op.entry()));
                    }
                    batches++;
                    if (compacting.get()) {
                        batchesDuring.incrementAndGet();
                    }
                }
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        });
        Compactor.Result result;
        try {
            result = new Compactor(dataSource(), Compactor.Options.defaults().withPageSize(40).withFlushSize(8))
                    .compactGroup(GROUP, head);
        } finally {
            compacting.set(false);
        }
        writer.get();

        assertThat(batchesDuring.get()).as("batches appended while compacting").isPositive();
        assertThat(result.opsMoved()).isPositive();
        Map<String, List<Op>> stored = readAll();
        for (String bucket : buckets) {
            List<Op> all = new ArrayList<>(truth.get(bucket));
            all.addAll(appended.getOrDefault(bucket, List.of()));
            List<Op> ops = stored.get(bucket);
            assertThat(ClientBucketModel.range(ops, head, Long.MAX_VALUE)).as(bucket)
                    .isEqualTo(appended.getOrDefault(bucket, List.of()));
            assertThat(state(bucket)).as(bucket).isEqualTo(
                    stateOf(lastOp(all), ops.size(), ClientBucketModel.sum(all), bytes(ops), head));
            assertThat(totals(List.of(bucket)).get(bucket).checksum()).isEqualTo(ClientBucketModel.sum(all));
            ClientBucketModel client = new ClientBucketModel().apply(ops);
            assertThat(client.rows()).as(bucket).isEqualTo(new ClientBucketModel().apply(all).rows());
            assertThat(client.checksum()).as(bucket).isEqualTo(ClientBucketModel.sum(all));
        }
    }

    @Test
    void withNoMemoryForKeysNothingMovesButTheBucketStaysRight() throws Exception {
        List<OplogEntry> entries = List.of(
                remove(1, "todos", "x", "s/x"),
                remove(2, "todos", "y", "s/y"),
                put(3, "todos", "a", "s/a", "{\"id\":\"a\",\"v\":1}"),
                put(4, "todos", "a", "s/a", "{\"id\":\"a\",\"v\":2}"));
        append("b", entries);
        List<Op> before = ops("b");

        Compactor.Result result = new Compactor(dataSource(), Compactor.Options.defaults().withTrackedKeysMemoryBytes(0))
                .compactGroup(GROUP, 4);

        assertThat(result.opsMoved()).isZero();
        long clear = Checksums.add(entries.get(0).checksum(), entries.get(1).checksum());
        assertThat(ops("b")).containsExactly(new Op(2, CLEAR, null, null, null, Checksums.toSigned(clear), null, 2L),
                before.get(2), before.get(3));
        assertThat(state("b")).isEqualTo(stateOf(4, 3, sum(entries), bytes(before), 4));
    }

    @Test
    void onlyTheNamedBucketsAreCompactedAndAnUpToDateBucketIsSkipped() throws Exception {
        for (String bucket : List.of("one", "two")) {
            append(bucket, List.of(
                    put(bucket.equals("one") ? 1 : 11, "todos", "a", "s/a", "{\"id\":\"a\",\"v\":1}"),
                    put(bucket.equals("one") ? 2 : 12, "todos", "a", "s/a", "{\"id\":\"a\",\"v\":2}")));
        }
        List<Op> two = ops("two");
        Compactor compactor = new Compactor(dataSource());

        Compactor.Result result = compactor.compactBuckets(GROUP, 12, List.of("one", "three"));

        assertThat(result.bucketsVisited()).isEqualTo(1);
        assertThat(result.opsMoved()).isEqualTo(1);
        assertThat(ops("one")).extracting(Op::op).containsExactly(MOVE, PUT);
        assertThat(ops("two")).isEqualTo(two);
        assertThat(compactor.compactBuckets(GROUP, 12, List.of("one")).bucketsSkipped()).isEqualTo(1);
        Compactor.Result all = compactor.compactGroup(GROUP, 12);
        assertThat(all.bucketsVisited()).isEqualTo(2);
        assertThat(all.bucketsSkipped()).isEqualTo(1);
        assertThat(ops("two")).extracting(Op::op).containsExactly(MOVE, PUT);
    }

    @Test
    void theParameterIndexKeepsEachLookupAndSourceRowsNewestRowUnlessEmpty() throws Exception {
        ParameterIndex index = new ParameterIndex();
        byte[] listsOfU1 = bytes("[\"lists_of\",\"u1\"]");
        byte[] listsOfU2 = bytes("[\"lists_of\",\"u2\"]");
        try (Connection connection = db.rootConnection(database)) {
            index.write(connection, GROUP, List.of(
                    new ParameterIndex.Entry(10, listsOfU1, "members", bytes("m1"), "[{\"list_id\":\"L1\"}]"),
                    new ParameterIndex.Entry(11, listsOfU1, "members", bytes("m2"), "[{\"list_id\":\"L2\"}]"),
                    new ParameterIndex.Entry(12, listsOfU1, "members", bytes("m3"), "[{\"list_id\":\"L4\"}]"),
                    new ParameterIndex.Entry(13, listsOfU2, "members", bytes("m1"), "[]"),
                    new ParameterIndex.Entry(20, listsOfU1, "members", bytes("m1"), "[{\"list_id\":\"L5\"}]"),
                    new ParameterIndex.Entry(21, listsOfU1, "members", bytes("m2"), "[{\"list_id\":\"L3\"}]"),
                    new ParameterIndex.Entry(30, listsOfU1, "members", bytes("m1"), " [] "),
                    new ParameterIndex.Entry(40, listsOfU1, "members", bytes("m2"), "[{\"list_id\":\"L6\"}]")));
            index.write(connection, GROUP + 1, List.of(
                    new ParameterIndex.Entry(14, listsOfU1, "members", bytes("m1"), "[{\"list_id\":\"L1\"}]"),
                    new ParameterIndex.Entry(15, listsOfU1, "members", bytes("m1"), "[]")));
            Map<ByteBuffer, List<String>> at35 = index.results(connection, GROUP, List.of(listsOfU1, listsOfU2), 35);
            Map<ByteBuffer, List<String>> at40 = index.results(connection, GROUP, List.of(listsOfU1, listsOfU2), 40);

            Compactor compactor = new Compactor(dataSource(), Compactor.Options.defaults().withPageSize(2).withFlushSize(2));
            assertThat(compactor.compactParameterIndex(GROUP, 35)).isEqualTo(5);

            assertThat(text("SELECT GROUP_CONCAT(id ORDER BY id) FROM parameter_index WHERE group_id = " + GROUP))
                    .isEqualTo("12,21,40");
            assertThat(count("SELECT COUNT(*) FROM parameter_index WHERE group_id = " + (GROUP + 1))).isEqualTo(2);
            assertThat(index.results(connection, GROUP, List.of(listsOfU1, listsOfU2), 35)).isEqualTo(at35);
            assertThat(index.results(connection, GROUP, List.of(listsOfU1, listsOfU2), 40)).isEqualTo(at40);
        }
    }

    @Test
    void compactingTheGroupAlsoCompactsItsParameterIndexUnlessTurnedOff() throws Exception {
        ParameterIndex index = new ParameterIndex();
        byte[] lookup = bytes("[\"l\"]");
        try (Connection connection = db.rootConnection(database)) {
            index.write(connection, GROUP, List.of(
                    new ParameterIndex.Entry(1, lookup, "t", bytes("k"), "[{\"a\":1}]"),
                    new ParameterIndex.Entry(2, lookup, "t", bytes("k"), "[{\"a\":2}]")));
        }
        assertThat(new Compactor(dataSource(), Compactor.Options.defaults().withCompactParameterIndex(false))
                .compactGroup(GROUP, 2).parameterRowsDeleted()).isZero();
        assertThat(new Compactor(dataSource()).compactGroup(GROUP, 2).parameterRowsDeleted()).isEqualTo(1);
    }

    // ---- helpers ----

    static OplogEntry put(long opId, String type, String id, String subkey, String data) {
        return OplogEntry.put(opId, type, id, subkey, Checksums.put(type, id, data), data);
    }

    static OplogEntry remove(long opId, String type, String id, String subkey) {
        return OplogEntry.remove(opId, type, id, subkey, Checksums.remove(subkey));
    }

    /** A PUT or REMOVE of one of {@code rows} rows of "todos". */
    static OplogEntry randomEntry(Random random, long opId, int rows) {
        String id = "r" + random.nextInt(rows);
        return random.nextInt(4) == 0 ? remove(opId, "todos", id, "src/" + id)
                : put(opId, "todos", id, "src/" + id, "{\"id\":\"" + id + "\",\"n\":" + random.nextInt(1000) + ",\"é\":\"😀\"}");
    }

    static Op op(OplogEntry entry) {
        return new Op(entry.opId(), entry.op().ordinal() + 1, entry.objectType().orElse(null), entry.objectId().orElse(null),
                entry.subkey().orElse(null), entry.checksum(), entry.data().orElse(null), null);
    }

    static long sum(List<OplogEntry> entries) {
        return ClientBucketModel.sum(entries.stream().map(CompactorIT::op).toList());
    }

    /** The bucket_state measure of ops: their data's length. */
    static long bytes(List<Op> ops) {
        return ops.stream().mapToLong(op -> op.data() == null ? 0 : op.data().length()).sum();
    }

    private static long lastOp(List<Op> ops) {
        return ops.stream().mapToLong(Op::opId).max().orElse(0);
    }

    private static List<Op> flatten(Map<String, List<Op>> buckets) {
        return buckets.values().stream().flatMap(List::stream).toList();
    }

    private DataSource dataSource() {
        MysqlDataSource dataSource = new MysqlDataSource();
        dataSource.setURL(db.jdbcUrl(database));
        dataSource.setUser(db.rootUser());
        dataSource.setPassword(db.rootPassword());
        return dataSource;
    }

    private void append(String bucket, List<OplogEntry> entries) throws Exception {
        try (Connection connection = db.rootConnection(database)) {
            store.append(connection, GROUP, entries.stream().map(e -> new BucketStore.BucketOp(bucket, e)).toList());
        }
    }

    private List<Op> ops(String bucket) throws Exception {
        return readAll().getOrDefault(bucket, List.of());
    }

    private Map<String, List<Op>> readAll() throws Exception {
        try (Connection connection = db.rootConnection(database)) {
            return ClientBucketModel.read(connection, GROUP);
        }
    }

    private Map<String, BucketStore.BucketTotals> totals(java.util.Collection<String> buckets) throws Exception {
        try (Connection connection = db.rootConnection(database)) {
            return store.totals(connection, GROUP, buckets);
        }
    }

    private BucketStore.CheckpointTotals totalsAt(String bucket, long checkpoint) throws Exception {
        try (Connection connection = db.rootConnection(database)) {
            return store.totalsAt(connection, GROUP, List.of(bucket), checkpoint).get(bucket);
        }
    }

    /** {last_op, op_count, checksum_sum, bytes, compacted_op} of a bucket. */
    private List<Long> state(String bucket) throws Exception {
        try (Connection connection = db.rootConnection(database);
             PreparedStatement select = connection.prepareStatement("SELECT last_op, op_count, checksum_sum, bytes, compacted_op "
                     + "FROM bucket_state WHERE group_id = ? AND bucket = ?")) {
            select.setInt(1, GROUP);
            select.setBytes(2, bytes(bucket));
            try (ResultSet rs = select.executeQuery()) {
                assertThat(rs.next()).isTrue();
                List<Long> row = new ArrayList<>();
                for (int i = 1; i <= 5; i++) {
                    long value = rs.getLong(i);
                    row.add(rs.wasNull() ? null : value);
                }
                return row;
            }
        }
    }

    private long count(String sql) throws Exception {
        String value = text(sql);
        return value == null ? 0 : Long.parseLong(value);
    }

    private String text(String sql) throws Exception {
        try (Connection connection = db.rootConnection(database);
             PreparedStatement select = connection.prepareStatement(sql);
             ResultSet rs = select.executeQuery()) {
            rs.next();
            return rs.getString(1);
        }
    }

    private static List<Long> stateOf(long lastOp, long count, long checksum, long bytes, long compactedOp) {
        return java.util.Arrays.asList(lastOp, count, checksum, bytes, compactedOp);
    }

    private static byte[] bytes(String text) {
        return text.getBytes(StandardCharsets.UTF_8);
    }
}
