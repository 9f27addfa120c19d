package org.syncsuite.demo;

import java.util.logging.Level;
import java.util.logging.Logger;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

import jakarta.persistence.PersistenceException;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import jakarta.ws.rs.ext.ExceptionMapper;
import jakarta.ws.rs.ext.Provider;

/** JSON error bodies: {@code {"code": ..., "error": ...}}. */
final class ErrorMappers {

    private static final Logger LOG = Logger.getLogger(ErrorMappers.class.getName());
    private static final ObjectMapper JSON = new ObjectMapper();

    private ErrorMappers() {
    }

    static Response error(Response.Status status, String code, String message) {
        ObjectNode body = JSON.createObjectNode().put("code", code).put("error", message);
        return Response.status(status).type(MediaType.APPLICATION_JSON_TYPE).entity(body.toString()).build();
    }

    /** A body that is not a batch of CRUD entries: 400. */
    @Provider
    public static final class MalformedBatch implements ExceptionMapper<CrudOp.MalformedBatchException> {
        @Override
        public Response toResponse(CrudOp.MalformedBatchException e) {
            return error(Response.Status.BAD_REQUEST, "BAD_BATCH", e.getMessage());
        }
    }

    /**
     * The database failed (out of reach, a deadlock, a lost connection): 503, so that the client
     * keeps the batch and retries it; nothing of it was applied. Anything else is a 500.
     */
    @Provider
    public static final class Database implements ExceptionMapper<Exception> {
        @Override
        public Response toResponse(Exception e) {
            if (e instanceof jakarta.ws.rs.WebApplicationException web) {
                return web.getResponse();
            }
            Throwable cause = e;
            while (cause != null && !(cause instanceof PersistenceException) && !(cause instanceof java.sql.SQLException)
                    && !(cause instanceof jakarta.transaction.RollbackException)) {
                cause = cause.getCause();
            }
            if (cause == null) {
                LOG.log(Level.SEVERE, "Upload failed", e);
                return error(Response.Status.INTERNAL_SERVER_ERROR, "INTERNAL", "The upload failed: " + e);
            }
            LOG.log(Level.WARNING, "Upload not applied, the database failed", e);
            return error(Response.Status.SERVICE_UNAVAILABLE, "DATABASE_UNAVAILABLE",
                    "The database failed; nothing of the batch was applied, retry it: " + cause.getMessage());
        }
    }
}
