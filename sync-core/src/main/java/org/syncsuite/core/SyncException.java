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

    /** The first {@code SyncException} in {@code error}'s chain of causes (itself included), if any. */
    public static java.util.Optional<SyncException> in(Throwable error) {
        for (Throwable cause = error; cause != null; cause = cause.getCause()) {
            if (cause instanceof SyncException sync) {
                return java.util.Optional.of(sync);
            }
        }
        return java.util.Optional.empty();
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
