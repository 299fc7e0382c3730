-- One row per scored practice × indicator × period end: the practice's own counts, or nulls
-- where it sent none. Only rows whose period end is a period scored are used: nothing is
-- carried forward. Stored in the order of the output (code, indicator as in the scheme, period
-- end), with the indicator's thresholds alongside, so that `result` reads it straight through.
-- Names and indicator codes are carried as ENUMs (numbers standing for the text), which the sort
-- moves far more cheaply than text; `result` turns them back into text.
CREATE OR REPLACE TEMP TYPE practice_name_label AS ENUM (
    SELECT practice_name FROM scored_practices);
CREATE OR REPLACE TEMP TYPE indicator_label AS ENUM (SELECT indicator_code FROM scheme_indicators);
CREATE OR REPLACE TEMP TABLE practice_counts AS
WITH practices AS (  -- each name turned into its ENUM once, not once a row
    SELECT practice_code, practice_name::practice_name_label AS practice_name, pcn_code, list_size
    FROM scored_practices
),
indicators AS (
    SELECT *, indicator_code::indicator_label AS indicator_label FROM scheme_indicators
),
sent AS (  -- the period ends each practice sent for each indicator
    SELECT practice_code, indicator_code, list(period_end) AS period_ends
    FROM extract
    GROUP BY practice_code, indicator_code
),
counted AS (
    SELECT e.practice_code, e.indicator_code, e.period_end,
           e.numerator, e.denominator, e.pca_count, 1::BIGINT AS practices_with_data
    FROM extract e
    SEMI JOIN periods t USING (period_end)
    UNION ALL
    -- the cells with nothing sent (a short list per practice and indicator is cheaper to look in
    -- than joining every cell to the whole extract)
    SELECT p.practice_code, i.indicator_code, t.period_end, NULL, NULL, NULL, 0
    FROM scored_practices p
    CROSS JOIN scheme_indicators i
    LEFT JOIN sent s
           ON s.practice_code = p.practice_code AND s.indicator_code = i.indicator_code
    CROSS JOIN periods t
    WHERE NOT coalesce(list_contains(s.period_ends, t.period_end), false)
)
SELECT p.practice_code, p.practice_name, p.pcn_code, p.list_size,
       i.indicator_label AS indicator_code, i.ordinal, c.period_end,
       c.numerator, c.denominator, c.pca_count, c.practices_with_data,
       1::BIGINT AS member_practices,
       in_dates(c.period_end, i.start_date, i.end_date) AS in_scheme,
       i.scale, i.direction, i.lower_threshold, i.upper_threshold, i.lower_micros, i.upper_micros
FROM counted c
JOIN practices p USING (practice_code)
JOIN indicators i USING (indicator_code)
ORDER BY p.practice_code, i.ordinal, c.period_end;
