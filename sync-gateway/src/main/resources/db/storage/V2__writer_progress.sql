-- The writer's progress between checkpoints. A writer may commit operations (and the changes
-- offset they were built from) before the source transaction they belong to ends, for example
-- while replaying a compacted changes topic whose position records are gone; those operations
-- are not part of any checkpoint yet. written_op is the last op id such a commit took, so the
-- next checkpoint covers it even after a restart.
ALTER TABLE sync_config_versions ADD COLUMN written_op BIGINT NULL AFTER last_checkpoint_at;
-- The source position of the last changes-topic record consumed, checkpointed or not (JSON).
ALTER TABLE sync_config_versions ADD COLUMN written_position VARCHAR(4096) NULL AFTER written_op;
