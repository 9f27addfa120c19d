package org.syncsuite.core.config;

import java.util.regex.Pattern;

/** A table name, or a pattern with {@code %} wildcards ({@code "todos_%"}). */
record TableMatcher(String name, Pattern pattern) {

    static TableMatcher of(String name) {
        if (!name.contains("%")) {
            return new TableMatcher(name, null);
        }
        StringBuilder regex = new StringBuilder();
        for (String part : name.split("%", -1)) {
            if (!regex.isEmpty()) {
                regex.append(".*");
            }
            regex.append(Pattern.quote(part));
        }
        return new TableMatcher(name, Pattern.compile(regex.toString()));
    }

    boolean matches(String table) {
        return pattern == null ? name.equals(table) : pattern.matcher(table).matches();
    }

    boolean isWildcard() {
        return pattern != null;
    }
}
