package org.syncsuite.cli.schema;

import java.util.List;

/**
 * A table of a generated client schema: its name and its columns without {@code id}.
 *
 * @param notes what the generator could not learn for this table (for example a source table
 *              missing from the database), written as comments next to it
 */
public record ClientTable(String name, List<ClientColumn> columns, List<String> notes) {

    /** A column of a client table and its type: {@code text}, {@code integer} or {@code real}. */
    public record ClientColumn(String name, String type) {
    }

    public ClientTable {
        columns = List.copyOf(columns);
        notes = List.copyOf(notes);
    }
}
