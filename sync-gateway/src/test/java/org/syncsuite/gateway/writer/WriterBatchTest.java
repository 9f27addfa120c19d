package org.syncsuite.gateway.writer;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.syncsuite.core.config.SyncPlan;
import org.syncsuite.core.protocol.OplogEntry;

class WriterBatchTest {

    private final SyncPlan plan = WriterSupervisor.planOf(1, WriterFixture.SYNC_CONFIG);
    private final List<String> errors = new ArrayList<>();
    private final WriterBatch batch = new WriterBatch(plan, (table, key, error) -> errors.add(table + " " + key + " " + error));

    @Test
    void aMembershipSurvivesItsCompactStorageForm() {
        RowMembership membership = new RowMembership(List.of(
                new RowMembership.BucketEntry("1#a[]", "todos", "t1"), new RowMembership.BucketEntry("1#b[\"x\"]", "todos", "t1"),
                new RowMembership.BucketEntry("1#c[]", "other", "t9"), new RowMembership.BucketEntry("1#d[]", "other", "t9")),
                List.of(ByteBuffer.wrap("[\"i\",1]".getBytes(StandardCharsets.UTF_8))));
        var stored = membership.encode();
        assertThat(stored.buckets()).isEqualTo("[{\"bucket\":\"1#a[]\",\"table\":\"todos\",\"id\":\"t1\"},\"1#b[\\\"x\\\"]\","
                + "{\"bucket\":\"1#c[]\",\"table\":\"other\",\"id\":\"t9\"},\"1#d[]\"]");
        assertThat(RowMembership.decode(stored)).isEqualTo(membership);
        assertThat(RowMembership.decode(RowMembership.NONE.encode())).isEqualTo(RowMembership.NONE);
    }

    @Test
    void aRowThatMovesGetsAPutWhereItIsAndARemoveWhereItWasWithOneSubkey() {
        WriterBatch.RowRef todo = new WriterBatch.RowRef("todos", ByteBuffer.wrap("{\"id\":\"t1\"}".getBytes(StandardCharsets.UTF_8)));
        batch.known(todo, RowMembership.NONE);
        batch.applyRow(todo, TopicWriter.row("id", "t1", "list_id", "l1", "title", "A", "meta", "{}"));
        batch.applyRow(todo, TopicWriter.row("id", "t1", "list_id", "l2", "title", "A", "meta", "{}"));
        batch.applyRow(todo, null);
        WriterBatch.Sealed sealed = batch.seal();
        assertThat(sealed.ops()).extracting(op -> op.op() + " " + op.bucket()).containsExactly(
                "PUT 1#list_todos|0[\"l1\"]", "PUT 1#list_todos|0[\"l2\"]", "REMOVE 1#list_todos|0[\"l1\"]",
                "REMOVE 1#list_todos|0[\"l2\"]");
        assertThat(sealed.ops()).extracting(WriterBatch.PendingOp::subkey).containsOnly(batch.subkey(todo));
        assertThat(sealed.ops()).extracting(WriterBatch.PendingOp::seq).containsExactly(0, 1, 2, 3);
        assertThat(sealed.memberships().get("todos").get(todo.key()).buckets()).isEqualTo("[]");
        assertThat(sealed.ops().get(2).op()).isEqualTo(OplogEntry.OpType.REMOVE);
        assertThat(batch.size()).as("the next batch starts empty").isZero();
        assertThat(errors).isEmpty();
    }

    @Test
    void aListLeavingItsOwnerWritesAnEmptyEntryForTheOldLookup() {
        WriterBatch.RowRef list = new WriterBatch.RowRef("lists", ByteBuffer.wrap("{\"id\":\"l1\"}".getBytes(StandardCharsets.UTF_8)));
        batch.known(list, RowMembership.NONE);
        batch.applyRow(list, TopicWriter.row("id", "l1", "owner_id", "u1"));
        batch.applyRow(list, TopicWriter.row("id", "l1", "owner_id", "u2"));
        WriterBatch.Sealed sealed = batch.seal();
        assertThat(sealed.lookups()).extracting(l -> text(l.lookup()) + " " + l.result()).containsExactly(
                "[\"list_todos/lookup0\",\"u1\"] [[\"l1\"]]", "[\"list_todos/lookup0\",\"u2\"] [[\"l1\"]]",
                "[\"list_todos/lookup0\",\"u1\"] []");
    }

    private static String text(ByteBuffer buffer) {
        return StandardCharsets.UTF_8.decode(buffer.duplicate()).toString();
    }
}
