package org.syncsuite.core.sql;

/**
 * A query that is not in the supported SQL subset. {@code offset} is the character position in
 * the query text (0-based), which the sync config reader turns into a line and column of the file.
 */
public final class SqlSyntaxException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    private final int offset;
    private final String code;

    public SqlSyntaxException(String code, String message, int offset) {
        super(message);
        this.code = code;
        this.offset = offset;
    }

    public int offset() {
        return offset;
    }

    /** A stable code for the kind of problem, such as {@code SQL_SYNTAX} or {@code SQL_UNSUPPORTED}. */
    public String code() {
        return code;
    }
}
