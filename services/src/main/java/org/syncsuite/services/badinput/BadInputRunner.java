package org.syncsuite.services.badinput;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.zip.GZIPInputStream;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

/**
 * Sends each case of a {@link BadInputCorpus} to a running service and compares the answer with
 * the expected one. It never throws for a service's misbehaviour: each case's outcome lists its
 * problems (a wrong status, a 500, a missing or wrong error code, rows that should not be there,
 * no answer within the timeout), so that a test reports them all at once.
 */
public final class BadInputRunner {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String NDJSON = "application/x-ndjson";
    private static final String BSON = "application/vnd.powersync.bson-stream";
    /** How much of an error body is read and shown. */
    private static final int MAX_ERROR_BODY = 256 * 1024;

    private final String host;
    private final int port;
    private final CorpusTokens tokens;
    private final Duration timeout;

    public BadInputRunner(String host, int port, CorpusTokens tokens, Duration timeout) {
        this.host = host;
        this.port = port;
        this.tokens = tokens;
        this.timeout = timeout;
    }

    /** What became of a case: the status and error code received, and what was wrong (nothing when it passed). */
    public record Outcome(String name, int status, String code, long millis, List<String> problems) {
        public boolean passed() {
            return problems.isEmpty();
        }

        @Override
        public String toString() {
            return name + ": " + (status == 0 ? "no answer" : status + (code.isEmpty() ? "" : " " + code)) + " in " + millis + " ms"
                    + (problems.isEmpty() ? "" : " -- " + String.join("; ", problems));
        }
    }

    public List<Outcome> run(BadInputCorpus corpus) {
        return corpus.cases().stream().map(this::run).toList();
    }

    public Outcome run(BadInputCorpus.Case c) {
        long start = System.nanoTime();
        List<String> problems = new ArrayList<>();
        int status = 0;
        String code = "";
        BadInputCorpus.Request request = c.request();
        List<Map.Entry<String, String>> headers = new ArrayList<>();
        request.token().ifPresent(spec -> headers.add(Map.entry("Authorization", request.scheme() + " " + tokens.mint(spec))));
        request.authorization().ifPresent(value -> headers.add(Map.entry("Authorization", value)));
        request.headers().forEach((name, value) -> headers.add(Map.entry(name, Payloads.text(value))));
        try (RawHttp.Response response = RawHttp.send(host, port, request.method(), Payloads.text(request.path()), headers,
                request.body(), request.chunked(), request.framed(), request.endsOutput(), timeout)) {
            status = response.status();
            BadInputCorpus.Expectation expect = c.expect();
            if (!expect.statuses().contains(status)) {
                problems.add("status " + status + ", expected " + expect.statuses());
            }
            if (status >= 500 && status != 503) {
                problems.add("a server error");
            }
            if (status == 200 && isSyncStream(response)) {
                // a sync stream never ends: read its first checkpoint, then hang up
                Set<String> rows = firstCheckpointRows(response);
                if (expect.rows().isPresent() && !rows.equals(expect.rows().get())) {
                    problems.add("rows " + rows + ", expected " + expect.rows().get());
                }
            } else {
                String body = new String(response.readBody(MAX_ERROR_BODY), StandardCharsets.UTF_8);
                code = errorCode(body);
                if (expect.code().isPresent() && !expect.code().get().equals(code)) {
                    problems.add("code '" + code + "', expected " + expect.code().get() + "; body: " + shorten(body));
                } else if (!problems.isEmpty()) {
                    problems.add("body: " + shorten(body));
                }
                for (String included : expect.bodyIncludes()) {
                    if (!body.contains(included)) {
                        problems.add("the body lacks '" + included + "': " + shorten(body));
                    }
                }
                for (String excluded : expect.bodyExcludes()) {
                    if (body.contains(excluded)) {
                        problems.add("the body holds '" + excluded + "'");
                    }
                }
            }
        } catch (IOException | RuntimeException e) {
            problems.add("no answer: " + e);
        }
        return new Outcome(c.name(), status, code, (System.nanoTime() - start) / 1_000_000, List.copyOf(problems));
    }

    private static boolean isSyncStream(RawHttp.Response response) {
        String type = response.header("Content-Type").orElse("");
        return type.startsWith(NDJSON) || type.startsWith(BSON);
    }

    /**
     * The rows (object ids of PUTs) of a sync stream up to its first {@code checkpoint_complete}
     * (in NDJSON, gzip or not); of a BSON stream, only that its first document arrives.
     */
    private Set<String> firstCheckpointRows(RawHttp.Response response) throws IOException {
        Set<String> rows = new TreeSet<>();
        InputStream body = response.header("Content-Encoding").orElse("").equals("gzip")
                ? new GZIPInputStream(response.body(), 512) : response.body();
        if (response.header("Content-Type").orElse("").startsWith(BSON)) {
            byte[] length = body.readNBytes(4);
            int size = (length[0] & 0xff) | (length[1] & 0xff) << 8 | (length[2] & 0xff) << 16 | (length[3] & 0xff) << 24;
            if (body.readNBytes(size - 4).length != size - 4) {
                throw new IOException("The BSON stream ended inside its first document");
            }
            return rows;
        }
        // line by line, byte by byte: a Reader asks a gzip stream for more than one line (its available() is
        // always 1) and would wait for keepalives to fill its buffer
        for (String line = line(body); line != null; line = line(body)) {
            if (line.isBlank()) {
                continue;
            }
            JsonNode node = JSON.readTree(line);
            if (node.has("checkpoint_complete")) {
                return rows;
            }
            if (node.has("token_expires_in") && node.get("token_expires_in").asInt() <= 0) {
                break;
            }
            for (JsonNode op : node.path("data").path("data")) {
                if ("PUT".equals(op.path("op").asText())) {
                    rows.add(op.path("object_id").asText());
                }
            }
        }
        throw new IOException("The stream ended before checkpoint_complete; rows so far " + rows);
    }

    /** The next line of {@code in} without its end, or null at its end. */
    private static String line(InputStream in) throws IOException {
        java.io.ByteArrayOutputStream line = new java.io.ByteArrayOutputStream();
        int b = in.read();
        if (b < 0) {
            return null;
        }
        for (; b >= 0 && b != '\n'; b = in.read()) {
            line.write(b);
        }
        return line.toString(StandardCharsets.UTF_8);
    }

    /** The error code of a JSON error body: PowerSync's {@code {"error":{"code"}}} or {@code {"code"}}; empty if none. */
    static String errorCode(String body) {
        try {
            JsonNode root = JSON.readTree(body);
            if (root == null) {
                return "";
            }
            JsonNode error = root.path("error");
            if (error.isObject()) {
                return error.path("code").asText("");
            }
            return root.path("code").asText("");
        } catch (IOException e) {
            return "";
        }
    }

    private static String shorten(String text) {
        String oneLine = text.replace('\n', ' ');
        return oneLine.length() > 300 ? oneLine.substring(0, 300) + "..." : oneLine;
    }
}
