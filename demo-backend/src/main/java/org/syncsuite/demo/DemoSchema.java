package org.syncsuite.demo;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;

/**
 * The demo to-do app's source schema (lists and todos, each list with an owner) with a few seed
 * rows, and the sync config that gives every user their own lists and those lists' todos.
 */
public final class DemoSchema {

    private DemoSchema() {
    }

    /** The statements that create the tables in {@code database} when missing, and insert the seed rows once. */
    public static List<String> statements(String database) {
        if (!database.matches("[A-Za-z0-9_]+")) {
            throw new IllegalArgumentException("Not a plain database name: " + database);
        }
        return Arrays.stream(resource("schema.sql").split(";\\s*\\n")).map(String::trim).filter(s -> !s.isEmpty())
                .map(s -> s.replaceFirst("(?i)^(CREATE TABLE IF NOT EXISTS|INSERT IGNORE INTO) ", "$1 " + database + "."))
                .toList();
    }

    /** The demo's sync config (Sync Streams, edition 3). */
    public static String syncConfig() {
        return resource("sync-config.yaml");
    }

    private static String resource(String name) {
        try (InputStream in = DemoSchema.class.getResourceAsStream(name)) {
            if (in == null) {
                throw new IllegalStateException("Missing demo resource " + name);
            }
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
