-- One row per practice × indicator × period end in use between two dates, with the batch it came
-- from and when that was stored (for completeness and staleness).
SELECT c.practice_code, c.indicator_code, c.period_end, c.numerator, c.denominator, c.pca_count,
       c.batch_id, b.file_name, b.loaded_at_utc
FROM current_counts c
JOIN batches b USING (batch_id)
WHERE c.period_end BETWEEN $first_period AND $last_period
ORDER BY c.practice_code, c.indicator_code, c.period_end;
