package org.syncsuite.gateway.api;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.syncsuite.core.protocol.OplogEntry;

class RecentOpsTest {

    private static OplogEntry op(long id) {
        return OplogEntry.put(id, "todos", "t" + id, "s" + id, id, "{\"id\":\"t" + id + "\"}");
    }

    private static List<Long> ids(List<OplogEntry> ops) {
        return ops.stream().map(OplogEntry::opId).toList();
    }

    @Test
    void answersOnlyForASpanItHoldsWhole() {
        RecentOps recent = new RecentOps(100, 1000, 1 << 20);
        recent.append(10, 12, Map.of("a", List.of(op(11), op(12))));
        recent.append(12, 15, Map.of("b", List.of(op(13)), "a", List.of(op(15))));
        recent.append(15, 16, Map.of("b", List.of(op(16))));
        assertThat(ids(recent.between("a", 10, 16).orElseThrow())).containsExactly(11L, 12L, 15L);
        assertThat(ids(recent.between("a", 12, 16).orElseThrow())).containsExactly(15L);
        assertThat(ids(recent.between("a", 12, 12).orElseThrow())).isEmpty();
        assertThat(ids(recent.between("b", 12, 15).orElseThrow())).containsExactly(13L);
        assertThat(ids(recent.between("c", 10, 16).orElseThrow())).as("a bucket that did not change").isEmpty();
        assertThat(recent.between("a", 9, 16)).as("from before the run").isEmpty();
        assertThat(recent.between("a", 12, 17)).as("past the run").isEmpty();
    }

    @Test
    void aCheckpointThatDoesNotFollowTheLastStartsTheRunAgain() {
        RecentOps recent = new RecentOps(100, 1000, 1 << 20);
        recent.append(10, 12, Map.of("a", List.of(op(11))));
        recent.append(14, 15, Map.of("a", List.of(op(15)))); // 12 to 14 were not read
        assertThat(recent.between("a", 10, 15)).isEmpty();
        assertThat(ids(recent.between("a", 14, 15).orElseThrow())).containsExactly(15L);
        recent.gap();
        assertThat(recent.between("a", 14, 15)).isEmpty();
    }

    @Test
    void theOldestCheckpointsGoFirstBeyondItsBounds() {
        RecentOps recent = new RecentOps(100, 10, 1 << 20);
        for (long c = 1; c <= 20; c++) {
            recent.append(c - 1, c, Map.of("a", List.of(op(c))));
        }
        assertThat(recent.size()).isEqualTo(10);
        assertThat(recent.between("a", 9, 20)).isEmpty();
        assertThat(ids(recent.between("a", 10, 20).orElseThrow())).hasSize(10);
        RecentOps fewSteps = new RecentOps(3, 1000, 1 << 20);
        for (long c = 1; c <= 5; c++) {
            fewSteps.append(c - 1, c, Map.of());
        }
        assertThat(fewSteps.size()).isEqualTo(3);
        RecentOps small = new RecentOps(100, 1000, 4096);
        for (long c = 1; c <= 100; c++) {
            small.append(c - 1, c, Map.of("a", List.of(op(c))));
        }
        assertThat(small.size()).isBetween(1, 10);
        assertThat(ids(small.between("a", 99, 100).orElseThrow())).containsExactly(100L);
    }
}
