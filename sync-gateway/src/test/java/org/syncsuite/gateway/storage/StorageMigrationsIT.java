package org.syncsuite.gateway.storage;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

import org.junit.jupiter.api.Test;
import org.syncsuite.core.ErrorCode;
import org.syncsuite.core.SyncException;
import org.syncsuite.services.EmbeddedMariaDb;
import org.syncsuite.services.junit.WithBackingServices;

@WithBackingServices
class StorageMigrationsIT {

    private final EmbeddedMariaDb db;

    StorageMigrationsIT(EmbeddedMariaDb db) {
        this.db = db;
    }

    @Test
    void migratesAnEmptyDatabaseOnceAndLeavesItAloneAfter() throws Exception {
        String database = "storage_" + UUID.randomUUID().toString().substring(0, 8);
        db.createDatabase(database);
        String url = db.jdbcUrl(database);

        assertThat(StorageMigrations.migrate(url, db.rootUser(), db.rootPassword())).isEqualTo("4");
        assertThat(StorageMigrations.migrate(url, db.rootUser(), db.rootPassword())).as("already current").isEqualTo("4");

        try (Connection connection = db.rootConnection(database); Statement statement = connection.createStatement()) {
            assertThat(tables(statement)).containsExactlyInAnyOrder("op_id_sequence", "sync_config_versions", "bucket_ops",
                    "bucket_state", "current_data", "parameter_index", "checkpoints", "write_checkpoints", "schema_history");
            try (ResultSet rs = statement.executeQuery("SELECT COUNT(*) FROM schema_history WHERE success")) {
                rs.next();
                assertThat(rs.getInt(1)).as("each migration applied once").isEqualTo(4);
            }
            try (ResultSet rs = statement.executeQuery("SELECT last_op_id FROM op_id_sequence WHERE id = 1")) {
                assertThat(rs.next()).isTrue();
                assertThat(rs.getLong(1)).isZero();
            }
            // Bucket names are bytes: names differing only in case or accents are different buckets, in byte order.
            statement.execute("INSERT INTO bucket_ops (group_id, bucket, op_id, op, checksum) VALUES "
                    + "(1, 'todos[\"a\"]', 1, 1, 5), (1, 'todos[\"A\"]', 2, 1, 6), (1, 'todos[\"á\"]', 3, 1, 7)");
            List<String> order = new ArrayList<>();
            try (ResultSet rs = statement.executeQuery("SELECT bucket FROM bucket_ops WHERE group_id = 1 ORDER BY bucket")) {
                while (rs.next()) {
                    order.add(new String(rs.getBytes(1), java.nio.charset.StandardCharsets.UTF_8));
                }
            }
            assertThat(order).containsExactly("todos[\"A\"]", "todos[\"a\"]", "todos[\"á\"]");
            // Unknown states are refused by the database itself.
            assertThatThrownBy(() -> statement.execute("INSERT INTO sync_config_versions (state, content) VALUES ('LIVE', 'x')"))
                    .isInstanceOf(SQLException.class);
        }
    }

    @Test
    void anUnreachableDatabaseIsATypedError() {
        assertThatThrownBy(() -> StorageMigrations.migrate("jdbc:mysql://127.0.0.1:1/none?connectTimeout=2000", "x", "y"))
                .isInstanceOfSatisfying(SyncException.class, e -> assertThat(e.errorCode()).isEqualTo(ErrorCode.STORAGE_UNAVAILABLE))
                .hasMessageContaining("127.0.0.1:1/none");
    }

    private static List<String> tables(Statement statement) throws SQLException {
        List<String> tables = new ArrayList<>();
        try (ResultSet rs = statement.executeQuery("SHOW TABLES")) {
            while (rs.next()) {
                tables.add(rs.getString(1));
            }
        }
        return tables;
    }
}
