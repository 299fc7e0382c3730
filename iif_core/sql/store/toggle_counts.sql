-- One row per figure of batch $batch_id whose figure in use would change if the batch were undone
-- (when it is in use) or restored (when it is undone): the figure now and the one after, each
-- with its batch (empty when no upload would hold it). As in current_counts: the national
-- extract's batches first, then the latest batch not undone.
WITH figures AS (
    SELECT c.batch_id, c.practice_code, c.indicator_code, c.period_end, c.numerator,
           c.denominator,
           b.undone_at_utc IS NULL AS in_use_now,
           (b.undone_at_utc IS NULL) <> (b.batch_id = $batch_id) AS in_use_after,
           b.shape = 'gpes' AS national
    FROM batch_counts c JOIN batches b USING (batch_id)
    WHERE (c.practice_code, c.indicator_code, c.period_end) IN (
        SELECT (practice_code, indicator_code, period_end) FROM batch_counts
        WHERE batch_id = $batch_id)
),
now AS (
    SELECT * FROM figures WHERE in_use_now
    QUALIFY row_number() OVER (PARTITION BY practice_code, indicator_code, period_end
                               ORDER BY national DESC, batch_id DESC) = 1
),
after AS (
    SELECT * FROM figures WHERE in_use_after
    QUALIFY row_number() OVER (PARTITION BY practice_code, indicator_code, period_end
                               ORDER BY national DESC, batch_id DESC) = 1
),
mine AS (SELECT practice_code, indicator_code, period_end FROM figures WHERE batch_id = $batch_id)
SELECT m.practice_code, m.indicator_code, m.period_end,
       n.numerator AS numerator_now, n.denominator AS denominator_now, n.batch_id AS batch_now,
       a.numerator AS numerator_after, a.denominator AS denominator_after,
       a.batch_id AS batch_after
FROM mine m
LEFT JOIN now n USING (practice_code, indicator_code, period_end)
LEFT JOIN after a USING (practice_code, indicator_code, period_end)
WHERE n.batch_id IS DISTINCT FROM a.batch_id
ORDER BY m.practice_code, m.indicator_code, m.period_end;
