-- One row per scored PCN × indicator × period end: achievement, points on the sliding scale,
-- payments with the list size and prevalence adjustments, and the work still to do
-- (iif-rules.md sections 4 to 6). Outside the indicator's dates its points, and so its £
-- and patients needed, are empty (decisions.md D27). Stored in the order of the output, like practice_counts.
CREATE OR REPLACE TEMP TABLE pcn_scores AS
WITH measured AS (
    SELECT c.*, i.ordinal, i.scale, i.direction, i.lower_threshold, i.upper_threshold,
           i.lower_micros, i.upper_micros,
           CASE WHEN in_dates(c.period_end, i.start_date, i.end_date) THEN i.points END
               AS points,
           in_dates(c.period_end, i.start_date, i.end_date) AS in_scheme,
           fraction_of(c.numerator, c.denominator, i.scale, i.lower_micros,
                       i.upper_micros, i.direction) AS fraction,
           CASE WHEN s.national_average_list_size IS NULL THEN 1.0
                ELSE c.list_size / s.national_average_list_size END AS list_size_adjustment,
           CASE WHEN NOT i.prevalence_adjusted OR i.national_prevalence IS NULL THEN 1.0
                WHEN c.practices_with_data = 0 THEN NULL
                -- PCN prevalence counts the eligible population before PCAs (a convention)
                ELSE (c.denominator + c.pca_count) / nullif(c.list_size, 0)
                     / i.national_prevalence::DOUBLE END AS prevalence_adjustment,
           s.value_per_point
    FROM pcn_counts c
    JOIN scheme_indicators i USING (indicator_code)
    CROSS JOIN scheme_values s
)
SELECT * EXCLUDE (points, fraction, value_per_point),
       points::DOUBLE AS points_available,
       points::DOUBLE * coalesce(fraction, 0) AS points_achieved,
       points::DOUBLE * value_per_point * list_size_adjustment * prevalence_adjustment
           AS payment_available,
       points::DOUBLE * coalesce(fraction, 0) * value_per_point * list_size_adjustment
           * prevalence_adjustment AS payment_achieved,
       CASE WHEN in_scheme THEN patients_to(numerator, denominator, scale, lower_micros,
                                            direction) END AS patients_to_lower,
       CASE WHEN in_scheme THEN patients_to(numerator, denominator, scale, upper_micros,
                                            direction) END AS patients_to_upper
FROM measured
ORDER BY pcn_code, ordinal, period_end;
