package org.syncsuite.core.config;

import java.util.List;
import java.util.Map;

import org.syncsuite.core.BucketId;
import org.syncsuite.core.JsonWriter;
import org.syncsuite.core.SqliteValue;
import org.syncsuite.core.sql.EvalContext;
import org.syncsuite.core.sql.Evaluator;
import org.syncsuite.core.sql.SqlValues;

/**
 * Rows of one source table that feed one bucket family: a row filter, the partition keys that
 * pick the buckets, and the synced columns. Immutable and thread-safe.
 *
 * @param outputTable the object type, or empty to use the source table's name (wildcards)
 * @param star        whether every source column is synced (before the listed ones)
 */
record DataSource(String definition, String family, TableMatcher table, String outputTable, Evaluator filter,
                  List<RowKey> keys, boolean star, List<String> columnNames, List<Evaluator> columns) {

    /**
     * The row's JSON for {@code SELECT *} sources, written once per row however many sources
     * sync all of its columns. Not thread-safe: one per row evaluation.
     */
    static final class RowJson {
        private final Map<String, SqliteValue> row;
        private String json;
        private SqliteValue id;

        RowJson(Map<String, SqliteValue> row) {
            this.row = row;
        }

        String json() {
            if (json == null) {
                JsonWriter writer = new JsonWriter().beginObject();
                id = SqliteValue.NULL;
                for (Map.Entry<String, SqliteValue> column : row.entrySet()) {
                    if (column.getKey().equals("id")) {
                        id = column.getValue();
                    }
                    writeColumn(writer, column.getKey(), column.getValue());
                }
                json = writer.endObject().toString();
            }
            return json;
        }

        SqliteValue id() {
            json();
            return id;
        }
    }

    void place(String sourceTable, RowJson rowJson, EvalContext context, long bucketVersion,
               List<BucketPlacement> into) {
        Map<String, SqliteValue> row = rowJson.row;
        if (filter != null && !Boolean.TRUE.equals(SqlValues.truth(filter.evaluate(context)))) {
            return;
        }
        List<List<SqliteValue>> partitions = RowKey.combinations(keys, context);
        if (partitions.isEmpty()) {
            return;
        }
        SqliteValue id;
        String data;
        if (star && columns.isEmpty()) {
            data = rowJson.json();
            id = rowJson.id();
        } else {
            id = SqliteValue.NULL;
            JsonWriter json = new JsonWriter().beginObject();
            if (star) {
                for (Map.Entry<String, SqliteValue> column : row.entrySet()) {
                    if (column.getKey().equals("id")) {
                        id = column.getValue();
                    }
                    writeColumn(json, column.getKey(), column.getValue());
                }
            }
            for (int i = 0; i < columns.size(); i++) {
                SqliteValue value = columns.get(i).evaluate(context);
                if (columnNames.get(i).equals("id")) {
                    id = value;
                }
                writeColumn(json, columnNames.get(i), value);
            }
            data = json.endObject().toString();
        }
        String objectId = id.isNull() ? "" : SqlValues.text(id);
        String objectType = outputTable.isEmpty() ? sourceTable : outputTable;
        for (List<SqliteValue> partition : partitions) {
            into.add(new BucketPlacement(BucketId.of(bucketVersion, family, partition), objectType, objectId, data));
        }
    }

    private static void writeColumn(JsonWriter json, String name, SqliteValue value) {
        if (!JsonWriter.isJsonRepresentable(value)) {
            return; // blobs are not synced unless converted with base64() or hex()
        }
        if (name.equals("id") && !value.isNull() && !(value instanceof SqliteValue.Text)) {
            value = SqliteValue.of(SqlValues.text(value)); // ids are always text
        }
        json.name(name).value(value);
    }
}
