package org.syncsuite.core.sql;

import java.util.List;
import java.util.Optional;

/**
 * {@code SELECT projections [FROM item [JOIN item ON cond | , item]...] [WHERE cond]}: the only
 * statement of the subset.
 */
public record Select(List<Projection> projections, Optional<FromItem> from, List<Join> joins,
                     Optional<Expr> where, int offset) {

    public Select {
        projections = List.copyOf(projections);
        joins = List.copyOf(joins);
    }

    /** A projection: {@code *}, {@code t.*}, or an expression with an optional alias. */
    public sealed interface Projection {
    }

    /** {@code *} or {@code qualifier.*}. */
    public record Star(Optional<String> qualifier, int offset) implements Projection {
    }

    /** {@code expr [AS alias]}. */
    public record Item(Expr expr, Optional<String> alias, int offset) implements Projection {
        /** The output column name: the alias, else a bare column's name, else the expression's text. */
        public Optional<String> outputName() {
            if (alias.isPresent()) {
                return alias;
            }
            return expr instanceof Expr.Column column ? Optional.of(column.name()) : Optional.empty();
        }
    }

    /** A source of rows in FROM or JOIN. */
    public sealed interface FromItem {
        Optional<String> alias();

        int offset();
    }

    /** {@code [schema.]table [AS alias]}; {@code name} may hold {@code %} as a table wildcard. */
    public record TableRef(Optional<String> schema, String name, Optional<String> alias, int offset) implements FromItem {
        /** The name the query refers to this table by. */
        public String referenceName() {
            return alias.orElse(name);
        }
    }

    /** A table-valued function such as {@code json_each(expr) [AS alias]}. */
    public record TableFunction(String name, List<Expr> args, Optional<String> alias, int offset) implements FromItem {
        public TableFunction {
            args = List.copyOf(args);
        }
    }

    /** {@code [INNER] JOIN item ON condition}, or a comma join (no condition). */
    public record Join(FromItem item, Optional<Expr> on, int offset) {
    }
}
