-- One row per practice × indicator × period end: the counts in use, from the latest batch not
-- undone that holds that combination (a later upload replaces an earlier one; undoing it brings
-- the earlier one back).
CREATE VIEW current_counts AS
WITH latest AS (
    SELECT c.practice_code, c.indicator_code, c.period_end, max(c.batch_id) AS batch_id
    FROM batch_counts c JOIN batches b USING (batch_id)
    WHERE b.undone_at_utc IS NULL
    GROUP BY ALL
)
SELECT c.batch_id, c.practice_code, c.indicator_code, c.period_end,
       c.numerator, c.denominator, c.pca_count, c.source_row
FROM batch_counts c JOIN latest USING (batch_id, practice_code, indicator_code, period_end);
