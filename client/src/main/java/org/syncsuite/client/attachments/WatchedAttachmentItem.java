package org.syncsuite.client.attachments;

import java.util.Objects;

/**
 * An attachment the app's data rows reference, as the queue's watched query reports it.
 *
 * @param id            the attachment's id
 * @param fileExtension the extension its file gets ({@code jpg}); null or empty for none
 * @param metaData      JSON text stored with a record the queue creates for it; null for none
 */
public record WatchedAttachmentItem(String id, String fileExtension, String metaData) {

    public WatchedAttachmentItem {
        Objects.requireNonNull(id, "id");
    }

    /** An item with only an id. */
    public static WatchedAttachmentItem of(String id) {
        return new WatchedAttachmentItem(id, null, null);
    }

    /** An item with an id and a file extension. */
    public static WatchedAttachmentItem of(String id, String fileExtension) {
        return new WatchedAttachmentItem(id, fileExtension, null);
    }
}
