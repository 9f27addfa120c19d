package org.syncsuite.attachments;

import java.time.LocalDateTime;
import java.time.ZoneOffset;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;

/** A snapshot of an attachment's metadata, outside any transaction. */
record AttachmentView(String id, String objectKey, String owner, AttachmentEntity.State state, long size, String mediaType, String sha256,
                      String filename, String metadata, LocalDateTime createdAt, LocalDateTime updatedAt, LocalDateTime expiresAt) {

    static AttachmentView of(AttachmentEntity e) {
        return new AttachmentView(e.getId(), e.getObjectKey(), e.getOwner(), e.getState(), e.getSize(), e.getMediaType(), e.getSha256(),
                e.getFilename(), e.getMetadata(), e.getCreatedAt(), e.getUpdatedAt(), e.getExpiresAt());
    }

    /** The strong ETag: the content's SHA-256. */
    String etag() {
        return "\"" + sha256 + "\"";
    }

    ObjectNode toJson() {
        ObjectNode json = JsonNodeFactory.instance.objectNode().put("id", id).put("owner", owner).put("state", state.name())
                .put("size", size).put("media_type", mediaType).put("sha256", sha256).put("filename", filename)
                .put("created_at", iso(createdAt)).put("updated_at", iso(updatedAt));
        if (metadata != null) {
            try {
                json.set("metadata", new com.fasterxml.jackson.databind.ObjectMapper().readTree(metadata));
            } catch (java.io.IOException e) {
                json.put("metadata", metadata);
            }
        }
        if (expiresAt != null) {
            json.put("expires_at", iso(expiresAt));
        }
        return json;
    }

    static String iso(LocalDateTime time) {
        return time == null ? null : time.toInstant(ZoneOffset.UTC).toString();
    }
}
