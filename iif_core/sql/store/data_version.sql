-- One row: the latest batch and how many undos and restores there have been; it changes whenever
-- anything is stored, undone or restored, so the app can key its caches on it.
SELECT coalesce(max(batch_id), 0), (SELECT count(*) FROM batch_events) FROM batches;
