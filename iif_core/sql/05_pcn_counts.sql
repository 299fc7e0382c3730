-- One row per scored PCN × indicator × period end: counts pooled over member practices
-- (never a mean of percentages; iif-rules.md section 3).
CREATE OR REPLACE TEMP TABLE pcn_counts AS
SELECT c.pcn_code, p.pcn_name, p.list_size, c.indicator_code, c.period_end,
       sum(c.numerator) AS numerator, sum(c.denominator) AS denominator,
       sum(c.pca_count) AS pca_count,
       sum(c.practices_with_data) AS practices_with_data, count(*) AS member_practices
FROM practice_counts c
JOIN pcns p USING (pcn_code)
GROUP BY c.pcn_code, p.pcn_name, p.list_size, c.indicator_code, c.period_end;
