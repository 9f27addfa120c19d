package org.syncsuite.services;

import java.nio.file.Path;
import java.time.Duration;

/** Settings every embedded service takes; each has a default that suits tests. */
public abstract class ServiceBuilder<B extends ServiceBuilder<B>> {

    Path dataDirectory;
    int port;
    Duration startTimeout = Duration.ofSeconds(90);

    ServiceBuilder() {
    }

    /** A persistent folder (kept on close); by default a temporary one, removed on close. */
    public B dataDirectory(Path directory) {
        this.dataDirectory = directory;
        return self();
    }

    /** The preferred port, used when free; 0 (the default) takes any free port. */
    public B port(int port) {
        if (port < 0 || port > 65_535) {
            throw new IllegalArgumentException("Not a port: " + port);
        }
        this.port = port;
        return self();
    }

    /** How long {@code start()} waits for the server to accept connections. */
    public B startTimeout(Duration timeout) {
        this.startTimeout = timeout;
        return self();
    }

    @SuppressWarnings("unchecked")
    private B self() {
        return (B) this;
    }
}
