package org.syncsuite.core;

/**
 * The catalogue of error codes. Where PowerSync defines a code for the same failure, ours is
 * the same string, so that clients, dashboards and runbooks written for PowerSync read ours
 * unchanged; codes of our own use numbers PowerSync leaves free (the {@code 9xxx} range of each
 * prefix). Codes are stable: never renamed or reused. Each carries the HTTP status a service
 * answers with when the error reaches a client.
 */
public enum ErrorCode {

    // Replication (PSYNC_R...)
    SYNC_CONFIG_INVALID("PSYNC_R0001", 422, "The sync config is not valid"),
    SOURCE_WILDCARD_UNSUPPORTED("PSYNC_R2201", 400, "Schema wildcards are not supported by this source"),
    SOURCE_UNREACHABLE("PSYNC_R9001", 503, "The source database cannot be reached"),
    SOURCE_MISCONFIGURED("PSYNC_R9002", 500, "The source database is not configured for replication"),
    BINLOG_PURGED("PSYNC_R9003", 500, "The binlog position to resume from is no longer on the source"),
    ROW_NOT_EVALUATED("PSYNC_R9004", 500, "A source row could not be evaluated against the sync config"),
    REPLICATOR_FENCED("PSYNC_R9005", 409, "Another replicator took over this connection"),
    KAFKA_UNAVAILABLE("PSYNC_R9006", 503, "Kafka cannot be reached"),
    KAFKA_REFUSED("PSYNC_R9007", 500, "Kafka refused the replicator's writes"),

    // Service (PSYNC_S...)
    ROW_TOO_LARGE("PSYNC_S1002", 500, "A replicated row exceeds the size limit"),
    JSON_TOO_DEEP("PSYNC_S1004", 400, "JSON value nested too deeply"),
    REQUEST_INVALID("PSYNC_S2001", 400, "Validation failed"),
    ROUTE_NOT_FOUND("PSYNC_S2002", 404, "Route not found"),
    SHUTTING_DOWN("PSYNC_S2003", 503, "Service shutting down"),
    UNSUPPORTED_MEDIA_TYPE("PSYNC_S2004", 415, "Unsupported media type"),
    REQUEST_TOO_LARGE("PSYNC_S2901", 413, "Request body too large"),
    AUTH_FAILED("PSYNC_S2101", 401, "Authentication failed"),
    AUTH_SIGNATURE_INVALID("PSYNC_S2102", 401, "Token signature verification failed"),
    AUTH_TOKEN_EXPIRED("PSYNC_S2103", 401, "JWT has expired"),
    AUTH_LIFETIME_TOO_LONG("PSYNC_S2104", 401, "Token lifetime is too long"),
    AUTH_AUDIENCE_INVALID("PSYNC_S2105", 401, "Token audience is missing or not allowed"),
    AUTH_HEADER_MISSING("PSYNC_S2106", 401, "Authorization header missing or malformed"),
    AUTH_JWKS_UNAVAILABLE("PSYNC_S2204", 401, "The key set could not be fetched"),
    NO_ACTIVE_SYNC_CONFIG("PSYNC_S2302", 500, "No sync config is active yet"),
    TOO_MANY_CONNECTIONS("PSYNC_S2304", 429, "Too many concurrent sync connections"),
    TOO_MANY_BUCKETS("PSYNC_S2305", 400, "Too many buckets for one connection"),
    STORAGE_UNAVAILABLE("PSYNC_S2401", 503, "Bucket storage is unavailable"),
    FORBIDDEN("PSYNC_S9001", 403, "The caller may not do this"),
    SYNC_CONFIG_DEPLOYING("PSYNC_S4106", 409, "A sync config version is being deployed already"),

    // Attachments (ours)
    ATTACHMENT_NOT_FOUND("PSYNC_S9101", 404, "No such attachment"),
    ATTACHMENT_TOO_LARGE("PSYNC_S9102", 413, "The attachment exceeds the size limit"),

    // Service configuration
    SERVICE_CONFIG_INVALID("PSYNC_S1100", 500, "The service configuration is not valid");

    private final String code;
    private final int httpStatus;
    private final String summary;

    ErrorCode(String code, int httpStatus, String summary) {
        this.code = code;
        this.httpStatus = httpStatus;
        this.summary = summary;
    }

    /** The code shown to users, such as {@code PSYNC_S2103}. */
    public String code() {
        return code;
    }

    public int httpStatus() {
        return httpStatus;
    }

    public String summary() {
        return summary;
    }

    /** Whether retrying the same request later can succeed (the source or storage may come back). */
    public boolean isTransient() {
        return httpStatus == 503 || httpStatus == 429;
    }
}
