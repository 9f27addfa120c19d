package org.syncsuite.client.attachments;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.Objects;

/**
 * {@link LocalStorage} in a directory of the file system; local URIs are absolute paths. A file
 * is written to a temporary file beside it, forced to disk and then moved over the target
 * atomically, so a reader never sees half a file and an interrupted write leaves the old one.
 */
public final class FileSystemStorage implements LocalStorage {

    private final Path directory;

    /** Storage in {@code directory} (created when the queue starts or a file is saved). */
    public FileSystemStorage(Path directory) {
        this.directory = Objects.requireNonNull(directory, "directory").toAbsolutePath().normalize();
    }

    /** The directory as a path. */
    public Path directory() {
        return directory;
    }

    @Override
    public String storageDirectory() {
        return directory.toString();
    }

    @Override
    public String localUri(String filename) {
        if (filename == null || filename.isEmpty() || filename.equals(".") || filename.equals("..")
                || filename.indexOf('/') >= 0 || filename.indexOf('\\') >= 0 || filename.indexOf('\0') >= 0) {
            throw new IllegalArgumentException("Not a plain file name: '" + filename + "'");
        }
        Path file = directory.resolve(filename).normalize();
        if (!directory.equals(file.getParent())) {
            throw new IllegalArgumentException("Not a plain file name: '" + filename + "'");
        }
        return file.toString();
    }

    @Override
    public long saveFile(String localUri, InputStream data) throws IOException {
        Path target = Path.of(localUri);
        Path parent = target.toAbsolutePath().getParent();
        Files.createDirectories(parent);
        Path temporary = Files.createTempFile(parent, "." + target.getFileName(), ".part");
        boolean moved = false;
        try {
            long size;
            try (FileChannel channel = FileChannel.open(temporary, StandardOpenOption.WRITE, StandardOpenOption.TRUNCATE_EXISTING)) {
                OutputStream out = Channels.newOutputStream(channel);
                size = data.transferTo(out);
                channel.force(true);
            }
            try {
                Files.move(temporary, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            } catch (AtomicMoveNotSupportedException e) {
                Files.move(temporary, target, StandardCopyOption.REPLACE_EXISTING);
            }
            moved = true;
            return size;
        } finally {
            if (!moved) {
                Files.deleteIfExists(temporary);
            }
        }
    }

    @Override
    public InputStream readFile(String localUri) throws IOException {
        return Files.newInputStream(Path.of(localUri));
    }

    @Override
    public void deleteFile(String localUri) throws IOException {
        Files.deleteIfExists(Path.of(localUri));
    }

    @Override
    public boolean fileExists(String localUri) {
        return Files.isRegularFile(Path.of(localUri));
    }

    @Override
    public void makeDir(String localUri) throws IOException {
        Files.createDirectories(Path.of(localUri));
    }
}
