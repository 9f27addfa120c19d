-- Op ids a version's writer took from the sequence ahead of its batches: the range it numbers
-- operations from, so that a batch's operations can be written before the batch ahead of it has
-- committed. After a restart the writer goes on from written_op + 1 within this range, so the
-- version's op ids stay without a gap.
ALTER TABLE sync_config_versions ADD COLUMN op_ids_reserved_from BIGINT NULL AFTER written_position;
ALTER TABLE sync_config_versions ADD COLUMN op_ids_reserved_until BIGINT NULL AFTER op_ids_reserved_from;
