package org.syncsuite.core.protocol;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.OptionalInt;
import java.util.OptionalLong;

import org.junit.jupiter.api.Test;
import org.syncsuite.core.Checksums;

/** Each line as the reference shows it (§1.4), byte for byte. */
class SyncLinesTest {

    @Test
    void checkpoint() {
        Checkpoint line = new Checkpoint(4, OptionalLong.of(7),
                List.of(new BucketChecksum("1#mybucket[]", 499012468, 4, 3, List.of(new InclusionReason.Default(0)))),
                List.of(new StreamDescription("mybucket", true, List.of())));
        assertThat(line.toJson()).isEqualTo("{\"checkpoint\":{\"last_op_id\":\"4\",\"write_checkpoint\":\"7\","
                + "\"buckets\":[{\"bucket\":\"1#mybucket[]\",\"checksum\":499012468,\"count\":4,\"priority\":3,"
                + "\"subscriptions\":[{\"default\":0}]}],"
                + "\"streams\":[{\"name\":\"mybucket\",\"is_default\":true,\"errors\":[]}]}}");
    }

    @Test
    void checkpointWithoutWriteCheckpointAndWithStreamErrors() {
        Checkpoint line = new Checkpoint(12, OptionalLong.empty(), List.of(),
                List.of(new StreamDescription("todos", false, List.of(
                        new StreamDescription.StreamError(OptionalInt.of(2), "list_id is required"),
                        new StreamDescription.StreamError(OptionalInt.empty(), "bad claim")))));
        assertThat(line.toJson()).isEqualTo("{\"checkpoint\":{\"last_op_id\":\"12\",\"buckets\":[],"
                + "\"streams\":[{\"name\":\"todos\",\"is_default\":false,\"errors\":["
                + "{\"subscription\":2,\"message\":\"list_id is required\"},"
                + "{\"subscription\":\"default\",\"message\":\"bad claim\"}]}]}}");
    }

    @Test
    void checksumsAreSentSignedInBucketsAndUnsignedInOps() {
        long unsigned = 4201080675L;
        BucketChecksum bucket = new BucketChecksum("b", unsigned, 2, 3, List.of(new InclusionReason.Subscription(0)));
        assertThat(new CheckpointDiff(9, OptionalLong.of(8), List.of(bucket), List.of("1#old_bucket[\"x\"]")).toJson())
                .isEqualTo("{\"checkpoint_diff\":{\"last_op_id\":\"9\",\"write_checkpoint\":\"8\","
                        + "\"updated_buckets\":[{\"bucket\":\"b\",\"checksum\":-93886621,\"count\":2,\"priority\":3,"
                        + "\"subscriptions\":[{\"sub\":0}]}],\"removed_buckets\":[\"1#old_bucket[\\\"x\\\"]\"]}}");
    }

    @Test
    void dataChunkWithRawAndNestedRows() {
        String row = "{\"id\":\"a\",\"description\":\"Test 1\"}";
        long checksum = Checksums.put("test", "a", row);
        DataChunk chunk = new DataChunk("1#todos|0[\"a\"]", 0, 1, false, List.of(
                OplogEntry.put(1, "test", "a", "02d285ac-4f96-5124-8fba-c6d1df992dd1", checksum, row)));
        String expectedStart = "{\"data\":{\"bucket\":\"1#todos|0[\\\"a\\\"]\",\"after\":\"0\",\"next_after\":\"1\","
                + "\"has_more\":false,\"data\":[{\"op_id\":\"1\",\"op\":\"PUT\",\"object_type\":\"test\","
                + "\"object_id\":\"a\",\"subkey\":\"02d285ac-4f96-5124-8fba-c6d1df992dd1\",\"checksum\":" + checksum + ",";
        assertThat(chunk.toJson()).isEqualTo(expectedStart
                + "\"data\":\"{\\\"id\\\":\\\"a\\\",\\\"description\\\":\\\"Test 1\\\"}\"}]}}");
        assertThat(chunk.toJson(new WireOptions(false))).isEqualTo(expectedStart + "\"data\":" + row + "}]}}");
    }

    @Test
    void removeMoveAndClearOps() {
        DataChunk chunk = new DataChunk("b", 4, 7, true, List.of(
                OplogEntry.remove(5, "todos", "t2", "sk", 2300717169L),
                OplogEntry.move(6, 17),
                OplogEntry.clear(7, -1585026367)));
        assertThat(chunk.toJson()).contains(
                "{\"op_id\":\"5\",\"op\":\"REMOVE\",\"object_type\":\"todos\",\"object_id\":\"t2\",\"subkey\":\"sk\",\"checksum\":2300717169}",
                "{\"op_id\":\"6\",\"op\":\"MOVE\",\"checksum\":17}",
                "{\"op_id\":\"7\",\"op\":\"CLEAR\",\"checksum\":-1585026367}",
                "\"has_more\":true");
    }

    @Test
    void completionAndKeepaliveLines() {
        assertThat(new CheckpointComplete(4).toJson()).isEqualTo("{\"checkpoint_complete\":{\"last_op_id\":\"4\"}}");
        assertThat(new PartialCheckpointComplete(4, 0).toJson())
                .isEqualTo("{\"partial_checkpoint_complete\":{\"last_op_id\":\"4\",\"priority\":0}}");
        assertThat(new TokenExpiresIn(1734).toJson()).isEqualTo("{\"token_expires_in\":1734}");
        assertThat(new TokenExpiresIn(-5).toJson()).isEqualTo("{\"token_expires_in\":0}");
        assertThat(new CheckpointComplete(Long.MAX_VALUE).toJson()).contains("\"9223372036854775807\"");
    }
}
