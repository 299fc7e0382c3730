-- One row per patient list of the staged file (the temp table `patients`, by practice ×
-- indicator × period end) that replaces a stored list: the patients still to do in each (did not
-- achieve, no PCA: iif-rules.md section 8) and the upload the stored one came from.
WITH new AS (
    SELECT practice_code, indicator_code, period_end, count(*) AS new_patients,
           count(*) FILTER (NOT achieved AND NOT pca) AS new_to_do
    FROM temp.patients GROUP BY ALL
),
stored AS (
    SELECT practice_code, indicator_code, period_end, any_value(batch_id) AS stored_batch,
           count(*) AS stored_patients, count(*) FILTER (NOT achieved AND NOT pca) AS stored_to_do
    FROM current_patients GROUP BY ALL
)
SELECT n.practice_code, n.indicator_code, n.period_end, s.stored_patients, s.stored_to_do,
       s.stored_batch, b.file_name AS stored_file, n.new_patients, n.new_to_do
FROM new n
JOIN stored s USING (practice_code, indicator_code, period_end)
JOIN batches b ON b.batch_id = s.stored_batch
ORDER BY n.practice_code, n.indicator_code, n.period_end;
