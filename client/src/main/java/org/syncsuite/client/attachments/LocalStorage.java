package org.syncsuite.client.attachments;

import java.io.IOException;
import java.io.InputStream;

/**
 * Where attachment files are kept on the device. Files are named by a local URI (for
 * {@link FileSystemStorage}, an absolute path), which the queue stores in the record's
 * {@code local_uri}. Implementations must be safe for concurrent use by different files.
 */
public interface LocalStorage {

    /** The directory (as a local URI) the queue's files go to. */
    String storageDirectory();

    /**
     * The local URI of a file named {@code filename} in {@link #storageDirectory()};
     * {@link IllegalArgumentException} when the name is not a plain file name (a separator,
     * {@code ..}), since names derive from ids that other devices chose.
     */
    String localUri(String filename);

    /**
     * Writes {@code data} (read to its end, not closed) to {@code localUri}, replacing a file
     * there only once it is complete, and returns the number of bytes written.
     */
    long saveFile(String localUri, InputStream data) throws IOException;

    /** The file's bytes, to be closed by the caller; {@link java.nio.file.NoSuchFileException} when it is missing. */
    InputStream readFile(String localUri) throws IOException;

    /** Deletes the file; nothing happens when it is missing. */
    void deleteFile(String localUri) throws IOException;

    /** Whether the file exists. */
    boolean fileExists(String localUri) throws IOException;

    /** Creates the directory and its parents when missing. */
    void makeDir(String localUri) throws IOException;
}
