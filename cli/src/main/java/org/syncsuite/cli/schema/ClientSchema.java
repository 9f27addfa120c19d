package org.syncsuite.cli.schema;

import java.util.List;

/**
 * The tables a client schema declares, and notes on what could not be declared (written as
 * comments at the top of the generated code).
 */
public record ClientSchema(List<ClientTable> tables, List<String> notes) {

    public ClientSchema {
        tables = List.copyOf(tables);
        notes = List.copyOf(notes);
    }
}
