package org.syncsuite.client.attachments;

/**
 * Where an attachment stands, stored as the integer {@link #code()} in the attachments table's
 * {@code state} column (the same numbers as PowerSync's attachment helpers).
 */
public enum AttachmentState {
    /** Referenced by a data row, not on this device yet: to be downloaded. */
    QUEUED_DOWNLOAD(0),
    /** Saved on this device: to be uploaded. */
    QUEUED_UPLOAD(1),
    /** Deleted by the app: to be deleted remotely and locally, then forgotten. */
    QUEUED_DELETE(2),
    /** On this device and in remote storage. */
    SYNCED(3),
    /** Referenced by no data row any more: kept (with its local file) until the archive cache evicts it. */
    ARCHIVED(4);

    private final int code;

    AttachmentState(int code) {
        this.code = code;
    }

    /** The value stored in the {@code state} column. */
    public int code() {
        return code;
    }

    /** The state stored as {@code code}; {@link IllegalArgumentException} for an unknown value. */
    public static AttachmentState fromCode(int code) {
        for (AttachmentState state : values()) {
            if (state.code == code) {
                return state;
            }
        }
        throw new IllegalArgumentException("Unknown attachment state " + code);
    }
}
