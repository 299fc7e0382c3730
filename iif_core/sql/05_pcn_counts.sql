-- One row per scored PCN × indicator × period end: counts pooled over member practices
-- (never a mean of percentages; iif-rules.md section 3).
CREATE OR REPLACE TEMP TABLE pcn_counts AS
WITH pooled AS (
    SELECT pcn_code, indicator_code, period_end,
           sum(numerator)::BIGINT AS numerator, sum(denominator)::BIGINT AS denominator,
           sum(pca_count)::BIGINT AS pca_count,
           sum(practices_with_data)::BIGINT AS practices_with_data,
           count(*) AS member_practices
    FROM practice_counts
    WHERE pcn_code IS NOT NULL
    GROUP BY pcn_code, indicator_code, period_end
)
SELECT c.pcn_code, p.pcn_name, p.list_size, c.indicator_code::VARCHAR AS indicator_code,
       c.period_end,
       c.numerator, c.denominator, c.pca_count, c.practices_with_data, c.member_practices
FROM pooled c
JOIN pcns p USING (pcn_code);
