package org.syncsuite.client.attachments;

import java.util.Map;
import java.util.Objects;

/**
 * One row of the attachments table, as the queue and the storage adapters see it: the whole
 * record, metadata included, reaches {@link RemoteStorage}.
 *
 * @param id        the attachment's id, the value data rows hold to reference it
 * @param filename  the file's name in local (and usually remote) storage: {@code <id>.<extension>}
 * @param localUri  where the file is on this device ({@link LocalStorage#localUri}); null while it is not
 * @param timestamp when the record last changed state, in epoch milliseconds (the queue works
 *                  oldest first and the archive cache evicts the oldest)
 * @param size      the file's size in bytes; 0 while unknown (a download not done yet)
 * @param mediaType the file's media type (such as {@code image/jpeg}); null when unknown
 * @param state     where it stands
 * @param hasSynced whether it has been in remote storage: an archived attachment referenced
 *                  again is restored from its local file when true, uploaded again when false
 * @param metaData  the app's JSON text about the file (a caption, dimensions); null when none
 */
public record Attachment(String id, String filename, String localUri, long timestamp, long size, String mediaType,
                         AttachmentState state, boolean hasSynced, String metaData) {

    public Attachment {
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(filename, "filename");
        Objects.requireNonNull(state, "state");
        if (size < 0) {
            throw new IllegalArgumentException("size must not be negative: " + size);
        }
    }

    /** The record read from a row of the attachments table (as {@code SELECT *} gives it). */
    static Attachment fromRow(Map<String, Object> row) {
        String id = String.valueOf(row.get("id"));
        String filename = row.get("filename") instanceof String name ? name : id;
        return new Attachment(id, filename, (String) row.get("local_uri"),
                number(row.get("timestamp")), number(row.get("size")), (String) row.get("media_type"),
                AttachmentState.fromCode((int) number(row.get("state"))), number(row.get("has_synced")) != 0,
                (String) row.get("meta_data"));
    }

    private static long number(Object value) {
        return value instanceof Number n ? n.longValue() : 0;
    }
}
