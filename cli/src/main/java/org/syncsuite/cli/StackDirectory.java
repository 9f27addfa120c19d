package org.syncsuite.cli;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.concurrent.ConcurrentHashMap;

import org.syncsuite.services.Trees;

/**
 * The local stack's folder ({@code .powersync/} in the working directory): one data folder per
 * service, the log, {@code stack.properties}, which records the running stack's services and
 * ports, and {@code stack.lock}, which the running stack holds and names its process id in, so
 * that {@code stop} and {@code status} work from another terminal.
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

    /** The stack folders whose lock this JVM holds: looked up here, never through a second channel. */
    private static final Map<Path, FileLock> HELD_HERE = new ConcurrentHashMap<>();

    /**
     * Takes this folder's lock for the life of this JVM and writes this process's id into the
     * lock file; empty when another process holds it. {@code stack start} holds it while it runs.
     */
    Optional<FileLock> lock() {
        try {
            FileChannel channel = FileChannel.open(lockFile(), StandardOpenOption.CREATE, StandardOpenOption.READ,
                    StandardOpenOption.WRITE);
            FileLock lock = channel.tryLock();
            if (lock == null) {
                channel.close();
                return Optional.empty();
            }
            channel.truncate(0);
            channel.write(ByteBuffer.wrap(Long.toString(ProcessHandle.current().pid()).getBytes(StandardCharsets.US_ASCII)), 0);
            channel.force(false);
            HELD_HERE.put(root, lock);
            return Optional.of(lock);
        } catch (OverlappingFileLockException e) {
            return Optional.empty(); // this JVM holds it already
        } catch (IOException e) {
            throw new UncheckedIOException("Could not lock " + lockFile(), e);
        }
    }

    /**
     * The process of the running {@code stack start}: the one that holds this folder's lock, by
     * the id it wrote into the lock file; empty when no process holds the lock. A process id
     * alone may have been reused, and a process's start time, as two JVMs read it, differs once
     * the system clock has been stepped (both derive it from the boot time in wall-clock time).
     */
    Optional<ProcessHandle> holder() {
        FileLock here = HELD_HERE.get(root);
        if (here != null && here.isValid()) {
            return Optional.of(ProcessHandle.current());
        }
        try (FileChannel channel = FileChannel.open(lockFile(), StandardOpenOption.READ)) {
            // a shared lock: refused while a stack holds its exclusive one, and it needs no write access
            FileLock probe = channel.tryLock(0, Long.MAX_VALUE, true);
            if (probe != null) {
                probe.release();
                return Optional.empty();
            }
            ByteBuffer content = ByteBuffer.allocate(32);
            channel.read(content, 0);
            String pid = new String(content.array(), 0, content.position(), StandardCharsets.US_ASCII).strip();
            return pid.matches("\\d{1,18}") ? ProcessHandle.of(Long.parseLong(pid)) : Optional.empty();
        } catch (NoSuchFileException e) {
            return Optional.empty();
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
