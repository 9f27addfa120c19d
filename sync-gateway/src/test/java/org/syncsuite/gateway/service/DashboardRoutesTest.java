package org.syncsuite.gateway.service;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.Socket;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;

import io.helidon.webserver.WebServer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

/** The dashboard's files on a plain Helidon server: types, caching, HEAD, and nothing outside the folder. */
class DashboardRoutesTest {

    private static WebServer server;
    private static String base;
    private final HttpClient http = HttpClient.newHttpClient();

    @BeforeAll
    static void start() {
        server = WebServer.builder().port(0).host("127.0.0.1")
                .routing(routing -> routing.register("/", new DashboardRoutes())).build().start();
        base = "http://127.0.0.1:" + server.port();
    }

    @AfterAll
    static void stop() {
        if (server != null) {
            server.stop();
        }
    }

    @ParameterizedTest
    @CsvSource({
        "/, text/html; charset=UTF-8, <title>Sync gateway dashboard</title>",
        "/dashboard/, text/html; charset=UTF-8, id=\"login-form\"",
        "/dashboard/app.js, text/javascript; charset=UTF-8, import",
        "/dashboard/api.js, text/javascript; charset=UTF-8, /api/admin/v1/status",
        "/dashboard/style.css, text/css; charset=UTF-8, :root",
        "/dashboard/favicon.svg, image/svg+xml, <svg",
    })
    void servesTheFilesWithTheirTypes(String path, String type, String content) throws Exception {
        HttpResponse<String> response = get(path);
        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(response.headers().firstValue("Content-Type")).contains(type);
        assertThat(response.headers().firstValue("Cache-Control")).contains("no-cache");
        assertThat(response.headers().firstValue("X-Content-Type-Options")).contains("nosniff");
        assertThat(response.body()).contains(content);
    }

    @Test
    void everyModuleThePageImportsIsThere() throws Exception {
        String app = get("/dashboard/app.js").body() + get("/dashboard/status.js").body() + get("/dashboard/config.js").body();
        java.util.regex.Matcher imports = java.util.regex.Pattern.compile("from '\\./([a-z]+\\.js)'").matcher(app);
        int found = 0;
        while (imports.find()) {
            found++;
            assertThat(get("/dashboard/" + imports.group(1)).statusCode()).as(imports.group(1)).isEqualTo(200);
        }
        assertThat(found).isGreaterThan(5);
    }

    @Test
    void thePageAllowsNothingFromOtherOrigins() throws Exception {
        assertThat(get("/").headers().firstValue("Content-Security-Policy")).hasValueSatisfying(policy ->
                assertThat(policy).contains("default-src 'self'").contains("script-src 'self'"));
    }

    @Test
    void headAnswersTheLengthWithoutABody() throws Exception {
        HttpResponse<String> response = http.send(HttpRequest.newBuilder(URI.create(base + "/dashboard/style.css"))
                .method("HEAD", HttpRequest.BodyPublishers.noBody()).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(response.body()).isEmpty();
        assertThat(response.headers().firstValue("Content-Length").map(Integer::parseInt))
                .contains(get("/dashboard/style.css").body().getBytes(StandardCharsets.UTF_8).length);
    }

    @ParameterizedTest
    @ValueSource(strings = {"/dashboard/nothing.js", "/dashboard/index.php", "/dashboard/README", "/dashboard/.hidden.js",
        "/dashboard/..%2Flogging.properties", "/dashboard/%2e%2e%2fMETA-INF%2fbeans.xml", "/dashboard/a/b.js",
        "/logging.properties", "/dashboard/..%5Clogging.properties"})
    void unknownFilesAndOtherFoldersAre404(String path) throws Exception {
        assertThat(get(path).statusCode()).isEqualTo(404);
    }

    @Test
    void aDotDotPathIsNeverServed() throws Exception {
        // Sent raw: the JDK client would not send it as written.
        for (String path : new String[] {"/dashboard/../META-INF/beans.xml", "/dashboard/%2e%2e/logging.properties"}) {
            try (Socket socket = new Socket("127.0.0.1", server.port())) {
                socket.setSoTimeout(10_000);
                OutputStream out = socket.getOutputStream();
                out.write(("GET " + path + " HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
                out.flush();
                InputStream in = socket.getInputStream();
                StringBuilder statusLine = new StringBuilder();
                for (int c = in.read(); c >= 0 && c != '\n'; c = in.read()) {
                    statusLine.append((char) c);
                }
                assertThat(statusLine.toString()).as(path).startsWith("HTTP/1.1 4");
            }
        }
    }

    @Test
    void onlyGetAndHead() throws Exception {
        HttpResponse<String> post = http.send(HttpRequest.newBuilder(URI.create(base + "/dashboard/app.js"))
                .POST(HttpRequest.BodyPublishers.ofString("x")).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(post.statusCode()).isIn(404, 405);
        assertThat(post.body()).doesNotContain("import");
    }

    @Test
    void namesOutsideTheFolderHaveNoType() {
        assertThat(DashboardRoutes.contentType("../x.js")).isEmpty();
        assertThat(DashboardRoutes.contentType("a/b.js")).isEmpty();
        assertThat(DashboardRoutes.contentType("x..js")).isEmpty();
        assertThat(DashboardRoutes.contentType("app.js")).contains("text/javascript; charset=UTF-8");
        assertThat(DashboardRoutes.read("index.html")).isPresent();
    }

    private HttpResponse<String> get(String path) throws Exception {
        return http.send(HttpRequest.newBuilder(URI.create(base + path)).build(), HttpResponse.BodyHandlers.ofString());
    }
}
