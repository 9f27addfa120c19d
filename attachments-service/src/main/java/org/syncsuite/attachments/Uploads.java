package org.syncsuite.attachments;

import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.regex.Pattern;

/** Checks of what a client sends, and the stream that measures an upload while it passes. */
final class Uploads {

    /** An attachment id: 1 to 128 of letters, digits, '-', '_' and '.', not starting with '.' (no paths). */
    private static final Pattern ID = Pattern.compile("[A-Za-z0-9_-][A-Za-z0-9._-]{0,127}");
    private static final Pattern SHA256 = Pattern.compile("[0-9a-f]{64}");
    private static final Pattern MEDIA_TYPE = Pattern.compile("[a-z0-9][a-z0-9!#$&^_.+-]*/[a-z0-9][a-z0-9!#$&^_.+-]*");

    /** How deep metadata may nest: clients show it, and recursive code reads it. */
    static final int MAX_METADATA_DEPTH = 32;
    private static final com.fasterxml.jackson.databind.ObjectMapper METADATA = new com.fasterxml.jackson.databind.ObjectMapper();

    static {
        METADATA.getFactory().setStreamReadConstraints(com.fasterxml.jackson.core.StreamReadConstraints.builder()
                .maxNestingDepth(MAX_METADATA_DEPTH).build());
    }

    private Uploads() {
    }

    static String id(String id) {
        if (id == null || !ID.matcher(id).matches() || id.contains("..")) {
            throw new ServiceError(400, "INVALID_ID", "An attachment id is 1 to 128 letters, digits, '-', '_' and '.' "
                    + "(not starting with '.', no '..'), not " + (id == null ? "nothing" : "'" + truncate(id) + "'"));
        }
        return id;
    }

    /** The media type without parameters, lower case; application/octet-stream when absent. Refused (415) when not allowed. */
    static String mediaType(String contentType, List<String> allowed) {
        String type = contentType == null || contentType.isBlank() ? "application/octet-stream"
                : contentType.split(";", 2)[0].trim().toLowerCase(Locale.ROOT);
        if (!MEDIA_TYPE.matcher(type).matches()) {
            throw new ServiceError(415, "UNSUPPORTED_MEDIA_TYPE", "Not a media type: " + truncate(type));
        }
        if (!allowed.isEmpty() && allowed.stream().noneMatch(a -> a.equals(type)
                || (a.endsWith("/*") && type.startsWith(a.substring(0, a.length() - 1))))) {
            throw new ServiceError(415, "UNSUPPORTED_MEDIA_TYPE", "Media type " + type + " is not allowed here; allowed: "
                    + String.join(", ", allowed));
        }
        return type;
    }

    static String sha256(String hex) {
        if (hex == null || hex.isBlank()) {
            return null;
        }
        String lower = hex.trim().toLowerCase(Locale.ROOT);
        if (!SHA256.matcher(lower).matches()) {
            throw new ServiceError(400, "INVALID_SHA256", "X-Content-SHA256 must be 64 hexadecimal digits, not " + truncate(hex));
        }
        return lower;
    }

    static String filename(String name) {
        if (name == null || name.isBlank()) {
            return null;
        }
        if (name.length() > 255 || name.chars().anyMatch(c -> c < 0x20 || c == 0x7f || c == '"' || c == '\\' || c == '/')) {
            throw new ServiceError(400, "INVALID_FILENAME", "A filename is at most 255 characters without control characters, "
                    + "quotes, slashes or backslashes");
        }
        return name;
    }

    /**
     * {@code Content-Disposition: attachment} for {@code filename}: an ASCII {@code filename} for
     * every client, and {@code filename*} (RFC 6266, UTF-8) when the name is not plain ASCII.
     */
    static String disposition(String filename) {
        StringBuilder ascii = new StringBuilder();
        boolean plain = true;
        for (int i = 0; i < filename.length(); i++) {
            char c = filename.charAt(i);
            boolean printable = c >= 0x20 && c < 0x7f && c != '"' && c != '\\';
            ascii.append(printable ? c : '_');
            plain &= printable;
        }
        if (plain) {
            return "attachment; filename=\"" + filename + "\"";
        }
        StringBuilder encoded = new StringBuilder();
        for (byte b : filename.getBytes(java.nio.charset.StandardCharsets.UTF_8)) {
            int c = b & 0xff;
            if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || "!#$&+-.^_`|~".indexOf(c) >= 0) {
                encoded.append((char) c);
            } else {
                encoded.append('%').append(Character.toUpperCase(Character.forDigit(c >> 4, 16)))
                        .append(Character.toUpperCase(Character.forDigit(c & 0xf, 16)));
            }
        }
        return "attachment; filename=\"" + ascii + "\"; filename*=UTF-8''" + encoded;
    }

    static String metadata(String json) {
        if (json == null || json.isBlank()) {
            return null;
        }
        if (json.length() > 4096) {
            throw new ServiceError(400, "INVALID_METADATA", "Metadata is at most 4096 characters of JSON");
        }
        try {
            METADATA.readTree(json);
        } catch (IOException e) {
            throw new ServiceError(400, "INVALID_METADATA", "Metadata must be JSON nested at most " + MAX_METADATA_DEPTH
                    + " deep: " + e.getMessage());
        }
        return json;
    }

    private static String truncate(String text) {
        return text.length() > 80 ? text.substring(0, 80) + "..." : text;
    }

    /**
     * Thrown by {@link Measured} when the server's decoder of the body's framing fails on what
     * the client sent (a chunk size that is not hexadecimal, a chunk longer than it says), or the
     * connection ends before the body's declared length.
     */
    static final class Malformed extends IOException {
        private static final long serialVersionUID = 1L;

        Malformed(RuntimeException cause) {
            super(cause.getMessage(), cause);
        }

        Malformed(String message, RuntimeException cause) {
            super(message, cause);
        }
    }

    /** Thrown by {@link Measured} when the client's connection fails while its body is read. */
    static final class Unreadable extends IOException {
        private static final long serialVersionUID = 1L;

        Unreadable(IOException cause) {
            super(cause.getMessage(), cause);
        }
    }

    /** A read from the server's decoder of a request body. */
    interface BodyRead<T> {
        T read() throws IOException;
    }

    /**
     * {@code read}, with what the server's decoder throws of the client's bytes or connection as
     * {@link Malformed} (the framing, or a connection that ended before the declared length) or
     * {@link Unreadable} (the connection failed).
     */
    static <T> T framed(BodyRead<T> read) throws IOException {
        try {
            return read.read();
        } catch (io.helidon.common.buffers.DataReader.InsufficientDataAvailableException e) {
            throw new Malformed("the connection ended before the body's declared length", e);
        } catch (IllegalArgumentException | IllegalStateException | IndexOutOfBoundsException | io.helidon.http.RequestException e) {
            throw new Malformed(e);
        } catch (java.io.UncheckedIOException e) {
            throw new Unreadable(e.getCause());
        } catch (IOException e) {
            throw new Unreadable(e);
        }
    }

    /** Thrown by {@link Measured} when an upload grows past its limit. */
    static final class TooLarge extends IOException {
        private static final long serialVersionUID = 1L;

        TooLarge(String message) {
            super(message);
        }
    }

    /** The upload as it passes: its size (refused beyond {@code limit}) and its SHA-256. */
    static final class Measured extends FilterInputStream {
        private final MessageDigest digest;
        private final long limit;
        private final String limitReason;
        private long count;

        Measured(InputStream in, long limit, String limitReason) {
            super(in);
            this.limit = limit;
            this.limitReason = limitReason;
            try {
                this.digest = MessageDigest.getInstance("SHA-256");
            } catch (NoSuchAlgorithmException e) {
                throw new IllegalStateException("SHA-256 is part of every JDK", e);
            }
        }

        @Override
        public int read() throws IOException {
            int b = framed(super::read);
            if (b >= 0) {
                digest.update((byte) b);
                counted(1);
            }
            return b;
        }

        @Override
        public int read(byte[] buffer, int offset, int length) throws IOException {
            int n = framed(() -> super.read(buffer, offset, length));
            if (n > 0) {
                digest.update(buffer, offset, n);
                counted(n);
            }
            return n;
        }

        private void counted(int n) throws TooLarge {
            count += n;
            if (count > limit) {
                throw new TooLarge(limitReason);
            }
        }

        long count() {
            return count;
        }

        String sha256() {
            return HexFormat.of().formatHex(digest.digest());
        }
    }
}
