package org.syncsuite.replicator;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;

import org.junit.jupiter.api.Test;
import org.syncsuite.core.change.SourcePosition;

class TransactionQueueTest {

    private static SourceTransaction transaction(long offset) {
        return new SourceTransaction(List.of(), SourcePosition.at("0-1-" + offset, "binlog.000001", offset), 10);
    }

    @Test
    void aDrainSaysWhetherItsLimitsLeftTransactionsWaiting() throws InterruptedException {
        TransactionQueue queue = new TransactionQueue(100, 1 << 20);
        for (long i = 1; i <= 3; i++) {
            queue.put(transaction(i));
        }
        assertThat(queue.drain(2, 1 << 20, 10)).hasSize(2);
        assertThat(queue.drainLeftSome()).isTrue(); // a backlog: the next Kafka transaction need not wait
        assertThat(queue.drain(2, 1 << 20, 10)).hasSize(1);
        assertThat(queue.drainLeftSome()).isFalse();

        for (long i = 4; i <= 5; i++) {
            queue.put(transaction(i));
        }
        assertThat(queue.drain(10, 15, 10)).hasSize(1); // the byte limit stops it too
        assertThat(queue.drainLeftSome()).isTrue();
        assertThat(queue.drain(10, 15, 10)).extracting(t -> t.end().offset()).containsExactly(5L);
        assertThat(queue.drainLeftSome()).isFalse();
    }
}
