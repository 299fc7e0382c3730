-- One row per period end with counts in use between two dates, earliest first. A period end is in
-- use exactly when a batch not undone holds it (the latest such batch of each figure is the one in
-- use, current_counts), which is far quicker to find than the figures in use themselves.
SELECT DISTINCT c.period_end
FROM batch_counts c
JOIN batches b USING (batch_id)
WHERE b.undone_at_utc IS NULL AND c.period_end BETWEEN $first_period AND $last_period
ORDER BY c.period_end;
