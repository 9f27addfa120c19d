package org.syncsuite.gateway.service;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Pattern;

import jakarta.enterprise.context.ApplicationScoped;
import io.helidon.http.HeaderName;
import io.helidon.http.HeaderNames;
import io.helidon.http.Method;
import io.helidon.http.Status;
import io.helidon.microprofile.server.RoutingPath;
import io.helidon.webserver.http.HttpRules;
import io.helidon.webserver.http.HttpService;
import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http.ServerResponse;

/**
 * The gateway's built-in dashboard: static files from the class path folder {@code dashboard/},
 * {@code index.html} at {@code /} and {@code /dashboard/}, every other file at {@code
 * /dashboard/<name>}. Only GET and HEAD; names are one path segment of letters, digits, dots,
 * dashes and underscores with a known extension, so nothing outside the folder can be named.
 * The page itself talks to the admin API with the token its user enters; nothing here is secret.
 */
@ApplicationScoped
@RoutingPath("/")
public class DashboardRoutes implements HttpService {

    /** The class path folder the files are served from. */
    static final String FOLDER = "dashboard/";
    private static final Pattern NAME = Pattern.compile("[A-Za-z0-9_-][A-Za-z0-9._-]{0,99}");
    private static final Map<String, String> TYPES = Map.of(
            "html", "text/html; charset=UTF-8",
            "js", "text/javascript; charset=UTF-8",
            "mjs", "text/javascript; charset=UTF-8",
            "css", "text/css; charset=UTF-8",
            "svg", "image/svg+xml",
            "png", "image/png",
            "ico", "image/x-icon",
            "json", "application/json",
            "txt", "text/plain; charset=UTF-8");
    private static final HeaderName CONTENT_SECURITY_POLICY = HeaderNames.create("Content-Security-Policy");
    private static final HeaderName CONTENT_TYPE_OPTIONS = HeaderNames.create("X-Content-Type-Options");
    /** Everything from this origin only: the page loads no script, style or font from elsewhere. */
    private static final String POLICY = "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
            + "connect-src 'self'; object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'self'";

    @Override
    public void routing(HttpRules rules) {
        for (Method method : new Method[] {Method.GET, Method.HEAD}) {
            rules.route(method, "/", (req, res) -> serve(req, res, "index.html"))
                    .route(method, "/dashboard", (req, res) -> redirect(res))
                    .route(method, "/dashboard/", (req, res) -> serve(req, res, "index.html"))
                    .route(method, "/dashboard/{file}", (req, res) -> serve(req, res, req.path().pathParameters().get("file")));
        }
    }

    private static void redirect(ServerResponse res) {
        res.status(Status.MOVED_PERMANENTLY_301);
        res.header(HeaderNames.LOCATION, "/dashboard/");
        res.send();
    }

    private static void serve(ServerRequest req, ServerResponse res, String name) {
        Optional<String> type = contentType(name);
        Optional<byte[]> bytes = type.flatMap(t -> read(name));
        res.header(HeaderNames.CACHE_CONTROL, "no-cache");
        res.header(CONTENT_TYPE_OPTIONS, "nosniff");
        if (bytes.isEmpty()) {
            res.status(Status.NOT_FOUND_404);
            res.header(HeaderNames.CONTENT_TYPE, "text/plain; charset=UTF-8");
            byte[] message = ("No such dashboard file: " + name + "\n").getBytes(StandardCharsets.UTF_8);
            send(req, res, message);
            return;
        }
        res.status(Status.OK_200);
        res.header(HeaderNames.CONTENT_TYPE, type.get());
        if (type.get().startsWith("text/html")) {
            res.header(CONTENT_SECURITY_POLICY, POLICY);
        }
        send(req, res, bytes.get());
    }

    private static void send(ServerRequest req, ServerResponse res, byte[] body) {
        if (req.prologue().method().equals(Method.HEAD)) {
            res.header(HeaderNames.CONTENT_LENGTH, Integer.toString(body.length));
            res.send();
        } else {
            res.send(body);
        }
    }

    /** The content type of {@code name}, when it is a name this service may serve at all. */
    static Optional<String> contentType(String name) {
        if (name == null || !NAME.matcher(name).matches() || name.contains("..")) {
            return Optional.empty();
        }
        int dot = name.lastIndexOf('.');
        return dot < 0 ? Optional.empty() : Optional.ofNullable(TYPES.get(name.substring(dot + 1).toLowerCase(Locale.ROOT)));
    }

    /** The bytes of the dashboard file {@code name}, already checked by {@link #contentType}. */
    static Optional<byte[]> read(String name) {
        try (InputStream in = DashboardRoutes.class.getClassLoader().getResourceAsStream(FOLDER + name)) {
            return in == null ? Optional.empty() : Optional.of(in.readAllBytes());
        } catch (IOException e) {
            throw new UncheckedIOException("The dashboard file " + name + " could not be read", e);
        }
    }
}
