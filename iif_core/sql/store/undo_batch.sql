-- One row changed: the batch marked undone (nothing is deleted, so it stays in the history).
UPDATE batches SET undone_at_utc = $undone_at_utc, undone_by = $who
WHERE batch_id = $batch_id AND undone_at_utc IS NULL;
