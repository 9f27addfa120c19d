package org.syncsuite.client.attachments;

import java.util.Optional;

/**
 * A remote storage operation failed: the HTTP status (0 when no answer came), whether trying
 * again later may succeed, and the service's error code and message when it sent them.
 */
public class RemoteStorageException extends Exception {

    private static final long serialVersionUID = 1L;

    private final int status;
    private final boolean retryable;
    private final String errorCode;

    /**
     * @param message   what failed and why, for people
     * @param status    the HTTP status, 0 when there was no answer (a network failure)
     * @param retryable whether the same call may succeed later (a server or network failure)
     * @param errorCode the service's machine-readable code, null when it sent none
     * @param cause     the underlying failure, null when none
     */
    public RemoteStorageException(String message, int status, boolean retryable, String errorCode, Throwable cause) {
        super(message, cause);
        this.status = status;
        this.retryable = retryable;
        this.errorCode = errorCode;
    }

    /** A failure without an HTTP answer: retryable unless said otherwise. */
    public RemoteStorageException(String message, boolean retryable, Throwable cause) {
        this(message, 0, retryable, null, cause);
    }

    /** The HTTP status; 0 when no answer came. */
    public int status() {
        return status;
    }

    /** Whether the same call may succeed later; false for a refusal that will not change (409, 413, 404 ...). */
    public boolean retryable() {
        return retryable;
    }

    /** The service's error code ({@code "code"} of its JSON error body), when it sent one. */
    public Optional<String> errorCode() {
        return Optional.ofNullable(errorCode);
    }

    /** Whether the service said the attachment does not exist (HTTP 404). */
    public boolean notFound() {
        return status == 404;
    }
}
