package org.syncsuite.cli.migrate;

/**
 * Something of a legacy sync config that has no Sync Streams form: the bucket definition it
 * belongs to (empty for the file as a whole), where it is (1-based line and column of the input
 * file; 0 when unknown) and why.
 */
public record MigrationProblem(String definition, int line, int column, String message) {

    /** {@code file:line:column: definition: message}. */
    public String describe(String file) {
        return file + ":" + line + ":" + column + ": " + (definition.isEmpty() ? "" : definition + ": ") + message;
    }
}
