package org.syncsuite.attachments;

import java.time.LocalDateTime;

import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.EnumType;
import jakarta.persistence.Enumerated;
import jakarta.persistence.Id;
import jakarta.persistence.Table;

/**
 * An attachment's metadata. Its bytes are the object {@code objects/<id>/<upload>}: each upload
 * writes a key of its own, so that the cleanup of a failed upload never touches a later one.
 */
@Entity
@Table(name = "attachments")
public class AttachmentEntity {

    /** Where an attachment is in its life. */
    public enum State {
        /** Its bytes are being streamed through the service. */
        UPLOADING,
        /** A presigned upload URL was handed out; the bytes are awaited, then verified. */
        PENDING,
        /** Stored and verified: it can be read. */
        AVAILABLE,
        /** Deleted: its object is being removed from S3. */
        DELETING
    }

    @Id
    @Column(name = "id", length = 128)
    private String id;

    @Column(name = "object_key", nullable = false)
    private String objectKey;

    @Column(name = "owner", nullable = false)
    private String owner;

    @Enumerated(EnumType.STRING)
    @Column(name = "state", nullable = false, length = 16)
    private State state;

    @Column(name = "size", nullable = false)
    private long size;

    @Column(name = "media_type", nullable = false)
    private String mediaType;

    @Column(name = "sha256", length = 64)
    private String sha256;

    @Column(name = "filename")
    private String filename;

    @Column(name = "metadata")
    private String metadata;

    @Column(name = "created_at", nullable = false)
    private LocalDateTime createdAt;

    @Column(name = "updated_at", nullable = false)
    private LocalDateTime updatedAt;

    @Column(name = "expires_at")
    private LocalDateTime expiresAt;

    protected AttachmentEntity() {
    }

    AttachmentEntity(String id, String owner, State state, long size, String mediaType, LocalDateTime now) {
        this.id = id;
        this.objectKey = newObjectKey(id);
        this.owner = owner;
        this.state = state;
        this.size = size;
        this.mediaType = mediaType;
        this.createdAt = now;
        this.updatedAt = now;
    }

    public String getId() {
        return id;
    }

    public String getOwner() {
        return owner;
    }

    public State getState() {
        return state;
    }

    public void setState(State state) {
        this.state = state;
    }

    public long getSize() {
        return size;
    }

    public void setSize(long size) {
        this.size = size;
    }

    public String getMediaType() {
        return mediaType;
    }

    public String getSha256() {
        return sha256;
    }

    public void setSha256(String sha256) {
        this.sha256 = sha256;
    }

    public String getFilename() {
        return filename;
    }

    public void setFilename(String filename) {
        this.filename = filename;
    }

    public String getMetadata() {
        return metadata;
    }

    public void setMetadata(String metadata) {
        this.metadata = metadata;
    }

    public LocalDateTime getCreatedAt() {
        return createdAt;
    }

    public LocalDateTime getUpdatedAt() {
        return updatedAt;
    }

    public void setUpdatedAt(LocalDateTime updatedAt) {
        this.updatedAt = updatedAt;
    }

    public LocalDateTime getExpiresAt() {
        return expiresAt;
    }

    public void setExpiresAt(LocalDateTime expiresAt) {
        this.expiresAt = expiresAt;
    }

    /** The S3 object key of the bytes. */
    public String getObjectKey() {
        return objectKey;
    }

    void setObjectKey(String objectKey) {
        this.objectKey = objectKey;
    }

    static String newObjectKey(String id) {
        return "objects/" + id + "/" + java.util.UUID.randomUUID();
    }
}
