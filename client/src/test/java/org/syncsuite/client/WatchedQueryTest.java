package org.syncsuite.client;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.Flow;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.syncsuite.core.protocol.DataChunk;
import org.syncsuite.core.protocol.OplogEntry;

class WatchedQueryTest {

    private static final Schema SCHEMA = Schema.of(Table.of("lists", Column.text("name")),
            Table.of("todos", Column.text("description"), Column.integer("completed")));

    @TempDir
    Path dir;

    private static final class Collector implements Flow.Subscriber<List<Map<String, Object>>> {
        final BlockingQueue<List<Map<String, Object>>> rows = new LinkedBlockingQueue<>();
        Flow.Subscription subscription;

        @Override
        public void onSubscribe(Flow.Subscription subscription) {
            this.subscription = subscription;
            subscription.request(Long.MAX_VALUE);
        }

        @Override
        public void onNext(List<Map<String, Object>> item) {
            rows.add(item);
        }

        @Override
        public void onError(Throwable throwable) {
            throw new AssertionError(throwable);
        }

        @Override
        public void onComplete() {
        }

        List<Map<String, Object>> next() throws InterruptedException {
            List<Map<String, Object>> next = rows.poll(5, TimeUnit.SECONDS);
            assertThat(next).as("an emission within 5 s").isNotNull();
            return next;
        }
    }

    @Test
    void reEmitsWhenATableItReadsChangesAndTheRowsDiffer() throws Exception {
        try (PowerSyncDatabase db = PowerSyncDatabase.open(dir.resolve("w.db"), SCHEMA)) {
            assertThat(db.tablesRead("SELECT * FROM todos WHERE completed = ?")).containsExactly("todos");
            Collector open = new Collector();
            db.watch("SELECT id FROM todos WHERE completed = ? ORDER BY id", 0).subscribe(open);
            assertThat(open.next()).isEmpty();

            db.execute("INSERT INTO todos (id, description, completed) VALUES ('t1', 'Milk', 0)");
            assertThat(open.next()).containsExactly(Map.of("id", "t1"));
            db.execute("INSERT INTO lists (id, name) VALUES ('l1', 'other table')");
            db.execute("UPDATE todos SET description = 'Oat milk' WHERE id = 't1'");
            assertThat(open.rows.poll(500, TimeUnit.MILLISECONDS)).as("nothing the query shows changed").isNull();
            db.execute("UPDATE todos SET completed = 1 WHERE id = 't1'");
            assertThat(open.next()).isEmpty();

            // published downloads count as changes too
            SyncLocal local = new SyncLocal(db);
            local.applyChunk(new DataChunk("b", 0, 1, false, List.of(OplogEntry.put(1, "todos", "t2", "s", 5,
                    "{\"id\":\"t2\",\"description\":\"Bread\",\"completed\":0}"))), 3);
            db.nextCrudTransaction().ifPresent(CrudTransaction::complete);
            while (db.nextCrudTransaction().isPresent()) {
                db.nextCrudTransaction().orElseThrow().complete();
            }
            db.execute("DELETE FROM ps_kv WHERE key = 'target_checkpoint_request_id'");
            local.publish(List.of("b"), 1, true, 3, OptionalLong.empty());
            assertThat(open.next()).containsExactly(Map.of("id", "t2"));

            open.subscription.cancel();
            db.execute("INSERT INTO todos (id, description, completed) VALUES ('t3', 'Tea', 0)");
            assertThat(open.rows.poll(500, TimeUnit.MILLISECONDS)).as("cancelled").isNull();
        }
    }

    @Test
    void aFirstSyncFillingAnEmptyTableReachesItsWatchers() throws Exception {
        try (PowerSyncDatabase db = PowerSyncDatabase.open(dir.resolve("f.db"), SCHEMA)) {
            Collector lists = new Collector();
            db.watch("SELECT id, name FROM lists ORDER BY id").subscribe(lists);
            assertThat(lists.next()).isEmpty();
            Collector todos = new Collector();
            db.watch("SELECT id FROM todos").subscribe(todos);
            assertThat(todos.next()).isEmpty();
            SyncLocal local = new SyncLocal(db);
            local.applyChunk(new DataChunk("b", 0, 2, false, List.of(
                    OplogEntry.put(1, "lists", "l1", "s1", 5, "{\"id\":\"l1\",\"name\":\"Groceries\"}"),
                    OplogEntry.put(2, "lists", "l2", "s2", 6, "{\"id\":\"l2\",\"name\":\"Work\"}"))), 3);
            local.publish(List.of("b"), 2, true, 3, OptionalLong.empty());
            assertThat(lists.next()).containsExactly(Map.of("id", "l1", "name", "Groceries"), Map.of("id", "l2", "name", "Work"));
            assertThat(todos.rows.poll(500, TimeUnit.MILLISECONDS)).as("todos was not written").isNull();
        }
    }
}
