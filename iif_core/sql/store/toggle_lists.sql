-- One row per patient list of batch $batch_id (practice × indicator × period end) whose list in
-- use would change if the batch were undone (when in use) or restored (when undone): the patients
-- still to do (did not achieve, no PCA) now and after, each with its batch (empty when no list
-- would be in use). The latest batch not undone wins, as in current_patients.
WITH lists AS (
    SELECT l.batch_id, l.practice_code, l.indicator_code, l.period_end,
           count(*) FILTER (NOT l.achieved AND NOT l.pca) AS to_do,
           any_value(b.undone_at_utc IS NULL) AS in_use_now,
           any_value((b.undone_at_utc IS NULL) <> (b.batch_id = $batch_id)) AS in_use_after
    FROM batch_patients l JOIN batches b USING (batch_id)
    WHERE (l.practice_code, l.indicator_code, l.period_end) IN (
        SELECT (practice_code, indicator_code, period_end) FROM batch_patients
        WHERE batch_id = $batch_id)
    GROUP BY ALL
),
now AS (
    SELECT * FROM lists WHERE in_use_now
    QUALIFY row_number() OVER (PARTITION BY practice_code, indicator_code, period_end
                               ORDER BY batch_id DESC) = 1
),
after AS (
    SELECT * FROM lists WHERE in_use_after
    QUALIFY row_number() OVER (PARTITION BY practice_code, indicator_code, period_end
                               ORDER BY batch_id DESC) = 1
),
mine AS (SELECT practice_code, indicator_code, period_end FROM lists WHERE batch_id = $batch_id)
SELECT m.practice_code, m.indicator_code, m.period_end,
       n.to_do AS to_do_now, n.batch_id AS batch_now,
       a.to_do AS to_do_after, a.batch_id AS batch_after
FROM mine m
LEFT JOIN now n USING (practice_code, indicator_code, period_end)
LEFT JOIN after a USING (practice_code, indicator_code, period_end)
WHERE n.batch_id IS DISTINCT FROM a.batch_id
ORDER BY m.practice_code, m.indicator_code, m.period_end;
