-- One row per organisation × indicator × period end at the chosen levels, in the columns and
-- order of the command-line contract (iif-rules.md section 10).
CREATE OR REPLACE TEMP TABLE result AS
WITH practice_rows AS (
    SELECT 'practice' AS level, practice_code AS org_code, practice_name AS org_name,
           indicator_code, period_end, practices_with_data, member_practices,
           numerator, denominator, pca_count, list_size,
           NULL::DOUBLE AS points_available, NULL::DOUBLE AS points_achieved,
           NULL::DOUBLE AS list_size_adjustment, NULL::DOUBLE AS prevalence_adjustment,
           NULL::DOUBLE AS payment_available, NULL::DOUBLE AS payment_achieved,
           patients_to(numerator, denominator, i.scale, i.lower_micros, i.direction)
               AS patients_to_lower,
           patients_to(numerator, denominator, i.scale, i.upper_micros, i.direction)
               AS patients_to_upper
    FROM practice_counts JOIN scheme_indicators i USING (indicator_code)
),
pcn_rows AS (
    SELECT 'pcn', pcn_code, pcn_name, indicator_code, period_end, practices_with_data,
           member_practices, numerator, denominator, pca_count, list_size,
           points_available, points_achieved, list_size_adjustment, prevalence_adjustment,
           payment_available, payment_achieved, patients_to_lower, patients_to_upper
    FROM pcn_scores
),
area_rows AS (
    SELECT level, org_code, org_name, indicator_code, period_end, practices_with_data,
           member_practices, numerator, denominator, pca_count, list_size,
           points_available, points_achieved, NULL::DOUBLE, NULL::DOUBLE,
           payment_available, payment_achieved, patients_to_lower, patients_to_upper
    FROM area_scores
),
all_rows AS (
    SELECT * FROM practice_rows UNION ALL
    SELECT * FROM pcn_rows UNION ALL
    SELECT * FROM area_rows
)
SELECT r.level, r.org_code, r.org_name, r.indicator_code, r.period_end,
       r.practices_with_data, r.member_practices, r.numerator, r.denominator, r.pca_count,
       achievement_of(r.numerator, r.denominator, i.scale) AS achievement,
       i.lower_threshold::DOUBLE AS lower_threshold, i.upper_threshold::DOUBLE AS upper_threshold,
       status_of(fraction_of(r.numerator, r.denominator, i.scale, i.lower_micros,
                             i.upper_micros, i.direction)) AS status,
       r.points_available, r.points_achieved, r.list_size, r.list_size_adjustment,
       r.prevalence_adjustment, r.payment_available, r.payment_achieved,
       r.payment_available - r.payment_achieved AS payment_outstanding,
       r.patients_to_lower, r.patients_to_upper,
       CASE WHEN r.patients_to_upper > 0
            THEN (r.payment_available - r.payment_achieved) / r.patients_to_upper END
           AS value_per_patient
FROM all_rows r
JOIN scheme_indicators i USING (indicator_code)
WHERE (SELECT level FROM selection) = 'all' OR r.level = (SELECT level FROM selection)
ORDER BY CASE r.level WHEN 'practice' THEN 1 WHEN 'pcn' THEN 2 WHEN 'place' THEN 3 ELSE 4 END,
         r.org_code, i.ordinal, r.period_end;
