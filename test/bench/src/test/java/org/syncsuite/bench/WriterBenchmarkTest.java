package org.syncsuite.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.syncsuite.core.change.ChangeEventCodec;
import org.syncsuite.core.change.ChangeRecord;

class WriterBenchmarkTest {

    @Test
    void theWorkloadIsTheSameForASeedAndShapedLikeTheReplicatorsTopic() {
        List<String> first = encoded(new WriterWorkload(42), 3_000);
        assertThat(encoded(new WriterWorkload(42), 3_000)).isEqualTo(first);

        WriterWorkload workload = new WriterWorkload(7);
        for (int i = 0; i < 50; i++) {
            WriterWorkload.SourceTransaction tx = workload.next(1_000);
            assertThat(tx.rowEvents()).isBetween(10, 100);
            List<ChangeRecord> records = tx.records();
            for (int r = 0; r < records.size(); r++) {
                if (records.get(r) instanceof ChangeRecord.RowChange row && row.op() == ChangeRecord.Op.DELETE) {
                    assertThat(records.get(r + 1)).as("a delete is followed by its tombstone").isInstanceOf(ChangeRecord.Tombstone.class);
                }
            }
        }
        assertThat(workload.next(3).rowEvents()).as("the last transaction stops at the row count asked for").isEqualTo(3);
    }

    @Test
    void statementsAreTimedByVerbAndTable() {
        assertThat(TimedJdbc.kind("INSERT INTO bucket_ops (group_id, bucket) VALUES (?, ?)")).isEqualTo("insert_bucket_ops");
        assertThat(TimedJdbc.kind("INSERT INTO bucket_state (a) VALUES (?) ON DUPLICATE KEY UPDATE a = a + 1")).isEqualTo("upsert_bucket_state");
        assertThat(TimedJdbc.kind("SELECT last_op_id FROM op_id_sequence WHERE id = 1 FOR UPDATE")).isEqualTo("lock_op_id_sequence");
        assertThat(TimedJdbc.kind("LOAD DATA LOCAL INFILE 'x' REPLACE INTO TABLE current_data CHARACTER SET binary (a)")).isEqualTo("load_current_data");
        assertThat(TimedJdbc.timed("jdbc:mysql://h/db")).isEqualTo("jdbc:timed:mysql://h/db");
    }

    @Test
    void flagsAreYesOrNo() {
        assertThat(BenchOptions.parse(new String[] {"--profile=true"}).flag("profile")).isTrue();
        assertThat(BenchOptions.parse(new String[0]).flag("profile")).isFalse();
        assertThatThrownBy(() -> BenchOptions.parse(new String[] {"--profile=maybe"}).flag("profile"))
                .hasMessageContaining("true or false");
    }

    private static List<String> encoded(WriterWorkload workload, int rows) {
        List<String> out = new ArrayList<>();
        int written = 0;
        while (written < rows) {
            WriterWorkload.SourceTransaction tx = workload.next(rows - written);
            written += tx.rowEvents();
            for (ChangeRecord record : tx.records()) {
                byte[] value = ChangeEventCodec.value(record);
                out.add(new String(ChangeEventCodec.key(record)) + (value == null ? "" : new String(value)));
            }
        }
        return out;
    }
}
