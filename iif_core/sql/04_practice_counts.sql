-- One row per scored practice × indicator × period end: the practice's own counts, or nulls.
-- Only rows whose period end is the period scored are used: nothing is carried forward.
-- Stored in the order of the output (code, indicator as in the scheme, period end), with the
-- indicator's thresholds alongside, so that `result` reads it straight through.
CREATE OR REPLACE TEMP TABLE practice_counts AS
SELECT p.practice_code, p.practice_name, p.pcn_code, p.list_size,
       i.indicator_code, i.ordinal, t.period_end,
       e.numerator, e.denominator, e.pca_count,
       (e.practice_code IS NOT NULL)::BIGINT AS practices_with_data,
       1::BIGINT AS member_practices,
       i.scale, i.direction, i.lower_threshold, i.upper_threshold, i.lower_micros, i.upper_micros
FROM scored_practices p
CROSS JOIN scheme_indicators i
CROSS JOIN periods t
LEFT JOIN extract e
       ON e.practice_code = p.practice_code
      AND e.indicator_code = i.indicator_code
      AND e.period_end = t.period_end
ORDER BY p.practice_code, i.ordinal, t.period_end;
