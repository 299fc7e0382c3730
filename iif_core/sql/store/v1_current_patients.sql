-- One row per patient × indicator × period end in use: for each practice × indicator × period
-- end, the patient list of the latest batch not undone that has one.
CREATE VIEW current_patients AS
WITH latest AS (
    SELECT p.practice_code, p.indicator_code, p.period_end, max(p.batch_id) AS batch_id
    FROM batch_patients p JOIN batches b USING (batch_id)
    WHERE b.undone_at_utc IS NULL
    GROUP BY ALL
)
SELECT p.batch_id, p.practice_code, p.indicator_code, p.period_end, p.patient_id, p.achieved,
       p.pca, p.age, p.sex, p.ethnicity, p.imd_decile, p.imd_quintile, p.last_activity_date,
       p.source_row
FROM batch_patients p JOIN latest USING (batch_id, practice_code, indicator_code, period_end);
