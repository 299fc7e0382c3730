-- Schema 6 (decisions.md D79). Where NHS Digital's national extract (GPES/CQRS, shape gpes) and a
-- practice's own search hold the same practice × indicator × period end, the national extract's
-- figures are in use, as NHS England pays on them; within each source the latest batch not undone
-- wins, as before. The ranking key puts the source above the batch number (batch numbers are far
-- below 2^32), so that one max() picks the batch.
CREATE OR REPLACE VIEW current_counts AS
WITH chosen AS (
    SELECT c.practice_code, c.indicator_code, c.period_end,
           max(CASE WHEN b.shape = 'gpes' THEN 4294967296 ELSE 0 END + c.batch_id) % 4294967296
               AS batch_id
    FROM batch_counts c JOIN batches b USING (batch_id)
    WHERE b.undone_at_utc IS NULL
    GROUP BY ALL
)
SELECT c.batch_id, c.practice_code, c.indicator_code, c.period_end,
       c.numerator, c.denominator, c.pca_count, c.source_row
FROM batch_counts c JOIN chosen USING (batch_id, practice_code, indicator_code, period_end);
-- The kept scores were scored with the latest batch winning: score every year again.
DELETE FROM kept_scores;
DELETE FROM kept_years;
