package org.syncsuite.core;

import java.util.Objects;

/**
 * The one unchecked exception of the suite: a code from {@link ErrorCode} plus a message that
 * says what happened and, where there is one, what to do about it. Services map it to an HTTP
 * answer with the code's status.
 */
public class SyncException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    private final ErrorCode errorCode;

    public SyncException(ErrorCode errorCode, String message) {
        super(message);
        this.errorCode = Objects.requireNonNull(errorCode);
    }

    public SyncException(ErrorCode errorCode, String message, Throwable cause) {
        super(message, cause);
        this.errorCode = Objects.requireNonNull(errorCode);
    }

    public ErrorCode errorCode() {
        return errorCode;
    }

    public int httpStatus() {
        return errorCode.httpStatus();
    }

    @Override
    public String toString() {
        return errorCode.code() + ": " + getMessage();
    }
}
