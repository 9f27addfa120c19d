package org.syncsuite.gateway.storage;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.sql.Connection;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.syncsuite.core.Checksums;
import org.syncsuite.core.protocol.OplogEntry;
import org.syncsuite.services.EmbeddedMariaDb;
import org.syncsuite.services.junit.WithBackingServices;

@WithBackingServices
class BucketStoreIT {

    private final EmbeddedMariaDb db;
    private final BucketStore store = new BucketStore();
    private String database;

    BucketStoreIT(EmbeddedMariaDb db) {
        this.db = db;
    }

    @BeforeEach
    void migrate() {
        database = StorageFixture.newStorage(db, "buckets");
    }

    @Test
    void opIdsAreConsecutiveAndNeverReused() throws Exception {
        try (Connection connection = db.rootConnection(database)) {
            connection.setAutoCommit(false);
            assertThat(store.allocateOpIds(connection, 3)).isEqualTo(1);
            assertThat(store.allocateOpIds(connection, 2)).isEqualTo(4);
            connection.commit();
            assertThat(store.allocateOpIds(connection, 1)).isEqualTo(6);
            connection.rollback(); // a rolled back range is given out again: no gap in committed ids
            assertThat(store.allocateOpIds(connection, 1)).isEqualTo(6);
            connection.commit();
        }
    }

    @Test
    void bucketTotalsFollowEveryAppendWithoutReadingTheOps() throws Exception {
        List<BucketStore.BucketOp> first = new ArrayList<>();
        List<BucketStore.BucketOp> second = new ArrayList<>();
        long expectedA = 0;
        long expectedB = 0;
        try (Connection connection = db.rootConnection(database)) {
            connection.setAutoCommit(false);
            long id = store.allocateOpIds(connection, 400);
            for (int i = 0; i < 300; i++) {
                String data = "{\"id\":\"t" + i + "\",\"title\":\"Tâche " + i + "\"}";
                long checksum = Checksums.put("todos", "t" + i, data);
                String bucket = i % 3 == 0 ? "user_todos[\"B\"]" : "user_todos[\"a\"]";
                (i < 200 ? first : second).add(new BucketStore.BucketOp(bucket,
                        OplogEntry.put(id++, "todos", "t" + i, "s" + i, checksum, data)));
                if (bucket.endsWith("[\"B\"]")) {
                    expectedB = Checksums.add(expectedB, checksum);
                } else {
                    expectedA = Checksums.add(expectedA, checksum);
                }
            }
            long removeChecksum = Checksums.remove("s1");
            second.add(new BucketStore.BucketOp("user_todos[\"a\"]", OplogEntry.remove(id, "todos", "t1", "s1", removeChecksum)));
            expectedA = Checksums.add(expectedA, removeChecksum);
            store.append(connection, 1, first);
            store.append(connection, 1, second);
            connection.commit();

            Map<String, BucketStore.BucketTotals> totals = store.totals(connection, 1,
                    List.of("user_todos[\"a\"]", "user_todos[\"B\"]", "user_todos[\"b\"]"));
            assertThat(totals).containsOnlyKeys("user_todos[\"a\"]", "user_todos[\"B\"]");
            assertThat(totals.get("user_todos[\"a\"]")).isEqualTo(new BucketStore.BucketTotals(expectedA, 201, id));
            assertThat(totals.get("user_todos[\"B\"]").checksum()).isEqualTo(expectedB);
            assertThat(totals.get("user_todos[\"B\"]").count()).isEqualTo(100);
            assertThat(store.totals(connection, 2, List.of("user_todos[\"a\"]"))).as("another version's buckets").isEmpty();
        }
    }

    @Test
    void preparedOpsStoreEveryCharacterExactlyWhateverTheServersEscapingModeOrLoaded() throws Exception {
        String awkward = "{\"t\":\"it's \\\"quoted\\\" \\\\ back\\\\slash\\n\u0000nul \u001a sub \r\n é 😀 ☃\"}"
                + "\t\\N\\t\n\\\u0000 lone \ud800 surrogate";
        List<BucketStore.BucketOp> ops = List.of(
                new BucketStore.BucketOp("b[\"it's\"]", OplogEntry.put(0, "to'dos", "i\\d", "s'1", Checksums.put("to'dos", "i\\d", awkward), awkward)),
                new BucketStore.BucketOp("b[\"it's\"]", OplogEntry.remove(1, "to'dos", "i\\d", "s'1", Checksums.remove("s'1"))),
                new BucketStore.BucketOp("plain[]", OplogEntry.put(2, "todos", "t2", "s2", Checksums.put("todos", "t2", "{}"), "{}")),
                new BucketStore.BucketOp("b[\"é😀\\\"\u0000\"]", OplogEntry.put(3, "tâches", "ü'\\x\t", "s\n3",
                        Checksums.put("tâches", "ü'\\x\t", "{}"), "{}")));
        StorageDatabase storage = new StorageDatabase(db.jdbcUrl(database), db.rootUser(), db.rootPassword());
        for (int mode = 0; mode < 3; mode++) {
            boolean noBackslashEscapes = mode == 1;
            boolean load = mode == 2;
            int group = 7 + mode;
            try (Connection connection = load ? storage.openLoading() : db.rootConnection(database)) {
                connection.setAutoCommit(false);
                if (noBackslashEscapes) {
                    connection.createStatement().execute("SET SESSION sql_mode = CONCAT(@@sql_mode, ',NO_BACKSLASH_ESCAPES')");
                }
                StorageDatabase.pinBackslashEscapes(connection); // as every storage session does
                long first = store.allocateOpIds(connection, ops.size());
                BucketStore.PreparedOps prepared = BucketStore.prepare(group, ops, load ? 60 : 300, load);
                if (load) {
                    assertThat(storage.loadsLocal(connection)).as("MariaDB loads local rows by default").isTrue();
                    assertThat(prepared.loaded()).isTrue();
                    assertThat(prepared.statements()).isEmpty();
                    assertThat(prepared.rows()).as("a load is cut once it holds 60 bytes").hasSizeGreaterThanOrEqualTo(2);
                    assertThat(prepared.rows().stream().mapToInt(LoadData::rows).sum()).isEqualTo(ops.size());
                } else {
                    assertThat(prepared.statements()).as("cut before 300 bytes, each op alone").hasSizeGreaterThanOrEqualTo(4);
                }
                store.append(connection, group, prepared, first);
                connection.commit();
                try (var rs = connection.createStatement().executeQuery("SELECT op_id, bucket, object_type, object_id, subkey, data "
                        + "FROM bucket_ops WHERE group_id = " + group + " ORDER BY op_id")) {
                    assertThat(rs.next()).isTrue();
                    assertThat(rs.getLong(1)).isEqualTo(first);
                    assertThat(new String(rs.getBytes(2), java.nio.charset.StandardCharsets.UTF_8)).isEqualTo("b[\"it's\"]");
                    assertThat(new String(rs.getBytes(3), java.nio.charset.StandardCharsets.UTF_8)).isEqualTo("to'dos");
                    assertThat(new String(rs.getBytes(4), java.nio.charset.StandardCharsets.UTF_8)).isEqualTo("i\\d");
                    assertThat(new String(rs.getBytes(5), java.nio.charset.StandardCharsets.UTF_8)).isEqualTo("s'1");
                    assertThat(rs.getString(6)).isEqualTo(awkward.replace('\ud800', '?'));
                    assertThat(rs.next()).isTrue();
                    assertThat(rs.getLong(1)).isEqualTo(first + 1);
                    assertThat(rs.getString(6)).isNull();
                    assertThat(rs.next()).isTrue();
                    assertThat(rs.getLong(1)).isEqualTo(first + 2);
                    assertThat(rs.next()).isTrue();
                    assertThat(rs.getLong(1)).isEqualTo(first + 3);
                    assertThat(rs.getBytes(2)).as("a bucket name's exact UTF-8 bytes")
                            .isEqualTo("b[\"é😀\\\"\u0000\"]".getBytes(java.nio.charset.StandardCharsets.UTF_8));
                    assertThat(rs.getBytes(3)).isEqualTo("tâches".getBytes(java.nio.charset.StandardCharsets.UTF_8));
                    assertThat(rs.getBytes(4)).isEqualTo("ü'\\x\t".getBytes(java.nio.charset.StandardCharsets.UTF_8));
                    assertThat(rs.getBytes(5)).isEqualTo("s\n3".getBytes(java.nio.charset.StandardCharsets.UTF_8));
                }
                Map<String, BucketStore.BucketTotals> totals = store.totals(connection, group, List.of("b[\"it's\"]", "plain[]"));
                assertThat(totals.get("b[\"it's\"]")).isEqualTo(new BucketStore.BucketTotals(
                        Checksums.add(Checksums.put("to'dos", "i\\d", awkward), Checksums.remove("s'1")), 2, first + 1));
                assertThat(totals.get("plain[]").lastOp()).isEqualTo(first + 2);
            }
        }
    }

    @Test
    void aLoadThatCannotStoreEveryOpExactlyFailsAsAnInsertWould() throws Exception {
        StorageDatabase storage = new StorageDatabase(db.jdbcUrl(database), db.rootUser(), db.rootPassword());
        List<BucketStore.BucketOp> ops = List.of(
                new BucketStore.BucketOp("b[]", OplogEntry.put(0, "todos", "t1", "s1", 1, "{}")),
                new BucketStore.BucketOp("b[]", OplogEntry.put(1, "todos", "t2", "s2", 2, "{}")));
        try (Connection connection = storage.openLoading()) {
            long first = store.allocateOpIds(connection, 2);
            store.append(connection, 1, BucketStore.prepare(1, ops, 1 << 20, true), first);
            connection.commit();
            // The same op ids again: a local load would skip the duplicates with a warning.
            assertThatThrownBy(() -> store.appendOps(connection, BucketStore.prepare(1, ops, 1 << 20, true), first))
                    .isInstanceOf(java.sql.SQLException.class).hasMessageContaining("A load of 2 rows stored 0")
                    .hasMessageContaining("Duplicate entry");
            connection.rollback();
            // A subkey longer than its column: a local load would cut it with a warning.
            List<BucketStore.BucketOp> tooLong = List.of(new BucketStore.BucketOp("b[]",
                    OplogEntry.put(0, "todos", "t3", "s".repeat(65), 3, "{}")));
            long next = store.allocateOpIds(connection, 1);
            assertThatThrownBy(() -> store.appendOps(connection, BucketStore.prepare(1, tooLong, 1 << 20, true), next))
                    .isInstanceOf(java.sql.SQLException.class).hasMessageContaining("with 1 warnings: Data truncated for column 'subkey'");
            connection.rollback();
            try (var rs = connection.createStatement().executeQuery("SELECT COUNT(*) FROM bucket_ops WHERE group_id = 1")) {
                rs.next();
                assertThat(rs.getLong(1)).isEqualTo(2);
            }
        }
    }

    @Test
    void localLoadsAreUsedOnlyWhereTheUrlAndTheServerAllowThem() throws Exception {
        StorageDatabase storage = new StorageDatabase(db.jdbcUrl(database), db.rootUser(), db.rootPassword());
        StorageDatabase refused = new StorageDatabase(db.jdbcUrl(database) + (db.jdbcUrl(database).contains("?") ? "&" : "?")
                + "allowLoadLocalInfile=false", db.rootUser(), db.rootPassword());
        List<BucketStore.BucketOp> ops = List.of(new BucketStore.BucketOp("b[]", OplogEntry.put(0, "todos", "t1", "s1", 1, "{}")));
        try (Connection plain = storage.open(); Connection loading = refused.openLoading()) {
            assertThat(storage.loadsLocal(plain)).isTrue();
            assertThat(refused.loadsLocal(plain)).as("the URL turns local loads off").isFalse();
            assertThat(storage.withoutLocalLoads().loadsLocal(plain)).as("gateway.writer.local-loads=false").isFalse();
            assertThat(new StorageDatabase(refused.url().replace("=false", "=FALSE"), db.rootUser(), db.rootPassword())
                    .loadsLocal(plain)).isFalse();
            assertThat(refused.withoutLocalLoads().url()).containsOnlyOnce("allowLoadLocalInfile");
            long first = store.allocateOpIds(plain, 1);
            plain.commit();
            assertThatThrownBy(() -> store.appendOps(plain, BucketStore.prepare(1, ops, 1 << 20, true), first))
                    .as("only connections from openLoading() answer the server's request for the rows")
                    .isInstanceOf(java.sql.SQLException.class);
            assertThatThrownBy(() -> store.appendOps(loading, BucketStore.prepare(1, ops, 1 << 20, true), first))
                    .isInstanceOf(java.sql.SQLException.class);
            plain.rollback();
            loading.rollback();
            plain.createStatement().execute("SET GLOBAL local_infile = 0");
            try {
                assertThat(storage.loadsLocal(plain)).as("the server turns local loads off").isFalse();
            } finally {
                plain.createStatement().execute("SET GLOBAL local_infile = 1");
            }
        }
    }

    @Test
    void loadedTextGoesIntoTheColumnsCharacterSetAsAnInsertsDoes() throws Exception {
        StorageDatabase storage = new StorageDatabase(db.jdbcUrl(database), db.rootUser(), db.rootPassword());
        try (Connection connection = storage.openLoading()) {
            connection.createStatement().execute("ALTER TABLE bucket_ops MODIFY data MEDIUMTEXT CHARACTER SET latin1 NULL");
            for (boolean load : List.of(false, true)) {
                int group = load ? 2 : 1;
                long first = store.allocateOpIds(connection, 1);
                store.appendOps(connection, BucketStore.prepare(group, List.of(new BucketStore.BucketOp("b[]",
                        OplogEntry.put(0, "todos", "t1", "s1", 1, "{\"t\":\"café\"}"))), 1 << 20, load), first);
                connection.commit();
                try (var rs = connection.createStatement().executeQuery(
                        "SELECT data, HEX(CAST(data AS BINARY)) FROM bucket_ops WHERE group_id = " + group)) {
                    assertThat(rs.next()).isTrue();
                    assertThat(rs.getString(1)).isEqualTo("{\"t\":\"café\"}");
                    assertThat(rs.getString(2)).as("é in latin1").contains("E9").doesNotContain("C3A9");
                }
                // Text the column cannot hold is refused, not stored mangled.
                long next = store.allocateOpIds(connection, 1);
                assertThatThrownBy(() -> store.appendOps(connection, BucketStore.prepare(group, List.of(new BucketStore.BucketOp(
                        "b[]", OplogEntry.put(0, "todos", "t2", "s2", 1, "{\"t\":\"😀\"}"))), 1 << 20, load), next))
                        .as(load ? "loaded" : "inserted").isInstanceOf(java.sql.SQLException.class);
                connection.rollback();
            }
        }
    }
}
