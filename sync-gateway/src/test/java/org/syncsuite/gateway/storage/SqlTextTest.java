package org.syncsuite.gateway.storage;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.util.List;

import org.junit.jupiter.api.Test;

class SqlTextTest {

    private static final List<String> TEXTS = List.of("", "plain", "it's", "back\\slash", "\"quoted\"", "line\nfeed\r\n",
            "nul\u0000sub\u001a", "é", "☃ snow", "😀 emoji", "mixed 'é' \\ \"😀\" \u0000 end", "x".repeat(10_000) + "'");

    @Test
    void aStringLiteralSaysHowManyBytesItWrote() {
        for (String text : TEXTS) {
            StringBuilder sql = new StringBuilder("head ");
            long bytes = SqlText.string(sql, text);
            assertThat(bytes).as(text).isEqualTo(utf8(sql.substring(5)));
            assertThat(bytes).as("as stringBytes counts it").isEqualTo(SqlText.stringBytes(text));
        }
    }

    @Test
    void aBinaryLiteralIsTheSameEscapingAfterItsIntroducer() {
        for (String text : TEXTS) {
            StringBuilder binary = new StringBuilder();
            StringBuilder string = new StringBuilder();
            long bytes = SqlText.binary(binary, text);
            SqlText.string(string, text);
            assertThat(binary.toString()).isEqualTo("_binary" + string);
            assertThat(bytes).as(text).isEqualTo(utf8(binary.toString()));
        }
        StringBuilder sql = new StringBuilder();
        assertThat(SqlText.binary(sql, null)).isEqualTo(4);
        assertThat(SqlText.string(sql, null)).isEqualTo(4);
        assertThat(sql.toString()).isEqualTo("NULLNULL");
    }

    @Test
    void escapesWhatAQuotedLiteralCannotHoldAsItIs() {
        StringBuilder sql = new StringBuilder();
        SqlText.string(sql, "a'b\\c\"d\ne\rf\u0000g\u001ah");
        assertThat(sql.toString()).isEqualTo("'a\\'b\\\\c\\\"d\\ne\\rf\\0g\\Zh'");
    }

    private static long utf8(String text) {
        return text.getBytes(StandardCharsets.UTF_8).length;
    }
}
