package org.syncsuite.client;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.syncsuite.core.Checksums;
import org.syncsuite.core.protocol.BucketChecksum;
import org.syncsuite.core.protocol.DataChunk;
import org.syncsuite.core.protocol.OplogEntry;

class SyncLocalTest {

    private static final Schema SCHEMA = Schema.of(Table.of("todos", Column.text("title"), Column.integer("done")));
    private static final String BUCKET = "1#todos[]";
    private static final String T1_OPEN = "{\"id\":\"t1\",\"title\":\"Buy milk\",\"done\":0}";
    private static final String T2 = "{\"id\":\"t2\",\"title\":\"Call Bob\",\"done\":0}";
    private static final String T1_DONE = "{\"id\":\"t1\",\"title\":\"Buy milk\",\"done\":1}";
    private static final String SUBKEY_T2 = "2f0c5a8e-9d3b-5c1e-8a47-0b6e2d9f4c11";

    @TempDir
    Path dir;

    private static DataChunk chunk(String bucket, OplogEntry... ops) {
        return new DataChunk(bucket, 0, ops[ops.length - 1].opId(), false, List.of(ops));
    }

    private static BucketChecksum checksum(String bucket, long checksum) {
        return new BucketChecksum(bucket, checksum, 0, 3, List.of());
    }

    /** The reference's example B, as four ops. */
    private static DataChunk exampleB() {
        return chunk(BUCKET,
                OplogEntry.put(1, "todos", "t1", "s1", Checksums.put("todos", "t1", T1_OPEN), T1_OPEN),
                OplogEntry.put(2, "todos", "t2", SUBKEY_T2, Checksums.put("todos", "t2", T2), T2),
                OplogEntry.put(3, "todos", "t1", "s1", Checksums.put("todos", "t1", T1_DONE), T1_DONE),
                OplogEntry.remove(4, "todos", "t2", SUBKEY_T2, Checksums.remove(SUBKEY_T2)));
    }

    @Test
    void aBucketDownloadedOpByOpValidatesAndPublishesItsNewestRows() {
        try (PowerSyncDatabase db = PowerSyncDatabase.open(dir.resolve("a.db"), SCHEMA)) {
            SyncLocal local = new SyncLocal(db);
            local.applyChunk(exampleB(), 3);
            assertThat(local.failingBuckets(List.of(checksum(BUCKET, 1254157164L)))).isEmpty();
            assertThat(local.failingBuckets(List.of(checksum(BUCKET, 1254157165L)))).containsExactly(BUCKET);
            assertThat(db.getAll("SELECT * FROM todos")).as("nothing is visible before publishing").isEmpty();
            local.publish(List.of(BUCKET), 4, true, 3, OptionalLong.empty());
            assertThat(db.getAll("SELECT id, title, done FROM todos")).containsExactly(Map.of("id", "t1", "title", "Buy milk", "done", 1L));
            assertThat(local.bucketPositions()).containsEntry(BUCKET, 4L);
        }
    }

    @Test
    void theCompactedBucketGivesTheSameChecksumAndRows() {
        try (PowerSyncDatabase db = PowerSyncDatabase.open(dir.resolve("b.db"), SCHEMA)) {
            SyncLocal local = new SyncLocal(db);
            local.applyChunk(chunk(BUCKET, OplogEntry.clear(2, -1585026367L),
                    OplogEntry.put(3, "todos", "t1", "s1", Checksums.put("todos", "t1", T1_DONE), T1_DONE),
                    OplogEntry.remove(4, "todos", "t2", SUBKEY_T2, Checksums.remove(SUBKEY_T2))), 3);
            assertThat(local.failingBuckets(List.of(checksum(BUCKET, 1254157164L)))).isEmpty();
            local.publish(List.of(BUCKET), 4, true, 3, OptionalLong.empty());
            assertThat(db.getAll("SELECT id FROM todos")).containsExactly(Map.of("id", "t1"));
        }
        // a client that had ops 1 and 2, then resumes on the compacted bucket
        try (PowerSyncDatabase db = PowerSyncDatabase.open(dir.resolve("c.db"), SCHEMA)) {
            SyncLocal local = new SyncLocal(db);
            DataChunk all = exampleB();
            local.applyChunk(new DataChunk(BUCKET, 0, 2, false, all.data().subList(0, 2)), 3);
            local.publish(List.of(BUCKET), 2, true, 3, OptionalLong.empty());
            assertThat(db.getAll("SELECT id FROM todos ORDER BY id")).hasSize(2);
            local.applyChunk(new DataChunk(BUCKET, 2, 4, false, all.data().subList(2, 4)), 3);
            assertThat(local.failingBuckets(List.of(checksum(BUCKET, 1254157164L)))).isEmpty();
            local.publish(List.of(BUCKET), 4, true, 3, OptionalLong.empty());
            assertThat(db.getAll("SELECT id, done FROM todos")).containsExactly(Map.of("id", "t1", "done", 1L));
        }
    }

    @Test
    void aRowStaysWhileAnotherBucketStillHasItAndUnknownTablesWaitAside() {
        try (PowerSyncDatabase db = PowerSyncDatabase.open(dir.resolve("d.db"), SCHEMA)) {
            SyncLocal local = new SyncLocal(db);
            String other = "1#shared[]";
            local.applyChunk(chunk(BUCKET, OplogEntry.put(1, "todos", "t1", "s1", 11, T1_OPEN)), 3);
            local.applyChunk(chunk(other, OplogEntry.put(2, "todos", "t1", "s1", 12, T1_DONE),
                    OplogEntry.put(3, "notes", "n1", "s9", 13, "{\"id\":\"n1\",\"text\":\"hi\"}")), 3);
            local.publish(List.of(BUCKET, other), 3, true, 3, OptionalLong.empty());
            assertThat(db.get("SELECT done FROM todos WHERE id = 't1'").get("done")).as("the newest PUT wins").isEqualTo(1L);
            assertThat(db.get("SELECT data FROM ps_untyped WHERE type = 'notes'").get("data")).isEqualTo("{\"id\":\"n1\",\"text\":\"hi\"}");
            local.deleteBuckets(List.of(other));
            local.publish(List.of(BUCKET), 3, true, 3, OptionalLong.empty());
            assertThat(db.get("SELECT done FROM todos WHERE id = 't1'").get("done")).as("back to the remaining bucket's PUT").isEqualTo(0L);
            assertThat(db.getAll("SELECT * FROM ps_untyped")).isEmpty();
            local.deleteBuckets(List.of(BUCKET));
            local.publish(List.of(), 3, true, 3, OptionalLong.empty());
            assertThat(db.getAll("SELECT * FROM todos")).isEmpty();
        }
    }

    @Test
    void downloadedDataWaitsForLocalWritesToBeAcknowledged() {
        try (PowerSyncDatabase db = PowerSyncDatabase.open(dir.resolve("e.db"), SCHEMA)) {
            SyncLocal local = new SyncLocal(db);
            assertThat(local.mayPublish(OptionalLong.empty())).isTrue();
            db.execute("INSERT INTO todos (id, title, done) VALUES ('t9', 'local', 0)");
            assertThat(local.mayPublish(OptionalLong.of(100))).as("a write is still queued").isFalse();
            db.nextCrudTransaction().orElseThrow().complete();
            assertThat(local.mayPublish(OptionalLong.of(100))).as("uploaded, but no write checkpoint asked for yet").isFalse();
            local.setTargetWriteCheckpoint(7);
            assertThat(local.mayPublish(OptionalLong.of(6))).isFalse();
            assertThat(local.mayPublish(OptionalLong.empty())).isFalse();
            assertThat(local.mayPublish(OptionalLong.of(7))).isTrue();
        }
    }

    @Test
    void localWritesBecomeTheServersRowsAtTheNextWholeCheckpoint() {
        try (PowerSyncDatabase db = PowerSyncDatabase.open(dir.resolve("f.db"), SCHEMA)) {
            SyncLocal local = new SyncLocal(db);
            local.applyChunk(exampleB(), 3);
            local.publish(List.of(BUCKET), 4, true, 3, OptionalLong.empty());
            // the backend refused the insert and kept its own title: the server's rows come back
            db.execute("INSERT INTO todos (id, title, done) VALUES ('t9', 'refused', 0)");
            db.execute("UPDATE todos SET title = 'changed by the backend' WHERE id = 't1'");
            db.nextCrudTransaction().orElseThrow().complete();
            db.nextCrudTransaction().orElseThrow().complete();
            local.publish(List.of(BUCKET), 4, false, 0, OptionalLong.empty());
            assertThat(db.getAll("SELECT id, title FROM todos ORDER BY id")).as("a partial checkpoint settles only its buckets' rows")
                    .containsExactly(Map.of("id", "t1", "title", "Buy milk"), Map.of("id", "t9", "title", "refused"));
            local.publish(List.of(BUCKET), 4, true, 3, OptionalLong.empty());
            assertThat(db.getAll("SELECT id, title FROM todos ORDER BY id")).containsExactly(Map.of("id", "t1", "title", "Buy milk"));
            assertThat(db.getAll("SELECT * FROM ps_updated_rows")).isEmpty();
        }
    }

    @Test
    void anOpLogOfTheEarlierKeyedShapeIsMovedIntoTheCurrentOne() throws Exception {
        Path file = dir.resolve("keyed.db");
        String t1 = Checksums.put("todos", "t1", T1_OPEN) + "";
        try (java.sql.Connection c = java.sql.DriverManager.getConnection("jdbc:sqlite:" + file);
             java.sql.Statement s = c.createStatement()) {
            s.execute("CREATE TABLE ps_buckets (id INTEGER PRIMARY KEY, name TEXT NOT NULL UNIQUE, "
                    + "last_applied_op INTEGER NOT NULL DEFAULT 0, last_op INTEGER NOT NULL DEFAULT 0, "
                    + "add_checksum INTEGER NOT NULL DEFAULT 0, op_checksum INTEGER NOT NULL DEFAULT 0, "
                    + "pending_delete INTEGER NOT NULL DEFAULT 0, count_at_last INTEGER NOT NULL DEFAULT 0, "
                    + "count_since_last INTEGER NOT NULL DEFAULT 0, priority INTEGER NOT NULL DEFAULT 3)");
            s.execute("CREATE TABLE ps_oplog (bucket INTEGER NOT NULL, op_id INTEGER NOT NULL, row_type TEXT NOT NULL, "
                    + "row_id TEXT NOT NULL, key TEXT NOT NULL, data TEXT, hash INTEGER NOT NULL)");
            s.execute("CREATE UNIQUE INDEX ps_oplog_key ON ps_oplog (bucket, key)");
            s.execute("CREATE INDEX ps_oplog_row_op ON ps_oplog (row_type, row_id, op_id)");
            s.execute("CREATE INDEX ps_oplog_op ON ps_oplog (bucket, op_id)");
            s.execute("INSERT INTO ps_buckets (id, name, last_op, op_checksum) VALUES (1, '" + BUCKET + "', 1, " + t1 + ")");
            s.execute("INSERT INTO ps_oplog VALUES (1, 1, 'todos', 't1', 'todos/t1/a/b', '" + T1_OPEN + "', " + t1 + ")");
        }
        try (PowerSyncDatabase db = PowerSyncDatabase.open(file, SCHEMA)) {
            assertThat(db.getAll("SELECT name FROM pragma_table_info('ps_oplog') ORDER BY name")).extracting(row -> row.get("name"))
                    .containsExactly("bucket", "data", "hash", "op_id", "row_id", "row_type", "subkey");
            assertThat(db.getAll("SELECT row_type, row_id, subkey, op_id FROM ps_oplog"))
                    .containsExactly(Map.of("row_type", "todos", "row_id", "t1", "subkey", "a/b", "op_id", 1L));
            SyncLocal local = new SyncLocal(db);
            // the moved op is the one a new op of its key replaces: the bucket's checksum is that of op 2 alone plus op 1's
            local.applyChunk(chunk(BUCKET, OplogEntry.put(2, "todos", "t1", "a/b", Checksums.put("todos", "t1", T1_DONE), T1_DONE)), 3);
            assertThat(db.getAll("SELECT op_id FROM ps_oplog")).containsExactly(Map.of("op_id", 2L));
            long sum = (Long.parseLong(t1) + Checksums.put("todos", "t1", T1_DONE)) % (1L << 32);
            assertThat(local.failingBuckets(List.of(checksum(BUCKET, sum)))).isEmpty();
            local.publish(List.of(BUCKET), 2, true, 3, OptionalLong.empty());
            assertThat(db.getAll("SELECT id, done FROM todos")).containsExactly(Map.of("id", "t1", "done", 1L));
        }
    }

    @Test
    void aClearInTheMiddleOfALineDropsWhatCameBeforeIt() {
        try (PowerSyncDatabase db = PowerSyncDatabase.open(dir.resolve("clear.db"), SCHEMA)) {
            SyncLocal local = new SyncLocal(db);
            long t1 = Checksums.put("todos", "t1", T1_OPEN);
            long t2 = Checksums.put("todos", "t2", T2);
            long t1Done = Checksums.put("todos", "t1", T1_DONE);
            local.applyChunk(chunk(BUCKET, OplogEntry.put(1, "todos", "t1", "s1", t1, T1_OPEN)), 3);
            local.publish(List.of(BUCKET), 1, true, 3, OptionalLong.empty());
            // t2 twice and t1 before the CLEAR, t1 again and a MOVE after it
            long clear = 123_456_789L;
            local.applyChunk(chunk(BUCKET,
                    OplogEntry.put(2, "todos", "t2", SUBKEY_T2, t2, T2),
                    OplogEntry.put(3, "todos", "t2", SUBKEY_T2, t2, T2),
                    OplogEntry.put(4, "todos", "t1", "s1", t1Done, T1_DONE),
                    OplogEntry.clear(5, clear),
                    OplogEntry.put(6, "todos", "t1", "s1", t1Done, T1_DONE),
                    OplogEntry.move(7, 42)), 3);
            assertThat(db.getAll("SELECT row_id, op_id FROM ps_oplog")).containsExactly(Map.of("row_id", "t1", "op_id", 6L));
            long expected = (clear + t1Done + 42) % (1L << 32);
            assertThat(local.failingBuckets(List.of(checksum(BUCKET, expected)))).isEmpty();
            assertThat(db.get("SELECT add_checksum, op_checksum FROM ps_buckets"))
                    .isEqualTo(Map.of("add_checksum", (clear + 42) % (1L << 32), "op_checksum", t1Done));
            local.publish(List.of(BUCKET), 7, true, 3, OptionalLong.empty());
            assertThat(db.getAll("SELECT id, done FROM todos")).containsExactly(Map.of("id", "t1", "done", 1L));
        }
    }
}
