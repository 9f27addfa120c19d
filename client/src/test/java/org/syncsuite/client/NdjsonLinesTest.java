package org.syncsuite.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import org.junit.jupiter.api.Test;
import org.syncsuite.core.protocol.DataChunk;
import org.syncsuite.core.protocol.OplogEntry;

class NdjsonLinesTest {

    private static final ObjectMapper JSON = new ObjectMapper();

    private static NdjsonLines lines(String text) throws IOException {
        return new NdjsonLines(JSON, new ByteArrayInputStream(text.getBytes(StandardCharsets.UTF_8)));
    }

    @Test
    void dataLinesBecomeChunksWhateverTheOrderOfTheirFieldsAndOtherLinesTrees() throws IOException {
        NdjsonLines lines = lines("""
                {"checkpoint":{"last_op_id":"4","buckets":[]}}

                {"data":{"data":[{"op_id":"1","op":"PUT","object_type":"todos","object_id":"t1","subkey":"s1","checksum":7,\
                "data":"{\\"id\\":\\"t1\\",\\"title\\":\\"Milk ü\\"}"},\
                {"checksum":"4294967295","op":"PUT","op_id":2,"object_id":"t2","object_type":"todos","data":{"id":"t2","n":1},\
                "subkey":null,"extra":{"ignored":[1,2]}},\
                {"op_id":"3","op":"REMOVE","object_type":"todos","object_id":"t1","subkey":"s1","checksum":-5},\
                {"op_id":"4","op":"MOVE","checksum":9},{"op_id":"5","op":"CLEAR","checksum":1}],\
                "has_more":true,"bucket":"b[]","after":"0","next_after":"5"}}
                {"checkpoint_complete":{"last_op_id":"5"}}
                """);
        Object first = lines.next();
        assertThat(first).isInstanceOf(JsonNode.class);
        assertThat(((JsonNode) first).path("checkpoint").path("last_op_id").asText()).isEqualTo("4");
        DataChunk chunk = (DataChunk) lines.next();
        assertThat(chunk.bucket()).isEqualTo("b[]");
        assertThat(chunk.after()).isZero();
        assertThat(chunk.hasMore()).isTrue();
        assertThat(chunk.data()).containsExactly(
                OplogEntry.put(1, "todos", "t1", "s1", 7, "{\"id\":\"t1\",\"title\":\"Milk ü\"}"),
                OplogEntry.put(2, "todos", "t2", "null", 4294967295L, "{\"id\":\"t2\",\"n\":1}"),
                OplogEntry.remove(3, "todos", "t1", "s1", -5),
                OplogEntry.move(4, 9),
                OplogEntry.clear(5, 1));
        assertThat(((JsonNode) lines.next()).has("checkpoint_complete")).isTrue();
        assertThat(lines.next()).isNull();
    }

    @Test
    void brokenLinesFailWithAClearError() throws IOException {
        assertThatThrownBy(() -> lines("{\"data\":{\"data\":[{\"op\":\"PUT\"}],\"bucket\":\"b\"}}\n").next())
                .isInstanceOf(IOException.class).hasMessageContaining("op_id");
        assertThatThrownBy(() -> lines("{\"data\":{\"data\":[{\"op_id\":\"1\",\"op\":\"PUT\",\"object_type\":\"t\","
                + "\"object_id\":\"1\",\"checksum\":1}],\"bucket\":\"b\"}}\n").next())
                .isInstanceOf(IOException.class).hasMessageContaining("without its data");
        assertThatThrownBy(() -> lines("{\"data\":{\"data\":[]}}\n").next())
                .isInstanceOf(IOException.class).hasMessageContaining("bucket");
        assertThatThrownBy(() -> lines("{\"data\":{\"bucket\":\"b\",\"data\":[]}}\n").next())
                .isInstanceOf(IOException.class).hasMessageContaining("without ops");
        assertThatThrownBy(() -> lines("{\"data\":{\"data\":[{\"op_id\":\"1\",\"op\":\"EXPLODE\",\"checksum\":1}],\"bucket\":\"b\"}}\n")
                .next()).isInstanceOf(IOException.class).hasMessageContaining("Unknown op EXPLODE");
        assertThatThrownBy(() -> lines("{\"data\":{\"bucket\":{\"a\":1},\"data\":[]}}\n").next())
                .isInstanceOf(IOException.class).hasMessageContaining("bucket is not a single value");
        assertThatThrownBy(() -> lines("{\"data\":{\"bucket\":\"b\",\"data\":[7]}}\n").next())
                .isInstanceOf(IOException.class).hasMessageContaining("not an object");
        assertThatThrownBy(() -> lines("{\"checkpoint\": {\n").next()).isInstanceOf(IOException.class);
        NdjsonLines truncated = lines("{\"token_expires_in\":60}\n{\"data\":{\"bucket\":\"b\",\"data\":[{\"op_id\":\"1\"");
        assertThat(((JsonNode) truncated.next()).path("token_expires_in").asInt()).isEqualTo(60);
        assertThatThrownBy(truncated::next).isInstanceOf(IOException.class);
    }

    @Test
    void linesThatAreNotObjectsAreEmptyAndFieldsBesideDataAreSkipped() throws IOException {
        NdjsonLines lines = lines("[1, 2]\nnull\n{\"x\":1,\"data\":{\"bucket\":\"b\",\"has_more\":\"true\",\"data\":"
                + "[{\"op_id\":3,\"op\":\"MOVE\",\"checksum\":null}]},\"y\":[2]}\n");
        assertThat(lines.next()).isEqualTo(JSON.createObjectNode());
        assertThat(lines.next()).isEqualTo(JSON.createObjectNode());
        DataChunk chunk = (DataChunk) lines.next();
        assertThat(chunk.hasMore()).isTrue();
        assertThat(chunk.data()).containsExactly(OplogEntry.move(3, 0));
        assertThat(lines.next()).isNull();
    }
}
