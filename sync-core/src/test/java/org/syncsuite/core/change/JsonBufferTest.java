package org.syncsuite.core.change;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.util.Base64;

import com.fasterxml.jackson.databind.ObjectMapper;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import org.junit.jupiter.api.Test;
import org.syncsuite.core.JsonWriter;
import org.syncsuite.core.SqliteValue;

class JsonBufferTest {

    private static final ObjectMapper JSON = new ObjectMapper();

    /** The bytes the StringBuilder path gives: JsonWriter's escapes, then UTF-8. */
    private static byte[] reference(String value) {
        StringBuilder out = new StringBuilder();
        JsonWriter.appendString(out, value);
        return out.toString().getBytes(StandardCharsets.UTF_8);
    }

    @Test
    void stringsAreEscapedAsJsonWriterEscapesThem() {
        for (String value : new String[] {"", "plain", "a\"b\\c\n\r\t\b\f\u0001\u001f\u007f/", "é", "ü€", "😀", "a😀b",
                "\ud800", "x\udc00y", "\udbff\udfff", "\ud83d", "😀\ud83d", "\u0000", "line\u2028sep", "\uffff\ufffe"}) {
            assertThat(new JsonBuffer(4).string(value).toByteArray()).as(value).isEqualTo(reference(value));
        }
        assertThat(new JsonBuffer().string(null).toByteArray()).isEqualTo("null".getBytes(StandardCharsets.UTF_8));
    }

    @Property(tries = 2000)
    void anyStringIsWrittenAsTheStringBuilderPathWritesIt(@ForAll("strings") String value) throws Exception {
        byte[] written = new JsonBuffer(1).string(value).toByteArray();
        assertThat(written).isEqualTo(reference(value));
        if (!hasLoneSurrogate(value)) {
            assertThat(JSON.readTree(written).asText()).isEqualTo(value);
        }
    }

    @Provide
    Arbitrary<String> strings() {
        return Arbitraries.oneOf(
                Arbitraries.strings().all().ofMaxLength(40),
                Arbitraries.strings().withChars("a\"\\\n\u0001é€😀\ud800\udc00").ofMaxLength(20),
                Arbitraries.strings().ascii().ofMaxLength(60));
    }

    private static boolean hasLoneSurrogate(String value) {
        for (int i = 0; i < value.length(); i++) {
            char c = value.charAt(i);
            if (Character.isHighSurrogate(c) && i + 1 < value.length() && Character.isLowSurrogate(value.charAt(i + 1))) {
                i++;
            } else if (Character.isSurrogate(c)) {
                return true;
            }
        }
        return false;
    }

    @Property(tries = 2000)
    void integersAreExact(@ForAll long value) {
        assertThat(new String(new JsonBuffer(1).number(value).toByteArray(), StandardCharsets.US_ASCII))
                .isEqualTo(Long.toString(value));
    }

    @Test
    void integerEdges() {
        for (long value : new long[] {0, 1, -1, 9, 10, 99, 100, Long.MAX_VALUE, Long.MIN_VALUE, Long.MIN_VALUE + 1,
                999_999_999_999_999_999L, 1_000_000_000_000_000_000L, -1_000_000_000_000_000_000L}) {
            assertThat(new String(new JsonBuffer(1).number(value).toByteArray(), StandardCharsets.US_ASCII))
                    .isEqualTo(Long.toString(value));
        }
    }

    @Test
    void realsKeepAFractionAndNonFiniteOnesAreNull() {
        assertThat(text(new JsonBuffer().real(1.0))).isEqualTo("1.0");
        assertThat(text(new JsonBuffer().real(-0.0))).isEqualTo("-0.0");
        assertThat(text(new JsonBuffer().real(2.5e-9))).isEqualTo("2.5E-9");
        assertThat(text(new JsonBuffer().real(1e300))).isEqualTo("1.0E300");
        assertThat(text(new JsonBuffer().real(Double.MIN_VALUE))).isEqualTo("4.9E-324");
        assertThat(text(new JsonBuffer().real(Double.NaN))).isEqualTo("null");
        assertThat(text(new JsonBuffer().real(Double.POSITIVE_INFINITY))).isEqualTo("null");
        assertThat(text(new JsonBuffer().real(Double.NEGATIVE_INFINITY))).isEqualTo("null");
    }

    @Test
    void asciiTextIsCopiedAndAnythingElseIsLeftToTheStringPath() {
        JsonBuffer out = new JsonBuffer(2);
        byte[] text = "xHello, world!y".getBytes(StandardCharsets.UTF_8);
        assertThat(out.asciiString(text, 1, text.length - 1)).isTrue();
        assertThat(text(out)).isEqualTo("\"Hello, world!\"");
        for (String refused : new String[] {"quote\"", "back\\slash", "tab\t", "é", "\u007f\u0000"}) {
            JsonBuffer other = new JsonBuffer();
            byte[] bytes = refused.getBytes(StandardCharsets.UTF_8);
            boolean copied = other.asciiString(bytes, 0, bytes.length);
            if (refused.equals("\u007f\u0000")) {
                assertThat(copied).isFalse();
            } else {
                assertThat(copied).as(refused).isFalse();
            }
            assertThat(other.size()).isZero();
        }
        JsonBuffer del = new JsonBuffer();
        assertThat(del.asciiString(new byte[] {0x7f}, 0, 1)).isTrue(); // DEL needs no escape in JSON.stringify
        assertThat(del.toByteArray()).isEqualTo(reference("\u007f"));
    }

    @Test
    void sqliteValuesAndBlobs() {
        JsonBuffer out = new JsonBuffer(1);
        assertThat(out.value(SqliteValue.NULL)).isFalse();
        out.raw(',');
        assertThat(out.value(SqliteValue.of(42L))).isFalse();
        out.raw(',');
        assertThat(out.value(SqliteValue.of(0.5))).isFalse();
        out.raw(',');
        assertThat(out.value(SqliteValue.of("t"))).isFalse();
        out.raw(',');
        assertThat(out.value(SqliteValue.ofBlob(new byte[] {0, (byte) 255, 7}))).isTrue();
        out.raw(',');
        assertThat(out.value(SqliteValue.ofBlob(new byte[0]))).isTrue();
        assertThat(text(out)).isEqualTo("null,42,0.5,\"t\",\"" + Base64.getEncoder().encodeToString(new byte[] {0, (byte) 255, 7})
                + "\",\"\"");
    }

    @Test
    void growsFromATinyBuffer() {
        JsonBuffer out = new JsonBuffer(1);
        String long_ = "é".repeat(5000) + "x".repeat(5000);
        out.string(long_);
        assertThat(out.toByteArray()).isEqualTo(reference(long_));
        assertThat(out.reset().size()).isZero();
    }

    private static String text(JsonBuffer out) {
        return new String(out.toByteArray(), StandardCharsets.UTF_8);
    }
}
