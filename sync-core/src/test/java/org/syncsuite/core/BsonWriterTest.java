package org.syncsuite.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.HexFormat;
import java.util.List;
import java.util.OptionalInt;
import java.util.OptionalLong;

import org.junit.jupiter.api.Test;
import org.syncsuite.core.protocol.BucketChecksum;
import org.syncsuite.core.protocol.Checkpoint;
import org.syncsuite.core.protocol.DataChunk;
import org.syncsuite.core.protocol.InclusionReason;
import org.syncsuite.core.protocol.OplogEntry;
import org.syncsuite.core.protocol.StreamDescription;
import org.syncsuite.core.protocol.SyncLine;
import org.syncsuite.core.protocol.WireOptions;

class BsonWriterTest {

    @Test
    void writesTheSpecificationsHelloWorld() {
        BsonWriter bson = new BsonWriter();
        bson.beginObject().name("hello").value("world").endObject();
        assertThat(HexFormat.of().formatHex(bson.toByteArray()))
                .isEqualTo("160000000268656c6c6f0006000000776f726c640000");
    }

    @Test
    void writesSmallIntegersAsInt32AndLargeOnesAsInt64() {
        BsonWriter bson = new BsonWriter();
        bson.beginObject().name("a").value(-5).name("b").value(2582164875L).endObject();
        ByteBuffer buffer = ByteBuffer.wrap(bson.toByteArray()).order(ByteOrder.LITTLE_ENDIAN);
        assertThat(buffer.getInt()).isEqualTo(bson.size());
        assertThat(buffer.get()).isEqualTo((byte) 0x10);
        assertThat(buffer.get()).isEqualTo((byte) 'a');
        assertThat(buffer.get()).isZero();
        assertThat(buffer.getInt()).isEqualTo(-5);
        assertThat(buffer.get()).isEqualTo((byte) 0x12);
        buffer.position(buffer.position() + 2);
        assertThat(buffer.getLong()).isEqualTo(2582164875L);
        assertThat(buffer.get()).isZero();
        assertThat(buffer.hasRemaining()).isFalse();
    }

    @Test
    void syncLinesDecodeToTheSameTreeAsTheirJson() {
        List<SyncLine> lines = List.of(
                new Checkpoint(42, OptionalLong.of(7), List.of(new BucketChecksum("1#todos|0[\"é\"]", 2582164875L, 3, 1,
                        List.of(new InclusionReason.Default(0), new InclusionReason.Subscription(2)))),
                        List.of(new StreamDescription("todos", true, List.of(
                                new StreamDescription.StreamError(OptionalInt.of(2), "bad parameter"))))),
                new DataChunk("1#todos|0[\"é\"]", 0, 42, false, List.of(
                        OplogEntry.put(41, "todos", "t1", "ab/cd", 12, "{\"id\":\"t1\",\"n\":1.5}"),
                        OplogEntry.remove(42, "todos", "t2", "ab/ef", 4294967295L),
                        OplogEntry.clear(40, -3))));
        for (SyncLine line : lines) {
            BsonWriter bson = new BsonWriter();
            line.write(bson, WireOptions.DEFAULT);
            StringBuilder json = new StringBuilder();
            ByteBuffer buffer = ByteBuffer.wrap(bson.toByteArray()).order(ByteOrder.LITTLE_ENDIAN);
            decodeDocument(buffer, json, false);
            assertThat(buffer.hasRemaining()).isFalse();
            assertThat(json.toString()).isEqualTo(line.toJson());
        }
    }

    @Test
    void theReaderReadsWhatTheWriterWrote() throws Exception {
        java.io.ByteArrayOutputStream stream = new java.io.ByteArrayOutputStream();
        List<SyncLine> lines = List.of(new Checkpoint(42, OptionalLong.of(7), List.of(new BucketChecksum("b", 2582164875L, 3, 1,
                List.of(new InclusionReason.Default(0)))), List.of()),
                new DataChunk("b", 0, 42, true, List.of(OplogEntry.put(41, "todos", "t1", "ab", 12, "{\"n\":1.5}"))));
        for (SyncLine line : lines) {
            BsonWriter bson = new BsonWriter();
            line.write(bson, WireOptions.DEFAULT);
            bson.writeTo(stream);
        }
        BsonReader reader = new BsonReader(new java.io.ByteArrayInputStream(stream.toByteArray()));
        com.fasterxml.jackson.databind.ObjectMapper json = new com.fasterxml.jackson.databind.ObjectMapper();
        for (SyncLine line : lines) {
            assertThat(reader.next().orElseThrow()).isEqualTo(json.readTree(line.toJson()));
        }
        assertThat(reader.next()).isEmpty();
        assertThatThrownBy(() -> new BsonReader(new java.io.ByteArrayInputStream(new byte[]{10, 0, 0, 0, 2})).next())
                .isInstanceOf(java.io.IOException.class);
    }

    @Test
    void refusesMisplacedValues() {
        assertThatThrownBy(() -> new BsonWriter().value("x")).isInstanceOf(IllegalStateException.class);
        assertThatThrownBy(() -> new BsonWriter().beginObject().value("x")).isInstanceOf(IllegalStateException.class);
        assertThatThrownBy(() -> new BsonWriter().beginObject().endArray()).isInstanceOf(IllegalStateException.class);
    }

    @Test
    void loneSurrogatesAreWrittenAsReplacementCharactersAsJavaScriptDoes() throws Exception {
        BsonWriter bson = new BsonWriter();
        bson.beginObject().name("s").value("a\uD800b\uD83D\uDE00").endObject();
        // "a", U+FFFD, "b", U+1F600: what Buffer.from(string, 'utf8') gives in Node
        assertThat(HexFormat.of().formatHex(bson.toByteArray())).contains("61efbfbd62f09f9880");
        assertThat(BsonReader.parse(bson.toByteArray()).get("s").asText()).isEqualTo("a\uFFFDb\uD83D\uDE00");
    }

    @Test
    void binaryIsWrittenWithTheGenericSubtypeAndReadBack() throws Exception {
        BsonWriter bson = new BsonWriter();
        bson.beginObject().name("b").value(new byte[]{1, 2, 3}).endObject();
        assertThat(HexFormat.of().formatHex(bson.toByteArray())).isEqualTo("1000000005620003000000000102030" + "0");
        assertThat(BsonReader.parse(bson.toByteArray()).get("b").binaryValue()).containsExactly(1, 2, 3);
    }

    @Test
    void aNameHoldingNulIsRefused() {
        assertThatThrownBy(() -> new BsonWriter().beginObject().name("a\u0000b")).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void resetStartsANewDocument() {
        BsonWriter bson = new BsonWriter();
        bson.beginObject().name("a").value(1).endObject();
        bson.reset().beginObject().name("hello").value("world").endObject();
        assertThat(bson.size()).isEqualTo(22);
    }

    /** A small decoder, back to compact JSON, for what the writer produces. */
    private static void decodeDocument(ByteBuffer in, StringBuilder json, boolean array) {
        int start = in.position();
        int length = in.getInt();
        json.append(array ? '[' : '{');
        boolean first = true;
        while (true) {
            byte type = in.get();
            if (type == 0) {
                break;
            }
            if (!first) {
                json.append(',');
            }
            first = false;
            String name = cstring(in);
            if (!array) {
                JsonWriter.appendString(json, name);
                json.append(':');
            }
            switch (type) {
                case 0x02 -> {
                    int size = in.getInt();
                    byte[] bytes = new byte[size - 1];
                    in.get(bytes);
                    assertThat(in.get()).isZero();
                    JsonWriter.appendString(json, new String(bytes, StandardCharsets.UTF_8));
                }
                case 0x10 -> json.append(in.getInt());
                case 0x12 -> json.append(in.getLong());
                case 0x08 -> json.append(in.get() != 0);
                case 0x0A -> json.append("null");
                case 0x03 -> decodeDocument(in, json, false);
                case 0x04 -> decodeDocument(in, json, true);
                default -> throw new AssertionError("unexpected BSON type " + type);
            }
        }
        json.append(array ? ']' : '}');
        assertThat(in.position() - start).isEqualTo(length);
    }

    private static String cstring(ByteBuffer in) {
        int start = in.position();
        while (in.get() != 0) {
            // scan to the terminator
        }
        byte[] bytes = new byte[in.position() - start - 1];
        in.position(start);
        in.get(bytes);
        in.get();
        return new String(bytes, StandardCharsets.UTF_8);
    }
}
