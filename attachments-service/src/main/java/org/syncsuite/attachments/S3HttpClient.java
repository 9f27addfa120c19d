package org.syncsuite.attachments;

import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketException;
import java.time.Duration;

import javax.net.SocketFactory;

import io.minio.Http;
import okhttp3.OkHttpClient;

/**
 * The HTTP client the object store talks to S3 with. A stalled S3 still fails a transfer after
 * {@code readTimeout} without a read, but the timeout is the socket's own ({@code SO_TIMEOUT})
 * rather than OkHttp's, which arms a watchdog thread around every 8 KiB read: that costs a thread
 * wake-up per read, a good part of the CPU a download through the service used. Writes keep
 * MinIO's write timeout (a socket has none of its own). Reads go through a buffer of
 * {@link #READ_BUFFER} bytes, so that a large download takes few system calls.
 */
public final class S3HttpClient {

    /** MinIO's own default for its timeouts. */
    public static final Duration DEFAULT_TIMEOUT = Duration.ofMinutes(5);

    private S3HttpClient() {
    }

    /**
     * MinIO's default client (its timeouts, retries and certificates from the environment) whose
     * reads fail after {@code readTimeout} without a byte, through the socket.
     */
    public static OkHttpClient create(Duration readTimeout) {
        int readMillis = Math.toIntExact(Math.max(1, readTimeout.toMillis()));
        return Http.newDefaultClient().newBuilder()
                .readTimeout(Duration.ZERO) // no watchdog per read: the socket times out instead
                .socketFactory(new ReadTimeoutSockets(readMillis))
                .build();
    }

    /** Sockets whose "no timeout" is {@code readMillis}: OkHttp sets 0 on each exchange, given a read timeout of zero. */
    static final class ReadTimeoutSockets extends SocketFactory {
        private final int readMillis;

        ReadTimeoutSockets(int readMillis) {
            this.readMillis = readMillis;
        }

        @Override
        public Socket createSocket() throws IOException {
            return new ReadTimeoutSocket(readMillis);
        }

        @Override
        public Socket createSocket(String host, int port) throws IOException {
            return createSocket(InetAddress.getByName(host), port);
        }

        @Override
        public Socket createSocket(String host, int port, InetAddress localAddress, int localPort) throws IOException {
            return createSocket(InetAddress.getByName(host), port, localAddress, localPort);
        }

        @Override
        public Socket createSocket(InetAddress address, int port) throws IOException {
            return connected(new InetSocketAddress(address, port), null);
        }

        @Override
        public Socket createSocket(InetAddress address, int port, InetAddress localAddress, int localPort) throws IOException {
            return connected(new InetSocketAddress(address, port), new InetSocketAddress(localAddress, localPort));
        }

        private Socket connected(InetSocketAddress remote, InetSocketAddress local) throws IOException {
            Socket socket = createSocket();
            try {
                if (local != null) {
                    socket.bind(local);
                }
                socket.connect(remote);
                return socket;
            } catch (IOException e) {
                socket.close();
                throw e;
            }
        }
    }

    /** Bytes a socket read may take at once; the HTTP client itself asks for 8 KiB at a time. */
    static final int READ_BUFFER = 128 * 1024;

    private static final class ReadTimeoutSocket extends Socket {
        private final int readMillis;
        private InputStream input;

        ReadTimeoutSocket(int readMillis) throws SocketException {
            this.readMillis = readMillis;
            super.setSoTimeout(readMillis);
            // A request's last segment leaves at once: with Nagle's algorithm it waited for the
            // acknowledgement of the one before, which S3 delays (40 ms on Linux) until it answers.
            super.setTcpNoDelay(true);
        }

        /**
         * The socket's bytes through one buffer: a read takes what has arrived, up to
         * {@link #READ_BUFFER}, where the client's 8 KiB reads were a system call each.
         */
        @Override
        public synchronized InputStream getInputStream() throws IOException {
            if (input == null) {
                input = new BufferedInputStream(super.getInputStream(), READ_BUFFER);
            }
            return input;
        }

        @Override
        public void setSoTimeout(int timeout) throws SocketException {
            super.setSoTimeout(timeout == 0 ? readMillis : timeout);
        }
    }
}
