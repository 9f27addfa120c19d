package org.syncsuite.core.config;

import java.util.Objects;

/**
 * A problem found in a sync config: its severity, a stable code, a message, and where it is
 * (file, 1-based line and column). Errors stop a deploy; warnings are reported apart.
 */
public record ConfigIssue(Severity severity, String code, String message, String file, int line, int column) {

    /** Errors make the config unusable; warnings point at something that is likely wrong. */
    public enum Severity { ERROR, WARNING }

    public ConfigIssue {
        Objects.requireNonNull(severity);
        Objects.requireNonNull(code);
        Objects.requireNonNull(message);
        Objects.requireNonNull(file);
    }

    public boolean isError() {
        return severity == Severity.ERROR;
    }

    /** {@code file:line:column: error CODE: message}, the form compilers and editors understand. */
    @Override
    public String toString() {
        return file + ":" + line + ":" + column + ": " + (isError() ? "error" : "warning") + " " + code + ": " + message;
    }
}
