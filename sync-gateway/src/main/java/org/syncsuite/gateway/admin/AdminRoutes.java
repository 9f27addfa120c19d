package org.syncsuite.gateway.admin;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.logging.Level;
import java.util.logging.Logger;

import jakarta.annotation.PreDestroy;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import io.helidon.http.HeaderNames;
import io.helidon.http.Status;
import io.helidon.microprofile.server.RoutingPath;
import io.helidon.webserver.http.Handler;
import io.helidon.webserver.http.HttpRules;
import io.helidon.webserver.http.HttpService;
import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http.ServerResponse;
import org.eclipse.microprofile.config.inject.ConfigProperty;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

import org.syncsuite.core.ErrorCode;
import org.syncsuite.core.JsonMappers;
import org.syncsuite.core.SyncException;
import org.syncsuite.core.config.ConfigIssue;
import org.syncsuite.core.config.SyncConfigException;
import org.syncsuite.core.service.ServiceConfig;
import org.syncsuite.gateway.service.ApiService;
import org.syncsuite.gateway.service.GatewayRole;
import org.syncsuite.gateway.service.RequestBodies;
import org.syncsuite.gateway.storage.StorageDatabase;
import org.syncsuite.gateway.writer.WriterSetup;
import org.syncsuite.gateway.writer.WriterStats;

/**
 * The management API over HTTP (reference §8): {@code /api/admin/v1/*} and
 * {@code /api/sync-rules/v1/*}, authorised by a token of the service config's {@code api.tokens}
 * as {@code Authorization: Bearer <token>} or {@code Token <token>}. With no tokens configured
 * every call is refused. At most 10 calls run at once and 20 wait, as PowerSync allows; answers
 * are {@code {"data": ...}} except the sync-rules validate, and errors are PowerSync's error JSON.
 */
@ApplicationScoped
@RoutingPath("/api")
public class AdminRoutes implements HttpService {

    private static final Logger LOG = Logger.getLogger(AdminRoutes.class.getName());
    private static final ObjectMapper JSON = JsonMappers.builder().build();
    /** The largest request body accepted (a sync config). */
    static final int MAX_BODY = 4 << 20;

    @Inject
    ServiceConfig config;
    @Inject
    ApiService apiService;
    @Inject
    GatewayRole role;
    @Inject
    WriterStats writerStats;
    @Inject
    @ConfigProperty(name = "gateway.admin.execute-sql", defaultValue = "read-only")
    String executeSql;

    private final Semaphore running = new Semaphore(10);
    private final Semaphore queued = new Semaphore(30);
    private volatile AdminApi admin;
    private com.zaxxer.hikari.HikariDataSource pool;

    @Override
    public void routing(HttpRules rules) {
        rules.post("/admin/v1/diagnostics", guarded((req, body) ->
                        wrap(admin().diagnostics(JSON.readTree(nonEmpty(body)).path("sync_rules_content").asBoolean(false)))))
                .post("/admin/v1/validate", guarded((req, body) -> wrap(admin().validate(syncRulesField(body)))))
                .post("/admin/v1/schema", guarded((req, body) -> wrap(admin().schema())))
                .post("/admin/v1/reprocess", guarded((req, body) -> wrap(admin().reprocessConnections())))
                .post("/admin/v1/execute-sql", guarded((req, body) -> {
                    JsonNode sql = JSON.readTree(nonEmpty(body)).path("sql");
                    if (!sql.path("query").isTextual()) {
                        throw new SyncException(ErrorCode.REQUEST_INVALID, "The body must be {\"sql\": {\"query\": \"...\", \"args\": []}}");
                    }
                    List<JsonNode> args = new ArrayList<>();
                    sql.path("args").forEach(args::add);
                    return wrap(admin().executeSql(sql.get("query").asText(), args));
                }))
                .post("/admin/v1/compact", guarded((req, body) -> wrap(admin().compact())))
                .get("/admin/v1/compact", guarded((req, body) -> wrap(admin().compaction())))
                .post("/admin/v1/status", guarded((req, body) -> wrap(admin().status())))
                .post("/admin/v1/inspect-user", guarded((req, body) -> {
                    JsonNode request = JSON.readTree(nonEmpty(body));
                    String user = request.path("user_id").asText("");
                    if (user.isBlank()) {
                        throw new SyncException(ErrorCode.REQUEST_INVALID, "user_id is required");
                    }
                    ObjectNode sync = JSON.createObjectNode();
                    if (request.has("parameters")) {
                        sync.set("parameters", request.get("parameters"));
                    }
                    if (request.has("streams")) {
                        sync.set("streams", request.get("streams"));
                    }
                    return wrap(admin().inspectUser(user, request.get("claims"), JSON.writeValueAsBytes(sync)));
                }))
                .post("/admin/v1/token", guarded((req, body) -> {
                    JsonNode request = JSON.readTree(nonEmpty(body));
                    return wrap(admin().token(request.path("subject").asText(""), request.path("expires_in_seconds").asLong(43_200)));
                }))
                .post("/sync-rules/v1/deploy", guarded((req, body) -> wrap(admin().deploy(syncConfigBody(req, body)))))
                .post("/sync-rules/v1/validate", guarded((req, body) -> admin().validateSyncRules(syncConfigBody(req, body))))
                .get("/sync-rules/v1/current", guarded((req, body) -> wrap(admin().current())))
                .post("/sync-rules/v1/reprocess", guarded((req, body) -> wrap(admin().reprocess())));
    }

    /** A route's work: the request and its body in, the JSON to answer out. */
    @FunctionalInterface
    private interface Route {
        JsonNode handle(ServerRequest req, byte[] body) throws IOException;
    }

    private Handler guarded(Route route) {
        return (req, res) -> {
            if (!queued.tryAcquire()) {
                fail(req, res, new SyncException(ErrorCode.TOO_MANY_CONNECTIONS, "Too many admin requests at once"));
                return;
            }
            try {
                authorize(req);
                byte[] body = RequestBodies.read(req, MAX_BODY);
                if (!running.tryAcquire(30, TimeUnit.SECONDS)) {
                    throw new SyncException(ErrorCode.TOO_MANY_CONNECTIONS, "Too many admin requests at once");
                }
                try {
                    JsonNode answer = route.handle(req, body);
                    res.status(Status.OK_200);
                    res.header(HeaderNames.CONTENT_TYPE, "application/json");
                    res.header(HeaderNames.CACHE_CONTROL, "no-store");
                    res.send(JSON.writerWithDefaultPrettyPrinter().writeValueAsBytes(answer));
                } finally {
                    running.release();
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                fail(req, res, new SyncException(ErrorCode.SHUTTING_DOWN, "Interrupted"));
            } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
                fail(req, res, new SyncException(ErrorCode.REQUEST_INVALID, "The body is not valid JSON: " + e.getOriginalMessage()));
            } catch (IOException e) {
                fail(req, res, new SyncException(ErrorCode.REQUEST_INVALID, "The request could not be read: " + e.getMessage()));
            } catch (RuntimeException e) {
                fail(req, res, e);
            } finally {
                queued.release();
            }
        };
    }

    /** Checks the {@code Authorization} header against {@code api.tokens}, in constant time. */
    private void authorize(ServerRequest req) {
        List<String> tokens = config.api().tokens();
        if (tokens.isEmpty()) {
            throw new SyncException(ErrorCode.AUTH_FAILED, "Authentication disabled: the service config lists no api.tokens");
        }
        String header = req.headers().first(HeaderNames.AUTHORIZATION).orElse("").strip();
        String token;
        String lower = header.toLowerCase(Locale.ROOT);
        if (lower.startsWith("bearer ")) {
            token = header.substring(7).strip();
        } else if (lower.startsWith("token ")) {
            token = header.substring(6).strip();
        } else {
            throw new SyncException(ErrorCode.AUTH_FAILED, "Authorization: Bearer <api token> is required");
        }
        byte[] given = token.getBytes(StandardCharsets.UTF_8);
        boolean match = false;
        for (String allowed : tokens) {
            match |= MessageDigest.isEqual(given, allowed.getBytes(StandardCharsets.UTF_8));
        }
        if (!match) {
            throw new SyncException(ErrorCode.AUTH_FAILED, "The API token is not one of api.tokens");
        }
    }

    private static JsonNode wrap(JsonNode data) {
        ObjectNode root = JSON.createObjectNode();
        root.set("data", data);
        return root;
    }

    private static byte[] nonEmpty(byte[] body) {
        return body.length == 0 ? "{}".getBytes(StandardCharsets.US_ASCII) : body;
    }

    private static String syncRulesField(byte[] body) throws IOException {
        JsonNode content = JSON.readTree(nonEmpty(body)).path("sync_rules");
        if (!content.isTextual()) {
            throw new SyncException(ErrorCode.REQUEST_INVALID, "The body must be {\"sync_rules\": \"<sync config YAML>\"}");
        }
        return content.asText();
    }

    /** A sync config sent as YAML ({@code application/yaml}, or any text) or as JSON {@code {"content": "..."}}. */
    private static String syncConfigBody(ServerRequest req, byte[] body) throws IOException {
        String type = req.headers().first(HeaderNames.CONTENT_TYPE).orElse("").toLowerCase(Locale.ROOT);
        if (type.startsWith("application/json")) {
            JsonNode content = JSON.readTree(nonEmpty(body)).path("content");
            if (!content.isTextual()) {
                throw new SyncException(ErrorCode.REQUEST_INVALID, "The body must be {\"content\": \"<sync config YAML>\"}");
            }
            return content.asText();
        }
        if (body.length == 0) {
            throw new SyncException(ErrorCode.REQUEST_INVALID, "The body must hold the sync config (Content-Type: application/yaml)");
        }
        return new String(body, StandardCharsets.UTF_8);
    }

    private static void fail(ServerRequest req, ServerResponse res, RuntimeException error) {
        Optional<SyncException> sync = SyncException.in(error);
        String path = req.prologue().uriPath().path();
        ObjectNode root = JSON.createObjectNode();
        ObjectNode body = root.putObject("error");
        int status;
        if (sync.isEmpty()) {
            LOG.log(Level.SEVERE, "Internal error on " + path + ": " + error, error);
            status = 500;
            body.put("name", "ServiceError").put("code", "PSYNC_S2001").put("status", 500)
                    .put("description", "Internal error: " + error.getMessage());
        } else {
            SyncException e = sync.get();
            status = e.httpStatus();
            LOG.log(status >= 500 && !e.errorCode().isTransient() ? Level.WARNING : Level.FINE,
                    () -> path + " answered " + status + " " + e.errorCode().code() + ": " + e.getMessage());
            body.put("name", status == 401 ? "AuthorizationError" : "ServiceError").put("code", e.errorCode().code())
                    .put("status", status).put("description", e.getMessage());
            if (e instanceof SyncConfigException config) {
                var details = body.putArray("details");
                for (ConfigIssue issue : config.issues()) {
                    ObjectNode detail = details.addObject();
                    detail.put("level", issue.isError() ? "fatal" : "warning").put("message", issue.message()).put("code", issue.code());
                    if (issue.line() > 0) {
                        detail.put("line", issue.line()).put("column", issue.column());
                    }
                }
            }
        }
        res.status(Status.create(status));
        res.header(HeaderNames.CONTENT_TYPE, "application/json");
        res.send(root.toString().getBytes(StandardCharsets.UTF_8));
    }

    private AdminApi admin() {
        AdminApi current = admin;
        if (current != null) {
            return current;
        }
        synchronized (this) {
            if (admin == null) {
                StorageDatabase storage = WriterSetup.storage(config);
                pool = storage.pool("gateway-admin", 3);
                AdminApi.SqlAccess access = switch (executeSql.strip().toLowerCase(Locale.ROOT)) {
                    case "disabled", "false", "off" -> AdminApi.SqlAccess.DISABLED;
                    case "read-write", "write" -> AdminApi.SqlAccess.READ_WRITE;
                    default -> AdminApi.SqlAccess.READ_ONLY;
                };
                admin = new AdminApi(config, storage, pool, apiService::api,
                        () -> role.writes() ? Optional.of(new AdminApi.CheckpointCounters(writerStats.checkpoints(), writerStats.ops()))
                                : Optional.empty(), access, Clock.systemUTC());
            }
            return admin;
        }
    }

    @PreDestroy
    synchronized void stop() {
        if (admin != null) {
            admin.close();
        }
        if (pool != null) {
            pool.close();
        }
    }
}
