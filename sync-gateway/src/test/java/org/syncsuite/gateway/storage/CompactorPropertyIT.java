package org.syncsuite.gateway.storage;

import static org.assertj.core.api.Assertions.assertThat;
import static org.syncsuite.gateway.storage.ClientBucketModel.CLEAR;
import static org.syncsuite.gateway.storage.ClientBucketModel.MOVE;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import java.util.TreeSet;

import javax.sql.DataSource;

import org.junit.jupiter.api.Test;
import org.syncsuite.core.Checksums;
import org.syncsuite.core.protocol.OplogEntry;
import org.syncsuite.gateway.storage.ClientBucketModel.Op;
import org.syncsuite.services.EmbeddedMariaDb;
import org.syncsuite.services.junit.WithBackingServices;

import com.mysql.cj.jdbc.MysqlDataSource;

/**
 * Compaction against the bucket property of the reference (§2.5): a client that downloaded a
 * bucket up to any op id, then resumes on the compacted bucket, ends with the rows and the
 * checksum of a client that downloaded the bucket, uncompacted, in one go; and at any checkpoint
 * the server can still serve (no CLEAR after it, no MOVE or CLEAR served pointing past it) the
 * client validates and holds the rows of that checkpoint. Random buckets of random PUTs and
 * REMOVEs over a few row keys, seeded, compacted twice with ops appended in between.
 */
@WithBackingServices
class CompactorPropertyIT {

    private static final int BUCKETS = 200;
    private static final long SEED = 0x5eed_c0ffeeL;

    private final EmbeddedMariaDb db;
    private final BucketStore store = new BucketStore();
    private String database;

    CompactorPropertyIT(EmbeddedMariaDb db) {
        this.db = db;
    }

    /** How each iteration compacts: paging, memory and how far below the head it stops. */
    private record Variant(Compactor.Options options, boolean toHead) {
    }

    @Test
    void clientsResumingFromAnyOpIdOnCompactedBucketsEndLikeAOneGoDownload() throws Exception {
        database = StorageFixture.newStorage(db, "compact_prop");
        List<Variant> variants = List.of(
                new Variant(Compactor.Options.defaults(), true),
                new Variant(Compactor.Options.defaults().withPageSize(7).withFlushSize(3), false),
                new Variant(Compactor.Options.defaults().withTrackedKeysMemoryBytes(2 * 170), true),
                new Variant(Compactor.Options.defaults().withPageSize(5).withFlushSize(2), true),
                new Variant(Compactor.Options.defaults().withTrackedKeysMemoryBytes(170), false));
        Stats stats = new Stats();
        long opId = 1;
        for (int iteration = 0; iteration < variants.size(); iteration++) {
            int group = iteration + 1;
            Random random = new Random(SEED + iteration);
            Variant variant = variants.get(iteration);
            Compactor compactor = new Compactor(dataSource(), variant.options());
            Map<String, List<Op>> truth = new TreeMap<>();

            // Round 1: random history, compacted up to the head or to a checkpoint below it.
            long first = opId;
            opId = appendRandom(random, group, truth, opId, 20 * BUCKETS);
            long head = opId - 1;
            Map<String, List<Op>> uncompacted = read(group);
            long maxOpId = variant.toHead() ? head : first + random.nextLong(head - first + 1);
            Compactor.Result result = compactor.compactGroup(group, maxOpId);
            Map<String, List<Op>> compacted = read(group);
            assertThat(result.bucketsVisited()).isEqualTo(truth.size());
            check(random, group, truth, uncompacted, compacted, maxOpId, stats);

            // Round 2: more history over the compacted buckets, compacted again.
            opId = appendRandom(random, group, truth, opId, 10 * BUCKETS);
            head = opId - 1;
            Map<String, List<Op>> grown = read(group);
            maxOpId = variant.toHead() ? head : maxOpId + random.nextLong(head - maxOpId + 1);
            compactor.compactGroup(group, maxOpId);
            check(random, group, truth, grown, read(group), maxOpId, stats);
        }
        // The property must have been exercised, not trivially met.
        assertThat(stats.moves).isGreaterThan(1000);
        assertThat(stats.clears).isGreaterThan(100);
        assertThat(stats.resumes).isGreaterThan(10_000);
        assertThat(stats.resumesThroughClear).isGreaterThan(1000);
        assertThat(stats.validatedAtCheckpoint).isGreaterThan(1000);
        assertThat(stats.invalidatedAtCheckpoint).isGreaterThan(100);
        assertThat(stats.unreachableCheckpoints).isGreaterThan(100);
    }

    private static final class Stats {
        long moves;
        long clears;
        long resumes;
        long resumesThroughClear;
        long validatedAtCheckpoint;
        long invalidatedAtCheckpoint;
        long unreachableCheckpoints;
    }

    /**
     * Checks every bucket of {@code group}, compacted from {@code before} into {@code after} up to
     * {@code maxOpId}, {@code truth} being each bucket's history as written, never compacted.
     */
    private void check(Random random, int group, Map<String, List<Op>> truth, Map<String, List<Op>> before,
                       Map<String, List<Op>> after, long maxOpId, Stats stats) throws Exception {
        assertThat(after.keySet()).isEqualTo(truth.keySet());
        long head = truth.values().stream().flatMap(List::stream).mapToLong(Op::opId).max().orElseThrow();
        Map<String, BucketStore.BucketTotals> totals;
        try (Connection connection = db.rootConnection(database)) {
            totals = store.totals(connection, group, truth.keySet());
        }
        for (Map.Entry<String, List<Op>> bucket : truth.entrySet()) {
            String name = bucket.getKey();
            List<Op> all = bucket.getValue();
            List<Op> old = before.get(name);
            List<Op> now = after.get(name);
            ClientBucketModel oneGo = new ClientBucketModel().apply(all);
            long checksum = ClientBucketModel.sum(all);

            // Checksums unchanged; ops above maxOpId untouched; the totals follow what is stored.
            assertThat(ClientBucketModel.sum(now)).as(name).isEqualTo(checksum);
            assertThat(ClientBucketModel.sum(old)).as(name).isEqualTo(checksum);
            assertThat(totals.get(name)).as(name).isEqualTo(new BucketStore.BucketTotals(checksum, now.size(),
                    all.get(all.size() - 1).opId()));
            assertThat(ClientBucketModel.range(now, maxOpId, Long.MAX_VALUE)).as(name)
                    .isEqualTo(ClientBucketModel.range(old, maxOpId, Long.MAX_VALUE));
            assertThat(oneGo.checksum()).isEqualTo(checksum);
            stats.moves += now.stream().filter(op -> op.op() == MOVE).count();
            stats.clears += now.stream().filter(op -> op.op() == CLEAR).count();

            // From 0 and from every op id the client may have stopped at before compaction.
            TreeSet<Long> stops = new TreeSet<>();
            stops.add(0L);
            old.forEach(op -> stops.add(op.opId()));
            for (int i = 0; i < 5; i++) {
                stops.add(random.nextLong(head + 2));
            }
            for (long stop : stops) {
                ClientBucketModel client = new ClientBucketModel().apply(ClientBucketModel.range(old, 0, stop));
                List<Op> rest = ClientBucketModel.range(now, stop, Long.MAX_VALUE);
                client.apply(rest);
                assertThat(client.rows()).as("%s resumed after %d", name, stop).isEqualTo(oneGo.rows());
                assertThat(client.checksum()).as("%s resumed after %d", name, stop).isEqualTo(checksum);
                stats.resumes++;
                if (rest.stream().anyMatch(op -> op.op() == CLEAR) && stop > 0) {
                    stats.resumesThroughClear++;
                }
            }
        }
        checkCheckpoints(random, group, truth, before, after, head, stats);
    }

    /**
     * At checkpoints below the head: the checksum at the checkpoint from the totals, and a client
     * that stopped anywhere before, then resumed up to the checkpoint, validates and has that
     * checkpoint's rows whenever nothing it received points past the checkpoint.
     */
    private void checkCheckpoints(Random random, int group, Map<String, List<Op>> truth, Map<String, List<Op>> before,
                                  Map<String, List<Op>> after, long head, Stats stats) throws Exception {
        TreeSet<Long> checkpoints = new TreeSet<>();
        for (int i = 0; i < 25; i++) {
            checkpoints.add(random.nextLong(head + 1));
        }
        checkpoints.add(head);
        for (long checkpoint : checkpoints) {
            Map<String, BucketStore.CheckpointTotals> atCheckpoint;
            try (Connection connection = db.rootConnection(database)) {
                atCheckpoint = store.totalsAt(connection, group, truth.keySet(), checkpoint);
            }
            for (Map.Entry<String, List<Op>> bucket : truth.entrySet()) {
                String name = bucket.getKey();
                List<Op> now = after.get(name);
                List<Op> truthThen = ClientBucketModel.range(bucket.getValue(), 0, checkpoint);
                BucketStore.CheckpointTotals totals = atCheckpoint.get(name);
                List<Op> clearsAfter = ClientBucketModel.range(now, checkpoint, Long.MAX_VALUE).stream()
                        .filter(op -> op.op() == CLEAR).toList();
                if (!clearsAfter.isEmpty()) {
                    long clearTarget = clearsAfter.stream().mapToLong(op -> Math.max(op.opId(), op.targetOp())).max().orElseThrow();
                    assertThat(totals).as("%s at %d", name, checkpoint).isEqualTo(new BucketStore.CheckpointTotals(0, 0, false, clearTarget));
                    stats.unreachableCheckpoints++;
                    continue;
                }
                assertThat(totals).as("%s at %d", name, checkpoint).isEqualTo(new BucketStore.CheckpointTotals(
                        ClientBucketModel.sum(truthThen), ClientBucketModel.range(now, 0, checkpoint).size(), true, 0));

                long stop = random.nextLong(checkpoint + 1);
                List<Op> received = new ArrayList<>(ClientBucketModel.range(before.get(name), 0, stop));
                received.addAll(ClientBucketModel.range(now, stop, checkpoint));
                boolean pointsPast = received.stream()
                        .anyMatch(op -> (op.op() == MOVE || op.op() == CLEAR) && op.targetOp() > checkpoint);
                if (pointsPast) {
                    stats.invalidatedAtCheckpoint++; // the server withholds checkpoint_complete (§1.10)
                    continue;
                }
                ClientBucketModel client = new ClientBucketModel().apply(received);
                assertThat(client.checksum()).as("%s after %d up to %d", name, stop, checkpoint).isEqualTo(totals.checksum());
                assertThat(client.rows()).as("%s after %d up to %d", name, stop, checkpoint)
                        .isEqualTo(new ClientBucketModel().apply(truthThen).rows());
                stats.validatedAtCheckpoint++;
            }
        }
    }

    /** Appends {@code count} random PUTs and REMOVEs spread over the buckets; returns the next op id. */
    private long appendRandom(Random random, int group, Map<String, List<Op>> truth, long opId, int count) throws Exception {
        List<BucketStore.BucketOp> ops = new ArrayList<>();
        try (Connection connection = db.rootConnection(database)) {
            connection.setAutoCommit(false);
            long first = store.allocateOpIds(connection, count);
            assertThat(first).isEqualTo(opId);
            Map<String, Integer> keysPerBucket = new HashMap<>();
            for (int i = 0; i < count; i++) {
                String bucket = "b[\"" + random.nextInt(BUCKETS) + "\"]";
                int keys = keysPerBucket.computeIfAbsent(bucket, b -> 1 + random.nextInt(5));
                String id = "r" + random.nextInt(keys);
                String type = random.nextInt(6) == 0 ? "lists" : "todos";
                String subkey = (random.nextInt(5) == 0 ? "src2/" : "src1/") + id; // two sources can make one row
                OplogEntry entry;
                if (random.nextInt(3) == 0) {
                    entry = OplogEntry.remove(opId, type, id, subkey, Checksums.remove(subkey));
                } else {
                    String data = "{\"id\":\"" + id + "\",\"v\":" + random.nextInt(1_000_000) + "}";
                    entry = OplogEntry.put(opId, type, id, subkey, Checksums.put(type, id, data), data);
                }
                opId++;
                ops.add(new BucketStore.BucketOp(bucket, entry));
                truth.computeIfAbsent(bucket, b -> new ArrayList<>()).add(CompactorIT.op(entry));
            }
            for (int from = 0; from < ops.size(); from += 500) {
                store.append(connection, group, ops.subList(from, Math.min(ops.size(), from + 500)));
            }
            connection.commit();
        }
        return opId;
    }

    private Map<String, List<Op>> read(int group) throws Exception {
        try (Connection connection = db.rootConnection(database)) {
            Map<String, List<Op>> buckets = ClientBucketModel.read(connection, group);
            // The totals follow what is stored, in every bucket.
            try (PreparedStatement select = connection.prepareStatement(
                    "SELECT bucket, op_count, checksum_sum, bytes FROM bucket_state WHERE group_id = ?")) {
                select.setInt(1, group);
                try (ResultSet rs = select.executeQuery()) {
                    while (rs.next()) {
                        List<Op> ops = buckets.get(new String(rs.getBytes(1), java.nio.charset.StandardCharsets.UTF_8));
                        assertThat(rs.getLong(2)).isEqualTo(ops.size());
                        assertThat(rs.getLong(3)).isEqualTo(ClientBucketModel.sum(ops));
                        assertThat(rs.getLong(4)).isEqualTo(CompactorIT.bytes(ops));
                    }
                }
            }
            return buckets;
        }
    }

    private DataSource dataSource() {
        MysqlDataSource dataSource = new MysqlDataSource();
        dataSource.setURL(db.jdbcUrl(database));
        dataSource.setUser(db.rootUser());
        dataSource.setPassword(db.rootPassword());
        return dataSource;
    }
}
