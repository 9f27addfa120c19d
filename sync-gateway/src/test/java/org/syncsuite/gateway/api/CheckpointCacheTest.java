package org.syncsuite.gateway.api;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import org.junit.jupiter.api.Test;
import org.syncsuite.core.protocol.DataChunk;
import org.syncsuite.core.protocol.OplogEntry;
import org.syncsuite.gateway.storage.BucketReader;

/**
 * The hub's shared caches when checkpoints come faster than streams read: a value read at one
 * checkpoint serves the streams at later (or earlier) ones as long as its key did not change in
 * between, and never once it did.
 */
class CheckpointCacheTest {

    /** A loader that answers "key@checkpoint" and counts its calls. */
    private static final class Loads implements CheckpointCache.Loader<String> {
        final AtomicInteger calls = new AtomicInteger();

        @Override
        public Map<String, String> load(List<String> keys, long checkpoint) {
            calls.incrementAndGet();
            Map<String, String> values = new HashMap<>();
            keys.forEach(k -> values.put(k, k + "@" + checkpoint));
            return values;
        }
    }

    @Test
    void aValueReadAtOneCheckpointServesLaterOnesUntilItsKeyChanges() {
        CheckpointCache<String> cache = new CheckpointCache<>(1000);
        Loads loads = new Loads();
        cache.advance(10, List.of("a"), false);
        assertThat(cache.getAll(List.of("a"), 10, loads)).containsEntry("a", "a@10");
        // checkpoints 11 to 20 change other buckets: "a" read at 10 still holds
        for (long checkpoint = 11; checkpoint <= 20; checkpoint++) {
            cache.advance(checkpoint, List.of("b" + checkpoint), false);
            assertThat(cache.getAll(List.of("a"), checkpoint, loads)).containsEntry("a", "a@10");
        }
        assertThat(loads.calls.get()).isOne();
        // a stream still at checkpoint 9 cannot use it: "a" changed at 10
        assertThat(cache.getAll(List.of("a"), 9, loads)).containsEntry("a", "a@9");
        assertThat(loads.calls.get()).isEqualTo(2);

        cache.advance(21, List.of("a"), false);
        assertThat(cache.getAll(List.of("a"), 21, loads)).containsEntry("a", "a@21");
        // the value of 21 does not answer for 20, nor the value of 10 for 21
        assertThat(cache.getAll(List.of("a"), 20, loads)).containsEntry("a", "a@20");
        assertThat(loads.calls.get()).isEqualTo(4);
    }

    @Test
    void aLoadThatEndsAfterItsKeyChangedIsNotServedForTheNewCheckpoint() {
        CheckpointCache<String> cache = new CheckpointCache<>(1000);
        Loads loads = new Loads();
        cache.advance(10, List.of("a"), false);
        // a slow stream reads at 10, and stores its value only after checkpoint 11 changed "a"
        cache.getAll(List.of("a"), 10, (keys, checkpoint) -> {
            cache.advance(11, List.of("a"), false);
            return loads.load(keys, checkpoint);
        });
        assertThat(cache.getAll(List.of("a"), 11, loads)).containsEntry("a", "a@11");
        assertThat(cache.getAll(List.of("a"), 10, loads)).containsEntry("a", "a@10");
    }

    @Test
    void everythingChangedForgetsEveryValue() {
        CheckpointCache<String> cache = new CheckpointCache<>(1000);
        Loads loads = new Loads();
        cache.getAll(List.of("a", "b"), 5, loads);
        cache.advance(6, List.of(), true);
        assertThat(cache.getAll(List.of("a", "b"), 6, loads)).containsEntry("a", "a@6").containsEntry("b", "b@6");
        assertThat(loads.calls.get()).isEqualTo(2);
    }

    @Test
    void streamsAtDifferentCheckpointsWaitForOneLoadWhenTheirKeyDidNotChangeBetween() throws Exception {
        CheckpointCache<String> cache = new CheckpointCache<>(1000);
        cache.advance(100, List.of("a"), false);
        CountDownLatch started = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        AtomicInteger calls = new AtomicInteger();
        CheckpointCache.Loader<String> slow = (keys, checkpoint) -> {
            calls.incrementAndGet();
            started.countDown();
            release.await(10, TimeUnit.SECONDS);
            return Map.of("a", "a@" + checkpoint);
        };
        List<Thread> streams = new ArrayList<>();
        List<String> seen = java.util.Collections.synchronizedList(new ArrayList<>());
        streams.add(Thread.ofVirtual().start(() -> seen.add(cache.getAll(List.of("a"), 100, slow).get("a"))));
        assertThat(started.await(10, TimeUnit.SECONDS)).isTrue();
        for (long checkpoint = 101; checkpoint <= 150; checkpoint++) {
            cache.advance(checkpoint, List.of("other"), false);
            long at = checkpoint;
            streams.add(Thread.ofVirtual().start(() -> seen.add(cache.getAll(List.of("a"), at, slow).get("a"))));
        }
        Thread.sleep(200);
        release.countDown();
        for (Thread stream : streams) {
            stream.join(10_000);
        }
        assertThat(calls.get()).isOne();
        assertThat(seen).hasSize(51).containsOnly("a@100");
    }

    @Test
    void aChunkReadAtOneCheckpointServesStreamsAtLaterOnesUntilItsBucketChanges() {
        CheckpointCache<String> checksums = new CheckpointCache<>(1000);
        ChunkCache chunks = new ChunkCache(1 << 20, checksums.marks());
        AtomicInteger loads = new AtomicInteger();
        checksums.advance(10, List.of("b"), false);
        for (long checkpoint = 10; checkpoint <= 20; checkpoint++) {
            if (checkpoint > 10) {
                checksums.advance(checkpoint, List.of("other"), false);
            }
            Optional<BucketReader.Read> read = chunks.read(1, "b", 0, checkpoint, () -> {
                loads.incrementAndGet();
                return chunk(10);
            });
            assertThat(read.orElseThrow().chunk().nextAfter()).isEqualTo(10);
        }
        assertThat(loads.get()).isOne();
        checksums.advance(21, List.of("b"), false);
        Optional<BucketReader.Read> read = chunks.read(1, "b", 0, 21, () -> {
            loads.incrementAndGet();
            return chunk(21);
        });
        assertThat(read.orElseThrow().chunk().nextAfter()).isEqualTo(21);
        assertThat(loads.get()).isEqualTo(2);
        assertThat(chunks.size()).isOne();
    }

    private static Optional<BucketReader.Read> chunk(long lastOp) {
        String data = "{\"id\":\"t1\"}";
        OplogEntry op = OplogEntry.put(lastOp, "todos", "t1", "s1", 7, data);
        return Optional.of(new BucketReader.Read(new DataChunk("b", 0, lastOp, false, List.of(op)), 0));
    }
}
