package org.syncsuite.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.Test;

class RawStreamTest {

    /** Answers one request with {@code head} and then {@code body} as they are. */
    private static ServerSocket serve(String head, String body) throws Exception {
        ServerSocket server = new ServerSocket(0);
        Thread.ofVirtual().start(() -> {
            try (Socket socket = server.accept()) {
                InputStream in = socket.getInputStream();
                ByteArrayOutputStream request = new ByteArrayOutputStream();
                while (!request.toString(StandardCharsets.US_ASCII).endsWith("\r\n\r\n")) {
                    request.write(in.read());
                }
                OutputStream out = socket.getOutputStream();
                out.write((head + body).getBytes(StandardCharsets.UTF_8));
                out.flush();
            } catch (Exception e) {
                // the test sees what arrived
            }
        });
        return server;
    }

    @Test
    void linesSpanChunksAndBuffersAndEndWithTheBody() throws Exception {
        String body = "5\r\n{\"a\":\r\n" + "6\r\n1}\n{\"b\r\n" + "a\r\n\":\"é\"}\n{}\r\n" + "1\r\n\n\r\n" + "0\r\n\r\n";
        try (ServerSocket server = serve("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n", body);
             SyncBenchSupport.RawStream stream = new SyncBenchSupport.RawStream(server.getLocalPort(), "t", "application/x-ndjson",
                     "{}", 4)) {
            List<String> lines = new ArrayList<>();
            ByteArrayOutputStream scratch = new ByteArrayOutputStream();
            for (String line = stream.line(scratch); line != null; line = stream.line(scratch)) {
                lines.add(line);
            }
            assertThat(lines).containsExactly("{\"a\":1}", "{\"b\":\"é\"}", "{}");
        }
    }

    @Test
    void aStatusOtherThan200IsAnHttpStatusException() throws Exception {
        try (ServerSocket server = serve("HTTP/1.1 401 Unauthorized\r\nContent-Length: 0\r\n\r\n", "")) {
            assertThatThrownBy(() -> new SyncBenchSupport.RawStream(server.getLocalPort(), "t", "application/x-ndjson", "{}"))
                    .isInstanceOf(SyncBenchSupport.HttpStatusException.class).hasMessageContaining("401");
        }
    }
}
