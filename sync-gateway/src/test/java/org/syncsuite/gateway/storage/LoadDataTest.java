package org.syncsuite.gateway.storage;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Random;

import org.junit.jupiter.api.Test;

/** The bytes of load rows, against the format written out plainly (every value's UTF-8 bytes, then escaped). */
class LoadDataTest {

    private static byte[] expectedField(String text) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (byte b : text.getBytes(StandardCharsets.UTF_8)) {
            switch (b) {
                case '\\' -> out.writeBytes(new byte[] {'\\', '\\'});
                case '\t' -> out.writeBytes(new byte[] {'\\', 't'});
                case '\n' -> out.writeBytes(new byte[] {'\\', 'n'});
                case '\r' -> out.writeBytes(new byte[] {'\\', 'r'});
                case 0 -> out.writeBytes(new byte[] {'\\', '0'});
                default -> out.write(b);
            }
        }
        return out.toByteArray();
    }

    @Test
    void textFieldsAreTheirEscapedUtf8Bytes() {
        List<String> texts = new java.util.ArrayList<>(List.of("", "plain", "tab\there", "a\\b\nc\rd\0e", "\\N", "caf\u00e9 \\ \t",
                "\u00e9\t\u00e9", "emoji \uD83D\uDE00\tend", "lone \uD800 surrogate\n", "\uDC00", "\u0080", "\u007f\u0000"));
        Random random = new Random(5);
        char[] alphabet = {'a', 'Z', '0', '\\', '\t', '\n', '\r', '\0', '"', '\'', '\u00e9', '\u20ac', '\uD83D', '\uDE00', '\u007f'};
        for (int i = 0; i < 2_000; i++) {
            char[] chars = new char[random.nextInt(40)];
            for (int j = 0; j < chars.length; j++) {
                chars[j] = alphabet[random.nextInt(alphabet.length)];
            }
            texts.add(new String(chars));
        }
        LoadData rows = new LoadData(16); // small: the buffer grows as it goes
        ByteArrayOutputStream expected = new ByteArrayOutputStream();
        for (String text : texts) {
            rows.text(text).text(null).endRow();
            expected.writeBytes(expectedField(text));
            expected.writeBytes("\t\\N\n".getBytes(StandardCharsets.US_ASCII));
        }
        assertThat(rows.toByteArray()).isEqualTo(expected.toByteArray());
        assertThat(rows.rows()).isEqualTo(texts.size());
    }

    @Test
    void numberFieldsAreTheirDecimalDigits() {
        List<Long> numbers = new java.util.ArrayList<>(List.of(0L, 1L, 9L, 10L, 99L, 100L, -1L, -10L, 999_999_999_999_999_999L,
                1_000_000_000_000_000_000L, Long.MAX_VALUE, Long.MIN_VALUE, Long.MIN_VALUE + 1, 4_294_967_295L));
        Random random = new Random(9);
        for (int i = 0; i < 2_000; i++) {
            numbers.add(random.nextLong() >> random.nextInt(64));
        }
        LoadData rows = new LoadData(8);
        StringBuilder expected = new StringBuilder();
        for (long n : numbers) {
            rows.number(n).number(-n).endRow();
            expected.append(n).append('\t').append(-n).append('\n');
        }
        assertThat(new String(rows.toByteArray(), StandardCharsets.US_ASCII)).isEqualTo(expected.toString());
    }
}
