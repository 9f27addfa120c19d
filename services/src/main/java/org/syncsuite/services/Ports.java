package org.syncsuite.services;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.time.Duration;
import java.util.function.BooleanSupplier;

/** Port helpers: every embedded service binds to the loopback interface on a free port. */
public final class Ports {

    public static final String LOOPBACK = "127.0.0.1";

    private Ports() {
    }

    /** A port that was free a moment ago on the loopback interface. */
    public static int free() {
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getByName(LOOPBACK))) {
            socket.setReuseAddress(true);
            return socket.getLocalPort();
        } catch (IOException e) {
            throw new BackingServiceException("No free port on " + LOOPBACK, e);
        }
    }

    /** {@code preferred} when it is free (and not 0), else any free port. */
    public static int preferredOrFree(int preferred) {
        if (preferred > 0 && isFree(preferred)) {
            return preferred;
        }
        return free();
    }

    public static boolean isFree(int port) {
        try (ServerSocket socket = new ServerSocket()) {
            socket.setReuseAddress(true);
            socket.bind(new InetSocketAddress(InetAddress.getByName(LOOPBACK), port), 1);
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    public static boolean isListening(int port) {
        try (Socket socket = new Socket()) {
            socket.connect(new InetSocketAddress(LOOPBACK, port), 200);
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    /**
     * Waits until something listens on {@code port}. Fails early when {@code stillAlive} turns
     * false (the server process died), and after {@code timeout}.
     */
    public static void awaitListening(String what, int port, Duration timeout, BooleanSupplier stillAlive) {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (!isListening(port)) {
            if (!stillAlive.getAsBoolean()) {
                throw new BackingServiceException(what + " exited before listening on port " + port);
            }
            if (System.nanoTime() > deadline) {
                throw new BackingServiceException(what + " did not listen on port " + port + " within " + timeout);
            }
            sleep(Duration.ofMillis(50));
        }
        if (!stillAlive.getAsBoolean()) {
            // Someone else took the port between our check and the server's bind.
            throw new BackingServiceException(what + " exited; port " + port + " is served by another process");
        }
    }

    static void sleep(Duration duration) {
        try {
            Thread.sleep(duration);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new BackingServiceException("Interrupted while waiting", e);
        }
    }
}
