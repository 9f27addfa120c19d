package org.syncsuite.attachments;

import com.fasterxml.jackson.databind.ObjectMapper;

import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;

/**
 * A request the service refuses, with its HTTP status and a stable code: answered as
 * {@code {"code": ..., "error": ...}}.
 */
class ServiceError extends RuntimeException {

    private static final long serialVersionUID = 1L;
    private static final ObjectMapper JSON = new ObjectMapper();

    private final int status;
    private final String code;

    ServiceError(int status, String code, String message) {
        super(message, null, false, false);
        this.status = status;
        this.code = code;
    }

    static ServiceError unauthorized(String message) {
        return new ServiceError(401, "UNAUTHORIZED", message);
    }

    static ServiceError forbidden(String id) {
        return new ServiceError(403, "FORBIDDEN", "Attachment " + id + " belongs to another user");
    }

    static ServiceError notFound(String id) {
        return new ServiceError(404, "NOT_FOUND", "No attachment " + id);
    }

    int status() {
        return status;
    }

    String code() {
        return code;
    }

    Response response() {
        return json(status, code, getMessage());
    }

    static Response json(int status, String code, String message) {
        return Response.status(status).type(MediaType.APPLICATION_JSON_TYPE)
                .entity(JSON.createObjectNode().put("code", code).put("error", message).toString()).build();
    }
}
