-- The temp table `patients_in_use`: the patient rows of the lists in use at period end $as_at
-- (decisions.md D23, as patient_list.sql chooses them), of the practices $practice_codes (all
-- when NULL: the caller has applied the reader's scope to them) and indicator $indicator_code
-- (all when NULL), in the app's words (report/patients.py prepare_patients): the practice's
-- name from the organisations in use (its code when it has none there), an age band and
-- whether the list holds only patients still to do. The Patients page's figures are counted
-- from it in SQL (decisions.md D61).
CREATE OR REPLACE TEMP TABLE patients_in_use AS
WITH asked AS (
    SELECT p.*,
           max(p.period_end) OVER (PARTITION BY p.practice_code, p.indicator_code) AS latest_list
    FROM current_patients p
    WHERE p.period_end BETWEEN $first_period AND least($last_period, coalesce($as_at, $last_period))
      AND ($practice_codes IS NULL OR list_contains($practice_codes, p.practice_code))
      AND ($indicator_code IS NULL OR p.indicator_code = $indicator_code)
)
SELECT p.practice_code,
       CASE WHEN o.practice_code IS NULL THEN p.practice_code ELSE o.practice_name END
           AS practice_name,
       p.indicator_code, p.period_end, p.patient_id, p.achieved, p.pca, p.age,
       CASE WHEN p.age BETWEEN 0 AND 17 THEN 'Under 18'
            WHEN p.age BETWEEN 18 AND 39 THEN '18-39'
            WHEN p.age BETWEEN 40 AND 64 THEN '40-64'
            WHEN p.age BETWEEN 65 AND 74 THEN '65-74'
            WHEN p.age >= 75 THEN '75 and over' END AS age_band,
       p.sex, p.ethnicity, p.imd_quintile, p.last_activity_date,
       coalesce(b.list_kind = 'outstanding', false) AS recall_only
FROM asked p
JOIN batches b USING (batch_id)
LEFT JOIN (SELECT DISTINCT ON (practice_code) practice_code, practice_name FROM orgs) o
    USING (practice_code)
WHERE $as_at IS NULL OR p.period_end = p.latest_list;
