-- As current_extract.sql, for the practices in the temp table `rescored` only (the practices
-- whose scores a change touches, iif_core/kept_scores.py).
INSERT INTO temp.extract
SELECT c.practice_code, c.indicator_code, c.period_end, c.numerator, c.denominator, c.pca_count,
       b.file_name, c.source_row
FROM current_counts c
JOIN batches b USING (batch_id)
WHERE c.period_end BETWEEN $first_period AND $last_period
  AND c.practice_code IN (SELECT org_code FROM rescored WHERE level = 'practice');
