-- One row per scored practice × indicator × period end: the practice's own counts, or nulls.
-- Only rows whose period end is the period scored are used: nothing is carried forward.
CREATE OR REPLACE TEMP TABLE practice_counts AS
SELECT p.practice_code, p.practice_name, p.pcn_code, p.list_size,
       i.indicator_code, t.period_end,
       e.numerator, e.denominator, e.pca_count,
       (e.practice_code IS NOT NULL)::BIGINT AS practices_with_data,
       1::BIGINT AS member_practices
FROM scored_practices p
CROSS JOIN scheme_indicators i
CROSS JOIN periods t
LEFT JOIN extract e
       ON e.practice_code = p.practice_code
      AND e.indicator_code = i.indicator_code
      AND e.period_end = t.period_end;
