package org.syncsuite.faults;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.time.Duration;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A TCP proxy between a service and what it talks to (MariaDB, the Kafka broker, a backend), on
 * a port of its own, that injects network faults on command: {@link #cut()} resets every open
 * connection; {@link #refuse(boolean)} resets new ones as they arrive; {@link #delay(Duration)}
 * holds every chunk, both ways, before passing it on; {@link #dropReplies(boolean)} passes
 * requests through but resets a connection when its reply comes, so the caller cannot know
 * whether its request took effect.
 */
final class FaultProxy implements AutoCloseable {

    private static final System.Logger LOG = System.getLogger(FaultProxy.class.getName());

    private final String name;
    private final int targetPort;
    private final ServerSocket server;
    private final Set<Socket> open = ConcurrentHashMap.newKeySet();
    private final AtomicLong accepted = new AtomicLong();
    private final AtomicLong reset = new AtomicLong();
    private volatile boolean refusing;
    private volatile boolean droppingReplies;
    private volatile long delayNanos;
    private volatile boolean closed;

    FaultProxy(String name, int targetPort) throws IOException {
        this.name = name;
        this.targetPort = targetPort;
        this.server = new ServerSocket();
        server.setReuseAddress(true);
        server.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
        Thread.ofPlatform().daemon().name("proxy-" + name).start(this::acceptLoop);
    }

    int port() {
        return server.getLocalPort();
    }

    /** Resets every connection open through the proxy; new ones are accepted as before. */
    void cut() {
        int count = 0;
        for (Socket socket : open) {
            resetQuietly(socket);
            count++;
        }
        LOG.log(System.Logger.Level.INFO, "proxy {0}: cut {1} sockets", name, count);
    }

    /** While on, each new connection is reset at once. */
    void refuse(boolean on) {
        refusing = on;
    }

    /** Every chunk waits {@code delay} before it is passed on, in both directions. */
    void delay(Duration delay) {
        delayNanos = delay.toNanos();
    }

    /** While on, a connection is reset instead of passing its peer's reply on. */
    void dropReplies(boolean on) {
        droppingReplies = on;
    }

    /** Back to a plain pipe. */
    void heal() {
        refusing = false;
        droppingReplies = false;
        delayNanos = 0;
    }

    /** Connections reset by faults so far. */
    long resets() {
        return reset.get();
    }

    long accepted() {
        return accepted.get();
    }

    private void acceptLoop() {
        while (!closed) {
            Socket client;
            try {
                client = server.accept();
            } catch (IOException e) {
                if (!closed) {
                    LOG.log(System.Logger.Level.WARNING, "proxy {0}: accept failed: {1}", name, e.toString());
                }
                continue;
            }
            accepted.incrementAndGet();
            if (refusing) {
                resetQuietly(client);
                continue;
            }
            Thread.ofVirtual().name("proxy-" + name + "-conn").start(() -> connect(client));
        }
    }

    private void connect(Socket client) {
        Socket target = new Socket();
        try {
            client.setTcpNoDelay(true);
            target.setTcpNoDelay(true);
            target.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), targetPort), 5_000);
        } catch (IOException e) {
            resetQuietly(client);
            closeQuietly(target);
            return;
        }
        open.add(client);
        open.add(target);
        Thread.ofVirtual().start(() -> pump(client, target, false));
        pump(target, client, true);
    }

    /**
     * Copies {@code from} to {@code to} until either side ends, then closes both (the protocols
     * behind this proxy do not half-close); {@code replies} is the target-to-caller direction.
     */
    private void pump(Socket from, Socket to, boolean replies) {
        byte[] buffer = new byte[64 * 1024];
        try {
            InputStream in = from.getInputStream();
            OutputStream out = to.getOutputStream();
            int n;
            while ((n = in.read(buffer)) >= 0) {
                long delay = delayNanos;
                if (delay > 0) {
                    Thread.sleep(Duration.ofNanos(delay));
                }
                if (replies && droppingReplies) {
                    resetQuietly(from);
                    resetQuietly(to);
                    return;
                }
                out.write(buffer, 0, n);
                out.flush();
            }
        } catch (IOException e) {
            // A side was reset or closed: the other goes too.
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        closeQuietly(from);
        closeQuietly(to);
        open.remove(from);
        open.remove(to);
    }

    private void resetQuietly(Socket socket) {
        try {
            // Linger 0: the close sends a reset, as a crashed peer or a dropped route would.
            socket.setSoLinger(true, 0);
        } catch (IOException ignored) {
            // already closed
        }
        closeQuietly(socket);
        open.remove(socket);
        reset.incrementAndGet();
    }

    private static void closeQuietly(Socket socket) {
        try {
            socket.close();
        } catch (IOException ignored) {
            // closing anyway
        }
    }

    @Override
    public void close() {
        closed = true;
        try {
            server.close();
        } catch (IOException ignored) {
            // closing anyway
        }
        cut();
    }
}
