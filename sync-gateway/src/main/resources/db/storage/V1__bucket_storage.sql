-- Bucket storage: what the writer role derives from the changes topic, and what the api role
-- serves. Every data table is keyed by the sync config version (group_id), so a new version is
-- built beside the active one and the old one's rows are dropped after the switch.
-- Names that clients see (buckets, lookups, source keys) are byte strings: compared and sorted
-- by bytes, never by a collation.

-- One global, strictly increasing op id sequence, shared by bucket ops, parameter index rows and
-- checkpoints. A single row; writers take ranges of it under its row lock.
CREATE TABLE op_id_sequence (
    id TINYINT NOT NULL PRIMARY KEY,
    last_op_id BIGINT NOT NULL
) ENGINE = InnoDB;
INSERT INTO op_id_sequence (id, last_op_id) VALUES (1, 0);

-- Deployed sync config versions and each one's checkpoint state.
CREATE TABLE sync_config_versions (
    id INT NOT NULL AUTO_INCREMENT PRIMARY KEY,
    state VARCHAR(16) NOT NULL,                 -- PROCESSING, ACTIVE, STOP, TERMINATED, ERRORED
    content MEDIUMTEXT NOT NULL,                -- the sync config's YAML
    created_at TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
    activated_at TIMESTAMP(3) NULL,
    snapshot_done BOOLEAN NOT NULL DEFAULT FALSE,
    last_checkpoint BIGINT NULL,                -- op id of the last committed checkpoint
    last_checkpoint_position VARCHAR(4096) NULL,-- the source position it reflects (JSON)
    last_checkpoint_at TIMESTAMP(3) NULL,
    changes_offset BIGINT NULL,                 -- the changes topic's next offset to consume, committed with it
    last_fatal_error TEXT NULL,
    CONSTRAINT sync_config_state CHECK (state IN ('PROCESSING', 'ACTIVE', 'STOP', 'TERMINATED', 'ERRORED'))
) ENGINE = InnoDB;
CREATE INDEX sync_config_versions_state ON sync_config_versions (state);

-- The operation log of each bucket.
CREATE TABLE bucket_ops (
    group_id INT NOT NULL,
    bucket VARBINARY(1024) NOT NULL,
    op_id BIGINT NOT NULL,
    op TINYINT NOT NULL,                        -- 1 PUT, 2 REMOVE, 3 MOVE, 4 CLEAR
    object_type VARBINARY(255) NULL,
    object_id VARBINARY(1024) NULL,
    subkey VARBINARY(64) NULL,
    checksum BIGINT NOT NULL,                   -- u32 for PUT and REMOVE; CLEAR's may be any 32-bit sum
    data MEDIUMTEXT NULL,                       -- the row's JSON, for PUT
    target_op BIGINT NULL,                      -- for MOVE and CLEAR: the op that superseded it
    PRIMARY KEY (group_id, bucket, op_id)
) ENGINE = InnoDB;

-- Per bucket: the aggregates a checkpoint's checksums come from, without reading its ops.
CREATE TABLE bucket_state (
    group_id INT NOT NULL,
    bucket VARBINARY(1024) NOT NULL,
    last_op BIGINT NOT NULL,
    op_count BIGINT NOT NULL,
    checksum_sum BIGINT NOT NULL,               -- the sum of the ops' checksums, modulo 2^32
    bytes BIGINT NOT NULL,
    compacted_op BIGINT NULL,                   -- ops up to here are compacted (MOVE / CLEAR)
    PRIMARY KEY (group_id, bucket)
) ENGINE = InnoDB;

-- Per source row: the buckets and lookups it is in now, so that a change can remove what it left.
CREATE TABLE current_data (
    group_id INT NOT NULL,
    source_table VARBINARY(255) NOT NULL,
    source_key VARBINARY(1024) NOT NULL,
    buckets MEDIUMTEXT NOT NULL,                -- JSON: [{"bucket","table","id"}]
    lookups MEDIUMBLOB NULL,
    PRIMARY KEY (group_id, source_table, source_key)
) ENGINE = InnoDB;

-- The parameter index's history: each row is the result of a lookup as of its op id.
CREATE TABLE parameter_index (
    id BIGINT NOT NULL PRIMARY KEY,             -- an op id
    group_id INT NOT NULL,
    lookup VARBINARY(2048) NOT NULL,
    source_table VARBINARY(255) NOT NULL,
    source_key VARBINARY(1024) NOT NULL,
    result MEDIUMTEXT NOT NULL                  -- JSON array of result rows; [] when the row left the lookup
) ENGINE = InnoDB;
CREATE INDEX parameter_index_lookup ON parameter_index (group_id, lookup, id DESC);
CREATE INDEX parameter_index_source ON parameter_index (group_id, source_table, source_key);

-- Checkpoints, in order: each is consistent with the source position it names.
CREATE TABLE checkpoints (
    group_id INT NOT NULL,
    op_id BIGINT NOT NULL,
    source_position VARCHAR(4096) NOT NULL,
    changes_offset BIGINT NOT NULL,
    created_at TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
    PRIMARY KEY (group_id, op_id)
) ENGINE = InnoDB;

-- Write checkpoints: a client's request to know when its own writes have reached its buckets.
CREATE TABLE write_checkpoints (
    user_id VARBINARY(255) NOT NULL,
    client_id VARBINARY(255) NOT NULL DEFAULT '',
    write_checkpoint BIGINT NOT NULL,           -- the counter the client waits for
    source_position VARCHAR(4096) NOT NULL,     -- the source head when it was requested
    requested_at TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
    processed_at_op BIGINT NULL,                -- the checkpoint that reached the position
    PRIMARY KEY (user_id, client_id)
) ENGINE = InnoDB;
