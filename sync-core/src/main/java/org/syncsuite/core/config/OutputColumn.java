package org.syncsuite.core.config;

import java.util.Objects;
import java.util.Optional;

/**
 * A column a sync config sends to clients, as declared by a data query's select list.
 *
 * @param name         the column name clients see
 * @param sourceTable  the table (or table pattern) of the query that selects it
 * @param sourceColumn the source column, when the expression is a plain column reference
 * @param sqliteType   {@code "text"}, {@code "integer"} or {@code "real"} when the expression's
 *                     type follows from the expression alone (a cast, a literal, a comparison, a
 *                     function with a fixed result type); empty when it depends on the data
 */
public record OutputColumn(String name, String sourceTable, Optional<String> sourceColumn, Optional<String> sqliteType) {

    public OutputColumn {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(sourceTable, "sourceTable");
        Objects.requireNonNull(sourceColumn, "sourceColumn");
        Objects.requireNonNull(sqliteType, "sqliteType");
    }
}
