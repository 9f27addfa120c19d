package org.syncsuite.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.constraints.Size;

/**
 * The BSON of the sync stream: any document tree (nested maps and lists, strings of any code
 * points, longs, doubles with NaN, infinities and -0.0, booleans, nulls, binary) written by
 * {@link BsonWriter} reads back equal through {@link BsonReader} (a lone surrogate, which UTF-8
 * cannot carry, reads back as U+FFFD, as JavaScript writes it); and any bytes given to the reader,
 * random, truncated, corrupted or nested a hundred thousand deep, give a document or an
 * {@link IOException}, never another exception.
 */
class BsonPropertiesTest {

    // ---- round trips

    @Property(tries = 200)
    void anyDocumentReadsBackEqual(@ForAll("documents") Map<String, Object> document) throws IOException {
        ObjectNode read = BsonReader.parse(encode(document));
        assertThat(model(read)).isEqualTo(expected(document));
    }

    @Property(tries = 50)
    void aStreamOfDocumentsReadsBackInOrder(@ForAll("streams") List<Map<String, Object>> documents) throws IOException {
        ByteArrayOutputStream stream = new ByteArrayOutputStream();
        BsonWriter writer = new BsonWriter();
        for (Map<String, Object> document : documents) {
            writeDocument(writer.reset(), document);
            writer.writeTo(stream);
        }
        BsonReader reader = new BsonReader(new ByteArrayInputStream(stream.toByteArray()));
        for (Map<String, Object> document : documents) {
            assertThat(model(reader.next().orElseThrow())).isEqualTo(expected(document));
        }
        assertThat(reader.next()).isEmpty();
    }

    @Property(tries = 200)
    void validStringsAreWrittenAsStandardUtf8(@ForAll("validStrings") String text) {
        byte[] bytes = encode(Map.of("s", text));
        byte[] utf8 = text.getBytes(StandardCharsets.UTF_8);
        // int32 length, type, "s", NUL, int32 string length, the bytes, NUL, NUL
        assertThat(Arrays.copyOfRange(bytes, 11, 11 + utf8.length)).isEqualTo(utf8);
        assertThat(ByteBuffer.wrap(bytes, 7, 4).order(ByteOrder.LITTLE_ENDIAN).getInt()).isEqualTo(utf8.length + 1);
    }

    @Property(tries = 50)
    void aNameHoldingNulIsRefusedByTheWriter(@ForAll("names") String before, @ForAll("names") String after) {
        assertThatThrownBy(() -> new BsonWriter().beginObject().name(before + "\u0000" + after))
                .isInstanceOf(IllegalArgumentException.class);
    }

    @Property(tries = 20)
    void nestingBeyondTheLimitIsRefusedByTheWriter(@ForAll @IntRange(min = BsonWriter.MAX_DEPTH, max = 500) int depth) {
        BsonWriter writer = new BsonWriter().beginObject();
        assertThatThrownBy(() -> {
            for (int i = 1; i <= depth; i++) {
                writer.name("a").beginObject();
            }
        }).isInstanceOf(IllegalStateException.class).hasMessageContaining("nest at most");
    }

    // ---- hostile bytes

    @Property(tries = 300)
    void anyBytesAreADocumentOrAnIOException(@ForAll @Size(max = 300) byte[] bytes) {
        readsOrFailsWithIOException(bytes);
    }

    @Property(tries = 200)
    void bytesWithAPlausibleLengthAreADocumentOrAnIOException(@ForAll @Size(min = 1, max = 200) byte[] body) {
        ByteBuffer bytes = ByteBuffer.allocate(body.length + 5).order(ByteOrder.LITTLE_ENDIAN);
        bytes.putInt(body.length + 5).put(body).put((byte) 0);
        readsOrFailsWithIOException(bytes.array());
    }

    @Property(tries = 200)
    void aTruncatedDocumentIsAnIOException(@ForAll("documents") Map<String, Object> document, @ForAll @IntRange(max = 100_000) int cut) {
        byte[] whole = encode(document);
        byte[] truncated = Arrays.copyOf(whole, cut % whole.length);
        assertThatThrownBy(() -> BsonReader.parse(truncated)).isInstanceOf(IOException.class);
        if (truncated.length > 0) {
            assertThatThrownBy(() -> new BsonReader(new ByteArrayInputStream(truncated)).next()).isInstanceOf(IOException.class);
        }
    }

    @Property(tries = 200)
    void aCorruptedDocumentIsADocumentOrAnIOException(@ForAll("documents") Map<String, Object> document,
                                                       @ForAll @Size(min = 1, max = 4) List<@IntRange(max = 100_000) Integer> at,
                                                       @ForAll @Size(min = 4, max = 4) List<Byte> values) {
        byte[] bytes = encode(document);
        for (int i = 0; i < at.size(); i++) {
            bytes[at.get(i) % bytes.length] = values.get(i);
        }
        readsOrFailsWithIOException(bytes);
    }

    @Property(tries = 10)
    void deeplyNestedBytesAreAnIOExceptionNotAStackOverflow(@ForAll @IntRange(min = BsonWriter.MAX_DEPTH, max = 100_000) int depth,
                                                             @ForAll boolean arrays) {
        byte[] bytes = nested(depth, arrays ? (byte) 0x04 : (byte) 0x03);
        assertThatThrownBy(() -> BsonReader.parse(bytes)).isInstanceOf(IOException.class).hasMessageContaining("nested more than");
    }

    @Property(tries = 5)
    void nestingUpToTheLimitReadsBack(@ForAll @IntRange(min = 1, max = BsonWriter.MAX_DEPTH - 1) int depth) throws IOException {
        JsonNode node = BsonReader.parse(nested(depth, (byte) 0x03));
        for (int i = 0; i < depth; i++) {
            node = node.get("a");
        }
        assertThat(node.isObject()).isTrue();
        assertThat(node.size()).isZero();
    }

    private static void readsOrFailsWithIOException(byte[] bytes) {
        try {
            assertThat(BsonReader.parse(bytes)).isNotNull();
        } catch (IOException expected) {
            assertThat(expected.getMessage()).isNotBlank();
        }
        BsonReader reader = new BsonReader(new ByteArrayInputStream(bytes));
        try {
            for (Optional<ObjectNode> next = reader.next(); next.isPresent(); next = reader.next()) {
                assertThat(next.get()).isNotNull();
            }
        } catch (IOException expected) {
            assertThat(expected.getMessage()).isNotBlank();
        }
    }

    /** {@code depth} documents (or arrays) inside one another under the name "a", as bytes. */
    private static byte[] nested(int depth, byte type) {
        // each level: int32 length, type, "a", NUL, the child, NUL; the innermost child is empty
        int size = 5;
        ByteBuffer out = ByteBuffer.allocate(depth * 8 + 5).order(ByteOrder.LITTLE_ENDIAN);
        int[] lengths = new int[depth + 1];
        lengths[depth] = 5;
        for (int level = depth - 1; level >= 0; level--) {
            size = 4 + 3 + size + 1;
            lengths[level] = size;
        }
        for (int level = 0; level < depth; level++) {
            out.putInt(lengths[level]).put(level == 0 ? (byte) 0x03 : type).put((byte) 'a').put((byte) 0);
        }
        out.putInt(5).put((byte) 0);
        for (int level = 0; level < depth; level++) {
            out.put((byte) 0);
        }
        return Arrays.copyOf(out.array(), out.position());
    }

    // ---- the model: Map, List, String, Long, Double, Boolean, byte[] and null

    private static byte[] encode(Map<String, Object> document) {
        BsonWriter writer = new BsonWriter();
        writeDocument(writer, document);
        return writer.toByteArray();
    }

    private static void writeDocument(BsonWriter writer, Map<String, Object> document) {
        writer.beginObject();
        document.forEach((name, value) -> write(writer.name(name), value));
        writer.endObject();
    }

    @SuppressWarnings("unchecked")
    private static void write(BsonWriter writer, Object value) {
        switch (value) {
            case null -> writer.nullValue();
            case Map<?, ?> map -> writeDocument(writer, (Map<String, Object>) map);
            case List<?> list -> {
                writer.beginArray();
                list.forEach(item -> write(writer, item));
                writer.endArray();
            }
            case String s -> writer.value(s);
            case Long l -> writer.value(l.longValue());
            case Double d -> writer.value(d.doubleValue());
            case Boolean b -> writer.value(b.booleanValue());
            case byte[] bytes -> writer.value(bytes);
            default -> throw new IllegalArgumentException(value.getClass().getName());
        }
    }

    /** What reading back should give: strings as UTF-8 carries them, bytes as a list for equality. */
    private static Object expected(Object value) {
        return switch (value) {
            case null -> null;
            case Map<?, ?> map -> {
                Map<String, Object> out = new LinkedHashMap<>();
                map.forEach((k, v) -> out.put(utf8((String) k), expected(v)));
                yield out;
            }
            case List<?> list -> list.stream().map(BsonPropertiesTest::expected).toList();
            case String s -> utf8(s);
            case byte[] bytes -> bytesOf(bytes);
            default -> value;
        };
    }

    private static Object model(JsonNode node) {
        if (node.isObject()) {
            Map<String, Object> out = new LinkedHashMap<>();
            for (Iterator<Map.Entry<String, JsonNode>> it = node.fields(); it.hasNext(); ) {
                Map.Entry<String, JsonNode> entry = it.next();
                out.put(entry.getKey(), model(entry.getValue()));
            }
            return out;
        }
        if (node.isArray()) {
            List<Object> out = new ArrayList<>();
            node.forEach(item -> out.add(model(item)));
            return out;
        }
        if (node.isNull()) {
            return null;
        }
        if (node.isBinary()) {
            try {
                return bytesOf(node.binaryValue());
            } catch (IOException e) {
                throw new AssertionError(e);
            }
        }
        if (node.isTextual()) {
            return node.textValue();
        }
        if (node.isBoolean()) {
            return node.booleanValue();
        }
        if (node.isIntegralNumber()) {
            return node.longValue();
        }
        return node.doubleValue();
    }

    private static List<Byte> bytesOf(byte[] bytes) {
        List<Byte> out = new ArrayList<>(bytes.length);
        for (byte b : bytes) {
            out.add(b);
        }
        return out;
    }

    /** A string as UTF-8 carries it: every lone surrogate becomes U+FFFD. */
    private static String utf8(String text) {
        StringBuilder out = new StringBuilder(text.length());
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (Character.isHighSurrogate(c) && i + 1 < text.length() && Character.isLowSurrogate(text.charAt(i + 1))) {
                out.append(c).append(text.charAt(++i));
            } else {
                out.append(Character.isSurrogate(c) ? '\uFFFD' : c);
            }
        }
        return out.toString();
    }

    // ---- generators

    @Provide
    Arbitrary<String> validStrings() {
        return Arbitraries.strings().all().ofMaxLength(40).map(BsonPropertiesTest::utf8);
    }

    /** Names: any code points but NUL, and no lone surrogates (two would read back as one name, U+FFFD). */
    @Provide
    Arbitrary<String> names() {
        return Arbitraries.oneOf(Arbitraries.strings().alpha().ofMaxLength(8), validStrings())
                .map(s -> s.replace("\u0000", ""));
    }

    private Arbitrary<Object> scalars() {
        return Arbitraries.oneOf(
                Arbitraries.strings().all().ofMaxLength(30).map(s -> (Object) s),
                Arbitraries.of("", "\uD800", "a\uDC00b", "\uD83D\uDE00", "\u0000", "\uFFFF", "\uD800\uD800\uDC00").map(s -> (Object) s),
                Arbitraries.longs().map(l -> (Object) l),
                Arbitraries.of(0L, -1L, (long) Integer.MAX_VALUE, Integer.MAX_VALUE + 1L, (long) Integer.MIN_VALUE,
                        Integer.MIN_VALUE - 1L, Long.MAX_VALUE, Long.MIN_VALUE).map(l -> (Object) l),
                Arbitraries.doubles().map(d -> (Object) d),
                Arbitraries.of(Double.NaN, Double.POSITIVE_INFINITY, Double.NEGATIVE_INFINITY, -0.0, 0.0, Double.MIN_VALUE,
                        Double.MAX_VALUE, 1.0, Double.longBitsToDouble(0x7ff8000000000001L)).map(d -> (Object) d),
                Arbitraries.of(true, false).map(b -> (Object) b),
                Arbitraries.bytes().array(byte[].class).ofMaxSize(20).map(b -> (Object) b),
                Arbitraries.just((Object) null));
    }

    private Arbitrary<Object> values() {
        return Arbitraries.recursive(this::scalars, inner -> Arbitraries.oneOf(
                scalars(),
                inner.list().ofMaxSize(4).map(list -> (Object) list),
                Arbitraries.maps(names(), inner).ofMaxSize(4).map(map -> (Object) map)), 0, 5);
    }

    @Provide
    Arbitrary<Map<String, Object>> documents() {
        return Arbitraries.maps(names(), values()).ofMaxSize(6);
    }

    @Provide
    Arbitrary<List<Map<String, Object>>> streams() {
        return documents().list().ofMinSize(1).ofMaxSize(4);
    }
}
