package org.syncsuite.core.sql;

/**
 * An expression failed on a particular value (malformed JSON, a blob compared with a blob). On the
 * row side the row is skipped and counted; on the request side the subscription reports it.
 */
public final class SqlEvaluationException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    public SqlEvaluationException(String message) {
        super(message);
    }
}
