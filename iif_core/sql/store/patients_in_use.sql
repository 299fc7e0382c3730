-- The temp view `patients_in_use`: the patient rows of `lists_in_use` (lists_in_use.sql), in the
-- app's words (report/patients.py prepare_patients): the practice's name, an age band and
-- whether the list holds only patients still to do. The Patients page's figures are counted
-- from it in SQL (decisions.md D61).
CREATE OR REPLACE TEMP VIEW patients_in_use AS
SELECT l.practice_code, l.practice_name, l.indicator_code, l.period_end, p.patient_id,
       p.achieved, p.pca, p.age,
       CASE WHEN p.age BETWEEN 0 AND 17 THEN 'Under 18'
            WHEN p.age BETWEEN 18 AND 39 THEN '18-39'
            WHEN p.age BETWEEN 40 AND 64 THEN '40-64'
            WHEN p.age BETWEEN 65 AND 74 THEN '65-74'
            WHEN p.age >= 75 THEN '75 and over' END AS age_band,
       p.sex, p.ethnicity, p.imd_quintile, p.last_activity_date, l.recall_only
FROM lists_in_use l
JOIN batch_patients p USING (batch_id, practice_code, indicator_code, period_end);
