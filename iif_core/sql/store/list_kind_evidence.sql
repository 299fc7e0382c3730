-- One row per practice × indicator × period end of a staged patient list (the temp table
-- `extract`, counted from it): how many patients it lists and how many achieved, beside the
-- patients the store already counts for that practice and indicator at the same period end or the
-- latest earlier one of the same scheme year (a list far shorter than that is likely a recall list
-- of patients still to do).
WITH staged AS (
    SELECT practice_code, indicator_code, period_end, numerator AS achieved,
           denominator + coalesce(pca_count, 0) AS listed,
           make_date(year(period_end) - CASE WHEN month(period_end) < $year_start_month THEN 1
                                             ELSE 0 END,
                     $year_start_month, 1) AS year_start
    FROM temp.extract
),
stored AS (
    SELECT s.practice_code, s.indicator_code, s.period_end, c.period_end AS stored_period,
           c.denominator + c.pca_count AS stored_patients,
           row_number() OVER (PARTITION BY s.practice_code, s.indicator_code, s.period_end
                              ORDER BY c.period_end DESC) AS newest
    FROM staged s
    JOIN current_counts c
      ON c.practice_code = s.practice_code AND c.indicator_code = s.indicator_code
     AND c.period_end BETWEEN s.year_start AND s.period_end
)
SELECT s.practice_code, s.indicator_code, s.period_end, s.listed, s.achieved,
       t.stored_period, t.stored_patients
FROM staged s
LEFT JOIN stored t
  ON t.practice_code = s.practice_code AND t.indicator_code = s.indicator_code
 AND t.period_end = s.period_end AND t.newest = 1
ORDER BY s.practice_code, s.indicator_code, s.period_end;
