package org.syncsuite.client.attachments;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.DigestInputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.HexFormat;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.Callable;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

/**
 * {@link RemoteStorage} over the attachments service's HTTP API, with the client's JWT (the same
 * token as for sync) as bearer token:
 * <ul>
 *   <li>{@code PUT {base}/attachments/{id}}: the bytes, streamed, with {@code Content-Type} (the
 *       attachment's media type, else {@code application/octet-stream}), {@code X-Content-SHA256}
 *       (the bytes' SHA-256, lower-case hex), and {@code X-Attachment-Filename} and
 *       {@code X-Attachment-Metadata} when they are printable ASCII (the metadata also at most
 *       {@value #MAX_METADATA_HEADER} characters; headers are not URL-encoded, so anything else is
 *       left out). 201 (stored) and 200 (these bytes were already stored) are success.</li>
 *   <li>{@code GET {base}/attachments/{id}}: 200 with the bytes, handed back as a stream.</li>
 *   <li>{@code DELETE {base}/attachments/{id}}: 202, 204, and 404 (already gone) are success.</li>
 * </ul>
 * Any other answer is a {@link RemoteStorageException} carrying the status and the service's
 * {@code {"code", "error"}} body: retryable for 408, 429 and 5xx, permanent otherwise (409: the id
 * holds different bytes; 401/403: refused; 413: too large; 415: media type refused; 404 on a
 * download: not found). A network failure is retryable with status 0.
 *
 * <p>The SHA-256 header must be known before the body is sent: when the attachment's
 * {@code localUri} is a readable file of the attachment's size, it is hashed and then sent from
 * that file (the stream the queue passes holds the same bytes and is left unread); otherwise the
 * stream is copied to a temporary file while it is hashed, and sent from there. Either way the
 * bytes are never all in memory.
 */
public final class AttachmentsServiceStorage implements RemoteStorage {

    /** Metadata longer than this is not sent in a header. */
    public static final int MAX_METADATA_HEADER = 4096;
    private static final int MAX_ERROR_BODY = 64 * 1024;
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Set<Integer> UPLOADED = Set.of(200, 201);
    private static final Set<Integer> DELETED = Set.of(200, 202, 204, 404);

    private final URI base;
    private final Callable<String> token;
    private final HttpClient http;
    private final Duration requestTimeout;

    /**
     * An adapter for the service at {@code baseUrl} (such as {@code https://files.example.com}),
     * asking {@code token} for the current client JWT before each request; 10 s to connect, and
     * 5 minutes for each request's answer to begin.
     */
    public AttachmentsServiceStorage(URI baseUrl, Callable<String> token) {
        this(baseUrl, token, HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build(), Duration.ofMinutes(5));
    }

    /** An adapter with the app's own HTTP client and the time each request may take to be answered. */
    public AttachmentsServiceStorage(URI baseUrl, Callable<String> token, HttpClient http, Duration requestTimeout) {
        Objects.requireNonNull(baseUrl, "baseUrl");
        String text = baseUrl.toString();
        this.base = URI.create(text.endsWith("/") ? text.substring(0, text.length() - 1) : text);
        this.token = Objects.requireNonNull(token, "token");
        this.http = Objects.requireNonNull(http, "http");
        this.requestTimeout = Objects.requireNonNull(requestTimeout, "requestTimeout");
    }

    @Override
    public void uploadFile(InputStream data, Attachment attachment) throws RemoteStorageException, InterruptedException {
        Path local = readableLocalFile(attachment);
        Path spooled = null;
        try {
            String sha256;
            Path body;
            if (local != null) {
                sha256 = sha256(local);
                body = local;
            } else {
                spooled = Files.createTempFile("attachment-upload-", ".part");
                sha256 = copyHashing(data, spooled);
                body = spooled;
            }
            HttpRequest.Builder request = request(attachment)
                    .header("Content-Type", attachment.mediaType() == null || attachment.mediaType().isBlank()
                            ? "application/octet-stream" : attachment.mediaType())
                    .header("X-Content-SHA256", sha256)
                    .PUT(HttpRequest.BodyPublishers.ofFile(body));
            if (headerSafe(attachment.filename(), Integer.MAX_VALUE)) {
                request.header("X-Attachment-Filename", attachment.filename());
            }
            if (attachment.metaData() != null && headerSafe(attachment.metaData(), MAX_METADATA_HEADER)) {
                request.header("X-Attachment-Metadata", attachment.metaData());
            }
            HttpResponse<InputStream> response = send(request.build(), "PUT", attachment);
            try (InputStream answer = response.body()) {
                if (!UPLOADED.contains(response.statusCode())) {
                    throw failure("PUT", attachment, response.statusCode(), answer);
                }
            }
        } catch (IOException e) {
            throw new RemoteStorageException("PUT " + path(attachment) + " failed: " + describe(e), true, e);
        } finally {
            if (spooled != null) {
                try {
                    Files.deleteIfExists(spooled);
                } catch (IOException ignored) {
                    // a temporary file; the system cleans it up
                }
            }
        }
    }

    @Override
    public InputStream downloadFile(Attachment attachment) throws RemoteStorageException, InterruptedException {
        HttpResponse<InputStream> response = send(request(attachment).GET().build(), "GET", attachment);
        if (response.statusCode() == 200) {
            return response.body();
        }
        try (InputStream answer = response.body()) {
            throw failure("GET", attachment, response.statusCode(), answer);
        } catch (IOException e) {
            throw new RemoteStorageException("GET " + path(attachment) + " failed: " + describe(e), true, e);
        }
    }

    @Override
    public void deleteFile(Attachment attachment) throws RemoteStorageException, InterruptedException {
        HttpResponse<InputStream> response = send(request(attachment).DELETE().build(), "DELETE", attachment);
        try (InputStream answer = response.body()) {
            if (!DELETED.contains(response.statusCode())) {
                throw failure("DELETE", attachment, response.statusCode(), answer);
            }
        } catch (IOException e) {
            throw new RemoteStorageException("DELETE " + path(attachment) + " failed: " + describe(e), true, e);
        }
    }

    private HttpRequest.Builder request(Attachment attachment) throws RemoteStorageException {
        String jwt;
        try {
            jwt = token.call();
        } catch (Exception e) {
            throw new RemoteStorageException("No token for the attachments service: " + describe(e), true, e);
        }
        if (jwt == null || jwt.isBlank()) {
            throw new RemoteStorageException("No token for the attachments service", true, null);
        }
        return HttpRequest.newBuilder(URI.create(base + path(attachment)))
                .timeout(requestTimeout)
                .header("Authorization", "Bearer " + jwt);
    }

    private HttpResponse<InputStream> send(HttpRequest request, String method, Attachment attachment)
            throws RemoteStorageException, InterruptedException {
        try {
            return http.send(request, HttpResponse.BodyHandlers.ofInputStream());
        } catch (IOException e) {
            throw new RemoteStorageException(method + " " + path(attachment) + " failed: " + describe(e), true, e);
        }
    }

    /** The answer's status and the service's error body, as a typed failure. */
    private static RemoteStorageException failure(String method, Attachment attachment, int status, InputStream answer)
            throws IOException {
        String body = new String(answer.readNBytes(MAX_ERROR_BODY), StandardCharsets.UTF_8).strip();
        String code = null;
        String error = null;
        try {
            JsonNode json = JSON.readTree(body);
            if (json != null && json.isObject()) {
                code = json.hasNonNull("code") ? json.get("code").asText() : null;
                error = json.hasNonNull("error") ? json.get("error").asText() : null;
            }
        } catch (IOException notJson) {
            // the body is shown as it is
        }
        StringBuilder message = new StringBuilder(method).append(' ').append(path(attachment)).append(": HTTP ").append(status);
        if (code != null || error != null) {
            message.append(code == null ? "" : " " + code).append(error == null ? "" : ": " + error);
        } else if (!body.isEmpty()) {
            message.append(": ").append(body.length() > 500 ? body.substring(0, 500) + "..." : body);
        }
        boolean retryable = status >= 500 || status == 408 || status == 429;
        return new RemoteStorageException(message.toString(), status, retryable, code, null);
    }

    private static String path(Attachment attachment) {
        return "/attachments/" + encodeSegment(attachment.id());
    }

    /** Percent-encodes everything but RFC 3986's unreserved characters. */
    static String encodeSegment(String segment) {
        StringBuilder out = new StringBuilder();
        for (byte b : segment.getBytes(StandardCharsets.UTF_8)) {
            char c = (char) (b & 0xff);
            if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' || c == '.' || c == '_'
                    || c == '~') {
                out.append(c);
            } else {
                out.append('%').append(Character.toUpperCase(Character.forDigit((c >> 4) & 0xf, 16)))
                        .append(Character.toUpperCase(Character.forDigit(c & 0xf, 16)));
            }
        }
        return out.toString();
    }

    /** Printable ASCII (no control characters) and not longer than {@code max}: sendable as a header as it is. */
    private static boolean headerSafe(String value, int max) {
        if (value == null || value.isEmpty() || value.length() > max) {
            return false;
        }
        for (int i = 0; i < value.length(); i++) {
            char c = value.charAt(i);
            if (c < 0x20 || c > 0x7e) {
                return false;
            }
        }
        return true;
    }

    private static Path readableLocalFile(Attachment attachment) {
        if (attachment.localUri() == null) {
            return null;
        }
        try {
            Path file = Path.of(attachment.localUri());
            return Files.isRegularFile(file) && Files.isReadable(file) && Files.size(file) == attachment.size() ? file : null;
        } catch (IOException | RuntimeException e) {
            return null; // not a path of this file system: the stream is used
        }
    }

    private static String sha256(Path file) throws IOException {
        MessageDigest digest = newDigest();
        try (InputStream in = new DigestInputStream(Files.newInputStream(file), digest)) {
            in.transferTo(OutputStream.nullOutputStream());
        }
        return HexFormat.of().formatHex(digest.digest());
    }

    private static String copyHashing(InputStream data, Path target) throws IOException {
        MessageDigest digest = newDigest();
        try (OutputStream out = Files.newOutputStream(target)) {
            new DigestInputStream(data, digest).transferTo(out);
        }
        return HexFormat.of().formatHex(digest.digest());
    }

    private static MessageDigest newDigest() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is missing from this JVM", e);
        }
    }

    private static String describe(Throwable e) {
        return e.getMessage() == null ? e.getClass().getSimpleName() : e.getClass().getSimpleName() + ": " + e.getMessage();
    }
}
