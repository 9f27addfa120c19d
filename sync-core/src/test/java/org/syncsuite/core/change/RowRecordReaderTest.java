package org.syncsuite.core.change;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.Random;

import org.junit.jupiter.api.Test;
import org.syncsuite.core.SqliteValue;
import org.syncsuite.core.SyncException;

class RowRecordReaderTest {

    @Test
    void rowChangesAndTombstonesReadInOnePassAsTheGeneralReaderReadsThem() {
        Random random = new Random(7);
        for (int i = 0; i < 2_000; i++) {
            ChangeRecord.Op op = ChangeRecord.Op.values()[random.nextInt(ChangeRecord.Op.values().length)];
            Map<String, SqliteValue> key = columns(random, 1 + random.nextInt(2));
            ChangeRecord.RowChange change = new ChangeRecord.RowChange(op, "app" + random.nextInt(3), "t\"é" + random.nextInt(3), key,
                    random.nextBoolean() ? Optional.empty() : Optional.of(withKey(key, columns(random, random.nextInt(6)))),
                    Optional.of(withKey(key, columns(random, random.nextInt(6)))),
                    new ChangeRecord.Source("mariadb", "default", "app", "t", random.nextBoolean() ? Optional.empty()
                            : Optional.of("0-1-" + i), "binlog.00000" + random.nextInt(9), random.nextLong() >>> 1,
                            random.nextInt(100), random.nextInt(1000), random.nextLong() >>> 20, random.nextBoolean()),
                    random.nextLong() >>> 20);
            byte[] k = ChangeEventCodec.key(change);
            byte[] v = ChangeEventCodec.value(change);
            assertThat(RowRecordReader.read(k, v)).as("record %d", i).isEqualTo(change);
            assertThat(ChangeEventCodec.decodeGenerally(k, v)).isEqualTo(change);
            ChangeRecord.Tombstone tombstone = new ChangeRecord.Tombstone(change.database(), change.table(), key);
            // A tombstone's key has no binary list: a blob in it reads as its base64 text, both ways.
            assertThat(RowRecordReader.read(ChangeEventCodec.key(tombstone), null)).isNotNull()
                    .isEqualTo(ChangeEventCodec.decodeGenerally(ChangeEventCodec.key(tombstone), null));
        }
    }

    @Test
    void fieldsInAnyOrderAndFieldsItDoesNotKnowReadAlike() {
        byte[] key = bytes("{\"table\":\"todos\",\"extra\":{\"a\":[1,{\"b\":2}]},\"key\":{\"id\":\"AAE=\"},\"db\":\"app\"}");
        byte[] value = bytes("{\"binary\":[\"id\",\"b\",\"n\"],\"ts_ms\":5,\"source\":{\"snapshot\":true,\"ts_ms\":4,"
                + "\"server_id\":1,\"row\":2,\"pos\":3,\"file\":\"f\",\"gtid\":null,\"table\":\"todos\",\"db\":\"app\","
                + "\"name\":\"default\",\"connector\":\"mysql\",\"more\":[1]},\"after\":{\"id\":\"AAE=\",\"b\":\"/w==\",\"n\":7,"
                + "\"big\":123456789012345678901234567890,\"r\":1e3,\"t\":true,\"f\":false,\"x\":null},\"before\":null,"
                + "\"transaction\":{\"id\":\"x\"},\"op\":\"c\"}");
        ChangeRecord read = RowRecordReader.read(key, value);
        assertThat(read).isNotNull().isEqualTo(ChangeEventCodec.decodeGenerally(key, value));
        ChangeRecord.RowChange row = (ChangeRecord.RowChange) read;
        assertThat(row.key().get("id")).isEqualTo(SqliteValue.ofBlob(new byte[] {0, 1}));
        Map<String, SqliteValue> after = row.after().orElseThrow();
        assertThat(after.keySet()).containsExactly("id", "b", "n", "big", "r", "t", "f", "x");
        assertThat(after.get("b")).isEqualTo(SqliteValue.ofBlob(new byte[] {-1}));
        assertThat(after.get("n")).as("a number named binary stays a number").isEqualTo(SqliteValue.of(7L));
        assertThat(after.get("big")).isEqualTo(SqliteValue.of(1.2345678901234568e29));
        assertThat(row.source().snapshot()).isTrue();
        assertThat(row.source().gtid()).isEmpty();
    }

    @Test
    void recordsItDoesNotTakeAreLeftToTheGeneralReader() {
        byte[] key = bytes("{\"db\":\"app\",\"table\":\"t\",\"key\":{\"id\":1}}");
        String source = "\"source\":{\"connector\":\"mysql\",\"name\":\"n\",\"db\":\"app\",\"table\":\"t\",\"file\":\"f\"}";
        // Valid, in shapes only the general reader takes: a float and a text number.
        for (String value : new String[] {"{\"op\":\"c\",\"after\":{\"id\":1}," + source + ",\"ts_ms\":1.5}",
                "{\"op\":\"c\",\"after\":{\"id\":1}," + source.replace("\"file\":\"f\"", "\"file\":\"f\",\"pos\":\"12\"") + "}"}) {
            assertThat(RowRecordReader.read(key, bytes(value))).isNull();
            assertThat(ChangeEventCodec.decode(key, bytes(value))).isEqualTo(ChangeEventCodec.decodeGenerally(key, bytes(value)));
        }
        // Malformed: the general reader names the error.
        assertThat(RowRecordReader.read(key, bytes("{\"op\":\"c\",\"after\":{\"id\":{\"a\":1}}," + source + "}"))).isNull();
        assertThatThrownBy(() -> ChangeEventCodec.decode(key, bytes("{\"op\":\"c\",\"after\":{\"id\":{\"a\":1}}," + source + "}")))
                .isInstanceOf(SyncException.class).hasMessageContaining("nested value");
        assertThatThrownBy(() -> ChangeEventCodec.decode(key, bytes("{\"op\":\"c\",\"after\":{\"id\":1}}")))
                .isInstanceOf(SyncException.class).hasMessageContaining("connector");
        assertThatThrownBy(() -> ChangeEventCodec.decode(key, bytes("{\"op\":\"c\",\"after\":{\"id\":1}," + source)))
                .isInstanceOf(SyncException.class).hasMessageContaining("not JSON");
        // Other kinds of record.
        ChangeRecord.Truncate truncate = new ChangeRecord.Truncate("app", "t", false, 3);
        assertThat(RowRecordReader.read(ChangeEventCodec.key(truncate), ChangeEventCodec.value(truncate))).isNull();
        assertThat(ChangeEventCodec.decode(ChangeEventCodec.key(truncate), ChangeEventCodec.value(truncate))).isEqualTo(truncate);
    }

    private static Map<String, SqliteValue> columns(Random random, int count) {
        Map<String, SqliteValue> columns = new LinkedHashMap<>();
        for (int i = 0; i < count; i++) {
            int type = random.nextInt(6);
            String name = "c" + i + "_" + type + (random.nextInt(5) == 0 ? "\"ü\\" : ""); // a name has one type
            columns.put(name, switch (type) {
                case 0 -> SqliteValue.NULL;
                case 1 -> SqliteValue.of(random.nextLong());
                case 2 -> SqliteValue.of(random.nextDouble() * 1e6);
                case 3 -> SqliteValue.of("text \u0000\n\"\\ 😀 " + random.nextInt());
                case 4 -> {
                    byte[] blob = new byte[random.nextInt(8)];
                    random.nextBytes(blob);
                    yield SqliteValue.ofBlob(blob);
                }
                default -> SqliteValue.of("");
            });
        }
        return columns;
    }

    /** A row's columns as the replicator writes them: its key columns among them. */
    private static Map<String, SqliteValue> withKey(Map<String, SqliteValue> key, Map<String, SqliteValue> columns) {
        Map<String, SqliteValue> row = new LinkedHashMap<>(key);
        columns.forEach(row::putIfAbsent);
        return row;
    }

    private static byte[] bytes(String text) {
        return text.getBytes(StandardCharsets.UTF_8);
    }
}
