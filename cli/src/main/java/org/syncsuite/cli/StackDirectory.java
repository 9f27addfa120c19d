package org.syncsuite.cli;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
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

    /**
     * Whether a running {@code stack start} holds this folder's lock, as it does for its whole
     * life. A process id alone may have been reused; and a process's start time, as two JVMs
     * read it, differs once the system clock has been stepped (both derive it from the boot
     * time in wall-clock time), so it cannot tell the stack's process either.
     */
    boolean held() {
        if (!Files.exists(lockFile())) {
            return false;
        }
        FileChannel channel;
        try {
            channel = FileChannel.open(lockFile(), StandardOpenOption.WRITE);
        } catch (IOException e) {
            throw new UncheckedIOException("Could not open " + lockFile(), e);
        }
        try {
            FileLock lock = channel.tryLock();
            if (lock != null) {
                lock.release();
            }
            channel.close();
            return lock == null;
        } catch (OverlappingFileLockException e) {
            // this JVM holds it; the channel stays open, as closing it would drop this JVM's lock
            return true;
        } catch (IOException e) {
            throw new UncheckedIOException("Could not read the lock of " + lockFile(), e);
        }
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
