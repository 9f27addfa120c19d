package org.syncsuite.services;

import java.io.IOException;
import java.lang.System.Logger.Level;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * A backing service's folder: the persistent one the caller named (kept on close), or a new
 * temporary one (removed on close).
 */
final class ServiceDirectory implements AutoCloseable {

    private static final System.Logger LOG = System.getLogger(ServiceDirectory.class.getName());

    private final Path path;
    private final boolean temporary;

    private ServiceDirectory(Path path, boolean temporary) {
        this.path = path;
        this.temporary = temporary;
    }

    /** {@code persistent} when not null, else a temporary folder named after {@code service}. */
    static ServiceDirectory open(Path persistent, String service) {
        try {
            if (persistent != null) {
                Path absolute = persistent.toAbsolutePath();
                Files.createDirectories(absolute);
                return new ServiceDirectory(absolute, false);
            }
            return new ServiceDirectory(Files.createTempDirectory("syncsuite-" + service + "-"), true);
        } catch (IOException e) {
            throw new BackingServiceException("Could not create the " + service + " folder", e);
        }
    }

    Path path() {
        return path;
    }

    Path resolve(String name) {
        return path.resolve(name);
    }

    @Override
    public void close() {
        if (!temporary) {
            return;
        }
        try {
            Trees.delete(path);
        } catch (IOException e) {
            LOG.log(Level.WARNING, "Could not remove {0}: {1}", path, e.toString());
        }
    }
}
