-- Bytes each user holds or has reserved, kept as attachments change: the quota is checked, under
-- a lock of this one row, without reading the user's attachments.
CREATE TABLE owner_usage (
    owner VARCHAR(255) NOT NULL PRIMARY KEY,
    used_bytes BIGINT NOT NULL
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_bin;

INSERT INTO owner_usage (owner, used_bytes)
SELECT owner, SUM(size) FROM attachments WHERE state <> 'DELETING' GROUP BY owner;
