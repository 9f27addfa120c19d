package org.syncsuite.attachments;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.List;
import java.util.Optional;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import jakarta.annotation.security.PermitAll;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import jakarta.ws.rs.DELETE;
import jakarta.ws.rs.DefaultValue;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.HEAD;
import jakarta.ws.rs.HeaderParam;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.PUT;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.Context;
import jakarta.ws.rs.core.HttpHeaders;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import jakarta.ws.rs.core.StreamingOutput;

import org.eclipse.microprofile.jwt.JsonWebToken;
import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.responses.APIResponse;
import org.eclipse.microprofile.openapi.annotations.tags.Tag;
import org.syncsuite.core.service.ServiceConfig;

/**
 * The attachments REST API. Clients call it with the JWT they sync with ({@code Authorization:
 * Bearer}); services with an admin API token of {@code api.tokens} ({@code X-Api-Token}), which
 * reaches every user's attachments. Errors are {@code {"code": ..., "error": ...}}.
 */
@ApplicationScoped
@Path("/attachments")
@PermitAll
@Tag(name = "attachments", description = "Files beside the synced data, on S3-compatible storage")
public class AttachmentsResource {

    private static final ObjectMapper JSON = new ObjectMapper();
    /** Bytes copied per write from S3 to the response: large writes, few chunks. */
    private static final int COPY_BUFFER = 256 * 1024;
    /**
     * The first write's bytes. The server copies the first write into one buffer with the
     * headers (one packet for both); a small first write keeps that copy small. A whole first
     * buffer outgrew it, and each download then allocated a buffer of half a heap region or more.
     */
    private static final int FIRST_WRITE = 16 * 1024;
    /** The largest JSON body of a request (a presigned upload's description with its metadata). */
    static final int MAX_JSON_BODY = 64 * 1024;
    /** Seconds a client token may live (exp - iat), as the gateway allows; Supabase's keys a week and 20 minutes. */
    private static final long MAX_LIFETIME = 86_400;
    private static final long SUPABASE_MAX_LIFETIME = 7 * 86_400 + 1_200;

    @Inject
    JsonWebToken token;

    @Inject
    ServiceConfig serviceConfig;

    @Inject
    ServiceConfig.AttachmentsConfig config;

    @Inject
    Metadata metadata;

    @Inject
    ObjectStore store;

    @Inject
    WorkQueue queue;

    @Inject
    AttachmentsMetrics metrics;

    /**
     * The request's headers (a proxy to the current request's). The resource is one instance for
     * all requests: a request-scoped one cost a bean and its field injection per request.
     */
    @Context
    HttpHeaders headers;

    @PUT
    @Path("{id}")
    @Produces(MediaType.APPLICATION_JSON)
    @Operation(summary = "Upload an attachment's bytes (streamed); optional X-Content-SHA256 is checked")
    @APIResponse(responseCode = "201", description = "Stored")
    @APIResponse(responseCode = "200", description = "The same bytes were already stored under this id")
    @APIResponse(responseCode = "400", description = "Bad id, SHA-256, filename or metadata; or the bytes do not match X-Content-SHA256")
    @APIResponse(responseCode = "401", description = "No valid token")
    @APIResponse(responseCode = "403", description = "The id is another user's")
    @APIResponse(responseCode = "409", description = "The id holds other bytes, or an upload of it is in progress")
    @APIResponse(responseCode = "413", description = "Larger than the size limit, or over the user's quota")
    @APIResponse(responseCode = "415", description = "Media type not allowed")
    @APIResponse(responseCode = "503", description = "S3 or the database is unavailable: retry")
    public Response upload(@PathParam("id") String rawId, @HeaderParam("Content-Type") String contentType,
                           @HeaderParam("Content-Length") String contentLength, @HeaderParam("X-Content-SHA256") String sha,
                           @HeaderParam("X-Attachment-Filename") String filename, @HeaderParam("X-Attachment-Metadata") String meta,
                           InputStream body) throws ObjectStore.ObjectStoreException {
        Caller caller = uploader();
        String id = Uploads.id(rawId);
        String mediaType = Uploads.mediaType(contentType, config.allowedMediaTypes());
        String expected = Uploads.sha256(sha);
        long declared = length(contentLength);
        if (declared > config.maxFileSizeBytes()) {
            throw tooLarge(declared);
        }
        AttachmentView reserved = metadata.reserve(caller, id, false, declared, mediaType, expected, Uploads.filename(filename),
                Uploads.metadata(meta));
        if (reserved.state() == AttachmentEntity.State.AVAILABLE) {
            return Response.ok(reserved.toJson().toString(), MediaType.APPLICATION_JSON_TYPE).build();
        }
        // Without a length, the reservation is what the upload may grow to: the file limit, or the quota's room.
        boolean quotaBound = declared < 0 && reserved.size() < config.maxFileSizeBytes();
        long limit = declared >= 0 ? declared : reserved.size();
        Uploads.Measured measured = new Uploads.Measured(body, limit, quotaBound
                ? "over the quota of " + config.userQuotaBytes() + " bytes" : "larger than the limit of " + config.maxFileSizeBytes() + " bytes");
        String key = reserved.objectKey();
        String actual;
        try {
            if (declared >= 0 && declared <= ObjectStore.PART_SIZE) {
                // at most one part: S3's client would hold it in memory anyway, in buffers grown as it reads
                byte[] bytes = whole(measured, (int) declared);
                actual = measured.sha256();
                if (expected != null && !expected.equals(actual)) {
                    throw mismatch(actual, expected); // before a byte goes to S3 (given up below)
                }
                store.put(key, bytes, bytes.length, mediaType, actual);
            } else {
                store.put(key, measured, declared, mediaType);
                actual = measured.sha256();
            }
        } catch (ObjectStore.ObjectStoreException | IOException e) {
            giveUp(id, key);
            Throwable cause = e;
            while (cause != null && !(cause instanceof Uploads.TooLarge) && !(cause instanceof Uploads.Malformed)
                    && !(cause instanceof Uploads.Unreadable)) {
                cause = cause.getCause();
            }
            if (cause instanceof Uploads.Malformed) {
                throw new ServiceError(400, "INVALID_BODY", "The upload's body is malformed: " + cause.getMessage());
            }
            if (cause instanceof Uploads.Unreadable) {
                throw new ServiceError(400, "INVALID_BODY", "The upload's body could not be read: " + cause.getMessage());
            }
            if (cause != null) {
                throw new ServiceError(413, quotaBound ? "QUOTA_EXCEEDED" : "FILE_TOO_LARGE", "Attachment " + id + " is " + cause.getMessage());
            }
            if (e instanceof ObjectStore.ObjectStoreException store) {
                throw store;
            }
            throw new ServiceError(400, "INVALID_BODY", "The upload's body could not be read: " + e.getMessage());
        } catch (RuntimeException e) {
            giveUp(id, key);
            throw e;
        }
        if (expected != null && !expected.equals(actual)) {
            giveUp(id, key);
            throw mismatch(actual, expected);
        }
        AttachmentView stored;
        try {
            stored = metadata.complete(id, key, key, measured.count(), actual);
        } catch (ServiceError e) {
            giveUp(id, key); // deleted while it was uploading: its bytes go too
            throw e;
        }
        metrics.uploaded(false, measured.count());
        return Response.status(201).type(MediaType.APPLICATION_JSON_TYPE).entity(stored.toJson().toString()).build();
    }

    /**
     * The whole body of a declared {@code length}: refused as too large when more follows (the
     * measuring stream's limit), and as malformed when it ends before.
     */
    private static byte[] whole(Uploads.Measured body, int length) throws IOException {
        byte[] bytes = body.readNBytes(length);
        if (bytes.length < length || body.read() >= 0) { // past the limit, the measuring stream throws first
            throw new Uploads.Malformed("it holds other than the " + length + " bytes its Content-Length declares", null);
        }
        return bytes;
    }

    /** Bytes that are not those X-Content-SHA256 names. */
    private static ServiceError mismatch(String actual, String expected) {
        return new ServiceError(400, "SHA256_MISMATCH", "The bytes received have SHA-256 " + actual + ", not " + expected
                + " as X-Content-SHA256 says: nothing was stored");
    }

    /** An upload that will not complete: its reservation goes, and its object (if any of it landed) is deleted by the queue. */
    private void giveUp(String id, String key) {
        metadata.abandon(id, key);
        queue.wake();
    }

    @GET
    @Path("{id}")
    @Operation(summary = "Download an attachment (HEAD: its headers): Range requests (206, 416), ETag and If-None-Match (304)")
    @APIResponse(responseCode = "200", description = "The bytes")
    @APIResponse(responseCode = "206", description = "The requested range")
    @APIResponse(responseCode = "304", description = "Not modified")
    @APIResponse(responseCode = "403", description = "Another user's")
    @APIResponse(responseCode = "404", description = "No such attachment")
    @APIResponse(responseCode = "416", description = "The range is outside the attachment")
    public Response download(@PathParam("id") String rawId, @HeaderParam("Range") String range,
                             @HeaderParam("If-None-Match") String ifNoneMatch) throws ObjectStore.ObjectStoreException {
        return read(rawId, range, ifNoneMatch, true);
    }

    @HEAD
    @Path("{id}")
    @Operation(summary = "An attachment's headers without its bytes (its size also in X-Attachment-Size), without reading S3")
    public Response head(@PathParam("id") String rawId, @HeaderParam("Range") String range,
                         @HeaderParam("If-None-Match") String ifNoneMatch) throws ObjectStore.ObjectStoreException {
        return read(rawId, range, ifNoneMatch, false);
    }

    @DELETE
    @Path("{id}")
    @Produces(MediaType.APPLICATION_JSON)
    @Operation(summary = "Delete an attachment: accepted at once, its object removed from S3 by the work queue (with retries)")
    @APIResponse(responseCode = "202", description = "Accepted")
    @APIResponse(responseCode = "403", description = "Another user's")
    @APIResponse(responseCode = "404", description = "No such attachment")
    public Response delete(@PathParam("id") String rawId) {
        Caller caller = caller();
        AttachmentView deleting = metadata.markDeleting(caller, Uploads.id(rawId));
        queue.wake();
        return Response.status(202).type(MediaType.APPLICATION_JSON_TYPE).entity(deleting.toJson().toString()).build();
    }

    @GET
    @Produces(MediaType.APPLICATION_JSON)
    @Operation(summary = "The caller's attachments, by id, a page at a time ({\"items\": [...], \"next\": id or null})")
    public Response list(@QueryParam("after") @DefaultValue("") String after, @QueryParam("limit") @DefaultValue("100") String limitText,
                         @QueryParam("owner") String owner) {
        Caller caller = caller();
        // a String, not an int: JAX-RS answers a query parameter it cannot convert with a bare 404
        int limit = limitText.matches("\\d{1,4}") ? Integer.parseInt(limitText) : -1;
        if (limit < 1 || limit > 1000) {
            throw new ServiceError(400, "INVALID_LIMIT", "limit is 1 to 1000, not " + (limitText.length() > 20
                    ? limitText.substring(0, 20) + "..." : limitText));
        }
        String whose = owner == null || owner.isBlank() ? caller.subject() : owner;
        if (!caller.mayAccess(whose)) {
            throw new ServiceError(403, "FORBIDDEN", "Only an admin token lists another user's attachments");
        }
        List<AttachmentView> page = metadata.list(whose, after, limit + 1);
        ObjectNode body = JSON.createObjectNode();
        ArrayNode items = body.putArray("items");
        page.stream().limit(limit).forEach(a -> items.add(a.toJson()));
        body.put("next", page.size() > limit ? page.get(limit - 1).id() : null);
        return Response.ok(body.toString(), MediaType.APPLICATION_JSON_TYPE).build();
    }

    @POST
    @Path("{id}/upload-url")
    @Produces(MediaType.APPLICATION_JSON)
    @Operation(summary = "A presigned URL to PUT the bytes straight to S3; the upload is verified (size, SHA-256) before it is available")
    @APIResponse(responseCode = "200", description = "{\"url\", \"method\": \"PUT\", \"headers\", \"expires_at\"}")
    public Response uploadUrl(@PathParam("id") String rawId, InputStream requestBody) throws ObjectStore.ObjectStoreException {
        Caller caller = uploader();
        String id = Uploads.id(rawId);
        JsonNode request = json(requestBody);
        JsonNode sizeNode = request.path("size");
        // an integer that fits: asLong() would read "1" as 1 and 2^64 + 1 as 1
        long size = sizeNode.isIntegralNumber() && sizeNode.canConvertToLong() ? sizeNode.asLong() : -1;
        if (size < 0) {
            throw new ServiceError(400, "INVALID_SIZE", "A presigned upload declares its size in bytes: {\"size\": n, ...}");
        }
        if (size > config.maxFileSizeBytes()) {
            throw tooLarge(size);
        }
        String mediaType = Uploads.mediaType(request.path("media_type").asText(null), config.allowedMediaTypes());
        AttachmentView reserved = metadata.reserve(caller, id, true, size, mediaType, Uploads.sha256(request.path("sha256").asText(null)),
                Uploads.filename(request.path("filename").asText(null)),
                request.has("metadata") ? Uploads.metadata(request.get("metadata").toString()) : null);
        if (reserved.state() == AttachmentEntity.State.AVAILABLE) {
            return Response.ok(reserved.toJson().put("url", (String) null).toString(), MediaType.APPLICATION_JSON_TYPE).build();
        }
        String url = store.presigned(true, reserved.objectKey(), config.presignedUrlExpirySeconds());
        metrics.uploadUrl();
        ObjectNode answer = reserved.toJson().put("url", url).put("method", "PUT")
                .put("url_expires_at", Instant.now().plusSeconds(config.presignedUrlExpirySeconds()).toString());
        answer.putObject("headers").put("Content-Type", mediaType);
        return Response.ok(answer.toString(), MediaType.APPLICATION_JSON_TYPE).build();
    }

    @POST
    @Path("{id}/complete")
    @Produces(MediaType.APPLICATION_JSON)
    @Operation(summary = "Verify a presigned upload now (it is also verified in the background until it expires)")
    @APIResponse(responseCode = "200", description = "Available")
    @APIResponse(responseCode = "409", description = "Not arrived yet, or rejected (size or SHA-256), with the reason")
    public Response complete(@PathParam("id") String rawId) throws ObjectStore.ObjectStoreException {
        Caller caller = caller();
        String id = Uploads.id(rawId);
        AttachmentView row = metadata.find(id).orElseThrow(() -> ServiceError.notFound(id));
        if (!caller.mayAccess(row.owner())) {
            throw ServiceError.forbidden(id);
        }
        WorkQueue.Check check = queue.check(id, row.objectKey());
        return switch (check.verdict()) {
            case AVAILABLE -> Response.ok(metadata.find(id).orElseThrow(() -> ServiceError.notFound(id)).toJson().toString(),
                    MediaType.APPLICATION_JSON_TYPE).build();
            case NOT_YET -> throw new ServiceError(409, "NOT_UPLOADED", "Attachment " + id + ": " + check.reason());
            case REJECTED -> throw new ServiceError(409, "UPLOAD_REJECTED", "Attachment " + id + " was rejected: " + check.reason());
            case EXPIRED -> throw new ServiceError(409, "UPLOAD_EXPIRED", "Attachment " + id + ": " + check.reason());
            case GONE -> throw ServiceError.notFound(id);
        };
    }

    @GET
    @Path("{id}/download-url")
    @Produces(MediaType.APPLICATION_JSON)
    @Operation(summary = "A presigned URL to GET the bytes straight from S3")
    public Response downloadUrl(@PathParam("id") String rawId) throws ObjectStore.ObjectStoreException {
        AttachmentView row = readable(caller(), Uploads.id(rawId));
        ObjectNode answer = row.toJson().put("url", store.presignedDownload(row.objectKey(), config.presignedUrlExpirySeconds(),
                        row.mediaType(), Uploads.disposition(row.filename() == null ? row.id() : row.filename())))
                .put("method", "GET").put("url_expires_at", Instant.now().plusSeconds(config.presignedUrlExpirySeconds()).toString());
        metrics.downloadUrl();
        return Response.ok(answer.toString(), MediaType.APPLICATION_JSON_TYPE).build();
    }

    @POST
    @Path("admin/sweep")
    @Produces(MediaType.APPLICATION_JSON)
    @Operation(summary = "Remove objects no attachment names now (admin token only)")
    public Response sweep() throws ObjectStore.ObjectStoreException {
        if (!caller().admin()) {
            throw new ServiceError(403, "FORBIDDEN", "Only an admin token sweeps");
        }
        return Response.ok(JSON.createObjectNode().put("removed", queue.sweep()).toString(), MediaType.APPLICATION_JSON_TYPE).build();
    }

    // ---- helpers

    private Response read(String rawId, String range, String ifNoneMatch, boolean withBody) throws ObjectStore.ObjectStoreException {
        AttachmentView row = readable(caller(), Uploads.id(rawId));
        String disposition = Uploads.disposition(row.filename() == null ? row.id() : row.filename());
        if (ifNoneMatch != null && (ifNoneMatch.trim().equals("*") || List.of(ifNoneMatch.split(",")).stream()
                .map(String::trim).map(tag -> tag.startsWith("W/") ? tag.substring(2) : tag).anyMatch(row.etag()::equals))) {
            return Response.notModified().header("ETag", row.etag()).build();
        }
        long size = row.size();
        Optional<long[]> bounds = range(range, size);
        long offset = bounds.map(b -> b[0]).orElse(0L);
        long length = bounds.map(b -> b[1] - b[0] + 1).orElse(size);
        Response.ResponseBuilder response = Response.status(bounds.isPresent() ? 206 : 200)
                .header("Content-Type", row.mediaType()).header("ETag", row.etag()).header("Accept-Ranges", "bytes")
                .header("Content-Disposition", disposition).header("Content-Length", Long.toString(length))
                .header("X-Attachment-Size", Long.toString(size));
        if (bounds.isPresent()) {
            response.header("Content-Range", "bytes " + offset + "-" + (offset + length - 1) + "/" + size);
        }
        if (!withBody || length == 0) {
            return response.build();
        }
        InputStream in = store.get(row.objectKey(), offset, bounds.isPresent() ? length : -1);
        StreamingOutput out = output -> {
            try (InputStream source = in) {
                byte[] buffer = new byte[COPY_BUFFER];
                // whole buffers: S3's client reads 8 KiB at a time, and a write per read costs a system call each
                for (int n = source.readNBytes(buffer, 0, FIRST_WRITE); n > 0; n = source.readNBytes(buffer, 0, buffer.length)) {
                    output.write(buffer, 0, n);
                    metrics.downloadedBytes(n);
                }
            }
            metrics.downloadCompleted();
        };
        return response.entity(out).build();
    }

    /** The byte range asked for, inclusive, within {@code size}; empty for the whole (no header, several ranges, or not bytes). */
    static Optional<long[]> range(String header, long size) {
        if (header == null || !header.trim().startsWith("bytes=") || header.contains(",")) {
            return Optional.empty();
        }
        String spec = header.trim().substring(6).trim();
        int dash = spec.indexOf('-');
        if (dash < 0) {
            return Optional.empty();
        }
        String first = spec.substring(0, dash).trim();
        String last = spec.substring(dash + 1).trim();
        if (!first.matches("\\d*") || !last.matches("\\d*") || (first.isEmpty() && last.isEmpty())) {
            return Optional.empty(); // not a byte range: ignored
        }
        if (size == 0) {
            throw unsatisfiable(header, size);
        }
        if (first.isEmpty()) {
            long suffix = number(last);
            if (suffix == 0) {
                throw unsatisfiable(header, size);
            }
            return Optional.of(new long[]{Math.max(0, size - suffix), size - 1});
        }
        long start = number(first);
        long end = last.isEmpty() ? Long.MAX_VALUE : number(last);
        if (end < start) {
            return Optional.empty(); // not a valid range: ignored
        }
        if (start >= size) {
            throw unsatisfiable(header, size);
        }
        return Optional.of(new long[]{start, Math.min(end, size - 1)});
    }

    /** Digits as a number; more than a long holds reads as the largest (beyond any file). */
    private static long number(String digits) {
        try {
            return Long.parseLong(digits);
        } catch (NumberFormatException e) {
            return Long.MAX_VALUE;
        }
    }

    private static ServiceError unsatisfiable(String header, long size) {
        return new RangeError(size, "The range " + header + " is outside the attachment's " + size + " bytes");
    }

    /** 416 with {@code Content-Range: bytes *}{@code /size}. */
    static final class RangeError extends ServiceError {
        private static final long serialVersionUID = 1L;
        private final long size;

        RangeError(long size, String message) {
            super(416, "RANGE_NOT_SATISFIABLE", message);
            this.size = size;
        }

        @Override
        Response response() {
            return Response.fromResponse(super.response()).header("Content-Range", "bytes */" + size).build();
        }
    }

    private AttachmentView readable(Caller caller, String id) {
        AttachmentView row = metadata.find(id).orElseThrow(() -> ServiceError.notFound(id));
        if (!caller.mayAccess(row.owner())) {
            throw ServiceError.forbidden(id);
        }
        if (row.state() != AttachmentEntity.State.AVAILABLE) {
            throw ServiceError.notFound(id);
        }
        return row;
    }

    private Caller caller() {
        String apiToken = headers.getHeaderString("X-Api-Token");
        if (apiToken != null && !apiToken.isBlank()) {
            if (serviceConfig.api().tokens().stream().anyMatch(t -> java.security.MessageDigest.isEqual(
                    t.getBytes(StandardCharsets.UTF_8), apiToken.getBytes(StandardCharsets.UTF_8)))) {
                return new Caller("admin", true);
            }
            throw ServiceError.unauthorized("The X-Api-Token is not one of api.tokens");
        }
        String subject = token == null ? null : token.getSubject();
        if (subject == null || subject.isBlank()) {
            throw ServiceError.unauthorized("A valid client token is required: Authorization: Bearer <jwt>");
        }
        // MicroProfile JWT checked the signature, the audience and exp; PowerSync's other rules are ours
        long maxLifetime = serviceConfig.clientAuth().supabase() ? SUPABASE_MAX_LIFETIME : MAX_LIFETIME;
        RequestChecks.timesRefuse(token.getRawToken(), Instant.now().getEpochSecond(), maxLifetime).ifPresent(reason -> {
            throw ServiceError.unauthorized(reason);
        });
        return new Caller(subject, false);
    }

    /** Who uploads: a user, whose attachment it becomes. An admin token reads, lists and deletes, but owns nothing. */
    private Caller uploader() {
        Caller caller = caller();
        if (caller.admin()) {
            throw new ServiceError(403, "FORBIDDEN", "An attachment belongs to the user who uploads it: upload with a client token");
        }
        return caller;
    }

    private ServiceError tooLarge(long size) {
        return new ServiceError(413, "FILE_TOO_LARGE", size + " bytes is larger than the limit of " + config.maxFileSizeBytes() + " bytes");
    }

    private static long length(String header) {
        if (header == null || header.isBlank()) {
            return -1;
        }
        try {
            return Long.parseLong(header.trim());
        } catch (NumberFormatException e) {
            throw new ServiceError(400, "INVALID_LENGTH", "Content-Length is not a number: " + header);
        }
    }

    /** A JSON object body of at most {@link #MAX_JSON_BODY} bytes, read no further. */
    private static JsonNode json(InputStream in) {
        String body;
        try {
            byte[] bytes = in == null ? new byte[0] : Uploads.framed(() -> in.readNBytes(MAX_JSON_BODY + 1));
            if (bytes.length > MAX_JSON_BODY) {
                throw new ServiceError(413, "BODY_TOO_LARGE", "A JSON body is at most " + MAX_JSON_BODY + " bytes");
            }
            body = new String(bytes, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new ServiceError(400, "INVALID_BODY", "The body could not be read: " + e.getMessage());
        }
        try {
            JsonNode node = body.isBlank() ? JSON.createObjectNode() : JSON.readTree(body);
            if (!node.isObject()) {
                throw new ServiceError(400, "INVALID_BODY", "The body must be a JSON object");
            }
            return node;
        } catch (IOException e) {
            throw new ServiceError(400, "INVALID_BODY", "The body is not JSON: " + e.getMessage());
        }
    }
}
