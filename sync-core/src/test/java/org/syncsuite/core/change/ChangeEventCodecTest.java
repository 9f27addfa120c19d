package org.syncsuite.core.change;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import org.junit.jupiter.api.Test;
import org.syncsuite.core.SqliteValue;
import org.syncsuite.core.SyncException;

class ChangeEventCodecTest {

    private static final ChangeRecord.Source SOURCE = new ChangeRecord.Source("mariadb", "default", "app", "todos",
            Optional.of("0-1-15"), "binlog.000001", 1234, 0, 1, 1_795_000_000_000L, false);

    private static Map<String, SqliteValue> row(Object... pairs) {
        Map<String, SqliteValue> row = new LinkedHashMap<>();
        for (int i = 0; i < pairs.length; i += 2) {
            row.put((String) pairs[i], (SqliteValue) pairs[i + 1]);
        }
        return row;
    }

    @Test
    void updateRoundTripsWithEveryValueType() {
        Map<String, SqliteValue> before = row("id", SqliteValue.of("t1"), "n", SqliteValue.of(Long.MAX_VALUE),
                "r", SqliteValue.of(1.0), "b", SqliteValue.ofBlob(new byte[] {0, (byte) 255}), "none", SqliteValue.NULL);
        Map<String, SqliteValue> after = row("id", SqliteValue.of("t1"), "n", SqliteValue.of(-3L),
                "r", SqliteValue.of(2.5e-9), "b", SqliteValue.ofBlob(new byte[] {1}), "none", SqliteValue.of("x"));
        ChangeRecord.RowChange change = new ChangeRecord.RowChange(ChangeRecord.Op.UPDATE, "app", "todos",
                row("id", SqliteValue.of("t1")), Optional.of(before), Optional.of(after), SOURCE, 1_795_000_000_123L);

        String key = new String(ChangeEventCodec.key(change), StandardCharsets.UTF_8);
        String value = new String(ChangeEventCodec.value(change), StandardCharsets.UTF_8);
        assertThat(key).isEqualTo("{\"db\":\"app\",\"table\":\"todos\",\"key\":{\"id\":\"t1\"}}");
        assertThat(value).startsWith("{\"op\":\"u\",\"before\":{\"id\":\"t1\",\"n\":9223372036854775807,\"r\":1.0,\"b\":\"AP8=\",\"none\":null}")
                .contains("\"source\":{\"connector\":\"mariadb\",\"name\":\"default\",\"db\":\"app\",\"table\":\"todos\","
                        + "\"gtid\":\"0-1-15\",\"file\":\"binlog.000001\",\"pos\":1234,\"row\":0,\"server_id\":1,"
                        + "\"ts_ms\":1795000000000,\"snapshot\":\"false\"}")
                .endsWith("\"ts_ms\":1795000000123,\"binary\":[\"b\"]}");

        ChangeRecord decoded = ChangeEventCodec.decode(ChangeEventCodec.key(change), ChangeEventCodec.value(change));
        assertThat(decoded).isEqualTo(change);
    }

    @Test
    void keysAreDeterministicForCompaction() {
        ChangeRecord.RowChange insert = new ChangeRecord.RowChange(ChangeRecord.Op.CREATE, "app", "pairs",
                row("a", SqliteValue.of(1L), "b", SqliteValue.of("x")), Optional.empty(),
                Optional.of(row("a", SqliteValue.of(1L), "b", SqliteValue.of("x"))), SOURCE, 1);
        ChangeRecord.Tombstone tombstone = new ChangeRecord.Tombstone("app", "pairs",
                row("a", SqliteValue.of(1L), "b", SqliteValue.of("x")));
        assertThat(ChangeEventCodec.key(tombstone)).isEqualTo(ChangeEventCodec.key(insert));
        assertThat(ChangeEventCodec.value(tombstone)).isNull();
        assertThat(ChangeEventCodec.decode(ChangeEventCodec.key(tombstone), null)).isEqualTo(tombstone);
    }

    @Test
    void positionSchemaAndTruncateRecords() {
        ChangeRecord.PositionMarker marker = new ChangeRecord.PositionMarker("default",
                new SourcePosition("0-1-15,1-2-3", "binlog.000002", 4, 1, 2), 99);
        assertThat(new String(ChangeEventCodec.key(marker), StandardCharsets.UTF_8)).isEqualTo("{\"position\":\"default\"}");
        assertThat(ChangeEventCodec.decode(ChangeEventCodec.key(marker), ChangeEventCodec.value(marker))).isEqualTo(marker);

        ChangeRecord.PositionMarker snapshotting = new ChangeRecord.PositionMarker("default",
                SourcePosition.at("0-1-15", "binlog.000002", 4), Optional.of(new SnapshotProgress(List.of("a", "b"),
                Optional.of("c"), Optional.of(row("id", SqliteValue.of(42L))), false)), 100);
        assertThat(ChangeEventCodec.decode(ChangeEventCodec.key(snapshotting), ChangeEventCodec.value(snapshotting)))
                .isEqualTo(snapshotting);
        assertThat(new String(ChangeEventCodec.value(snapshotting), StandardCharsets.UTF_8))
                .contains("\"snapshot\":{\"done\":[\"a\",\"b\"],\"table\":\"c\",\"after\":{\"id\":42},\"complete\":false}");

        // A snapshot continued after a crash keeps where it stood and the new read view's position.
        SnapshotProgress restarted = snapshotting.snapshot().orElseThrow().restartedAt(SourcePosition.at("0-1-20", "binlog.000002", 900))
                .restartedAt(SourcePosition.at("0-1-25", "binlog.000003", 4));
        ChangeRecord.PositionMarker continued = new ChangeRecord.PositionMarker("default",
                SourcePosition.at("0-1-15", "binlog.000002", 4), Optional.of(restarted), 101);
        assertThat(ChangeEventCodec.decode(ChangeEventCodec.key(continued), ChangeEventCodec.value(continued))).isEqualTo(continued);
        assertThat(restarted.restarts()).hasSize(2);
        // A BINARY key stays bytes, so the snapshot continues after the right row.
        ChangeRecord.PositionMarker binaryKey = new ChangeRecord.PositionMarker("default", SourcePosition.at("", "binlog.000002", 4),
                Optional.of(new SnapshotProgress(List.of(), Optional.of("c"), Optional.of(row("id", SqliteValue.ofBlob(new byte[] {0, -1}))),
                        false).restartedAt(SourcePosition.at("", "binlog.000002", 90))), 102);
        assertThat(ChangeEventCodec.decode(ChangeEventCodec.key(binaryKey), ChangeEventCodec.value(binaryKey))).isEqualTo(binaryKey);
        assertThat(new String(ChangeEventCodec.value(continued), StandardCharsets.UTF_8)).contains("\"restarts\":[{\"view\":"
                + "{\"gtids\":\"0-1-20\",\"file\":\"binlog.000002\",\"pos\":900},\"done\":[\"a\",\"b\"],\"table\":\"c\","
                + "\"after\":{\"id\":42}},{\"view\":");

        ChangeRecord.SchemaChange schema = new ChangeRecord.SchemaChange("app", "todos", List.of("id", "title"),
                List.of("id"), Optional.of("ALTER TABLE todos ADD title TEXT"), 5);
        assertThat(ChangeEventCodec.decode(ChangeEventCodec.key(schema), ChangeEventCodec.value(schema))).isEqualTo(schema);

        ChangeRecord.Truncate truncate = new ChangeRecord.Truncate("app", "todos", true, 6);
        assertThat(new String(ChangeEventCodec.key(truncate), StandardCharsets.UTF_8)).isEqualTo("{\"truncate\":\"app.todos\"}");
        assertThat(ChangeEventCodec.decode(ChangeEventCodec.key(truncate), ChangeEventCodec.value(truncate))).isEqualTo(truncate);
    }

    @Test
    void malformedRecordsAreTypedErrors() {
        byte[] key = "{\"db\":\"app\",\"table\":\"t\",\"key\":{\"id\":1}}".getBytes(StandardCharsets.UTF_8);
        assertThatThrownBy(() -> ChangeEventCodec.decode(key, "{\"op\":\"z\"}".getBytes(StandardCharsets.UTF_8)))
                .isInstanceOf(SyncException.class).hasMessageContaining("unknown op");
        assertThatThrownBy(() -> ChangeEventCodec.decode("nope".getBytes(StandardCharsets.UTF_8), null))
                .isInstanceOf(SyncException.class).hasMessageContaining("not JSON");
        assertThatThrownBy(() -> ChangeEventCodec.decode("{\"position\":\"x\"}".getBytes(StandardCharsets.UTF_8), null))
                .isInstanceOf(SyncException.class).hasMessageContaining("tombstone");
    }

    @Test
    void rowTableIsReadFromTheKeyAlone() {
        Map<String, SqliteValue> key = row("id", SqliteValue.of("t\"1"));
        for (String table : List.of("todos", "we\"ird\\name", "caf\u00e9", "tab\tle")) {
            for (String db : List.of("app", "d\"b")) {
                byte[] rowKey = ChangeEventCodec.key(new ChangeRecord.Tombstone(db, table, key));
                assertThat(ChangeEventCodec.rowTable(rowKey)).as(new String(rowKey, StandardCharsets.UTF_8)).isEqualTo(table);
                assertThat(ChangeEventCodec.decode(rowKey, null)).isEqualTo(new ChangeRecord.Tombstone(db, table, key));
            }
        }
        // Fields in another order are read as JSON.
        assertThat(ChangeEventCodec.rowTable("{\"table\":\"t\",\"db\":\"app\",\"key\":{\"id\":1}}"
                .getBytes(StandardCharsets.UTF_8))).isEqualTo("t");
        // Keys of other records, and keys that are not a row's.
        ChangeRecord.PositionMarker marker = new ChangeRecord.PositionMarker("default",
                SourcePosition.at("0-1-1", "binlog.000001", 4), Optional.empty(), 1);
        assertThat(ChangeEventCodec.rowTable(ChangeEventCodec.key(marker))).isNull();
        assertThat(ChangeEventCodec.rowTable(ChangeEventCodec.key(new ChangeRecord.Truncate("app", "todos", false, 1)))).isNull();
        for (String other : List.of("", "{", "not json", "{\"db\":\"app\"", "{\"db\":\"app\",\"table\":\"t",
                "{\"db\":\"app\",\"table\":\"t\"}", "{\"db\":\"app\",\"table\":\"t\",\"key\":7}",
                "{\"schema\":\"app.t\"}", "{\"position\":\"default\"}",
                "{\"db\":\"app\",\"table\":7,\"key\":{}}", "{\"db\":\"a\\\"\",\"table\":\"t\"}")) {
            assertThat(ChangeEventCodec.rowTable(other.getBytes(StandardCharsets.UTF_8))).as(other).isNull();
        }
        assertThat(ChangeEventCodec.rowTable(null)).isNull();
    }

    @Test
    void theSourceKeyIsTheRecordKeysKeyObjectEvenWhenNamesLookLikeIt() {
        byte[] key = ChangeEventCodec.key(new ChangeRecord.Tombstone("app", "todos", row("id", SqliteValue.of("t1"))));
        assertThat(text(ChangeEventCodec.rowSourceKey(key))).isEqualTo("{\"id\":\"t1\"}");
        byte[] tricky = ChangeEventCodec.key(new ChangeRecord.Tombstone("app", "odd,\"key\":{x", row("id", SqliteValue.of("k"))));
        assertThat(text(ChangeEventCodec.rowSourceKey(tricky))).isEqualTo("{\"id\":\"k\"}");
    }

    private static String text(java.nio.ByteBuffer bytes) {
        return StandardCharsets.UTF_8.decode(bytes.duplicate()).toString();
    }
}
