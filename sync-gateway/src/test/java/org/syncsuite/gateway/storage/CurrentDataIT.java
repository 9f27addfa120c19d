package org.syncsuite.gateway.storage;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import org.junit.jupiter.api.Test;
import org.syncsuite.services.EmbeddedMariaDb;
import org.syncsuite.services.junit.WithBackingServices;

@WithBackingServices
class CurrentDataIT {

    private final EmbeddedMariaDb db;
    private final CurrentData current = new CurrentData();

    CurrentDataIT(EmbeddedMariaDb db) {
        this.db = db;
    }

    @Test
    void membershipsAreSavedLoadedInBatchesAndForgottenWhenEmpty() throws Exception {
        String database = StorageFixture.newStorage(db, "current");
        byte[] t1 = key("t1");
        byte[] t2 = key("T1"); // keys are bytes: a different row
        byte[] t3 = key("t3");
        try (Connection connection = db.rootConnection(database)) {
            Map<ByteBuffer, CurrentData.Membership> rows = new HashMap<>();
            rows.put(ByteBuffer.wrap(t1), new CurrentData.Membership("[{\"bucket\":\"user[\\\"u1\\\"]\",\"table\":\"todos\",\"id\":\"t1\"}]",
                    Optional.of(new byte[] {1, 2})));
            rows.put(ByteBuffer.wrap(t2), new CurrentData.Membership("[{\"bucket\":\"all[]\",\"table\":\"todos\",\"id\":\"T1\"}]",
                    Optional.empty()));
            current.save(connection, 1, "todos", rows);

            Map<ByteBuffer, CurrentData.Membership> loaded = current.load(connection, 1, "todos", List.of(t1, t2, t3));
            assertThat(loaded).containsOnlyKeys(ByteBuffer.wrap(t1), ByteBuffer.wrap(t2));
            assertThat(loaded.get(ByteBuffer.wrap(t1)).buckets()).contains("user[\\\"u1\\\"]");
            assertThat(loaded.get(ByteBuffer.wrap(t1)).lookups()).hasValueSatisfying(l -> assertThat(l).containsExactly(1, 2));
            assertThat(current.load(connection, 2, "todos", List.of(t1))).as("another version").isEmpty();
            assertThat(current.load(connection, 1, "lists", List.of(t1))).as("another table").isEmpty();

            // The row left every bucket: forgotten.
            current.save(connection, 1, "todos", Map.of(ByteBuffer.wrap(t1), new CurrentData.Membership("[]", Optional.empty())));
            assertThat(current.load(connection, 1, "todos", List.of(t1, t2))).containsOnlyKeys(ByteBuffer.wrap(t2));

            // A truncation reads what every row of the table is in.
            assertThat(current.loadTable(connection, 1, "todos")).containsOnlyKeys(ByteBuffer.wrap(t2));
            assertThat(current.loadTable(connection, 1, "lists")).isEmpty();
        }
    }

    @Test
    void preparedMembershipsAreSavedAlikeAsStatementsAndAsLoadedRows() throws Exception {
        String database = StorageFixture.newStorage(db, "current_prepared");
        StorageDatabase storage = new StorageDatabase(db.jdbcUrl(database), db.rootUser(), db.rootPassword());
        byte[] awkward = {0, '\t', '\n', '\\', 'N', (byte) 0xff, '\r', 0x1a, '\''};
        byte[] kept = key("kept");
        byte[] changed = key("changed");
        byte[] left = key("left");
        String buckets = "[{\"bucket\":\"user[\\\"é\\t😀\\\"]\",\"table\":\"todos\",\"id\":\"a\\\\N\"}]";
        Map<String, Map<ByteBuffer, CurrentData.Membership>> before = Map.of(
                "to\tdos", Map.of(
                        ByteBuffer.wrap(awkward), new CurrentData.Membership(buckets, Optional.of(awkward)),
                        ByteBuffer.wrap(kept), new CurrentData.Membership("[]", Optional.of(new byte[] {1})),
                        ByteBuffer.wrap(changed), new CurrentData.Membership(buckets, Optional.empty()),
                        ByteBuffer.wrap(left), new CurrentData.Membership(buckets, Optional.empty())),
                "lists", Map.of(ByteBuffer.wrap(kept), new CurrentData.Membership("[1]", Optional.empty())));
        Map<String, Map<ByteBuffer, CurrentData.Membership>> after = Map.of(
                "to\tdos", Map.of(
                        ByteBuffer.wrap(kept), new CurrentData.Membership("[]", Optional.of(new byte[] {1})), // the same again
                        ByteBuffer.wrap(changed), new CurrentData.Membership("[2]", Optional.of(awkward)),
                        ByteBuffer.wrap(left), new CurrentData.Membership("[]", Optional.empty())));
        for (int group = 1; group <= 2; group++) {
            boolean load = group == 2;
            try (Connection connection = load ? storage.openLoading() : storage.open()) {
                CurrentData.PreparedRows first = CurrentData.prepare(group, before, 1 << 20, load);
                assertThat(first.load() != null).isEqualTo(load);
                assertThat(first.rows().stream().mapToInt(LoadData::rows).sum()).isEqualTo(load ? 5 : 0);
                assertThat(CurrentData.prepare(group, before, 40, load).rows().size()).as("a load is cut once it holds 40 bytes")
                        .isGreaterThanOrEqualTo(load ? 3 : 0).isLessThanOrEqualTo(load ? 5 : 0);
                current.save(connection, first);
                CurrentData.PreparedRows second = CurrentData.prepare(group, after, 1 << 20, load);
                assertThat(second.statements()).as("the delete of the row that left everything").hasSize(load ? 1 : 2);
                current.save(connection, second);
                connection.commit();

                Map<ByteBuffer, CurrentData.Membership> todos = current.loadTable(connection, group, "to\tdos");
                assertThat(todos).containsOnlyKeys(ByteBuffer.wrap(awkward), ByteBuffer.wrap(kept), ByteBuffer.wrap(changed));
                assertThat(todos.get(ByteBuffer.wrap(awkward)).buckets()).isEqualTo(buckets);
                assertThat(todos.get(ByteBuffer.wrap(awkward)).lookups()).hasValueSatisfying(l -> assertThat(l).isEqualTo(awkward));
                assertThat(todos.get(ByteBuffer.wrap(kept)).lookups()).hasValueSatisfying(l -> assertThat(l).containsExactly(1));
                assertThat(todos.get(ByteBuffer.wrap(changed)).buckets()).isEqualTo("[2]");
                assertThat(todos.get(ByteBuffer.wrap(changed)).lookups()).hasValueSatisfying(l -> assertThat(l).isEqualTo(awkward));
                assertThat(current.loadTable(connection, group, "lists")).containsOnlyKeys(ByteBuffer.wrap(kept));
            }
        }
    }

    private static byte[] key(String id) {
        return ("{\"id\":\"" + id + "\"}").getBytes(StandardCharsets.UTF_8);
    }

    @Test
    void preparedMembershipsAreSavedExactlyAndEmptyOnesForgotten() throws Exception {
        String database = StorageFixture.newStorage(db, "current_prepared");
        String awkward = "[{\"bucket\":\"b[\\\"it's \\\\ ☃\\\"]\",\"table\":\"to'dos\",\"id\":\"t1\"}]";
        try (Connection connection = db.rootConnection(database)) {
            connection.setAutoCommit(false);
            connection.createStatement().execute("SET SESSION sql_mode = CONCAT(@@sql_mode, ',NO_BACKSLASH_ESCAPES')");
            StorageDatabase.pinBackslashEscapes(connection); // as every storage session does
            Map<String, Map<ByteBuffer, CurrentData.Membership>> rows = new java.util.LinkedHashMap<>();
            Map<ByteBuffer, CurrentData.Membership> todos = new java.util.LinkedHashMap<>();
            todos.put(ByteBuffer.wrap(key("t'1")), new CurrentData.Membership(awkward, Optional.of(new byte[] {0, 39, 92, -1})));
            todos.put(ByteBuffer.wrap(key("t2")), new CurrentData.Membership("[\"x\"]", Optional.empty()));
            rows.put("todos", todos);
            current.save(connection, CurrentData.prepare(3, rows, BucketStore.STATEMENT_BYTES));
            connection.commit();
            Map<ByteBuffer, CurrentData.Membership> loaded = current.load(connection, 3, "todos", List.of(key("t'1"), key("t2")));
            assertThat(loaded.get(ByteBuffer.wrap(key("t'1"))).buckets()).isEqualTo(awkward);
            assertThat(loaded.get(ByteBuffer.wrap(key("t'1"))).lookups()).hasValueSatisfying(l -> assertThat(l).containsExactly(0, 39, 92, -1));
            assertThat(loaded.get(ByteBuffer.wrap(key("t2"))).lookups()).isEmpty();

            todos.put(ByteBuffer.wrap(key("t2")), new CurrentData.Membership("[]", Optional.empty()));
            current.save(connection, CurrentData.prepare(3, rows, BucketStore.STATEMENT_BYTES));
            connection.commit();
            assertThat(current.load(connection, 3, "todos", List.of(key("t'1"), key("t2")))).as("t2 is in nothing now")
                    .containsOnlyKeys(ByteBuffer.wrap(key("t'1")));
        }
    }
}
