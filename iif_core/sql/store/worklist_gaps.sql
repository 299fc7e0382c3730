-- Achievement by IMD quintile among the eligible patients (achieved, or no PCA) of
-- `patients_in_use`, for the period end and practices asked for, leaving out the lists that
-- hold only patients still to do (they cannot show who achieved).
SELECT imd_quintile, count(*) AS eligible, CAST(count_if(achieved) AS BIGINT) AS achieved
FROM patients_in_use
WHERE (achieved OR NOT pca) AND NOT recall_only AND imd_quintile IS NOT NULL
  AND ($period_end IS NULL OR period_end = $period_end)
  AND ($practice_codes IS NULL OR list_contains($practice_codes, practice_code))
GROUP BY imd_quintile
ORDER BY imd_quintile;
