package org.syncsuite.core.logging;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class LogFormatTest {

    @Test
    void jsonIsChosenByThePropertyOrElseTheEnvironment() {
        assertThat(LogFormat.json(null, null)).isFalse();
        assertThat(LogFormat.json(null, "json")).isTrue();
        assertThat(LogFormat.json(null, " JSON ")).isTrue();
        assertThat(LogFormat.json(null, "text")).isFalse();
        assertThat(LogFormat.json("json", null)).isTrue();
        assertThat(LogFormat.json("text", "json")).as("the property wins").isFalse();
        assertThat(LogFormat.json("", "json")).as("an empty property is no choice").isTrue();
    }

    @Test
    void theConsoleFormatterFollowsTheSetting() {
        String before = System.getProperty(LogFormat.PROPERTY);
        try {
            System.setProperty(LogFormat.PROPERTY, "json");
            ConsoleFormatter json = new ConsoleFormatter();
            assertThat(json.isJson()).isTrue();
            assertThat(json.format(new java.util.logging.LogRecord(java.util.logging.Level.INFO, "hi"))).startsWith("{\"time\":");

            System.setProperty(LogFormat.PROPERTY, "text");
            ConsoleFormatter text = new ConsoleFormatter();
            assertThat(text.isJson()).isFalse();
            assertThat(text.format(new java.util.logging.LogRecord(java.util.logging.Level.INFO, "hi"))).doesNotStartWith("{").contains("hi");
        } finally {
            if (before == null) {
                System.clearProperty(LogFormat.PROPERTY);
            } else {
                System.setProperty(LogFormat.PROPERTY, before);
            }
        }
    }
}
