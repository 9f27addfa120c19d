-- The attachments service's metadata: one row per attachment, and the work queue that carries
-- verifications and deletions in S3 through retries.

CREATE TABLE attachments (
    id VARCHAR(128) NOT NULL PRIMARY KEY,        -- the client's id
    object_key VARCHAR(255) NOT NULL,            -- 'objects/<id>/<upload>': each upload writes a key of its own
    owner VARCHAR(255) NOT NULL,                 -- the JWT subject that created it
    state VARCHAR(16) NOT NULL,                  -- UPLOADING, PENDING (presigned upload awaited), AVAILABLE, DELETING
    size BIGINT NOT NULL,                        -- bytes (declared while PENDING or UPLOADING)
    media_type VARCHAR(255) NOT NULL,
    sha256 CHAR(64) NULL,                        -- lower-case hex; expected while PENDING when given
    filename VARCHAR(255) NULL,
    metadata TEXT NULL,                          -- the client's JSON metadata
    created_at DATETIME(3) NOT NULL,
    updated_at DATETIME(3) NOT NULL,
    expires_at DATETIME(3) NULL,                 -- PENDING: when an upload never completed expires
    KEY attachments_owner (owner, id),
    UNIQUE KEY attachments_object (object_key)
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_bin;

CREATE TABLE work_items (
    id BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY,
    kind VARCHAR(16) NOT NULL,                   -- VERIFY (a presigned upload), DELETE (an object)
    attachment_id VARCHAR(128) NOT NULL,
    object_key VARCHAR(255) NOT NULL,            -- the object it concerns (an upload's own key)
    attempts INT NOT NULL DEFAULT 0,
    due_at DATETIME(3) NOT NULL,                 -- next attempt; a claimed item is leased by moving it ahead
    last_error TEXT NULL,
    created_at DATETIME(3) NOT NULL,
    KEY work_items_due (due_at)
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_bin;
