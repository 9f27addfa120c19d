-- The queue's depth by kind (readiness and /metrics) is counted from this index, not the table.
CREATE INDEX work_items_kind ON work_items (kind, due_at);
