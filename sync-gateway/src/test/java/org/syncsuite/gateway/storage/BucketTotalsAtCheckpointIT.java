package org.syncsuite.gateway.storage;

import static org.assertj.core.api.Assertions.assertThat;
import static org.syncsuite.gateway.storage.CompactorIT.put;
import static org.syncsuite.gateway.storage.CompactorIT.remove;

import java.sql.Connection;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.syncsuite.core.Checksums;
import org.syncsuite.core.protocol.OplogEntry;
import org.syncsuite.services.EmbeddedMariaDb;
import org.syncsuite.services.junit.WithBackingServices;

import com.mysql.cj.jdbc.MysqlDataSource;

@WithBackingServices
class BucketTotalsAtCheckpointIT {

    private final EmbeddedMariaDb db;
    private final BucketStore store = new BucketStore();
    private String database;

    BucketTotalsAtCheckpointIT(EmbeddedMariaDb db) {
        this.db = db;
    }

    @BeforeEach
    void migrate() {
        database = StorageFixture.newStorage(db, "totals_at");
    }

    @Test
    void aCheckpointsTotalsAreTheBucketsTotalsLessItsTail() throws Exception {
        List<OplogEntry> a = List.of(
                put(1, "todos", "t1", "s/t1", "{\"id\":\"t1\",\"v\":1}"),
                put(3, "todos", "t2", "s/t2", "{\"id\":\"t2\",\"v\":1}"),
                remove(5, "todos", "t1", "s/t1"),
                put(8, "todos", "t2", "s/t2", "{\"id\":\"t2\",\"v\":2}"));
        List<OplogEntry> late = List.of(put(9, "todos", "t9", "s/t9", "{\"id\":\"t9\"}"));
        try (Connection connection = db.rootConnection(database)) {
            store.append(connection, 1, a.stream().map(e -> new BucketStore.BucketOp("a", e)).toList());
            store.append(connection, 1, late.stream().map(e -> new BucketStore.BucketOp("late", e)).toList());

            for (long checkpoint : new long[] {0, 1, 2, 3, 4, 5, 7, 8, 9, 100}) {
                List<OplogEntry> upTo = a.stream().filter(e -> e.opId() <= checkpoint).toList();
                Map<String, BucketStore.CheckpointTotals> totals = store.totalsAt(connection, 1, List.of("late", "none", "a"), checkpoint);
                assertThat(totals).as("at %d", checkpoint).containsOnlyKeys("late", "a");
                assertThat(totals.keySet()).containsExactly("late", "a");
                assertThat(totals.get("a")).as("at %d", checkpoint)
                        .isEqualTo(new BucketStore.CheckpointTotals(CompactorIT.sum(upTo), upTo.size(), true, 0));
                assertThat(totals.get("late")).as("at %d", checkpoint).isEqualTo(checkpoint < 9
                        ? new BucketStore.CheckpointTotals(0, 0, true, 0)
                        : new BucketStore.CheckpointTotals(CompactorIT.sum(late), 1, true, 0));
            }
            assertThat(store.totalsAt(connection, 2, List.of("a"), 8)).as("another version").isEmpty();
            assertThat(store.totalsAt(connection, 1, List.of(), 8)).isEmpty();
        }
    }

    /** The reference's example A (§2.6): two rows, both updated, compacted to CLEAR@2 with target 4. */
    @Test
    void aCheckpointBeforeAClearIsNotReachableAnyMore() throws Exception {
        List<OplogEntry> ops = List.of(
                put(1, "test", "t1", "s/t1", "{\"id\":\"t1\",\"description\":\"Test 1\"}"),
                put(2, "test", "t2", "s/t2", "{\"id\":\"t2\",\"description\":\"Test 2\"}"),
                put(3, "test", "t1", "s/t1", "{\"id\":\"t1\",\"description\":\"Test 1b\"}"),
                put(4, "test", "t2", "s/t2", "{\"id\":\"t2\",\"description\":\"Test 2b\"}"));
        assertThat(ops).extracting(OplogEntry::checksum).containsExactly(920318466L, 3280762209L, 1859363232L, 3028503153L);
        try (Connection connection = db.rootConnection(database)) {
            store.append(connection, 1, ops.stream().map(e -> new BucketStore.BucketOp("mybucket[]", e)).toList());
            assertThat(Checksums.toSigned(store.totalsAt(connection, 1, List.of("mybucket[]"), 2).get("mybucket[]").checksum()))
                    .isEqualTo(-93886621);

            MysqlDataSource dataSource = new MysqlDataSource();
            dataSource.setURL(db.jdbcUrl(database));
            dataSource.setUser(db.rootUser());
            dataSource.setPassword(db.rootPassword());
            new Compactor(dataSource).compactGroup(1, 4);

            assertThat(ClientBucketModel.read(connection, 1).get("mybucket[]")).extracting(ClientBucketModel.Op::op)
                    .containsExactly(ClientBucketModel.CLEAR, ClientBucketModel.PUT, ClientBucketModel.PUT);
            assertThat(store.totalsAt(connection, 1, List.of("mybucket[]"), 4).get("mybucket[]"))
                    .isEqualTo(new BucketStore.CheckpointTotals(499012468L, 3, true, 0));
            assertThat(store.totalsAt(connection, 1, List.of("mybucket[]"), 3).get("mybucket[]"))
                    .isEqualTo(new BucketStore.CheckpointTotals(Checksums.add(Checksums.toUnsigned(-93886621), 1859363232L), 2, true, 0));
            // At 2 the CLEAR itself is in: the checksum is still exact (serving it is refused by its target, 4 > 2).
            assertThat(store.totalsAt(connection, 1, List.of("mybucket[]"), 2).get("mybucket[]"))
                    .isEqualTo(new BucketStore.CheckpointTotals(Checksums.toUnsigned(-93886621), 1, true, 0));
            // At 1 the CLEAR comes after: op 1 is folded into it, the checkpoint cannot be answered.
            for (long checkpoint : new long[] {0, 1}) {
                assertThat(store.totalsAt(connection, 1, List.of("mybucket[]"), checkpoint).get("mybucket[]"))
                        .isEqualTo(new BucketStore.CheckpointTotals(0, 0, false, 4));
            }
        }
    }
}
