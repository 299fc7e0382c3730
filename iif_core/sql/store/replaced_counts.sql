-- One row per figure of the staged file (the temp table `extract`) that the store already holds
-- for the same practice × indicator × period end: the stored figure and the upload it came from
-- beside the new one, so that a person sees what storing would replace before it is stored. A
-- practice's search does not replace the national extract's figures ($national: the staged file
-- is the national extract; current_counts, decisions.md D79).
SELECT e.practice_code, e.indicator_code, e.period_end,
       c.numerator AS stored_numerator, c.denominator AS stored_denominator,
       c.pca_count AS stored_pca_count, c.batch_id AS stored_batch, b.file_name AS stored_file,
       e.numerator AS new_numerator, e.denominator AS new_denominator,
       coalesce(e.pca_count, 0) AS new_pca_count,
       c.numerator = e.numerator AND c.denominator = e.denominator
           AND c.pca_count = coalesce(e.pca_count, 0) AS same
FROM temp.extract e
JOIN current_counts c USING (practice_code, indicator_code, period_end)
JOIN batches b ON b.batch_id = c.batch_id
WHERE $national OR b.shape <> 'gpes'
ORDER BY e.practice_code, e.indicator_code, e.period_end;
