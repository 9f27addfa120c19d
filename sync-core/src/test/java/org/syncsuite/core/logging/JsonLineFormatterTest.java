package org.syncsuite.core.logging;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.time.Instant;
import java.util.logging.Level;
import java.util.logging.LogRecord;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import org.junit.jupiter.api.Test;

class JsonLineFormatterTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private final JsonLineFormatter formatter = new JsonLineFormatter();

    @Test
    void aRecordIsOneLineWithEveryField() throws IOException {
        LogRecord record = record(Level.WARNING, "Replication paused");
        record.setInstant(Instant.parse("2024-03-05T07:08:09.123456Z"));

        String line = formatter.format(record);

        assertThat(line).endsWith("}\n").doesNotContain("\r");
        assertThat(line.substring(0, line.length() - 1)).doesNotContain("\n");
        JsonNode json = JSON.readTree(line);
        assertThat(json.get("time").asText()).isEqualTo("2024-03-05T07:08:09.123Z");
        assertThat(json.get("level").asText()).isEqualTo("WARNING");
        assertThat(json.get("logger").asText()).isEqualTo("org.syncsuite.test.Logger");
        assertThat(json.get("thread").asText()).isEqualTo(Thread.currentThread().getName());
        assertThat(json.get("message").asText()).isEqualTo("Replication paused");
        assertThat(json.has("exception")).isFalse();
    }

    @Test
    void parametersAreFilledIn() throws IOException {
        LogRecord record = record(Level.INFO, "Wrote {0} ops to bucket {1}");
        record.setParameters(new Object[]{42, "todos[\"a\"]"});

        assertThat(JSON.readTree(formatter.format(record)).get("message").asText()).isEqualTo("Wrote 42 ops to bucket todos[\"a\"]");
    }

    @Test
    void quotesBackslashesControlCharactersAndUnicodeSurviveTheRoundTrip() throws IOException {
        String nasty = "line one\nline two\r\n\ttab \"quoted\" back\\slash \u0000\u0001\u001f\u007f bell\u0007 "
                + "é ü 日本 😀 \u2028 end";
        String line = formatter.format(record(Level.INFO, nasty));

        assertThat(line.chars().limit(line.length() - 1)).as("printable ASCII only, one line")
                .allMatch(c -> c >= 0x20 && c < 0x7f);
        assertThat(line).contains("\\n", "\\r", "\\t", "\\\"", "\\\\", "\\u0000", "\\u001f", "\\u00e9", "\\u65e5");
        assertThat(JSON.readTree(line).get("message").asText()).isEqualTo(nasty);
    }

    @Test
    void anExceptionCarriesItsClassMessageAndStackTrace() throws IOException {
        LogRecord record = record(Level.SEVERE, "The work queue failed");
        IllegalStateException failure = new IllegalStateException("S3 said \"no\"\nat all", new java.io.IOException("refused"));
        record.setThrown(failure);

        String line = formatter.format(record);

        assertThat(line.indexOf('\n')).isEqualTo(line.length() - 1);
        JsonNode exception = JSON.readTree(line).get("exception");
        assertThat(exception.get("class").asText()).isEqualTo("java.lang.IllegalStateException");
        assertThat(exception.get("message").asText()).isEqualTo("S3 said \"no\"\nat all");
        assertThat(exception.get("stack_trace").asText())
                .startsWith("java.lang.IllegalStateException: S3 said \"no\"\nat all")
                .contains("at org.syncsuite.core.logging.JsonLineFormatterTest.anExceptionCarriesItsClassMessageAndStackTrace")
                .contains("Caused by: java.io.IOException: refused");
    }

    @Test
    void anExceptionWithoutMessageHasANullMessage() throws IOException {
        LogRecord record = record(Level.SEVERE, "failed");
        record.setThrown(new NullPointerException());

        JsonNode exception = JSON.readTree(formatter.format(record)).get("exception");
        assertThat(exception.get("class").asText()).isEqualTo("java.lang.NullPointerException");
        assertThat(exception.get("message").isNull()).isTrue();
    }

    @Test
    void aRecordFromAnotherThreadIsNamedByItsId() throws IOException {
        LogRecord record = record(Level.INFO, "handed over");
        record.setLongThreadID(Thread.currentThread().threadId() + 1000);

        assertThat(JSON.readTree(formatter.format(record)).get("thread").asText())
                .isEqualTo("#" + (Thread.currentThread().threadId() + 1000));
    }

    @Test
    void aMissingMessageOrLoggerIsEmptyRatherThanBroken() throws IOException {
        LogRecord record = new LogRecord(Level.FINE, null);

        JsonNode json = JSON.readTree(formatter.format(record));
        assertThat(json.get("message").asText()).isEmpty();
        assertThat(json.get("logger").asText()).isEmpty();
        assertThat(json.get("level").asText()).isEqualTo("FINE");
    }

    private static LogRecord record(Level level, String message) {
        LogRecord record = new LogRecord(level, message);
        record.setLoggerName("org.syncsuite.test.Logger");
        return record;
    }
}
