-- One row per patient × indicator × period end in use, for the practice, indicator and period end
-- asked for (each filter left out when not given), optionally only the work still to do.
SELECT p.practice_code, p.indicator_code, p.period_end, p.patient_id, p.achieved, p.pca, p.age,
       p.sex, p.ethnicity, p.imd_decile, p.imd_quintile, p.last_activity_date, p.batch_id,
       p.source_row
FROM current_patients p
WHERE p.period_end BETWEEN $first_period AND $last_period
  AND ($practice_code IS NULL OR p.practice_code = $practice_code)
  AND ($indicator_code IS NULL OR p.indicator_code = $indicator_code)
  AND ($period_end IS NULL OR p.period_end = $period_end)
  AND (NOT $to_do_only OR (NOT p.achieved AND NOT p.pca))
ORDER BY p.practice_code, p.indicator_code, p.period_end, p.patient_id;
