-- How many of batch $batch_id's figures stay in use from the national extract (another batch,
-- of shape gpes), because NHS England pays on it (current_counts, decisions.md D79).
SELECT count(*)
FROM batch_counts c
JOIN current_counts u USING (practice_code, indicator_code, period_end)
JOIN batches b ON b.batch_id = u.batch_id
WHERE c.batch_id = $batch_id AND u.batch_id <> $batch_id AND b.shape = 'gpes';
