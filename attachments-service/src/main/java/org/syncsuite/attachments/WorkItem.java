package org.syncsuite.attachments;

import java.time.LocalDateTime;

import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.EnumType;
import jakarta.persistence.Enumerated;
import jakarta.persistence.GeneratedValue;
import jakarta.persistence.GenerationType;
import jakarta.persistence.Id;
import jakarta.persistence.Table;

/** A unit of the persistent work queue: done once, retried with backoff until it is. */
@Entity
@Table(name = "work_items")
public class WorkItem {

    /** What to do. */
    public enum Kind {
        /** Check a presigned upload: present, size and SHA-256 right, then available; or expire it. */
        VERIFY,
        /** Remove an attachment's object from S3, then its row. */
        DELETE
    }

    @Id
    @GeneratedValue(strategy = GenerationType.IDENTITY)
    @Column(name = "id")
    private Long id;

    @Enumerated(EnumType.STRING)
    @Column(name = "kind", nullable = false, length = 16)
    private Kind kind;

    @Column(name = "attachment_id", nullable = false, length = 128)
    private String attachmentId;

    @Column(name = "object_key", nullable = false)
    private String objectKey;

    @Column(name = "attempts", nullable = false)
    private int attempts;

    @Column(name = "due_at", nullable = false)
    private LocalDateTime dueAt;

    @Column(name = "last_error")
    private String lastError;

    @Column(name = "created_at", nullable = false)
    private LocalDateTime createdAt;

    protected WorkItem() {
    }

    WorkItem(Kind kind, String attachmentId, String objectKey, LocalDateTime dueAt, LocalDateTime now) {
        this.kind = kind;
        this.attachmentId = attachmentId;
        this.objectKey = objectKey;
        this.dueAt = dueAt;
        this.createdAt = now;
    }

    public Long getId() {
        return id;
    }

    public Kind getKind() {
        return kind;
    }

    public String getAttachmentId() {
        return attachmentId;
    }

    public String getObjectKey() {
        return objectKey;
    }

    public int getAttempts() {
        return attempts;
    }

    public void setAttempts(int attempts) {
        this.attempts = attempts;
    }

    public LocalDateTime getDueAt() {
        return dueAt;
    }

    public void setDueAt(LocalDateTime dueAt) {
        this.dueAt = dueAt;
    }

    public String getLastError() {
        return lastError;
    }

    public void setLastError(String lastError) {
        this.lastError = lastError;
    }

    public LocalDateTime getCreatedAt() {
        return createdAt;
    }
}
