package org.syncsuite.core;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class JsonWriterTest {

    @ParameterizedTest(name = "{0} -> {1}")
    @CsvSource(delimiter = '|', value = {
        "1.0|1",
        "-0.0|0",
        "0.5|0.5",
        "123.456|123.456",
        "1e20|100000000000000000000",
        "1e21|1e+21",
        "1.5e300|1.5e+300",
        "0.000001|0.000001",
        "0.0000001|1e-7",
        "-2.5e-8|-2.5e-8",
        "0.1|0.1",
        "12345.67|12345.67",
        "9007199254740993|9007199254740992",
        "1234567890123456789|1234567890123456800",
        "3.141592653589793|3.141592653589793",
    })
    void numbersAreWrittenAsJavaScriptWritesThem(double value, String expected) {
        assertThat(JsonWriter.formatNumber(value)).isEqualTo(expected);
    }

    @Test
    void nonFiniteNumbersBecomeNull() {
        assertThat(JsonWriter.formatNumber(Double.NaN)).isEqualTo("null");
        assertThat(JsonWriter.formatNumber(Double.POSITIVE_INFINITY)).isEqualTo("null");
    }

    @Test
    void stringsAreEscapedAsJsonStringifyDoes() {
        StringBuilder out = new StringBuilder();
        JsonWriter.appendString(out, "a\"b\\c\n\t\u0001\u001f/é😀\ud800x");
        assertThat(out).hasToString("\"a\\\"b\\\\c\\n\\t\\u0001\\u001f/é😀\\ud800x\"");
    }

    @Test
    void objectsArraysAndSqliteValues() {
        String json = new JsonWriter().beginObject()
                .name("id").value(SqliteValue.of("t1"))
                .name("big").value(SqliteValue.of(9_223_372_036_854_775_807L))
                .name("real").value(SqliteValue.of(2.0))
                .name("none").value(SqliteValue.NULL)
                .name("list").beginArray().value(1).value("x").endArray()
                .endObject().toString();
        assertThat(json).isEqualTo("{\"id\":\"t1\",\"big\":9223372036854775807,\"real\":2,\"none\":null,\"list\":[1,\"x\"]}");
    }

    @Test
    void bucketIdsUseTheCompactJsonArray() {
        assertThat(BucketId.of(-1, "global", List.of())).isEqualTo("global[]");
        assertThat(BucketId.of(1, "by_user", List.of(SqliteValue.of("u1")))).isEqualTo("1#by_user[\"u1\"]");
        assertThat(BucketId.of(7, "recent_orders|0", List.of(SqliteValue.of("eu"), SqliteValue.of("u1"))))
                .isEqualTo("7#recent_orders|0[\"eu\",\"u1\"]");
        assertThat(BucketId.of(-1, "by_num", List.of(SqliteValue.of(42.0))))
                .isEqualTo(BucketId.of(-1, "by_num", List.of(SqliteValue.of(42L))))
                .isEqualTo("by_num[42]");
    }
}
