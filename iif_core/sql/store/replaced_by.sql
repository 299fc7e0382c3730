-- One row per other batch whose counts are in use in place of some of this batch's (a later
-- upload, or the national extract: current_counts): how many.
SELECT now_in_use.batch_id, count(*) AS figures
FROM batch_counts c
JOIN current_counts now_in_use USING (practice_code, indicator_code, period_end)
WHERE c.batch_id = $batch_id AND now_in_use.batch_id <> $batch_id
GROUP BY now_in_use.batch_id
ORDER BY now_in_use.batch_id;
