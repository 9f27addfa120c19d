package org.syncsuite.attachments;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import okhttp3.OkHttpClient;
import okhttp3.Request;
import okhttp3.Response;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The object store's HTTP client: reads without OkHttp's per-read watchdog still fail on a
 * stalled S3 after the read timeout, whether the answer never starts or stops half way.
 */
class S3HttpClientTest {

    private final List<AutoCloseable> open = new ArrayList<>();
    private final CountDownLatch done = new CountDownLatch(1);

    @AfterEach
    void close() throws Exception {
        done.countDown();
        for (AutoCloseable c : open) {
            c.close();
        }
    }

    @Test
    @Timeout(value = 20, unit = TimeUnit.SECONDS, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
    void aWholeAnswerIsRead() throws Exception {
        byte[] body = new byte[3 * 1024 * 1024 + 17];
        for (int i = 0; i < body.length; i++) {
            body[i] = (byte) (i * 31);
        }
        int port = serve(body.length, body);
        OkHttpClient client = S3HttpClient.create(Duration.ofMillis(500));
        try (Response response = client.newCall(get(port)).execute()) {
            assertThat(response.code()).isEqualTo(200);
            assertThat(response.body().bytes()).isEqualTo(body);
        }
    }

    @Test
    void requestsLeaveWithoutWaitingForAnAcknowledgement() throws Exception {
        // Nagle's algorithm held a request's last segment until S3 acknowledged the one before:
        // 40 ms for each upload whose body did not end a full segment
        try (java.net.Socket socket = S3HttpClient.create(Duration.ofSeconds(1)).socketFactory().createSocket()) {
            assertThat(socket.getTcpNoDelay()).isTrue();
        }
    }

    @Test
    @Timeout(value = 20, unit = TimeUnit.SECONDS, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
    void anAnswerThatNeverStartsFailsAfterTheReadTimeout() throws Exception {
        int port = serve(-1, null);
        OkHttpClient client = S3HttpClient.create(Duration.ofMillis(400));
        long started = System.nanoTime();
        assertThatThrownBy(() -> client.newCall(get(port)).execute().close())
                .isInstanceOf(SocketTimeoutException.class);
        assertThat(Duration.ofNanos(System.nanoTime() - started)).isBetween(Duration.ofMillis(300), Duration.ofSeconds(10));
    }

    @Test
    @Timeout(value = 20, unit = TimeUnit.SECONDS, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
    void aBodyThatStopsHalfWayFailsAfterTheReadTimeout() throws Exception {
        byte[] half = new byte[512 * 1024];
        int port = serve(2 * half.length, half);
        OkHttpClient client = S3HttpClient.create(Duration.ofMillis(400));
        try (Response response = client.newCall(get(port)).execute()) {
            assertThat(response.code()).isEqualTo(200);
            InputStream in = response.body().byteStream();
            byte[] buffer = new byte[64 * 1024];
            long read = 0;
            long stalledAt = 0;
            try {
                for (int n = in.read(buffer); n >= 0; n = in.read(buffer)) {
                    read += n;
                    if (read == half.length) {
                        stalledAt = System.nanoTime();
                    }
                }
                throw new AssertionError("the body ended after " + read + " bytes");
            } catch (SocketTimeoutException expected) {
                assertThat(read).isEqualTo(half.length);
                assertThat(Duration.ofNanos(System.nanoTime() - stalledAt)).isBetween(Duration.ofMillis(300), Duration.ofSeconds(10));
            }
        }
    }

    private static Request get(int port) {
        return new Request.Builder().url("http://127.0.0.1:" + port + "/bucket/key").build();
    }

    /**
     * A one-connection HTTP server: answers with {@code length} as Content-Length and then
     * {@code body}, and holds the connection open without another byte ({@code length} -1: no
     * answer at all).
     */
    private int serve(long length, byte[] body) throws IOException {
        ServerSocket server = new ServerSocket(0, 1, InetAddress.getLoopbackAddress());
        open.add(server);
        Thread thread = Thread.ofPlatform().daemon().start(() -> {
            try (Socket socket = server.accept()) {
                InputStream in = socket.getInputStream();
                byte[] request = new byte[8192];
                int seen = 0;
                while (seen < 4 || !new String(request, 0, seen, StandardCharsets.ISO_8859_1).contains("\r\n\r\n")) {
                    int n = in.read(request, seen, request.length - seen);
                    if (n < 0) {
                        return;
                    }
                    seen += n;
                }
                if (length >= 0) {
                    OutputStream out = socket.getOutputStream();
                    out.write(("HTTP/1.1 200 OK\r\nContent-Type: application/octet-stream\r\nContent-Length: " + length
                            + "\r\n\r\n").getBytes(StandardCharsets.ISO_8859_1));
                    out.write(body);
                    out.flush();
                }
                done.await(); // stalled
            } catch (IOException | InterruptedException e) {
                // the test ended
            }
        });
        open.add(thread::interrupt);
        return server.getLocalPort();
    }
}
