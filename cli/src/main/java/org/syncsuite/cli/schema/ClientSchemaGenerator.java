package org.syncsuite.cli.schema;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Pattern;

import com.fasterxml.jackson.databind.JsonNode;
import org.syncsuite.core.config.OutputColumn;
import org.syncsuite.core.config.OutputTable;
import org.syncsuite.core.config.SyncPlan;

/**
 * Writes a client schema, as source code for one of PowerSync's client SDKs (or this project's
 * Java client), from what a sync config sends to clients ({@link SyncPlan#outputTables()}) and
 * the live source database schema. A column's type is the one its expression implies
 * ({@code CAST(x AS INTEGER)}, {@code length(x)}, a literal, ...), else its source column's,
 * else text. {@code SELECT *} declares every source column. No table declares {@code id}: every
 * client table has one implicitly.
 */
public final class ClientSchemaGenerator {

    /** The accepted output languages, as {@code powersync generate schema --output} names them. */
    public static final List<String> LANGUAGES = List.of("dart", "dotNet", "java", "js", "kotlin", "swift", "ts");

    private ClientSchemaGenerator() {
    }

    /**
     * The client schema source code in {@code language} (one of {@link #LANGUAGES}, case-insensitive)
     * for a compiled sync config and the answer of {@code POST /api/admin/v1/schema}.
     *
     * @throws IllegalArgumentException for an unknown language (the message lists the valid ones)
     *                                  or a response that is not a schema response
     */
    public static String generate(String language, SyncPlan plan, JsonNode schemaResponse) {
        ClientSchemaWriter writer = ClientSchemaWriter.forLanguage(language).orElseThrow(() -> new IllegalArgumentException(
                "Unknown schema language '" + language + "': use one of " + String.join(", ", LANGUAGES)));
        return writer.write(describe(plan, SourceDatabaseSchema.fromResponse(schemaResponse)));
    }

    /** The client tables of a sync config over a source schema, in the order the config names them. */
    public static ClientSchema describe(SyncPlan plan, SourceDatabaseSchema schema) {
        Map<String, ClientTable> tables = new LinkedHashMap<>();
        List<String> notes = new ArrayList<>();
        for (OutputTable output : plan.outputTables()) {
            if (output.namedBySourceTable()) {
                List<String> matching = matchingTables(output.sourceTable(), schema);
                for (String table : matching) {
                    tables.putIfAbsent(table.toLowerCase(Locale.ROOT), table(table, output, schema, table));
                }
                if (matching.isEmpty()) {
                    notes.add("No table of the source database matches " + output.sourceTable() + ": none is declared for it");
                }
            } else {
                tables.putIfAbsent(output.name().toLowerCase(Locale.ROOT), table(output.name(), output, schema, null));
            }
        }
        return new ClientSchema(new ArrayList<>(tables.values()), notes);
    }

    /**
     * One client table: the star tables' columns in source order, then the listed columns (a
     * listed column named like a source column replaces it in place, as in the synced data).
     */
    private static ClientTable table(String name, OutputTable output, SourceDatabaseSchema schema, String concreteSource) {
        Map<String, ClientTable.ClientColumn> columns = new LinkedHashMap<>();
        List<String> notes = new ArrayList<>();
        for (String starTable : output.starTables()) {
            List<String> sources = concreteSource != null && matches(starTable, concreteSource)
                    ? List.of(concreteSource) : matchingTables(starTable, schema);
            if (sources.isEmpty()) {
                notes.add("The source database has no table " + starTable + ": its columns (SELECT *) are unknown");
            }
            for (String source : sources) {
                for (SourceDatabaseSchema.SourceColumn column : schema.columns(source).orElse(List.of())) {
                    if (!column.name().equalsIgnoreCase("id")) {
                        columns.putIfAbsent(column.name().toLowerCase(Locale.ROOT),
                                new ClientTable.ClientColumn(column.name(), column.clientType()));
                    }
                }
            }
        }
        for (OutputColumn column : output.columns()) {
            if (column.name().equalsIgnoreCase("id")) {
                continue;
            }
            String type = column.sqliteType().orElseGet(() -> column.sourceColumn()
                    .flatMap(source -> sourceType(column.sourceTable(), concreteSource, source, schema))
                    .orElse("text"));
            columns.put(column.name().toLowerCase(Locale.ROOT), new ClientTable.ClientColumn(column.name(), type));
        }
        return new ClientTable(name, new ArrayList<>(columns.values()), notes);
    }

    private static Optional<String> sourceType(String sourceTable, String concreteSource, String column,
                                                         SourceDatabaseSchema schema) {
        List<String> candidates = concreteSource != null && matches(sourceTable, concreteSource)
                ? List.of(concreteSource) : matchingTables(sourceTable, schema);
        for (String table : candidates) {
            Optional<SourceDatabaseSchema.SourceColumn> found = schema.column(table, column);
            if (found.isPresent()) {
                return Optional.of(found.get().clientType());
            }
        }
        return Optional.empty();
    }

    /** The database's tables a table name or {@code %} pattern names, in schema order. */
    static List<String> matchingTables(String nameOrPattern, SourceDatabaseSchema schema) {
        if (!nameOrPattern.contains("%")) {
            return schema.tables().containsKey(nameOrPattern) ? List.of(nameOrPattern) : List.of();
        }
        return schema.tables().keySet().stream().filter(table -> matches(nameOrPattern, table)).toList();
    }

    private static boolean matches(String nameOrPattern, String table) {
        if (!nameOrPattern.contains("%")) {
            return nameOrPattern.equals(table);
        }
        StringBuilder regex = new StringBuilder();
        for (String part : nameOrPattern.split("%", -1)) {
            if (!regex.isEmpty()) {
                regex.append(".*");
            }
            regex.append(Pattern.quote(part));
        }
        return Pattern.matches(regex.toString(), table);
    }
}
