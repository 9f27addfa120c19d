package org.syncsuite.services;

import static org.assertj.core.api.Assertions.assertThat;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

import com.github.shyiko.mysql.binlog.BinaryLogClient;
import com.github.shyiko.mysql.binlog.event.Event;
import com.github.shyiko.mysql.binlog.event.EventType;
import com.github.shyiko.mysql.binlog.event.TableMapEventData;
import com.github.shyiko.mysql.binlog.event.WriteRowsEventData;
import org.junit.jupiter.api.Test;
import org.syncsuite.services.junit.WithBackingServices;

@WithBackingServices
class EmbeddedMariaDbIT {

    private final EmbeddedMariaDb db;

    EmbeddedMariaDbIT(EmbeddedMariaDb db) {
        this.db = db;
    }

    @Test
    void isAReplicationSourceWithRowBasedFullImages() throws SQLException {
        try (Connection connection = db.rootConnection("");
             Statement statement = connection.createStatement();
             ResultSet rs = statement.executeQuery("SELECT @@version, @@log_bin, @@binlog_format, "
                     + "@@binlog_row_image, @@binlog_row_metadata, @@gtid_strict_mode, @@server_id")) {
            assertThat(rs.next()).isTrue();
            assertThat(rs.getString(1)).startsWith("11.4.").contains("MariaDB");
            assertThat(rs.getInt(2)).isEqualTo(1);
            assertThat(rs.getString(3)).isEqualTo("ROW");
            assertThat(rs.getString(4)).isEqualTo("FULL");
            assertThat(rs.getString(5)).isEqualTo("FULL");
            assertThat(rs.getInt(6)).isEqualTo(1);
            assertThat(rs.getInt(7)).isEqualTo(db.serverId());
        }
    }

    @Test
    void defaultTimeZoneIsNotUtc() throws SQLException {
        try (Connection connection = db.rootConnection("");
             Statement statement = connection.createStatement();
             ResultSet rs = statement.executeQuery(
                     "SELECT @@time_zone, TIMESTAMPDIFF(MINUTE, UTC_TIMESTAMP(), NOW())")) {
            assertThat(rs.next()).isTrue();
            assertThat(rs.getString(1)).isEqualTo(db.timeZone()).isNotIn("UTC", "SYSTEM", "+00:00");
            assertThat(rs.getInt(2)).isEqualTo(120);
        }
    }

    @Test
    void replicationUserHasReplicationGrantsAndSelect() throws SQLException {
        try (Connection connection = DriverManager.getConnection(db.jdbcUrl(""), db.replicationUser(),
                db.replicationPassword());
             Statement statement = connection.createStatement();
             ResultSet rs = statement.executeQuery("SHOW GRANTS")) {
            List<String> grants = new ArrayList<>();
            while (rs.next()) {
                grants.add(rs.getString(1));
            }
            // MariaDB 11 shows REPLICATION CLIENT under its newer name, BINLOG MONITOR.
            assertThat(String.join("\n", grants))
                    .contains("SELECT")
                    .contains("REPLICATION SLAVE")
                    .containsAnyOf("REPLICATION CLIENT", "BINLOG MONITOR");
        }
    }

    @Test
    void committedInsertAppearsInTheBinlog() throws Exception {
        db.createDatabase("binlog_probe");
        db.execute("CREATE TABLE IF NOT EXISTS binlog_probe.items (id INT PRIMARY KEY, label VARCHAR(40), "
                + "created DATETIME(3))");

        BlockingQueue<Event> events = new LinkedBlockingQueue<>();
        BinaryLogClient client = new BinaryLogClient(db.host(), db.port(), db.replicationUser(),
                db.replicationPassword());
        client.setServerId(4242);
        client.registerEventListener(events::add);
        client.connect(Duration.ofSeconds(20).toMillis());
        try {
            int id = (int) (System.nanoTime() & 0x3fffffff);
            db.execute("INSERT INTO binlog_probe.items VALUES (" + id + ", 'hello binlog', NOW(3))");

            boolean sawGtid = false;
            TableMapEventData tableMap = null;
            WriteRowsEventData insert = null;
            boolean sawCommit = false;
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
            while (!sawCommit && System.nanoTime() < deadline) {
                Event event = events.poll(1, TimeUnit.SECONDS);
                if (event == null) {
                    continue;
                }
                EventType type = event.getHeader().getEventType();
                if (type == EventType.MARIADB_GTID) {
                    sawGtid = true;
                } else if (type == EventType.TABLE_MAP) {
                    TableMapEventData data = event.getData();
                    if ("items".equals(data.getTable())) {
                        tableMap = data;
                    }
                } else if (EventType.isWrite(type) && tableMap != null) {
                    WriteRowsEventData data = event.getData();
                    if (data.getTableId() == tableMap.getTableId()) {
                        insert = data;
                    }
                } else if (type == EventType.XID && insert != null) {
                    sawCommit = true;
                }
            }
            assertThat(sawGtid).as("a MariaDB GTID event").isTrue();
            assertThat(tableMap).as("table map for binlog_probe.items").isNotNull();
            assertThat(tableMap.getDatabase()).isEqualTo("binlog_probe");
            // binlog_row_metadata=FULL puts the column names into the table map.
            assertThat(tableMap.getEventMetadata().getColumnNames()).containsExactly("id", "label", "created");
            assertThat(insert).as("the inserted row").isNotNull();
            assertThat(insert.getRows()).hasSize(1);
            Object[] row = insert.getRows().getFirst().clone();
            assertThat(row[0]).isEqualTo(id);
            // With full row metadata the client knows the column charset and decodes the text.
            Object label = row[1] instanceof byte[] bytes ? new String(bytes, java.nio.charset.StandardCharsets.UTF_8) : row[1];
            assertThat(label).isEqualTo("hello binlog");
            assertThat(sawCommit).as("the transaction's XID (commit) event").isTrue();
        } finally {
            client.disconnect();
        }
    }
}
