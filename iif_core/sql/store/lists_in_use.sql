-- The temp table `lists_in_use`: one row per patient list in use at period end $as_at (all of
-- the year when NULL) of the practices $practice_codes (all when NULL: the caller has applied
-- the reader's scope to them) and indicator $indicator_code (all when NULL). As
-- current_patients and patient_list.sql choose them: for each practice × indicator × period
-- end the latest batch not undone that has a list (D12); with $as_at, each practice ×
-- indicator's list for $as_at, else its latest before it in the scheme year (decisions.md
-- D23). With the practice's name from the organisations in use (its code when it has none
-- there) and whether the list holds only patients still to do (D24). Chosen from the lists'
-- keys, before any patient row is read (decisions.md D61).
CREATE OR REPLACE TEMP TABLE lists_in_use AS
WITH latest AS (
    SELECT p.practice_code, p.indicator_code, p.period_end, max(p.batch_id) AS batch_id
    FROM batch_patients p JOIN batches b USING (batch_id)
    WHERE b.undone_at_utc IS NULL
      AND p.period_end BETWEEN $first_period AND least($last_period, coalesce($as_at, $last_period))
      AND ($practice_codes IS NULL OR p.practice_code = ANY($practice_codes))
      AND ($indicator_code IS NULL OR p.indicator_code = $indicator_code)
    GROUP BY ALL
), chosen AS (
    SELECT *, max(period_end) OVER (PARTITION BY practice_code, indicator_code) AS latest_list
    FROM latest
)
SELECT c.batch_id, c.practice_code,
       CASE WHEN o.practice_code IS NULL THEN c.practice_code ELSE o.practice_name END
           AS practice_name,
       c.indicator_code, c.period_end, coalesce(b.list_kind = 'outstanding', false) AS recall_only
FROM chosen c
JOIN batches b USING (batch_id)
LEFT JOIN (SELECT DISTINCT ON (practice_code) practice_code, practice_name FROM orgs) o
    USING (practice_code)
WHERE $as_at IS NULL OR c.period_end = c.latest_list;
