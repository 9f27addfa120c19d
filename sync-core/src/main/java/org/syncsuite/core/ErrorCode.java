package org.syncsuite.core;

/**
 * The catalogue of error codes, one per failure a user or operator can act on. Codes are stable:
 * they appear in HTTP answers, logs and docs, so a code is never renamed or reused. Each carries
 * the HTTP status a service answers with when the error reaches a client.
 */
public enum ErrorCode {

    // Replication (PSYNC_R...)
    PSYNC_R0001_SOURCE_UNREACHABLE(503, "The source database cannot be reached"),
    PSYNC_R0002_SOURCE_MISCONFIGURED(500, "The source database is not configured for replication"),
    PSYNC_R0003_BINLOG_PURGED(500, "The binlog position to resume from is no longer on the source"),

    // Sync config (PSYNC_S...)
    PSYNC_S0001_CONFIG_INVALID(400, "The sync config is not valid"),
    PSYNC_S0002_ROW_NOT_EVALUATED(500, "A source row could not be evaluated against the sync config"),

    // Auth (PSYNC_A...)
    PSYNC_A0001_TOKEN_MISSING(401, "No authorization token was given"),
    PSYNC_A0002_TOKEN_INVALID(401, "The authorization token is not valid"),
    PSYNC_A0003_FORBIDDEN(403, "The caller may not do this"),

    // Storage (PSYNC_B...)
    PSYNC_B0001_STORAGE_UNAVAILABLE(503, "Bucket storage is unavailable"),

    // Attachments (PSYNC_F...)
    PSYNC_F0001_ATTACHMENT_NOT_FOUND(404, "No such attachment"),
    PSYNC_F0002_ATTACHMENT_TOO_LARGE(413, "The attachment exceeds the size limit"),

    // Requests (PSYNC_Q...)
    PSYNC_Q0001_BAD_REQUEST(400, "The request is malformed"),

    // Service configuration (PSYNC_C...)
    PSYNC_C0001_SERVICE_CONFIG_INVALID(500, "The service configuration is not valid");

    private final int httpStatus;
    private final String summary;

    ErrorCode(int httpStatus, String summary) {
        this.httpStatus = httpStatus;
        this.summary = summary;
    }

    /** The short code shown to users, such as {@code PSYNC_S0001}. */
    public String code() {
        String name = name();
        return name.substring(0, name.indexOf('_', "PSYNC_".length()));
    }

    public int httpStatus() {
        return httpStatus;
    }

    public String summary() {
        return summary;
    }

    /** Whether retrying the same request later can succeed (the source or storage may come back). */
    public boolean isTransient() {
        return httpStatus == 503;
    }
}
