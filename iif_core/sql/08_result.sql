-- One row per organisation × indicator × period end at the chosen levels, in the columns and
-- order of the command-line contract (iif-rules.md section 10): practices, PCNs, places, ICBs,
-- each by code, indicator (as in the scheme) and period end. A view: the tables it reads are
-- stored in that order, and a single-table SELECT and UNION ALL keep it, so nothing is sorted
-- or copied again on the way out. The level asked for is a variable rather than a subquery, which
-- DuckDB would join, and a join does not promise to keep order. Names are neutralised as
-- spreadsheet formulas only while a file is written (iif_core.formulas, spreadsheet_safe).
-- `result` is what the app reads and Parquet holds; `result_csv` is the same rows as the CSV
-- writes them (see there).
SET VARIABLE result_level = (SELECT level FROM selection);
CREATE OR REPLACE TEMP VIEW result_rows AS
WITH all_rows AS (
    SELECT 'practice' AS level, practice_code AS org_code, practice_name::VARCHAR AS org_name,
           indicator_code::VARCHAR AS indicator_code, period_end, practices_with_data,
           member_practices,
           numerator, denominator, pca_count, list_size,
           NULL::DOUBLE AS points_available, NULL::DOUBLE AS points_achieved,
           NULL::DOUBLE AS list_size_adjustment, NULL::DOUBLE AS prevalence_adjustment,
           NULL::DOUBLE AS payment_available, NULL::DOUBLE AS payment_achieved,
           CASE WHEN in_scheme THEN patients_to(numerator, denominator, scale, lower_micros,
                                                direction) END AS patients_to_lower,
           CASE WHEN in_scheme THEN patients_to(numerator, denominator, scale, upper_micros,
                                                direction) END AS patients_to_upper,
           in_scheme, scale, direction, lower_threshold, upper_threshold, lower_micros, upper_micros,
           ordinal
    FROM practice_counts
    WHERE getvariable('result_level') IN ('all', 'practice')
    UNION ALL
    SELECT 'pcn', pcn_code, pcn_name, indicator_code, period_end, practices_with_data,
           member_practices, numerator, denominator, pca_count, list_size,
           points_available, points_achieved, list_size_adjustment, prevalence_adjustment,
           payment_available, payment_achieved, patients_to_lower, patients_to_upper,
           in_scheme, scale, direction, lower_threshold, upper_threshold, lower_micros,
           upper_micros, ordinal
    FROM pcn_scores
    WHERE getvariable('result_level') IN ('all', 'pcn')
    UNION ALL
    SELECT level, org_code, org_name, indicator_code, period_end, practices_with_data,
           member_practices, numerator, denominator, pca_count, list_size,
           points_available, points_achieved, NULL::DOUBLE, NULL::DOUBLE,
           payment_available, payment_achieved, patients_to_lower, patients_to_upper,
           in_scheme, scale, direction, lower_threshold, upper_threshold, lower_micros,
           upper_micros, ordinal
    FROM area_scores
    WHERE getvariable('result_level') IN ('all', level)
),
-- the fraction once a row: status_of names it four times, and a macro repeats what it is given
measured AS (
    SELECT *, fraction_of(numerator, denominator, scale, lower_micros, upper_micros, direction)
                  AS fraction
    FROM all_rows
)
SELECT level, org_code, spreadsheet_text(org_name) AS org_name,
       spreadsheet_text(indicator_code) AS indicator_code, period_end,
       practices_with_data, member_practices, numerator, denominator, pca_count,
       achievement_of(numerator, denominator, scale) AS achievement,
       lower_threshold::DOUBLE AS lower_threshold, upper_threshold::DOUBLE AS upper_threshold,
       status_of(fraction, in_scheme) AS status,
       points_available, points_achieved, list_size, list_size_adjustment,
       prevalence_adjustment, payment_available, payment_achieved,
       payment_available - payment_achieved AS payment_outstanding,
       patients_to_lower, patients_to_upper,
       CASE WHEN patients_to_upper > 0
            THEN (payment_available - payment_achieved) / patients_to_upper END
           AS value_per_patient,
       ordinal
FROM measured;

CREATE OR REPLACE TEMP VIEW result AS SELECT * EXCLUDE (ordinal) FROM result_rows;

-- The thresholds are the same dozen or so numbers on every row: for the CSV they are written as
-- text once (the text DuckDB's CSV writer gives a DOUBLE) and looked up by the indicator's place
-- in the scheme, rather than turned into text again on each of a million rows.
SET VARIABLE lower_threshold_texts = (
    SELECT list(lower_threshold::DOUBLE::VARCHAR ORDER BY ordinal) FROM scheme_indicators);
SET VARIABLE upper_threshold_texts = (
    SELECT list(upper_threshold::DOUBLE::VARCHAR ORDER BY ordinal) FROM scheme_indicators);
CREATE OR REPLACE TEMP VIEW result_csv AS
SELECT * EXCLUDE (ordinal)
       REPLACE (getvariable('lower_threshold_texts')[ordinal + 1] AS lower_threshold,
                getvariable('upper_threshold_texts')[ordinal + 1] AS upper_threshold)
FROM result_rows;
