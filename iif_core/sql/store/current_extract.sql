-- One row per practice × indicator × period end in use between two dates, added to the scoring
-- pipeline's table `extract` (iif_core/extract.py EXTRACT_TABLE_SQL).
INSERT INTO temp.extract
SELECT c.practice_code, c.indicator_code, c.period_end, c.numerator, c.denominator, c.pca_count,
       b.file_name, c.source_row
FROM current_counts c
JOIN batches b USING (batch_id)
WHERE c.period_end BETWEEN $first_period AND $last_period;
