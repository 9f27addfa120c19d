package org.syncsuite.replicator;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.syncsuite.core.ErrorCode;
import org.syncsuite.core.SqliteValue;
import org.syncsuite.core.SyncException;
import org.syncsuite.core.change.ChangeRecord;
import org.syncsuite.core.mysql.MySqlValueMapper;
import org.syncsuite.core.service.ServiceConfig;
import org.syncsuite.services.EmbeddedKafka;
import org.syncsuite.services.EmbeddedMariaDb;
import org.syncsuite.services.junit.WithBackingServices;

/** Column types, schema changes and fencing, streamed from the embedded MariaDB. */
@WithBackingServices
class StreamingIT {

    private final EmbeddedMariaDb db;
    private final EmbeddedKafka kafka;

    StreamingIT(EmbeddedMariaDb db, EmbeddedKafka kafka) {
        this.db = db;
        this.kafka = kafka;
    }

    @Test
    void everyColumnTypeArrivesWithItsSqliteValue() {
        String database = database();
        db.execute("CREATE TABLE " + database + ".types (id INT PRIMARY KEY, "
                + "ti TINYINT, tiu TINYINT UNSIGNED, si SMALLINT, siu SMALLINT UNSIGNED, mi MEDIUMINT, miu MEDIUMINT UNSIGNED, "
                + "i INT, iu INT UNSIGNED, bi BIGINT, biu BIGINT UNSIGNED, bo BOOLEAN, "
                + "de DECIMAL(12,3), fl FLOAT, do DOUBLE, "
                + "d DATE, t TIME(3), dt DATETIME(6), ts TIMESTAMP(3) NULL, y YEAR, "
                + "c CHAR(3), vc VARCHAR(20), tx TEXT, l1 VARCHAR(10) CHARACTER SET latin1, "
                + "bin BINARY(2), vb VARBINARY(4), bl BLOB, js JSON, en ENUM('small','large'), st SET('a','b','c'), bt BIT(10))");
        Map<String, SqliteValue> expected = Map.ofEntries(
                Map.entry("ti", SqliteValue.of(-128L)), Map.entry("tiu", SqliteValue.of(255L)),
                Map.entry("si", SqliteValue.of(-32768L)), Map.entry("siu", SqliteValue.of(65535L)),
                Map.entry("mi", SqliteValue.of(-8388608L)), Map.entry("miu", SqliteValue.of(16777215L)),
                Map.entry("i", SqliteValue.of(-2147483648L)), Map.entry("iu", SqliteValue.of(4294967295L)),
                Map.entry("bi", SqliteValue.of(Long.MIN_VALUE)), Map.entry("biu", SqliteValue.of("18446744073709551615")),
                Map.entry("bo", SqliteValue.of(1L)), Map.entry("de", SqliteValue.of(123456789.125)),
                Map.entry("fl", SqliteValue.of(0.1)), Map.entry("do", SqliteValue.of(2.5e-300)),
                Map.entry("d", SqliteValue.of("1960-05-01")), Map.entry("t", SqliteValue.of("12:34:56.789")),
                Map.entry("dt", SqliteValue.of("2024-02-29T23:59:59.123Z")), Map.entry("ts", SqliteValue.of("2024-06-30T22:00:00.000Z")),
                Map.entry("y", SqliteValue.of(2023L)), Map.entry("c", SqliteValue.of("abc")), Map.entry("vc", SqliteValue.of("héllo 😀")),
                Map.entry("tx", SqliteValue.of("long text")), Map.entry("l1", SqliteValue.of("café")),
                Map.entry("bin", SqliteValue.ofBlob(new byte[] {1, 2})), Map.entry("vb", SqliteValue.ofBlob(new byte[] {(byte) 0xFF})),
                Map.entry("bl", SqliteValue.ofBlob(new byte[] {0, 0, 7})), Map.entry("js", SqliteValue.of("{\"a\": [1, 2]}")),
                Map.entry("en", SqliteValue.of("large")), Map.entry("st", SqliteValue.of("[\"a\",\"c\"]")),
                Map.entry("bt", SqliteValue.ofBlob(new byte[] {0x02, 0x01})));
        ServiceConfig config = config(database);
        try (Replicator replicator = replicator(config, "types")) {
            replicator.start();
            await().atMost(Duration.ofSeconds(30)).until(replicator::isStreaming);
            db.execute("SET time_zone = '+02:00'", "INSERT INTO " + database + ".types VALUES (1, "
                    + "-128, 255, -32768, 65535, -8388608, 16777215, -2147483648, 4294967295, -9223372036854775808, "
                    + "18446744073709551615, TRUE, 123456789.125, 0.1, 2.5e-300, '1960-05-01', '12:34:56.789', "
                    + "'2024-02-29 23:59:59.123456', '2024-07-01 00:00:00.000', 2023, 'abc', 'héllo 😀', 'long text', 'café', "
                    + "X'0102', X'FF', X'000007', '{\"a\": [1, 2]}', 'large', 'a,c', b'1000000001')");
            await().atMost(Duration.ofSeconds(30)).until(() -> rows(config).size() >= 1);
        }
        ChangeRecord.RowChange insert = (ChangeRecord.RowChange) rows(config).getFirst();
        Map<String, SqliteValue> after = insert.after().orElseThrow();
        expected.forEach((column, value) -> assertThat(after.get(column)).as(column).isEqualTo(value));
    }

    /** Negative TIMEs (which the binlog reader reads without their sign) stream as the snapshot reads them over JDBC. */
    @Test
    void negativeTimesStreamAsTheSnapshotReadsThem() {
        String database = database();
        db.execute("CREATE TABLE " + database + ".times (id INT PRIMARY KEY, t0 TIME, t1 TIME(1), t3 TIME(3), t6 TIME(6))");
        List<String> times = List.of("-12:30:00", "-838:59:59", "838:59:59", "-00:00:01", "00:00:00", "-00:00:00.5",
                "-01:02:03.456789", "12:34:56.789", "-00:00:00.000001", "-100:00:00.999999");
        for (int i = 0; i < times.size(); i++) {
            insertTime(database, i + 1, times.get(i)); // read by the snapshot
        }
        ServiceConfig config = config(database);
        try (Replicator replicator = replicator(config, "times")) {
            replicator.start();
            await().atMost(Duration.ofSeconds(30)).until(replicator::isStreaming);
            for (int i = 0; i < times.size(); i++) {
                insertTime(database, 101 + i, times.get(i)); // streamed from the binlog
            }
            await().atMost(Duration.ofSeconds(30)).until(() -> rows(config).size() >= 2 * times.size());
        }
        Map<Long, Map<String, SqliteValue>> byId = new java.util.HashMap<>();
        for (ChangeRecord record : rows(config)) {
            Map<String, SqliteValue> after = ((ChangeRecord.RowChange) record).after().orElseThrow();
            byId.put(((SqliteValue.Integer) after.get("id")).value(), after);
        }
        for (int i = 0; i < times.size(); i++) {
            Map<String, SqliteValue> snapshot = new java.util.HashMap<>(byId.get(i + 1L));
            Map<String, SqliteValue> streamed = new java.util.HashMap<>(byId.get(101L + i));
            snapshot.remove("id");
            streamed.remove("id");
            assertThat(streamed).as(times.get(i)).isEqualTo(snapshot);
        }
        // The text JDBC gives: a fraction only when it is not zero.
        assertThat(byId.get(101L)).containsEntry("t0", SqliteValue.of("-12:30:00")).containsEntry("t3", SqliteValue.of("-12:30:00"));
        assertThat(byId.get(102L)).containsEntry("t0", SqliteValue.of("-838:59:59"));
        assertThat(byId.get(106L)).containsEntry("t1", SqliteValue.of("-00:00:00.5"));
        assertThat(byId.get(107L)).containsEntry("t6", SqliteValue.of("-01:02:03.456789"));
    }

    /** Two statements of one transaction that change the same row are two changes, in order. */
    @Test
    void aRowChangedTwiceInOneTransactionStreamsTwoChanges() throws Exception {
        String database = database();
        db.execute("CREATE TABLE " + database + ".twice (id INT PRIMARY KEY, a INT, b INT)",
                "INSERT INTO " + database + ".twice VALUES (1, 0, 0)");
        ServiceConfig config = config(database);
        try (Replicator replicator = replicator(config, "twice")) {
            replicator.start();
            await().atMost(Duration.ofSeconds(30)).until(replicator::isStreaming);
            try (java.sql.Connection c = db.rootConnection(database); java.sql.Statement statement = c.createStatement()) {
                c.setAutoCommit(false);
                statement.executeUpdate("UPDATE twice SET a = 1 WHERE id = 1");
                statement.executeUpdate("UPDATE twice SET b = 2 WHERE id = 1");
                c.commit();
            }
            await().atMost(Duration.ofSeconds(30)).until(() -> rows(config).size() == 3);
        }
        List<ChangeRecord.RowChange> changes = rows(config).stream().map(r -> (ChangeRecord.RowChange) r).toList();
        ChangeRecord.RowChange first = changes.get(1);
        ChangeRecord.RowChange second = changes.get(2);
        assertThat(first.after().orElseThrow()).containsEntry("a", SqliteValue.of(1L)).containsEntry("b", SqliteValue.of(0L));
        assertThat(second.before()).isEqualTo(first.after());
        assertThat(second.after().orElseThrow()).containsEntry("b", SqliteValue.of(2L));
        assertThat(second.source().gtid()).isEqualTo(first.source().gtid());
    }

    private void insertTime(String database, int id, String time) {
        db.execute("INSERT INTO " + database + ".times VALUES (" + id + ", '" + time + "', '" + time + "', '" + time + "', '"
                + time + "')");
    }

    @Test
    void schemaChangesMidStreamRefreshColumnsAndTruncateIsRecorded() {
        String database = database();
        db.execute("CREATE TABLE " + database + ".notes (id INT PRIMARY KEY, body TEXT)");
        ServiceConfig config = config(database);
        try (Replicator replicator = replicator(config, "notes")) {
            replicator.start();
            await().atMost(Duration.ofSeconds(30)).until(replicator::isStreaming);
            db.execute("INSERT INTO " + database + ".notes VALUES (1, 'before')");
            db.execute("ALTER TABLE " + database + ".notes ADD COLUMN pinned TINYINT NOT NULL DEFAULT 0 AFTER id");
            db.execute("INSERT INTO " + database + ".notes VALUES (2, 1, 'after')");
            db.execute("ALTER TABLE " + database + ".notes CHANGE body text_body TEXT");
            db.execute("UPDATE " + database + ".notes SET text_body = 'renamed' WHERE id = 2");
            db.execute("TRUNCATE TABLE " + database + ".notes");
            await().atMost(Duration.ofSeconds(30)).until(() -> all(config).stream().anyMatch(r -> r instanceof ChangeRecord.Truncate));
        }
        List<ChangeRecord> records = all(config);
        List<ChangeRecord> changes = records.stream().filter(r -> !(r instanceof ChangeRecord.PositionMarker)).toList();
        assertThat(changes).hasSize(6);
        assertThat(((ChangeRecord.RowChange) changes.get(0)).after().orElseThrow()).containsOnlyKeys("id", "body");
        assertThat(changes.get(1)).isInstanceOfSatisfying(ChangeRecord.SchemaChange.class, schema -> {
            assertThat(schema.columns()).containsExactly("id", "pinned", "body");
            assertThat(schema.ddl()).get().asString().contains("ADD COLUMN pinned");
        });
        assertThat(((ChangeRecord.RowChange) changes.get(2)).after().orElseThrow())
                .containsEntry("pinned", SqliteValue.of(1L)).containsEntry("body", SqliteValue.of("after"));
        assertThat(changes.get(3)).isInstanceOfSatisfying(ChangeRecord.SchemaChange.class,
                schema -> assertThat(schema.columns()).containsExactly("id", "pinned", "text_body"));
        assertThat(((ChangeRecord.RowChange) changes.get(4)).after().orElseThrow()).containsEntry("text_body", SqliteValue.of("renamed"));
        assertThat(changes.get(5)).isInstanceOfSatisfying(ChangeRecord.Truncate.class, t -> assertThat(t.dropped()).isFalse());
    }

    @Test
    void aSecondReplicatorFencesTheFirst() {
        String database = database();
        db.execute("CREATE TABLE " + database + ".items (id INT PRIMARY KEY)");
        ServiceConfig config = config(database);
        try (Replicator first = replicator(config, "items")) {
            first.start();
            await().atMost(Duration.ofSeconds(30)).until(first::isStreaming);
            db.execute("INSERT INTO " + database + ".items VALUES (1)");
            await().atMost(Duration.ofSeconds(30)).until(() -> rows(config).size() == 1);
            try (Replicator second = replicator(config, "items")) {
                second.start();
                db.execute("INSERT INTO " + database + ".items VALUES (2)");
                await().atMost(Duration.ofSeconds(30)).until(() -> first.fatalError().isPresent());
                assertThat(first.fatalError().get()).isInstanceOfSatisfying(SyncException.class,
                        e -> assertThat(e.errorCode()).isEqualTo(ErrorCode.REPLICATOR_FENCED));
                await().atMost(Duration.ofSeconds(30)).until(() -> rows(config).size() == 2);
            }
        }
        assertThat(rows(config)).extracting(r -> ((ChangeRecord.RowChange) r).key().get("id"))
                .containsExactly(SqliteValue.of(1L), SqliteValue.of(2L));
    }

    private String database() {
        return ReplicationFixture.newDatabase(db, "str");
    }

    private Replicator replicator(ServiceConfig config, String table) {
        return new Replicator(config.connection(), config.kafka().orElseThrow(), table::equals, MySqlValueMapper.defaults());
    }

    private ServiceConfig config(String database) {
        return ReplicationFixture.config(db, kafka, database, "it-" + database);
    }

    private List<ChangeRecord> rows(ServiceConfig config) {
        return all(config).stream().filter(r -> r instanceof ChangeRecord.RowChange).toList();
    }

    private List<ChangeRecord> all(ServiceConfig config) {
        return ReplicationFixture.records(kafka, config.kafka().orElseThrow().changesTopic("default"));
    }
}
