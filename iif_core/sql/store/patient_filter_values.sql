-- Each value a filter of the Patients page can take, as found in `patients_in_use`: one row per
-- filter (its column) and value, missing values left out.
SELECT DISTINCT 'age_band' AS filter, age_band AS value FROM patients_in_use WHERE age_band IS NOT NULL
UNION ALL
SELECT DISTINCT 'sex', sex FROM patients_in_use WHERE sex IS NOT NULL
UNION ALL
SELECT DISTINCT 'ethnicity', ethnicity FROM patients_in_use WHERE ethnicity IS NOT NULL
UNION ALL
SELECT DISTINCT 'imd_quintile', CAST(imd_quintile AS VARCHAR) FROM patients_in_use
WHERE imd_quintile IS NOT NULL;
