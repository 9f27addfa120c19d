package org.syncsuite.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class PowerSyncDatabaseTest {

    private static final Schema SCHEMA = Schema.of(
            Table.of("lists", Column.text("name"), Column.text("owner_id")),
            Table.of("todos", Column.text("list_id"), Column.text("description"), Column.integer("completed"),
                    Column.real("weight")).withIndex("by_list", "list_id", "-completed"),
            Table.of("quiet", Column.text("note")).ignoringEmptyUpdates(),
            Table.of("drafts", Column.text("body")).asLocalOnly(),
            Table.of("logs", Column.text("message")).asInsertOnly());

    @TempDir
    Path dir;

    private PowerSyncDatabase open() {
        return PowerSyncDatabase.open(dir.resolve("app.db"), SCHEMA);
    }

    @Test
    void writesThroughTheViewsAreStoredAndQueuedPerTransaction() {
        try (PowerSyncDatabase db = open()) {
            db.writeTransaction(tx -> {
                tx.execute("INSERT INTO lists (id, name, owner_id) VALUES (?, ?, ?)", "l1", "Groceries", "u1");
                tx.execute("INSERT INTO todos (id, list_id, description, completed) VALUES (?, ?, ?, ?)", "t1", "l1", "Milk", false);
                return null;
            });
            db.execute("INSERT INTO todos (id, list_id, description, completed, weight) VALUES ('t2', 'l1', 'Eggs', 1, 0.5)");

            Map<String, Object> t1 = new java.util.LinkedHashMap<>();
            t1.put("id", "t1");
            t1.put("description", "Milk");
            t1.put("completed", 0L);
            t1.put("weight", null);
            assertThat(db.getAll("SELECT id, description, completed, weight FROM todos ORDER BY id")).containsExactly(
                    t1, Map.of("id", "t2", "description", "Eggs", "completed", 1L, "weight", 0.5));

            CrudTransaction first = db.nextCrudTransaction().orElseThrow();
            assertThat(first.crud()).extracting(CrudEntry::op, CrudEntry::table, CrudEntry::id).containsExactly(
                    org.assertj.core.groups.Tuple.tuple(CrudEntry.Op.PUT, "lists", "l1"),
                    org.assertj.core.groups.Tuple.tuple(CrudEntry.Op.PUT, "todos", "t1"));
            assertThat(first.crud().get(1).opData().orElseThrow())
                    .as("an insert uploads its non-null columns").isEqualTo(Map.of("list_id", "l1", "description", "Milk", "completed", 0));
            assertThat(first.crud()).extracting(CrudEntry::transactionId).containsOnly(first.transactionId());
            first.complete();
            CrudTransaction second = db.nextCrudTransaction().orElseThrow();
            assertThat(second.transactionId()).isGreaterThan(first.transactionId());
            assertThat(second.crud()).hasSize(1);
            second.complete();
            assertThat(db.nextCrudTransaction()).isEmpty();
            assertThat(db.uploadQueueSize()).isZero();
            assertThat(db.get("SELECT value FROM ps_kv WHERE key = 'target_checkpoint_request_id'").get("value"))
                    .as("a local write holds back downloaded data until it is acknowledged").isEqualTo(Long.MAX_VALUE);
        }
    }

    @Test
    void aNewDatabaseHasLargerPagesAndAnExistingOneKeepsItsOwn() throws Exception {
        try (PowerSyncDatabase db = open()) {
            assertThat(db.get("PRAGMA page_size").values()).containsExactly((long) PowerSyncDatabase.PAGE_SIZE);
            assertThat(PowerSyncDatabase.PAGE_SIZE).isGreaterThan(4096);
            assertThat(db.get("PRAGMA wal_autocheckpoint").values()).as("the writer's backstop: 1 GiB of log, in pages")
                    .containsExactly((1L << 30) / PowerSyncDatabase.PAGE_SIZE);
        }
        Path older = dir.resolve("older.db");
        try (java.sql.Connection plain = java.sql.DriverManager.getConnection("jdbc:sqlite:" + older);
             java.sql.Statement statement = plain.createStatement()) {
            statement.execute("PRAGMA page_size = 4096");
            statement.execute("CREATE TABLE kept (note TEXT)");
            statement.execute("INSERT INTO kept VALUES ('from before')");
        }
        try (PowerSyncDatabase db = PowerSyncDatabase.open(older, SCHEMA)) {
            assertThat(db.get("PRAGMA page_size").values()).containsExactly(4096L);
            assertThat(db.get("PRAGMA wal_autocheckpoint").values()).containsExactly((1L << 30) / 4096);
            assertThat(db.get("SELECT note FROM kept")).isEqualTo(Map.of("note", "from before"));
            db.execute("INSERT INTO lists (id, name, owner_id) VALUES ('l1', 'Groceries', 'u1')");
            assertThat(db.get("SELECT name FROM lists WHERE id = 'l1'")).isEqualTo(Map.of("name", "Groceries"));
        }
    }

    @Test
    void updatesQueueTheChangedColumnsAndDeletesTheId() {
        try (PowerSyncDatabase db = open()) {
            db.execute("INSERT INTO todos (id, list_id, description, completed) VALUES ('t1', 'l1', 'Milk', 0)");
            db.execute("UPDATE todos SET completed = 1 WHERE id = 't1'");
            db.execute("UPDATE todos SET description = NULL, weight = 2.5 WHERE id = 't1'");
            db.execute("UPDATE todos SET completed = 1 WHERE id = 't1'");
            db.execute("DELETE FROM todos WHERE id = 't1'");
            List<CrudEntry> entries = db.crudBatch(10).orElseThrow().crud();
            assertThat(entries).extracting(CrudEntry::op).containsExactly(CrudEntry.Op.PUT, CrudEntry.Op.PATCH, CrudEntry.Op.PATCH,
                    CrudEntry.Op.PATCH, CrudEntry.Op.DELETE);
            assertThat(entries.get(1).opData().orElseThrow()).isEqualTo(Map.of("completed", 1));
            Map<String, Object> setToNull = new java.util.HashMap<>();
            setToNull.put("description", null);
            setToNull.put("weight", 2.5);
            assertThat(entries.get(2).opData().orElseThrow()).as("a column set to NULL is sent as null").isEqualTo(setToNull);
            assertThat(entries.get(3).opData().orElseThrow()).as("an update that changed nothing").isEmpty();
            assertThat(entries.get(4).opData()).isEmpty();
            assertThat(db.getAll("SELECT * FROM todos")).isEmpty();

            db.execute("INSERT INTO quiet (id, note) VALUES ('q1', 'x')");
            db.execute("UPDATE quiet SET note = 'x' WHERE id = 'q1'");
            assertThat(db.uploadQueueSize()).as("ignoringEmptyUpdates: only the insert").isEqualTo(6);
        }
    }

    @Test
    void localOnlyTablesAreNeverQueuedAndInsertOnlyTablesKeepNothing() {
        try (PowerSyncDatabase db = open()) {
            db.execute("INSERT INTO drafts (id, body) VALUES ('d1', 'not yet')");
            db.execute("UPDATE drafts SET body = 'later' WHERE id = 'd1'");
            assertThat(db.get("SELECT body FROM drafts").get("body")).isEqualTo("later");
            assertThat(db.uploadQueueSize()).isZero();

            db.execute("INSERT INTO logs (id, message) VALUES ('g1', 'started')");
            assertThat(db.getAll("SELECT * FROM logs")).isEmpty();
            CrudEntry log = db.nextCrudTransaction().orElseThrow().crud().get(0);
            assertThat(log.op()).isEqualTo(CrudEntry.Op.PUT);
            assertThat(log.opData().orElseThrow()).isEqualTo(Map.of("message", "started"));
        }
    }

    @Test
    void aFailedWriteLeavesNothingBehind() {
        try (PowerSyncDatabase db = open()) {
            assertThatThrownBy(() -> db.writeTransaction(tx -> {
                tx.execute("INSERT INTO lists (id, name) VALUES ('l1', 'a')");
                tx.execute("INSERT INTO lists (name) VALUES ('no id')");
                return null;
            })).isInstanceOf(LocalDatabaseException.class).hasMessageContaining("id is required");
            assertThat(db.getAll("SELECT * FROM lists")).isEmpty();
            assertThat(db.uploadQueueSize()).isZero();
            db.execute("INSERT INTO lists (id, name) VALUES ('l1', 'a')");
            assertThatThrownBy(() -> db.execute("UPDATE lists SET id = 'l2' WHERE id = 'l1'"))
                    .isInstanceOf(LocalDatabaseException.class).hasMessageContaining("cannot change");
        }
    }

    @Test
    void reopeningWithAChangedSchemaKeepsDataAndTheClientId() {
        String clientId;
        try (PowerSyncDatabase db = open()) {
            clientId = db.clientId();
            db.execute("INSERT INTO lists (id, name, owner_id) VALUES ('l1', 'Groceries', 'u1')");
            // rows synced for a table the app does not know yet wait in ps_untyped
            db.execute("INSERT INTO ps_untyped (type, id, data) VALUES ('tags', 'g1', '{\"label\":\"home\"}')");
        }
        Schema next = Schema.of(Table.of("lists", Column.text("name"), Column.text("owner_id"), Column.integer("archived")),
                Table.of("tags", Column.text("label")));
        try (PowerSyncDatabase db = PowerSyncDatabase.open(dir.resolve("app.db"), next)) {
            assertThat(db.clientId()).isEqualTo(clientId);
            assertThat(db.get("SELECT name, archived FROM lists WHERE id = 'l1'")).containsEntry("name", "Groceries")
                    .containsEntry("archived", null);
            assertThat(db.get("SELECT label FROM tags WHERE id = 'g1'").get("label")).isEqualTo("home");
            assertThat(db.getAll("SELECT name FROM sqlite_master WHERE type = 'view' AND name = 'todos'"))
                    .as("the old schema's views are gone").isEmpty();
        }
    }

    @Test
    void wideTablesAndIndexesWork() {
        List<Column> columns = new ArrayList<>();
        for (int i = 0; i < 150; i++) {
            columns.add(Column.integer("c" + i));
        }
        Schema wide = Schema.of(new Table("wide", columns, List.of(), false, false, false));
        try (PowerSyncDatabase db = PowerSyncDatabase.open(dir.resolve("wide.db"), wide)) {
            db.execute("INSERT INTO wide (id, c0, c149) VALUES ('w1', 1, 149)");
            db.execute("UPDATE wide SET c100 = 100 WHERE id = 'w1'");
            assertThat(db.get("SELECT c0, c100, c149 FROM wide")).isEqualTo(Map.of("c0", 1L, "c100", 100L, "c149", 149L));
            List<CrudEntry> entries = db.crudBatch(10).orElseThrow().crud();
            assertThat(entries.get(0).opData().orElseThrow()).isEqualTo(Map.of("c0", 1, "c149", 149));
            assertThat(entries.get(1).opData().orElseThrow()).isEqualTo(Map.of("c100", 100));
        }
        try (PowerSyncDatabase db = open()) {
            String plan = db.getAll("EXPLAIN QUERY PLAN SELECT * FROM todos WHERE list_id = 'l1'").toString();
            assertThat(plan).contains("ps_index_todos__by_list");
        }
    }

    @Test
    void refusesSchemasThatCannotWork() {
        assertThatThrownBy(() -> Column.text("id")).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> Column.text("bad name")).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> Table.of("ps_things")).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> Table.of("t", Column.text("a"), Column.integer("A"))).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> Table.of("t", Column.text("a")).withIndex("i", "b")).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> Schema.of(Table.of("t"), Table.of("T"))).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> Table.of("t").asLocalOnly().asInsertOnly()).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void committedPagesReachTheDatabaseFileWithoutTheWriterCopyingThem() throws Exception {
        Path file = dir.resolve("app.db");
        try (PowerSyncDatabase db = open()) {
            long before = java.nio.file.Files.size(file);
            String note = "x".repeat(1000);
            db.writeTransaction(tx -> {
                for (int i = 0; i < 4000; i++) {
                    tx.execute("INSERT INTO drafts (id, body) VALUES (?, ?)", "d" + i, note + i);
                }
                return null;
            });
            // 4 MB of rows: well below the writer's own automatic checkpoint, so only the background one moves them
            long deadline = System.nanoTime() + 10_000_000_000L;
            while (java.nio.file.Files.size(file) < before + 4_000_000 && System.nanoTime() < deadline) {
                Thread.sleep(20);
            }
            assertThat(java.nio.file.Files.size(file)).as("the database file holds the committed rows").isGreaterThan(before + 4_000_000);
            assertThat(db.get("SELECT COUNT(*) AS n FROM drafts").get("n")).isEqualTo(4000L);
        }
        try (PowerSyncDatabase db = open()) {
            assertThat(db.get("SELECT COUNT(*) AS n FROM drafts").get("n")).isEqualTo(4000L);
        }
    }
}
