-- Each value a filter of the Patients page can take, as found in `patients_in_use`: one row per
-- filter (its column) and value, missing values left out. The rows are read once, for the
-- combinations found, and the values picked from those.
WITH found AS MATERIALIZED (
    SELECT DISTINCT age_band, sex, ethnicity, imd_quintile FROM patients_in_use
)
SELECT DISTINCT 'age_band' AS filter, age_band AS value FROM found WHERE age_band IS NOT NULL
UNION ALL
SELECT DISTINCT 'sex', sex FROM found WHERE sex IS NOT NULL
UNION ALL
SELECT DISTINCT 'ethnicity', ethnicity FROM found WHERE ethnicity IS NOT NULL
UNION ALL
SELECT DISTINCT 'imd_quintile', CAST(imd_quintile AS VARCHAR) FROM found
WHERE imd_quintile IS NOT NULL;
