-- One row per valid patient row of the staged file (the temp table `patients`), stored under the
-- new batch straight from DuckDB.
INSERT INTO batch_patients
SELECT $batch_id, practice_code, indicator_code, period_end, patient_id, achieved, pca, age, sex,
       ethnicity, imd_decile, imd_quintile, last_activity_date, source_row
FROM temp.patients;
