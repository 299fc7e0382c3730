-- One row per patient × indicator × period end in use, for the practices, indicator and period
-- end asked for (each filter left out when not given), optionally only the work still to do,
-- with what the list holds (list_kind: cohort, or outstanding = only patients still to do).
-- With $as_at, only the list each practice × indicator uses at that period end: its list for
-- $as_at, else its latest list before it within the scheme year, never a later one
-- (decisions.md D23). The list is chosen before the work still to do is picked from it, so a
-- newer list with nobody left to do still replaces the older one.
WITH asked AS (
    SELECT p.*,
           max(p.period_end) OVER (PARTITION BY p.practice_code, p.indicator_code) AS latest_list
    FROM current_patients p
    WHERE p.period_end BETWEEN $first_period AND least($last_period, coalesce($as_at, $last_period))
      AND ($practice_code IS NULL OR p.practice_code = $practice_code)
      AND ($practice_codes IS NULL OR list_contains($practice_codes, p.practice_code))
      AND ($indicator_code IS NULL OR p.indicator_code = $indicator_code)
      AND ($period_end IS NULL OR p.period_end = $period_end)
)
SELECT p.practice_code, p.indicator_code, p.period_end, p.patient_id, p.achieved, p.pca, p.age,
       p.sex, p.ethnicity, p.imd_decile, p.imd_quintile, p.last_activity_date, p.batch_id,
       p.source_row, b.list_kind
FROM asked p
JOIN batches b USING (batch_id)
WHERE ($as_at IS NULL OR p.period_end = p.latest_list)
  AND (NOT $to_do_only OR (NOT p.achieved AND NOT p.pca))
ORDER BY p.practice_code, p.indicator_code, p.period_end, p.patient_id;
