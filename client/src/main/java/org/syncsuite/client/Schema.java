package org.syncsuite.client;

import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Pattern;

/** The tables an app sees in its local database. */
public record Schema(List<Table> tables) {

    private static final Pattern NAME = Pattern.compile("[A-Za-z_][A-Za-z0-9_]*");

    public Schema {
        tables = List.copyOf(tables);
        Set<String> names = new HashSet<>();
        for (Table table : tables) {
            if (!names.add(table.name().toLowerCase(Locale.ROOT))) {
                throw new IllegalArgumentException("Table " + table.name() + " is declared twice");
            }
        }
    }

    public static Schema of(Table... tables) {
        return new Schema(List.of(tables));
    }

    public Optional<Table> table(String name) {
        return tables.stream().filter(t -> t.name().equalsIgnoreCase(name)).findFirst();
    }

    static void checkName(String name, String what) {
        if (name == null || !NAME.matcher(name).matches()) {
            throw new IllegalArgumentException("Invalid " + what + " name '" + name + "': letters, digits and _ only, "
                    + "not starting with a digit");
        }
    }
}
