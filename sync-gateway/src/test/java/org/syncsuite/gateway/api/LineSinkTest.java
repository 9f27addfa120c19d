package org.syncsuite.gateway.api;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.syncsuite.core.protocol.CheckpointComplete;
import org.syncsuite.core.protocol.DataChunk;
import org.syncsuite.core.protocol.OplogEntry;
import org.syncsuite.core.protocol.WireOptions;

/** What a stream's line encoder keeps between lines: ten thousand idle streams must not each hold their largest line. */
class LineSinkTest {

    private static DataChunk largeChunk() {
        String data = "{\"id\":\"t1\",\"body\":\"" + "x".repeat(50_000) + "\"}";
        return new DataChunk("b", 0, 1, false, List.of(OplogEntry.put(1, "notes", "t1", "s", 7, data)));
    }

    @Test
    void afterALargeLineAnNdjsonSinkKeepsOnlyASmallBuffer() throws Exception {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        LineSink sink = LineSink.of(LineSink.NDJSON, out, WireOptions.DEFAULT);
        long large = sink.write(largeChunk());
        sink.write(new CheckpointComplete(1));
        assertThat(large).isGreaterThan(50_000);
        assertThat(sink.retainedBuffer()).isLessThanOrEqualTo(4096);
        String[] lines = out.toString(StandardCharsets.UTF_8).split("\n");
        assertThat(lines).hasSize(2);
        assertThat(lines[0]).contains("x".repeat(50_000));
        assertThat(lines[1]).isEqualTo("{\"checkpoint_complete\":{\"last_op_id\":\"1\"}}");
    }

    @Test
    void afterALargeLineABsonSinkKeepsOnlyASmallBuffer() throws Exception {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        LineSink sink = LineSink.of(LineSink.BSON, out, WireOptions.DEFAULT);
        long large = sink.write(largeChunk());
        long small = sink.write(new CheckpointComplete(1));
        assertThat(sink.retainedBuffer()).isLessThanOrEqualTo(4096);
        assertThat(out.size()).isEqualTo(large + small);
    }
}
