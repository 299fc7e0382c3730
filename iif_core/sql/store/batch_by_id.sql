-- At most one row: the batch asked for, with whether it is undone.
SELECT batch_id, kind, file_name, loaded_at_utc, undone_at_utc
FROM batches
WHERE batch_id = $batch_id;
