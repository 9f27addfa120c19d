package org.syncsuite.core.change;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import org.junit.jupiter.api.Test;
import org.syncsuite.core.SqliteValue;

/**
 * The byte-level encoders against the reference: {@link ChangeEventCodec} must give exactly the
 * bytes of the StringBuilder encoding it replaced ({@link LegacyChangeEventCodec}), and
 * {@link RowEnvelopeEncoder} exactly the bytes of {@link ChangeEventCodec} for the same change,
 * for every value kind: null, integers, reals (special values included), text with escapes and
 * any Unicode, and blobs.
 */
class ChangeEncodingEquivalenceTest {

    // ------------------------------------------------------------------ generators

    @Provide
    Arbitrary<SqliteValue> values() {
        return Arbitraries.oneOf(
                Arbitraries.just(SqliteValue.NULL),
                Arbitraries.longs().map(SqliteValue::of),
                Arbitraries.of(0L, -1L, Long.MAX_VALUE, Long.MIN_VALUE).map(SqliteValue::of),
                Arbitraries.doubles().map(SqliteValue::of),
                Arbitraries.of(Double.NaN, Double.POSITIVE_INFINITY, Double.NEGATIVE_INFINITY, -0.0, 0.0, 1.0,
                        Double.MIN_VALUE, Double.MAX_VALUE, 1e21, 2.5e-9).map(SqliteValue::of),
                Arbitraries.strings().all().ofMaxLength(30).map(SqliteValue::of),
                Arbitraries.strings().withChars("ab\"\\\n\t\u0000\u001fé€😀\ud800\udc00/").ofMaxLength(12).map(SqliteValue::of),
                Arbitraries.bytes().array(byte[].class).ofMaxSize(20).map(SqliteValue::ofBlob));
    }

    private Arbitrary<String> names() {
        return Arbitraries.oneOf(Arbitraries.of("id", "title", "done", "photo", "weight"),
                Arbitraries.strings().withChars("ab\"é😀_ ").ofMinLength(1).ofMaxLength(6));
    }

    private Arbitrary<Map<String, SqliteValue>> rows() {
        return Combinators.combine(names().list().ofMaxSize(6).uniqueElements(), values().list().ofSize(6))
                .as((names, values) -> {
                    Map<String, SqliteValue> row = new LinkedHashMap<>();
                    for (int i = 0; i < names.size(); i++) {
                        row.put(names.get(i), values.get(i));
                    }
                    return row;
                });
    }

    @Provide
    Arbitrary<ChangeRecord.Source> sources() {
        return Combinators.combine(Arbitraries.of("mysql", "mariadb"), Arbitraries.strings().all().ofMaxLength(8),
                        Arbitraries.strings().ofMaxLength(8).injectNull(0.2).map(Optional::ofNullable),
                        Arbitraries.longs(), Arbitraries.integers().greaterOrEqual(0), Arbitraries.longs(),
                        Arbitraries.of(true, false))
                .as((connector, text, gtid, number, row, ts, snapshot) -> new ChangeRecord.Source(connector, text, "db" + text,
                        "t\"" + text, gtid, "binlog.000" + row % 7, Math.abs(number % 1_000_000_000L), row, Math.abs(ts % 100_000),
                        ts, snapshot));
    }

    @Provide
    Arbitrary<ChangeRecord> records() {
        Arbitrary<ChangeRecord> rowChanges = Combinators.combine(Arbitraries.of(ChangeRecord.Op.class), rows(), rows(), rows(),
                        sources(), Arbitraries.longs())
                .as((op, key, before, after, source, ts) -> new ChangeRecord.RowChange(op, source.database(), source.table(), key,
                        op == ChangeRecord.Op.CREATE || op == ChangeRecord.Op.READ ? Optional.empty() : Optional.of(before),
                        op == ChangeRecord.Op.DELETE ? Optional.empty() : Optional.of(after), source, ts));
        Arbitrary<ChangeRecord> tombstones = Combinators.combine(Arbitraries.strings().all().ofMaxLength(5), rows())
                .as((table, key) -> new ChangeRecord.Tombstone("app", table, key));
        Arbitrary<SourcePosition> positions = Combinators.combine(Arbitraries.strings().ofMaxLength(20),
                        Arbitraries.strings().all().ofMaxLength(10), Arbitraries.longs().greaterOrEqual(0),
                        Arbitraries.longs().between(0, 5), Arbitraries.longs().between(0, 5))
                .as(SourcePosition::new);
        Arbitrary<Optional<SnapshotProgress>> progress = Combinators.combine(Arbitraries.strings().all().ofMaxLength(4).list().ofMaxSize(3),
                        // Keys without BLOBs: a BLOB key's columns are now listed in "after_binary" (ChangeEventCodecTest).
                        Arbitraries.strings().ofMaxLength(4).injectNull(0.3),
                        rows().filter(r -> r.values().stream().noneMatch(SqliteValue.Blob.class::isInstance)).injectNull(0.3),
                        Arbitraries.of(true, false))
                .as((done, table, key, complete) -> Optional.of(new SnapshotProgress(done, Optional.ofNullable(table),
                        Optional.ofNullable(key), complete)));
        Arbitrary<ChangeRecord> markers = Combinators.combine(Arbitraries.strings().all().ofMaxLength(6), positions,
                        Arbitraries.oneOf(Arbitraries.just(Optional.<SnapshotProgress>empty()), progress), Arbitraries.longs())
                .as(ChangeRecord.PositionMarker::new);
        Arbitrary<ChangeRecord> schemas = Combinators.combine(Arbitraries.strings().all().ofMaxLength(6),
                        names().list().ofMaxSize(4), names().list().ofMaxSize(2),
                        Arbitraries.strings().all().ofMaxLength(30).injectNull(0.3), Arbitraries.longs())
                .as((table, columns, key, ddl, ts) -> new ChangeRecord.SchemaChange("app", table, columns, key,
                        Optional.ofNullable(ddl), ts));
        Arbitrary<ChangeRecord> truncates = Combinators.combine(Arbitraries.strings().all().ofMaxLength(6), Arbitraries.of(true, false),
                Arbitraries.longs()).as((table, dropped, ts) -> new ChangeRecord.Truncate("app", table, dropped, ts));
        return Arbitraries.oneOf(rowChanges, tombstones, markers, schemas, truncates);
    }

    // ------------------------------------------------------------------ ChangeEventCodec vs the reference

    @Property(tries = 3000)
    void theCodecWritesTheBytesOfTheStringBuilderEncoding(@ForAll("records") ChangeRecord record) {
        assertThat(ChangeEventCodec.key(record)).isEqualTo(LegacyChangeEventCodec.key(record));
        assertThat(ChangeEventCodec.value(record)).isEqualTo(LegacyChangeEventCodec.value(record));
    }

    @Test
    void theDocumentedExampleIsUnchanged() {
        Map<String, SqliteValue> before = new LinkedHashMap<>();
        before.put("id", SqliteValue.of("t1"));
        before.put("title", SqliteValue.of("Buy milk"));
        before.put("done", SqliteValue.of(0L));
        before.put("weight", SqliteValue.of(1.5));
        before.put("photo", SqliteValue.ofBlob(new byte[] {0, (byte) 255}));
        Map<String, SqliteValue> after = new LinkedHashMap<>(before);
        after.put("done", SqliteValue.of(1L));
        ChangeRecord.RowChange change = new ChangeRecord.RowChange(ChangeRecord.Op.UPDATE, "app", "todos",
                Map.of("id", SqliteValue.of("t1")), Optional.of(before), Optional.of(after),
                new ChangeRecord.Source("mariadb", "default", "app", "todos", Optional.of("0-1-15"), "binlog.000001", 1234, 0, 1,
                        1_795_000_000_000L, false), 1_795_000_000_123L);
        assertThat(new String(ChangeEventCodec.value(change), java.nio.charset.StandardCharsets.UTF_8)).isEqualTo(
                "{\"op\":\"u\",\"before\":{\"id\":\"t1\",\"title\":\"Buy milk\",\"done\":0,\"weight\":1.5,\"photo\":\"AP8=\"},"
                        + "\"after\":{\"id\":\"t1\",\"title\":\"Buy milk\",\"done\":1,\"weight\":1.5,\"photo\":\"AP8=\"},"
                        + "\"source\":{\"connector\":\"mariadb\",\"name\":\"default\",\"db\":\"app\",\"table\":\"todos\",\"gtid\":\"0-1-15\","
                        + "\"file\":\"binlog.000001\",\"pos\":1234,\"row\":0,\"server_id\":1,\"ts_ms\":1795000000000,\"snapshot\":\"false\"},"
                        + "\"ts_ms\":1795000000123,\"binary\":[\"photo\"]}");
    }

    // ------------------------------------------------------------------ RowEnvelopeEncoder vs ChangeEventCodec

    /** A row image backed by SQLite values by column position; null where the image leaves a column out. */
    private record Image(SqliteValue[] values) implements RowEnvelopeEncoder.RowImage {
        @Override
        public boolean has(int column) {
            return values[column] != null;
        }

        @Override
        public boolean write(int column, JsonBuffer out) {
            return out.value(values[column]);
        }

        Map<String, SqliteValue> asMap(List<String> columns) {
            Map<String, SqliteValue> row = new LinkedHashMap<>();
            for (int i = 0; i < columns.size(); i++) {
                if (values[i] != null) {
                    row.put(columns.get(i), values[i]);
                }
            }
            return row;
        }
    }

    record Table(List<String> columns, List<String> key, SqliteValue[] before, SqliteValue[] after) {
    }

    @Provide
    Arbitrary<Table> tables() {
        return names().list().ofMinSize(1).ofMaxSize(6).uniqueElements().flatMap(columns -> {
            Arbitrary<List<String>> key = Arbitraries.of(columns).list().ofMinSize(1).ofMaxSize(columns.size()).uniqueElements();
            Arbitrary<SqliteValue[]> image = values().injectNull(0.1).array(SqliteValue[].class).ofSize(columns.size());
            // Keys of few distinct values, so that before and after images often share a key.
            Arbitrary<SqliteValue[]> smallImage = Arbitraries.of(SqliteValue.NULL, SqliteValue.of(1L), SqliteValue.of("a"),
                    SqliteValue.ofBlob(new byte[] {1})).injectNull(0.1).array(SqliteValue[].class).ofSize(columns.size());
            return Combinators.combine(key, Arbitraries.oneOf(image, smallImage), Arbitraries.oneOf(image, smallImage))
                    .as((k, before, after) -> new Table(columns, k, before, after));
        });
    }

    @Property(tries = 3000)
    void theRowEncoderWritesTheBytesOfTheCodec(@ForAll("tables") Table table, @ForAll("sources") ChangeRecord.Source source,
                                               @ForAll ChangeRecord.Op op, @ForAll long timestamp) {
        RowEnvelopeEncoder encoder = new RowEnvelopeEncoder(source.connector(), source.connection(), source.database(),
                source.table(), table.columns(), table.key(), source.serverId(), source.snapshot());
        encoder.source(source.gtid(), source.file(), source.offset(), source.timestampMillis());
        Image before = op == ChangeRecord.Op.CREATE || op == ChangeRecord.Op.READ ? null : new Image(table.before());
        Image after = op == ChangeRecord.Op.DELETE ? null : new Image(table.after());

        byte[] value = encoder.encode(op, before, after, source.row(), timestamp);
        byte[] key = encoder.key();

        Map<String, SqliteValue> keyed = (after != null ? after : before).asMap(table.columns());
        ChangeRecord.RowChange expected = new ChangeRecord.RowChange(op, source.database(), source.table(),
                keyOf(table.key(), keyed), Optional.ofNullable(before).map(i -> i.asMap(table.columns())),
                Optional.ofNullable(after).map(i -> i.asMap(table.columns())), source, timestamp);
        assertThat(value).isEqualTo(ChangeEventCodec.value(expected));
        assertThat(key).isEqualTo(ChangeEventCodec.key(expected));
        // A changed key is a different Kafka key: compared as encoded, where NULL and a left-out column are alike.
        boolean keyChanged = before != null && after != null && !java.util.Arrays.equals(
                ChangeEventCodec.key(new ChangeRecord.Tombstone(source.database(), source.table(),
                        keyOf(table.key(), before.asMap(table.columns())))),
                ChangeEventCodec.key(new ChangeRecord.Tombstone(source.database(), source.table(),
                        keyOf(table.key(), after.asMap(table.columns())))));
        assertThat(encoder.keyChanged()).isEqualTo(keyChanged);
    }

    private static Map<String, SqliteValue> keyOf(List<String> keyColumns, Map<String, SqliteValue> row) {
        Map<String, SqliteValue> key = new LinkedHashMap<>();
        for (String column : keyColumns) {
            key.put(column, row.getOrDefault(column, SqliteValue.NULL));
        }
        return key;
    }

    @Test
    void oneEncoderServesManyRowsAndEvents() {
        List<String> columns = List.of("id", "photo", "note");
        RowEnvelopeEncoder encoder = new RowEnvelopeEncoder("mysql", "default", "app", "todos", columns, List.of("id"), 7, false);
        List<byte[]> values = new ArrayList<>();
        for (int event = 0; event < 3; event++) {
            encoder.source(Optional.of("0-1-" + event), "binlog.000001", 100 + event, 1000 + event);
            for (int row = 0; row < 3; row++) {
                SqliteValue[] image = {SqliteValue.of(event * 10L + row),
                        row == 1 ? SqliteValue.ofBlob(new byte[] {(byte) row}) : SqliteValue.NULL, SqliteValue.of("n" + row)};
                values.add(encoder.encode(ChangeRecord.Op.CREATE, null, new Image(image), row, 5));
                ChangeRecord.RowChange expected = new ChangeRecord.RowChange(ChangeRecord.Op.CREATE, "app", "todos",
                        Map.of("id", image[0]), Optional.empty(), Optional.of(new Image(image).asMap(columns)),
                        new ChangeRecord.Source("mysql", "default", "app", "todos", Optional.of("0-1-" + event), "binlog.000001",
                                100 + event, row, 7, 1000 + event, false), 5);
                assertThat(values.getLast()).isEqualTo(ChangeEventCodec.value(expected));
                assertThat(encoder.key()).isEqualTo(ChangeEventCodec.key(expected));
            }
        }
    }
}
