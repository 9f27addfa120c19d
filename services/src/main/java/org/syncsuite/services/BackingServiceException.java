package org.syncsuite.services;

/** A backing service could not be started, reached or stopped. */
public class BackingServiceException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    public BackingServiceException(String message) {
        super(message);
    }

    public BackingServiceException(String message, Throwable cause) {
        super(message, cause);
    }
}
