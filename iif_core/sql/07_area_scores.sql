-- One row per place or ICB × indicator × period end, over the scored PCNs assigned to it:
-- counts pooled over their practices, points, payments and patients needed summed over PCNs
-- (iif-rules.md section 7).
CREATE OR REPLACE TEMP TABLE area_scores AS
WITH areas AS (
    SELECT 'place' AS level, place_code AS org_code, place_name AS org_name, pcn_code FROM pcns
    WHERE place_code IS NOT NULL
    UNION ALL
    SELECT 'icb', icb_code, icb_name, pcn_code FROM pcns WHERE icb_code IS NOT NULL
)
SELECT a.level, a.org_code, min(a.org_name) AS org_name, s.indicator_code, s.period_end,
       sum(s.practices_with_data) AS practices_with_data,
       sum(s.member_practices) AS member_practices,
       sum(s.numerator) AS numerator, sum(s.denominator) AS denominator,
       sum(s.pca_count) AS pca_count,
       sum(s.points_available) AS points_available, sum(s.points_achieved) AS points_achieved,
       sum(s.list_size) AS list_size,
       sum(s.payment_available) AS payment_available,
       sum(s.payment_achieved) AS payment_achieved,
       sum(s.patients_to_lower) AS patients_to_lower,
       sum(s.patients_to_upper) AS patients_to_upper
FROM pcn_scores s
JOIN areas a USING (pcn_code)
GROUP BY a.level, a.org_code, s.indicator_code, s.period_end;
