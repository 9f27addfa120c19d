package org.syncsuite.faults;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

/**
 * A client on a slow network: it opens a sync stream over a plain socket and reads it a few
 * kilobytes at a time, so the gateway's writes to it block on a full socket. When told to, it
 * reads at full speed and checks that the stream it gets is whole: a {@code checkpoint}, data
 * lines whose ops add up to the checkpoint's counts, and {@code checkpoint_complete}.
 */
final class SlowClient implements AutoCloseable {

    private static final ObjectMapper JSON = new ObjectMapper();

    private final Socket socket;
    private final InputStream in;
    private final AtomicBoolean fast = new AtomicBoolean();
    private final AtomicLong bytesRead = new AtomicLong();
    private final java.util.concurrent.CompletableFuture<long[]> result = new java.util.concurrent.CompletableFuture<>();

    SlowClient(String gateway, String token) throws IOException {
        URI uri = URI.create(gateway);
        socket = new Socket(uri.getHost(), uri.getPort());
        // A small receive window, so the gateway meets back-pressure soon.
        socket.setReceiveBufferSize(16 * 1024);
        String body = "{\"buckets\":[],\"include_checksum\":true,\"raw_data\":true,\"client_id\":\"slow-client\"}";
        String request = "POST /sync/stream HTTP/1.1\r\nHost: " + uri.getHost() + ":" + uri.getPort() + "\r\n"
                + "Authorization: Token " + token + "\r\nContent-Type: application/json\r\nAccept: application/x-ndjson\r\n"
                + "Content-Length: " + body.getBytes(StandardCharsets.UTF_8).length + "\r\nConnection: close\r\n\r\n" + body;
        OutputStream out = socket.getOutputStream();
        out.write(request.getBytes(StandardCharsets.UTF_8));
        out.flush();
        InputStream raw = socket.getInputStream();
        in = new InputStream() {
            @Override
            public int read() throws IOException {
                byte[] one = new byte[1];
                return read(one, 0, 1) < 0 ? -1 : one[0] & 0xff;
            }

            @Override
            public int read(byte[] buffer, int offset, int length) throws IOException {
                if (!fast.get()) {
                    try {
                        Thread.sleep(100);
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                        throw new IOException("interrupted", e);
                    }
                    length = Math.min(length, 2048);
                }
                int n = raw.read(buffer, offset, length);
                if (n > 0) {
                    bytesRead.addAndGet(n);
                }
                return n;
            }
        };
        Thread.ofVirtual().name("slow-client").start(() -> {
            try {
                result.complete(parse());
            } catch (IOException | RuntimeException e) {
                result.completeExceptionally(e);
            }
        });
    }

    long bytesRead() {
        return bytesRead.get();
    }

    /**
     * Reads on at full speed until the first {@code checkpoint_complete}, within {@code limit};
     * returns the ops received and the ops the checkpoint announced.
     */
    long[] finish(Duration limit) throws Exception {
        fast.set(true);
        try {
            return result.get(limit.toMillis(), java.util.concurrent.TimeUnit.MILLISECONDS);
        } catch (java.util.concurrent.ExecutionException e) {
            throw (Exception) e.getCause();
        }
    }

    private long[] parse() throws IOException {
        String head = head();
        if (!head.startsWith("HTTP/1.1 200")) {
            throw new IOException("The stream was answered " + head.lines().findFirst().orElse(""));
        }
        boolean chunked = head.toLowerCase(java.util.Locale.ROOT).contains("transfer-encoding: chunked");
        BufferedReader lines = new BufferedReader(new InputStreamReader(chunked ? org.syncsuite.services.badinput.RawHttp.dechunked(in) : in, StandardCharsets.UTF_8),
                64 * 1024);
        long announced = -1;
        long received = 0;
        String line;
        while ((line = lines.readLine()) != null) {
            if (line.isBlank()) {
                continue;
            }
            JsonNode message = JSON.readTree(line);
            if (message.has("checkpoint")) {
                announced = 0;
                for (JsonNode bucket : message.get("checkpoint").get("buckets")) {
                    announced += bucket.path("count").asLong();
                }
            } else if (message.has("data")) {
                received += message.get("data").get("data").size();
            } else if (message.has("checkpoint_complete")) {
                return new long[] {received, announced};
            }
        }
        throw new IOException("The stream ended before checkpoint_complete, after " + received + " ops");
    }

    /** The status line and headers, up to the blank line. */
    private String head() throws IOException {
        StringBuilder head = new StringBuilder();
        int c;
        while ((c = in.read()) >= 0) {
            head.append((char) c);
            if (head.length() >= 4 && head.substring(head.length() - 4).equals("\r\n\r\n")) {
                return head.toString();
            }
        }
        throw new IOException("The stream closed in its headers: " + head);
    }

    @Override
    public void close() throws IOException {
        socket.close();
    }
}
