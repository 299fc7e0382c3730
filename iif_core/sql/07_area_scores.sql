-- One row per place or ICB × indicator × period end, over the scored PCNs assigned to it:
-- counts pooled over their practices, points, payments and patients needed summed over PCNs
-- (iif-rules.md section 7). Stored in the order of the output: places, then ICBs. Points and
-- pounds are added with fsum, a compensated sum as exact as a double allows, in the order of the
-- PCN codes: even a compensated sum can differ in the last digit when the same numbers come in
-- another order, and the order threads happen to add them in differs from one run to the next
-- and between scoring everything and scoring one ICB again (decisions.md D52).
CREATE OR REPLACE TEMP TABLE area_scores AS
WITH areas AS (
    SELECT 'place' AS level, place_code AS org_code, place_name AS org_name, pcn_code FROM pcns
    WHERE place_code IS NOT NULL
    UNION ALL
    SELECT 'icb', icb_code, icb_name, pcn_code FROM pcns WHERE icb_code IS NOT NULL
),
-- Materialised: left to itself, DuckDB adds up each PCN's single row before the join as well.
pcn_areas AS MATERIALIZED (
    SELECT a.level, a.org_code, a.org_name, s.*
    FROM pcn_scores s
    JOIN areas a USING (pcn_code)
),
summed AS (
    SELECT s.level, s.org_code, min(s.org_name) AS org_name, s.indicator_code, s.period_end,
           sum(s.practices_with_data)::BIGINT AS practices_with_data,
           sum(s.member_practices)::BIGINT AS member_practices,
           sum(s.numerator)::BIGINT AS numerator, sum(s.denominator)::BIGINT AS denominator,
           sum(s.pca_count)::BIGINT AS pca_count,
           fsum(s.points_available ORDER BY s.pcn_code) AS points_available,
           fsum(s.points_achieved ORDER BY s.pcn_code) AS points_achieved,
           sum(s.list_size)::BIGINT AS list_size,
           fsum(s.payment_available ORDER BY s.pcn_code) AS payment_available,
           fsum(s.payment_achieved ORDER BY s.pcn_code) AS payment_achieved,
           sum(s.patients_to_lower)::BIGINT AS patients_to_lower,
           sum(s.patients_to_upper)::BIGINT AS patients_to_upper
    FROM pcn_areas s
    GROUP BY s.level, s.org_code, s.indicator_code, s.period_end
)
SELECT s.*, in_dates(s.period_end, i.start_date, i.end_date) AS in_scheme,
       i.ordinal, i.scale, i.direction, i.lower_threshold, i.upper_threshold,
       i.lower_micros, i.upper_micros
FROM summed s
JOIN scheme_indicators i USING (indicator_code)
ORDER BY s.level = 'icb', s.org_code, i.ordinal, s.period_end;
