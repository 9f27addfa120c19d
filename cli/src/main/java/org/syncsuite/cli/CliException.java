package org.syncsuite.cli;

/** A command's failure with a message for the user (printed as {@code Error: ...}, exit code 1). */
class CliException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    CliException(String message) {
        super(message);
    }

    CliException(String message, Throwable cause) {
        super(message, cause);
    }
}
