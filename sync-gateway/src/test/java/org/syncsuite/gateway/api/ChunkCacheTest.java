package org.syncsuite.gateway.api;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicInteger;

import org.junit.jupiter.api.Test;
import org.syncsuite.core.protocol.DataChunk;
import org.syncsuite.core.protocol.OplogEntry;
import org.syncsuite.gateway.storage.BucketReader;

class ChunkCacheTest {

    private static Optional<BucketReader.Read> oneOp(long opId) {
        String data = "{\"id\":\"t" + opId + "\",\"done\":1}";
        OplogEntry op = OplogEntry.put(opId, "todos", "t" + opId, "s" + opId, 7, data);
        return Optional.of(new BucketReader.Read(new DataChunk("1#list_todos|0[\"l1\"]", opId - 1, opId, false, List.of(op)), 0));
    }

    @Test
    void aChunkReadByManyStreamsIsLoadedOnce() {
        ChunkCache cache = new ChunkCache(1 << 20, new ChangeMarks(1000));
        AtomicInteger loads = new AtomicInteger();
        for (int i = 0; i < 100; i++) {
            cache.read(1, "b", 0, 10, () -> {
                loads.incrementAndGet();
                return oneOp(10);
            });
        }
        assertThat(loads.get()).isOne();
    }

    @Test
    void theBoundCountsTheHeapOfEntriesNotOnlyTheirRowData() {
        long limit = 256 * 1024;
        ChunkCache cache = new ChunkCache(limit, new ChangeMarks(1000));
        // One small op a chunk, a new checkpoint each time: what a stream of transactions leaves behind.
        for (long op = 1; op <= 10_000; op++) {
            long at = op;
            cache.read(1, "1#list_todos|0[\"l1\"]", at - 1, at, () -> oneOp(at));
        }
        assertThat(cache.bytes()).isLessThanOrEqualTo(limit);
        // Each entry holds a dozen objects and five strings: well over 600 bytes of heap, whatever its row data.
        assertThat(cache.size()).isLessThan((int) (limit / 600));
        assertThat(cache.bytes() / cache.size()).isGreaterThan(600);
    }
}
