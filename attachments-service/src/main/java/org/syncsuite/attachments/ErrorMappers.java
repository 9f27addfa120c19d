package org.syncsuite.attachments;

import java.util.logging.Level;
import java.util.logging.Logger;

import jakarta.ws.rs.WebApplicationException;
import jakarta.ws.rs.core.Response;
import jakarta.ws.rs.ext.ExceptionMapper;
import jakarta.ws.rs.ext.Provider;

/** Every failure as a JSON error body. */
final class ErrorMappers {

    private static final Logger LOG = Logger.getLogger(ErrorMappers.class.getName());

    private ErrorMappers() {
    }

    /** A refused request. */
    @Provider
    public static final class Refused implements ExceptionMapper<ServiceError> {
        @Override
        public Response toResponse(ServiceError e) {
            return e.response();
        }
    }

    /** S3 out of reach or failing: 503, the client retries. */
    @Provider
    public static final class Storage implements ExceptionMapper<ObjectStore.ObjectStoreException> {
        @Override
        public Response toResponse(ObjectStore.ObjectStoreException e) {
            LOG.log(Level.WARNING, e.getMessage());
            return ServiceError.json(503, "STORAGE_UNAVAILABLE", e.getMessage());
        }
    }

    /** Anything else: the framework's own answers keep their status; the rest is a 500 (or 503 for the database). */
    @Provider
    public static final class Other implements ExceptionMapper<Exception> {
        @Override
        public Response toResponse(Exception e) {
            if (e instanceof WebApplicationException web) {
                // unchanged: an unmatched path's 404 lets the server's other routes (health, OpenAPI) answer
                return web.getResponse();
            }
            for (Throwable cause = e; cause != null; cause = cause.getCause()) {
                if (cause instanceof ServiceError refused) {
                    return refused.response();
                }
                if (cause instanceof jakarta.persistence.PersistenceException || cause instanceof java.sql.SQLException) {
                    LOG.log(Level.WARNING, "The metadata database failed", e);
                    return ServiceError.json(503, "DATABASE_UNAVAILABLE", "The metadata database failed: " + cause.getMessage());
                }
            }
            LOG.log(Level.SEVERE, "Request failed", e);
            return ServiceError.json(500, "INTERNAL", "The request failed: " + e);
        }
    }
}
