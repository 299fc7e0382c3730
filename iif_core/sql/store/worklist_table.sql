-- The temp table `worklist`: the patients still to do of `patients_in_use` (not achieved, no
-- PCA: iif-rules.md section 8) narrowed by the filters (NULL keeps everyone), as
-- report/patients.py patient_worklist picks them.
CREATE OR REPLACE TEMP TABLE worklist AS
SELECT practice_code, practice_name, indicator_code, patient_id, age, age_band, sex, ethnicity,
       imd_quintile, last_activity_date, period_end AS list_period_end
FROM patients_in_use
WHERE NOT achieved AND NOT pca
  AND ($period_end IS NULL OR period_end = $period_end)
  AND ($practice_codes IS NULL OR list_contains($practice_codes, practice_code))
  AND ($age_bands IS NULL OR list_contains($age_bands, age_band))
  AND ($sexes IS NULL OR list_contains($sexes, sex))
  AND ($ethnicities IS NULL OR list_contains($ethnicities, ethnicity))
  AND ($quintiles IS NULL OR list_contains($quintiles, imd_quintile));
