-- One row changed: an undone batch put back in use (its undo stays in batch_events).
UPDATE batches SET undone_at_utc = NULL, undone_by = NULL
WHERE batch_id = $batch_id AND undone_at_utc IS NOT NULL;
