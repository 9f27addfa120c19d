package org.syncsuite.client.attachments;

import java.io.InputStream;

/**
 * Where attachment files are kept off the device: the app's bucket, or the attachments service
 * ({@link AttachmentsServiceStorage}). Each call gets the whole record, metadata included. A
 * failure is thrown; {@link RemoteStorageException} says whether trying again may help, and the
 * queue's {@link AttachmentErrorHandler} decides. Calls run on the queue's worker threads, several
 * at a time, and should give up promptly when their thread is interrupted (the queue stopping).
 */
public interface RemoteStorage {

    /** Stores {@code data} (read to its end; the caller closes it) as {@code attachment}'s file. */
    void uploadFile(InputStream data, Attachment attachment) throws Exception;

    /** The file's bytes, streamed; the caller reads and closes the stream. */
    InputStream downloadFile(Attachment attachment) throws Exception;

    /** Deletes the file; a file that is already gone counts as deleted. */
    void deleteFile(Attachment attachment) throws Exception;
}
