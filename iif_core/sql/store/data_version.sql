-- One row: the latest batch and how many batches are undone; it changes whenever anything is
-- stored or undone, so the app can key its caches on it.
SELECT coalesce(max(batch_id), 0), count(undone_at_utc) FROM batches;
