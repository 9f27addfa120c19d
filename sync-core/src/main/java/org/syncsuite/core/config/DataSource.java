package org.syncsuite.core.config;

import java.util.LinkedHashMap;
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

        RowJson(Map<String, SqliteValue> row) {
            this.row = row;
        }

        String json() {
            if (json == null) {
                json = toJson(row);
            }
            return json;
        }
    }

    void place(String sourceTable, RowJson rowJson, EvalContext context, long bucketVersion,
               List<BucketPlacement> into) {
        if (filter != null && !Boolean.TRUE.equals(SqlValues.truth(filter.evaluate(context)))) {
            return;
        }
        List<List<SqliteValue>> partitions = RowKey.combinations(keys, context);
        if (partitions.isEmpty()) {
            return;
        }
        Map<String, SqliteValue> output;
        String data;
        if (star && columns.isEmpty()) {
            output = rowJson.row;
            data = rowJson.json();
        } else {
            // Listed columns follow the row's; one named like a row column replaces its value in place.
            output = star ? new LinkedHashMap<>(rowJson.row) : new LinkedHashMap<>();
            for (int i = 0; i < columns.size(); i++) {
                output.put(columnNames.get(i), columns.get(i).evaluate(context));
            }
            data = toJson(output);
        }
        SqliteValue id = output.getOrDefault("id", SqliteValue.NULL);
        String objectId = id.isNull() ? "" : SqlValues.text(id);
        String objectType = outputTable.isEmpty() ? sourceTable : outputTable;
        for (List<SqliteValue> partition : partitions) {
            into.add(new BucketPlacement(BucketId.of(bucketVersion, family, partition), objectType, objectId, data));
        }
    }

    private static String toJson(Map<String, SqliteValue> columns) {
        // Room for the usual column without growing the text as it is written.
        JsonWriter json = new JsonWriter(new StringBuilder(Math.max(256, 64 * columns.size()))).beginObject();
        for (Map.Entry<String, SqliteValue> column : columns.entrySet()) {
            writeColumn(json, column.getKey(), column.getValue());
        }
        return json.endObject().toString();
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
