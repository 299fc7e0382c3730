-- One row: what the staged counts (the temp table `extract`) hold, for the batch's description.
SELECT count(*) AS figures,
       count(DISTINCT practice_code) AS practices,
       string_agg(DISTINCT indicator_code, ', ' ORDER BY indicator_code) AS indicators,
       min(period_end) AS first_period,
       max(period_end) AS last_period
FROM temp.extract;
