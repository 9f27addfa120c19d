package org.syncsuite.gateway.service;

import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.Locale;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.logging.Level;
import java.util.logging.Logger;
import java.util.zip.GZIPOutputStream;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import io.helidon.http.HeaderName;
import io.helidon.http.HeaderNames;
import io.helidon.http.Status;
import io.helidon.microprofile.server.RoutingPath;
import io.helidon.webserver.http.HttpRules;
import io.helidon.webserver.http.HttpService;
import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http.ServerResponse;
import org.eclipse.microprofile.config.inject.ConfigProperty;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

import org.syncsuite.core.ErrorCode;
import org.syncsuite.core.SyncException;
import org.syncsuite.core.protocol.CheckpointRequest;
import org.syncsuite.core.protocol.StreamingSyncRequest;
import org.syncsuite.gateway.api.FlushBuffer;
import org.syncsuite.gateway.api.SyncApi;
import org.syncsuite.gateway.auth.VerifiedToken;

/**
 * PowerSync's client protocol over HTTP: {@code POST /sync/stream}, {@code GET
 * /write-checkpoint2.json}, {@code POST /sync/checkpoint-request} and the {@code /probes}. A plain
 * Helidon route rather than a JAX-RS resource: a stream is one long response written line by
 * line on the request's virtual thread, flushed as the protocol needs, with nothing buffered per
 * connection beyond the socket's own buffer, which is what lets one process hold ten thousand.
 * Errors answer PowerSync's JSON ({@code {"error":{"name","code","status","description"}}}); bad
 * input is logged at FINE, never as an internal error.
 */
@ApplicationScoped
@RoutingPath("/")
public class SyncRoutes implements HttpService {

    private static final Logger LOG = Logger.getLogger(SyncRoutes.class.getName());
    private static final ObjectMapper JSON = org.syncsuite.core.JsonMappers.builder().build();
    /** The largest request body accepted. */
    static final int MAX_BODY = 1 << 20;
    private static final HeaderName X_ACCEL_BUFFERING = HeaderNames.create("X-Accel-Buffering");
    private static final HeaderName ALLOW_ORIGIN = HeaderNames.create("Access-Control-Allow-Origin");
    private static final HeaderName ALLOW_HEADERS = HeaderNames.create("Access-Control-Allow-Headers");
    private static final HeaderName ALLOW_METHODS = HeaderNames.create("Access-Control-Allow-Methods");
    private static final HeaderName EXPOSE_HEADERS = HeaderNames.create("Access-Control-Expose-Headers");
    private static final HeaderName MAX_AGE = HeaderNames.create("Access-Control-Max-Age");

    @Inject
    ApiService service;
    /**
     * Streams that may be gzip-compressed at once. Each holds a deflater (about 300 KiB of native
     * memory) for its whole life; beyond this many, streams go out uncompressed, which every client
     * accepts, so that thousands of streams (Node's fetch always asks for gzip) cost little memory.
     */
    @Inject
    @ConfigProperty(name = "gateway.api.max-compressed-streams", defaultValue = "1000")
    int maxCompressedStreams;
    private final AtomicInteger compressedStreams = new AtomicInteger();

    @Override
    public void routing(HttpRules rules) {
        rules.options("/sync/stream", this::preflight)
                .options("/sync/checkpoint-request", this::preflight)
                .options("/write-checkpoint2.json", this::preflight)
                .post("/sync/stream", this::stream)
                .get("/write-checkpoint2.json", this::writeCheckpoint)
                .post("/sync/checkpoint-request", this::checkpointRequest)
                .get("/probes/startup", (req, res) -> probe(res, service.api().isPresent()))
                .get("/probes/liveness", (req, res) -> probe(res, service.api().isPresent()))
                .get("/probes/readiness", (req, res) -> probe(res, service.api().map(SyncApi::hub)
                        .map(hub -> hub.served().isPresent() && hub.isFollowing()).orElse(false)));
    }

    private void stream(ServerRequest req, ServerResponse res) {
        cors(res);
        SyncApi api;
        SyncApi.Stream stream;
        String mediaType;
        VerifiedToken token = null;
        try {
            api = api();
            token = api.authenticate(req.headers().first(HeaderNames.AUTHORIZATION));
            StreamingSyncRequest request = StreamingSyncRequest.parse(body(req));
            mediaType = SyncApi.negotiate(req.headers().first(HeaderNames.ACCEPT));
            stream = api.open(token, request);
        } catch (RuntimeException e) {
            if (token != null) {
                service.stats().userError(token.userId(), SyncException.in(e).map(s -> s.errorCode().code()).orElse("internal"),
                        e.getMessage());
            }
            fail(req, res, e);
            return;
        }
        boolean gzip = acceptsGzip(req.headers().first(HeaderNames.ACCEPT_ENCODING)) && reserveCompression();
        try (stream) {
            res.status(Status.OK_200);
            res.header(HeaderNames.CONTENT_TYPE, mediaType);
            res.header(X_ACCEL_BUFFERING, "no");
            res.header(HeaderNames.CACHE_CONTROL, "no-store");
            if (gzip) {
                res.header(HeaderNames.CONTENT_ENCODING, "gzip");
            }
            try (OutputStream body = new FlushBuffer(res.outputStream(), 16 * 1024);
                 OutputStream out = gzip ? new GZIPOutputStream(body, 8192, true) : body) {
                stream.serve(mediaType, out);
            }
        } catch (IOException | UncheckedIOException e) {
            LOG.fine(() -> "A client went away: " + e.getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (RuntimeException e) {
            service.stats().userError(token.userId(), SyncException.in(e).map(s -> s.errorCode().code()).orElse("internal"),
                    "The stream ended with an error: " + e.getMessage());
            // After the 200 the protocol has no in-band error: the body ends and the client retries.
            LOG.log(SyncException.in(e).map(s -> s.errorCode().isTransient() || s.httpStatus() < 500).orElse(false)
                    ? Level.WARNING : Level.SEVERE, "A sync stream failed: " + e.getMessage(), e);
        } finally {
            if (gzip) {
                compressedStreams.decrementAndGet();
            }
        }
    }

    private boolean reserveCompression() {
        if (compressedStreams.incrementAndGet() > maxCompressedStreams) {
            compressedStreams.decrementAndGet();
            return false;
        }
        return true;
    }

    private void writeCheckpoint(ServerRequest req, ServerResponse res) {
        cors(res);
        try {
            RequestBodies.checkFraming(req);
            SyncApi api = api();
            VerifiedToken token = api.authenticate(req.headers().first(HeaderNames.AUTHORIZATION));
            String clientId = req.query().contains("client_id") ? req.query().get("client_id") : "";
            long id = api.writeCheckpoint(token, clientId);
            json(res, Status.OK_200, CheckpointRequest.writeCheckpointJson(id));
        } catch (RuntimeException e) {
            fail(req, res, e);
        }
    }

    private void checkpointRequest(ServerRequest req, ServerResponse res) {
        cors(res);
        try {
            SyncApi api = api();
            VerifiedToken token = api.authenticate(req.headers().first(HeaderNames.AUTHORIZATION));
            CheckpointRequest request = CheckpointRequest.parse(body(req));
            long stored = api.checkpointRequest(token, request.clientId().orElse(""), request.checkpointRequestId());
            json(res, Status.OK_200, CheckpointRequest.responseJson(stored));
        } catch (RuntimeException e) {
            fail(req, res, e);
        }
    }

    private void preflight(ServerRequest req, ServerResponse res) {
        cors(res);
        res.header(ALLOW_METHODS, "GET, POST, OPTIONS");
        res.header(MAX_AGE, "3600");
        res.status(Status.NO_CONTENT_204).send();
    }

    private static void probe(ServerResponse res, boolean ok) {
        json(res, ok ? Status.OK_200 : Status.SERVICE_UNAVAILABLE_503, "{\"ready\":" + ok + "}");
    }

    private SyncApi api() {
        return service.api().orElseThrow(() -> new SyncException(ErrorCode.SHUTTING_DOWN,
                "The sync api is not running in this process (starting, stopping, or gateway.role is writer)"));
    }

    /** The request body, at most {@link #MAX_BODY} bytes. */
    private static byte[] body(ServerRequest req) {
        return RequestBodies.read(req, MAX_BODY);
    }

    private static boolean acceptsGzip(Optional<String> acceptEncoding) {
        for (String coding : acceptEncoding.orElse("").split(",")) {
            String[] parts = coding.split(";");
            if (parts[0].strip().toLowerCase(Locale.ROOT).equals("gzip")) {
                return !(parts.length > 1 && parts[1].strip().replace(" ", "").matches("q=0(\\.0*)?"));
            }
        }
        return false;
    }

    private static void cors(ServerResponse res) {
        res.header(ALLOW_ORIGIN, "*");
        res.header(ALLOW_HEADERS, "Content-Type, Authorization, User-Agent, X-User-Agent");
        res.header(EXPOSE_HEADERS, "Content-Type");
    }

    private static void fail(ServerRequest req, ServerResponse res, RuntimeException error) {
        Optional<SyncException> sync = SyncException.in(error);
        if (sync.isEmpty()) {
            LOG.log(Level.SEVERE, "Internal error on " + req.prologue().uriPath().path() + ": " + error, error);
            json(res, Status.INTERNAL_SERVER_ERROR_500, errorJson(ErrorCode.STORAGE_UNAVAILABLE.code(), 500, "ServiceError",
                    "Internal error: " + error.getMessage()));
            return;
        }
        SyncException e = sync.get();
        int status = e.httpStatus();
        if (status >= 500 && !e.errorCode().isTransient()) {
            LOG.log(Level.WARNING, req.prologue().uriPath().path() + " answered " + status + ": " + e.getMessage());
        } else {
            LOG.fine(() -> req.prologue().uriPath().path() + " answered " + status + " " + e.errorCode().code() + ": "
                    + e.getMessage());
        }
        if (e.errorCode() == ErrorCode.TOO_MANY_CONNECTIONS) {
            res.status(Status.create(429)).send(); // PowerSync answers the HTTP variant with an empty body
            return;
        }
        String name = status == 401 ? "AuthorizationError" : "ServiceError";
        json(res, Status.create(status), errorJson(e.errorCode().code(), status, name, e.getMessage()));
    }

    private static String errorJson(String code, int status, String name, String description) {
        ObjectNode root = JSON.createObjectNode();
        root.putObject("error").put("name", name).put("code", code).put("status", status).put("description", description);
        return root.toString();
    }

    private static void json(ServerResponse res, Status status, String json) {
        res.status(status);
        res.header(HeaderNames.CONTENT_TYPE, "application/json");
        res.send(json.getBytes(StandardCharsets.UTF_8));
    }
}
