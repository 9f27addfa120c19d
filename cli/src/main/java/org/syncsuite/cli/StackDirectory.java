package org.syncsuite.cli;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Optional;
import java.util.Properties;

import org.syncsuite.services.Trees;

/**
 * The local stack's folder ({@code .powersync/} in the working directory): one data folder per
 * service, the log, and {@code stack.properties}, which records the running stack's process id
 * and ports so that {@code stop} and {@code status} work from another terminal.
 * State reads and writes are synchronized: the start-up thread and the shutdown hook both write.
 */
final class StackDirectory {

    static final String DEFAULT_NAME = ".powersync";

    private final Path root;

    StackDirectory(Path root) {
        this.root = root.toAbsolutePath().normalize();
    }

    Path root() {
        return root;
    }

    Path mariaDb() {
        return root.resolve("mariadb");
    }

    Path kafka() {
        return root.resolve("kafka");
    }

    Path s3() {
        return root.resolve("s3");
    }

    Path log() {
        return root.resolve("stack.log");
    }

    Path stateFile() {
        return root.resolve("stack.properties");
    }

    Path lockFile() {
        return root.resolve("stack.lock");
    }

    boolean exists() {
        return Files.isDirectory(root);
    }

    void create() {
        try {
            Files.createDirectories(root);
            Path ignore = root.resolve(".gitignore");
            if (!Files.exists(ignore)) {
                // The stack's data never belongs in version control, wherever the folder lands.
                Files.writeString(ignore, "*\n");
            }
        } catch (IOException e) {
            throw new UncheckedIOException("Could not create " + root, e);
        }
    }

    /** What the last {@code stack start} recorded, if anything. */
    synchronized Optional<Properties> readState() {
        Path file = stateFile();
        if (!Files.isRegularFile(file)) {
            return Optional.empty();
        }
        Properties state = new Properties();
        try (InputStream in = Files.newInputStream(file)) {
            state.load(in);
            return Optional.of(state);
        } catch (IOException e) {
            throw new UncheckedIOException("Could not read " + file, e);
        }
    }

    synchronized void writeState(Properties state) {
        Path file = stateFile();
        Path temp = file.resolveSibling(file.getFileName() + ".tmp");
        try (OutputStream out = Files.newOutputStream(temp)) {
            state.store(out, "The running local stack, written by 'powersync stack start'");
        } catch (IOException e) {
            throw new UncheckedIOException("Could not write " + file, e);
        }
        try {
            Files.move(temp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException e) {
            throw new UncheckedIOException("Could not write " + file, e);
        }
    }

    synchronized void clearState() {
        try {
            Files.deleteIfExists(stateFile());
        } catch (IOException e) {
            throw new UncheckedIOException("Could not remove " + stateFile(), e);
        }
    }

    /** Removes every file of the stack: data, logs and state. */
    void wipe() {
        if (!exists()) {
            return;
        }
        try {
            Trees.delete(root);
        } catch (IOException e) {
            throw new UncheckedIOException("Could not remove " + root, e);
        }
    }
}
