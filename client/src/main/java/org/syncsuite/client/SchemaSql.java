package org.syncsuite.client;

import java.util.ArrayList;
import java.util.List;

/**
 * The SQL of the local database: the internal tables (op log, buckets, upload queue, key-value
 * pairs, rows of tables the schema does not name), and per table of the schema its storage, its
 * view and the triggers that turn the app's writes on the view into rows and queue entries.
 * Column values are kept as JSON in {@code ps_data__<table>.data}; the view extracts and casts
 * them. Function calls are split in groups of {@link #GROUP} columns, under SQLite's argument limit.
 */
final class SchemaSql {

    /** Columns per JSON function call. */
    static final int GROUP = 40;
    /** {@code ps_kv.target_checkpoint_request_id} after a local write: nothing downloaded is applied before the upload. */
    static final long MAX_OP_ID = Long.MAX_VALUE;
    private static final String UNCHANGED = "$.__ps_unchanged";

    private SchemaSql() {
    }

    /**
     * The op log: the live PUTs per bucket, keyed by row first, so that a row's ops in all buckets
     * sit together (the newest of them is what gets published) and a replaced op is found by its
     * key. Without a rowid, the key is the table: one tree to write per op, plus the index of a
     * bucket's ops in op id order (ops since the last publish, a bucket's removal), which grows at
     * its end.
     */
    private static final String OPLOG = "CREATE TABLE IF NOT EXISTS ps_oplog (row_type TEXT NOT NULL, row_id TEXT NOT NULL, "
            + "bucket INTEGER NOT NULL, subkey TEXT NOT NULL, op_id INTEGER NOT NULL, data TEXT, hash INTEGER NOT NULL, "
            + "PRIMARY KEY (row_type, row_id, bucket, subkey)) WITHOUT ROWID";

    /**
     * The op log of an earlier version (a rowid table keyed by {@code bucket, key} with three
     * indexes), moved into the current one; run when {@code ps_oplog} has a {@code key} column.
     * The key was {@code row_type/row_id/subkey}.
     */
    static List<String> oplogFromKeyedVersion() {
        return List.of(
                "DROP INDEX IF EXISTS ps_oplog_key",
                "DROP INDEX IF EXISTS ps_oplog_row",
                "DROP INDEX IF EXISTS ps_oplog_row_op",
                "DROP INDEX IF EXISTS ps_oplog_op",
                "ALTER TABLE ps_oplog RENAME TO ps_oplog_keyed",
                OPLOG,
                "INSERT INTO ps_oplog (row_type, row_id, bucket, subkey, op_id, data, hash) SELECT row_type, row_id, bucket, "
                        + "substr(key, length(row_type) + length(row_id) + 3), op_id, data, hash FROM ps_oplog_keyed",
                "DROP TABLE ps_oplog_keyed");
    }

    /** The internal tables, created when missing. */
    static List<String> internal() {
        return List.of(
                "CREATE TABLE IF NOT EXISTS ps_buckets (id INTEGER PRIMARY KEY, name TEXT NOT NULL UNIQUE, "
                        + "last_applied_op INTEGER NOT NULL DEFAULT 0, last_op INTEGER NOT NULL DEFAULT 0, "
                        + "add_checksum INTEGER NOT NULL DEFAULT 0, op_checksum INTEGER NOT NULL DEFAULT 0, "
                        + "pending_delete INTEGER NOT NULL DEFAULT 0, count_at_last INTEGER NOT NULL DEFAULT 0, "
                        + "count_since_last INTEGER NOT NULL DEFAULT 0, priority INTEGER NOT NULL DEFAULT 3)",
                OPLOG,
                "CREATE INDEX IF NOT EXISTS ps_oplog_op ON ps_oplog (bucket, op_id)",
                "CREATE TABLE IF NOT EXISTS ps_updated_rows (row_type TEXT NOT NULL, row_id TEXT NOT NULL, "
                        + "PRIMARY KEY (row_type, row_id)) WITHOUT ROWID",
                "CREATE TABLE IF NOT EXISTS ps_crud (id INTEGER PRIMARY KEY AUTOINCREMENT, tx_id INTEGER, data TEXT NOT NULL)",
                "CREATE TABLE IF NOT EXISTS ps_tx (id INTEGER PRIMARY KEY, current_tx INTEGER, next_tx INTEGER NOT NULL)",
                "INSERT OR IGNORE INTO ps_tx (id, current_tx, next_tx) VALUES (1, NULL, 1)",
                "CREATE TABLE IF NOT EXISTS ps_kv (key TEXT PRIMARY KEY NOT NULL, value BLOB)",
                "CREATE TABLE IF NOT EXISTS ps_untyped (type TEXT NOT NULL, id TEXT NOT NULL, data TEXT, PRIMARY KEY (type, id))",
                "CREATE TABLE IF NOT EXISTS ps_sync_state (priority INTEGER NOT NULL PRIMARY KEY, last_synced_at TEXT NOT NULL)",
                "CREATE TABLE IF NOT EXISTS ps_stream_subscriptions (id INTEGER PRIMARY KEY, stream_name TEXT NOT NULL, "
                        + "active INTEGER NOT NULL DEFAULT 1, is_default INTEGER NOT NULL DEFAULT 0, local_priority INTEGER, "
                        + "local_params TEXT, ttl INTEGER, expires_at INTEGER, last_synced_at INTEGER)",
                "CREATE TRIGGER IF NOT EXISTS ps_crud_target AFTER INSERT ON ps_crud BEGIN "
                        + "INSERT OR REPLACE INTO ps_kv (key, value) VALUES ('target_checkpoint_request_id', " + MAX_OP_ID
                        + "); END");
    }

    /** What a previous schema left that this one replaces: views, their triggers and the indexes of its tables. */
    static String previousObjects() {
        return "SELECT type, name FROM sqlite_master WHERE (type = 'trigger' AND name LIKE 'ps\\_view\\_%' ESCAPE '\\') "
                + "OR (type = 'index' AND name LIKE 'ps\\_index\\_%' ESCAPE '\\') "
                + "OR (type = 'view' AND (sql LIKE '%\"ps\\_data\\_\\_%' ESCAPE '\\' OR sql LIKE '%\"ps\\_data\\_local\\_\\_%' ESCAPE '\\' "
                + "OR sql LIKE '%ps\\_insert\\_only%' ESCAPE '\\'))";
    }

    /** A table's storage (kept across schema changes), view, triggers and indexes. */
    static List<String> table(Table table) {
        List<String> sql = new ArrayList<>();
        String view = quote(table.name());
        if (table.insertOnly()) {
            sql.add("CREATE VIEW " + view + " (" + columnList(table) + ") AS SELECT NULL" + ", NULL".repeat(table.columns().size())
                    + " WHERE 0 /* ps_insert_only */");
            sql.add("CREATE TRIGGER " + quote("ps_view_insert_" + table.name()) + " INSTEAD OF INSERT ON " + view
                    + " FOR EACH ROW BEGIN " + requireId() + crud(table, "'PUT'", "NEW.id", nonNull(table, "NEW"), "") + " END");
            return sql;
        }
        String data = quote(table.dataTable());
        sql.add("CREATE TABLE IF NOT EXISTS " + data + " (id TEXT PRIMARY KEY NOT NULL, data TEXT)");
        if (!table.localOnly()) {
            // rows synced before the schema named this table
            sql.add("INSERT OR REPLACE INTO " + data + " (id, data) SELECT id, data FROM ps_untyped WHERE type = "
                    + literal(table.name()));
            sql.add("DELETE FROM ps_untyped WHERE type = " + literal(table.name()));
        }
        StringBuilder select = new StringBuilder("SELECT id");
        for (Column column : table.columns()) {
            select.append(", ").append(extract(column));
        }
        sql.add("CREATE VIEW " + view + " (" + columnList(table) + ") AS " + select + " FROM " + data);
        boolean upload = !table.localOnly();
        sql.add("CREATE TRIGGER " + quote("ps_view_insert_" + table.name()) + " INSTEAD OF INSERT ON " + view
                + " FOR EACH ROW BEGIN " + requireId()
                + "INSERT INTO " + data + " (id, data) VALUES (NEW.id, " + allValues(table, "NEW") + "); "
                + track(table, "NEW.id")
                + (upload ? crud(table, "'PUT'", "NEW.id", nonNull(table, "NEW"), "") : "") + " END");
        sql.add("CREATE TRIGGER " + quote("ps_view_update_" + table.name()) + " INSTEAD OF UPDATE ON " + view
                + " FOR EACH ROW BEGIN SELECT RAISE(FAIL, 'The id of a row cannot change') WHERE OLD.id IS NOT NEW.id; "
                + "UPDATE " + data + " SET data = " + allValues(table, "NEW") + " WHERE id = NEW.id; "
                + track(table, "NEW.id")
                + (upload ? crud(table, "'PATCH'", "NEW.id", "json(" + changed(table) + ")",
                        table.ignoreEmptyUpdates() ? " AND " + changed(table) + " <> '{}'" : "") : "") + " END");
        sql.add("CREATE TRIGGER " + quote("ps_view_delete_" + table.name()) + " INSTEAD OF DELETE ON " + view
                + " FOR EACH ROW BEGIN DELETE FROM " + data + " WHERE id = OLD.id; "
                + track(table, "OLD.id")
                + (upload ? crud(table, "'DELETE'", "OLD.id", null, "") : "") + " END");
        for (Index index : table.indexes()) {
            List<String> keys = new ArrayList<>();
            for (String column : index.columns()) {
                boolean descending = column.startsWith("-");
                String name = descending ? column.substring(1) : column;
                String expression = name.equalsIgnoreCase("id") ? "id"
                        : extract(table.columns().stream().filter(c -> c.name().equalsIgnoreCase(name)).findFirst().orElseThrow());
                keys.add(expression + (descending ? " DESC" : ""));
            }
            sql.add("CREATE INDEX " + quote("ps_index_" + table.name() + "__" + index.name()) + " ON " + data + " ("
                    + String.join(", ", keys) + ")");
        }
        return sql;
    }

    private static String requireId() {
        return "SELECT RAISE(FAIL, 'id is required') WHERE NEW.id IS NULL; ";
    }

    /**
     * A synced table's row written locally: at the next whole checkpoint published with the upload
     * queue empty, the row becomes what the server holds again (or goes, if the server has none),
     * so a write the backend refused or changed does not linger.
     */
    private static String track(Table table, String id) {
        return table.localOnly() || table.insertOnly() ? ""
                : "INSERT OR IGNORE INTO ps_updated_rows (row_type, row_id) VALUES (" + literal(table.name()) + ", " + id + "); ";
    }

    private static String crud(Table table, String op, String id, String dataJson, String condition) {
        return "INSERT INTO ps_crud (tx_id, data) SELECT current_tx, json_object('op', " + op + ", 'type', " + literal(table.name())
                + ", 'id', " + id + (dataJson == null ? "" : ", 'data', " + dataJson) + ") FROM ps_tx WHERE id = 1" + condition + ";";
    }

    /** The row as stored: every column (a NULL is left out; it reads back as NULL). */
    private static String allValues(Table table, String row) {
        return nonNull(table, row);
    }

    /** A JSON object of the row's non-NULL columns. */
    private static String nonNull(Table table, String row) {
        String result = "'{}'";
        List<Column> columns = table.columns();
        for (int from = 0; from < columns.size(); from += GROUP) {
            StringBuilder object = new StringBuilder("json_object(");
            List<Column> group = columns.subList(from, Math.min(columns.size(), from + GROUP));
            for (int i = 0; i < group.size(); i++) {
                object.append(i == 0 ? "" : ", ").append(literal(group.get(i).name())).append(", ").append(row).append('.')
                        .append(quote(group.get(i).name()));
            }
            result = "json_patch(" + result + ", " + object.append(')') + ")"; // a merge patch drops NULL members
        }
        return result;
    }

    /** A JSON object of the columns an update changed, those set to NULL included as null. */
    private static String changed(Table table) {
        String result = "'{}'";
        List<Column> columns = table.columns();
        for (int from = 0; from < columns.size(); from += GROUP) {
            StringBuilder set = new StringBuilder("json_set(").append(result);
            for (Column column : columns.subList(from, Math.min(columns.size(), from + GROUP))) {
                String c = quote(column.name());
                set.append(", CASE WHEN OLD.").append(c).append(" IS NOT NEW.").append(c).append(" THEN ")
                        .append(literal("$." + column.name())).append(" ELSE ").append(literal(UNCHANGED)).append(" END, NEW.")
                        .append(c);
            }
            result = set.append(')').toString();
        }
        return "json_remove(" + result + ", " + literal(UNCHANGED) + ")";
    }

    private static String extract(Column column) {
        return "CAST(json_extract(data, " + literal("$." + column.name()) + ") AS " + column.type().name() + ")";
    }

    private static String columnList(Table table) {
        StringBuilder list = new StringBuilder("id");
        for (Column column : table.columns()) {
            list.append(", ").append(quote(column.name()));
        }
        return list.toString();
    }

    static String quote(String identifier) {
        return "\"" + identifier.replace("\"", "\"\"") + "\"";
    }

    static String literal(String text) {
        return "'" + text.replace("'", "''") + "'";
    }
}
