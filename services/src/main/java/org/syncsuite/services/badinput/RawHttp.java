package org.syncsuite.services.badinput;

import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.ByteArrayOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/**
 * HTTP/1.1 over a plain socket, byte for byte as a case says: paths sent as written (no
 * normalisation of {@code ..} or percent escapes), any header (even ones HTTP clients refuse to
 * set, or set wrongly), bodies of any size, with or without a length. The body is written on
 * its own thread while the answer is read, so that a server that answers before reading it all
 * (413) is heard rather than lost in a reset.
 */
public final class RawHttp {

    private RawHttp() {
    }

    /** An answer: its status, headers (names in lower case) and a body to read; close it when done. */
    public record Response(int status, Map<String, List<String>> headers, InputStream body, Socket socket) implements AutoCloseable {

        public Optional<String> header(String name) {
            List<String> values = headers.get(name.toLowerCase(Locale.ROOT));
            return values == null || values.isEmpty() ? Optional.empty() : Optional.of(values.getFirst());
        }

        /** The whole body, at most {@code max} bytes (the rest is left unread). */
        public byte[] readBody(int max) throws IOException {
            return body.readNBytes(max);
        }

        @Override
        public void close() throws IOException {
            socket.close();
        }
    }

    /**
     * Sends a request to {@code host:port}: {@code headers} in order (a {@code Host} and
     * {@code Connection: close} are added unless given), then {@code body}, a {@link Payloads}
     * spec: with a {@code Content-Length} (unless {@code headers} has one, or {@code framed} is
     * false: the body as it is, framed by whatever the headers say) or, when {@code chunked}, in
     * chunks without one. With {@code endsOutput}, the client then shuts its side of the
     * connection down, as one whose body ends before the length it declared.
     */
    public static Response send(String host, int port, String method, String target, List<Map.Entry<String, String>> headers,
                                Object body, boolean chunked, boolean framed, boolean endsOutput, Duration timeout) throws IOException {
        Socket socket = new Socket();
        try {
            socket.connect(new InetSocketAddress(host, port), (int) timeout.toMillis());
            socket.setSoTimeout((int) timeout.toMillis());
            byte[] content = body == null || chunked ? null : Payloads.bytes(body);
            ByteArrayOutputStream head = new ByteArrayOutputStream();
            line(head, method + " " + target + " HTTP/1.1");
            boolean hasHost = false;
            boolean hasConnection = false;
            for (Map.Entry<String, String> header : headers) {
                hasHost |= header.getKey().equalsIgnoreCase("Host");
                hasConnection |= header.getKey().equalsIgnoreCase("Connection");
                line(head, header.getKey() + ": " + header.getValue());
            }
            if (!hasHost) {
                line(head, "Host: " + host + ":" + port);
            }
            if (!hasConnection) {
                line(head, "Connection: close");
            }
            if (content != null && framed && headers.stream().noneMatch(h -> h.getKey().equalsIgnoreCase("Content-Length"))) {
                line(head, "Content-Length: " + content.length);
            }
            if (chunked) {
                line(head, "Transfer-Encoding: chunked");
            }
            line(head, "");
            OutputStream out = new BufferedOutputStream(socket.getOutputStream(), 64 * 1024);
            Thread writer = Thread.ofVirtual().name("raw-http-writer").start(() -> {
                try {
                    out.write(head.toByteArray());
                    if (content != null) {
                        out.write(content);
                    } else if (chunked && body != null) {
                        ChunkedOut chunks = new ChunkedOut(out);
                        Payloads.write(body, chunks);
                        chunks.finish();
                    }
                    out.flush();
                    if (endsOutput) {
                        socket.shutdownOutput();
                    }
                } catch (IOException e) {
                    // the server stopped reading (it answered already, or refused the request): the answer tells
                }
            });
            InputStream in = new BufferedInputStream(socket.getInputStream(), 64 * 1024);
            String status = readLine(in);
            while (status.isEmpty()) {
                status = readLine(in);
            }
            String[] parts = status.split(" ", 3);
            if (parts.length < 2 || !parts[0].startsWith("HTTP/")) {
                throw new IOException("Not an HTTP status line: " + status);
            }
            int code = Integer.parseInt(parts[1]);
            Map<String, List<String>> answerHeaders = new LinkedHashMap<>();
            for (String line = readLine(in); !line.isEmpty(); line = readLine(in)) {
                int colon = line.indexOf(':');
                if (colon > 0) {
                    answerHeaders.computeIfAbsent(line.substring(0, colon).strip().toLowerCase(Locale.ROOT), k -> new ArrayList<>())
                            .add(line.substring(colon + 1).strip());
                }
            }
            InputStream answer;
            String encoding = answerHeaders.getOrDefault("transfer-encoding", List.of("")).getFirst();
            String length = answerHeaders.getOrDefault("content-length", List.of("")).getFirst();
            if (method.equals("HEAD") || code == 204 || code == 304 || (code >= 100 && code < 200)) {
                answer = InputStream.nullInputStream();
            } else if (encoding.toLowerCase(Locale.ROOT).contains("chunked")) {
                answer = new ChunkedIn(in);
            } else if (!length.isEmpty()) {
                answer = new BoundedIn(in, Long.parseLong(length));
            } else {
                answer = in;
            }
            return new Response(code, answerHeaders, answer, socket);
        } catch (IOException | RuntimeException e) {
            socket.close();
            throw e;
        }
    }

    private static void line(ByteArrayOutputStream out, String text) {
        out.writeBytes(text.getBytes(StandardCharsets.UTF_8));
        out.writeBytes(new byte[]{'\r', '\n'});
    }

    private static String readLine(InputStream in) throws IOException {
        ByteArrayOutputStream line = new ByteArrayOutputStream();
        for (int b = in.read(); b != '\n'; b = in.read()) {
            if (b < 0) {
                throw new EOFException("The connection closed without a complete answer");
            }
            if (b != '\r') {
                line.write(b);
            }
        }
        return line.toString(StandardCharsets.ISO_8859_1);
    }

    /** A request body in HTTP chunks. */
    private static final class ChunkedOut extends OutputStream {
        private final OutputStream out;

        ChunkedOut(OutputStream out) {
            this.out = out;
        }

        @Override
        public void write(int b) throws IOException {
            write(new byte[]{(byte) b}, 0, 1);
        }

        @Override
        public void write(byte[] b, int off, int len) throws IOException {
            if (len > 0) {
                out.write((Integer.toHexString(len) + "\r\n").getBytes(StandardCharsets.US_ASCII));
                out.write(b, off, len);
                out.write(new byte[]{'\r', '\n'});
            }
        }

        void finish() throws IOException {
            out.write("0\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
        }
    }

    /** {@code in}, a body in HTTP/1.1 chunked transfer coding, decoded as it is read. */
    public static InputStream dechunked(InputStream in) {
        return new ChunkedIn(in);
    }

    /** A chunked response body, decoded. */
    private static final class ChunkedIn extends InputStream {
        private final InputStream in;
        private long left;
        private boolean done;

        ChunkedIn(InputStream in) {
            this.in = in;
        }

        @Override
        public int read() throws IOException {
            byte[] one = new byte[1];
            return read(one, 0, 1) < 0 ? -1 : one[0] & 0xff;
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            if (done) {
                return -1;
            }
            if (left == 0) {
                String size = readLine(in);
                if (size.isEmpty()) {
                    size = readLine(in); // the CRLF after the previous chunk
                }
                int semicolon = size.indexOf(';');
                left = Long.parseLong((semicolon >= 0 ? size.substring(0, semicolon) : size).strip(), 16);
                if (left == 0) {
                    done = true;
                    return -1;
                }
            }
            int n = in.read(b, off, (int) Math.min(len, left));
            if (n < 0) {
                throw new EOFException("The connection closed inside a chunk");
            }
            left -= n;
            return n;
        }
    }

    /** A body of a known length. */
    private static final class BoundedIn extends InputStream {
        private final InputStream in;
        private long left;

        BoundedIn(InputStream in, long length) {
            this.in = in;
            this.left = length;
        }

        @Override
        public int read() throws IOException {
            if (left <= 0) {
                return -1;
            }
            int b = in.read();
            if (b >= 0) {
                left--;
            }
            return b;
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            if (left <= 0) {
                return -1;
            }
            int n = in.read(b, off, (int) Math.min(len, left));
            if (n > 0) {
                left -= n;
            }
            return n;
        }
    }
}
