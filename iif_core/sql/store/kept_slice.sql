-- A year's kept scores, in the columns and order of the command line's output (practices, PCNs,
-- places, ICBs; each by code, indicator as in the scheme and period end): all of them when
-- $level is NULL, else one organisation and everything in it that its pages show side by side:
-- a practice's PCN and the PCN's practices (the practice alone when it is in no PCN); a PCN and
-- its practices; a place or an ICB with its PCNs and their practices.
WITH chosen_pcn AS (
    SELECT CASE WHEN $level = 'pcn' THEN $org_code
                WHEN $level = 'practice' THEN (
                    SELECT any_value(pcn_code) FROM kept_scores
                    WHERE year = $year AND level = 'practice' AND org_code = $org_code)
           END AS pcn_code
)
SELECT * EXCLUDE (year, pcn_code, place_code, icb_code, ordinal)
FROM kept_scores
WHERE year = $year
  AND ($level IS NULL
       OR ($level IN ('practice', 'pcn')
           AND pcn_code = (SELECT pcn_code FROM chosen_pcn))
       OR ($level = 'practice' AND (SELECT pcn_code FROM chosen_pcn) IS NULL
           AND level = 'practice' AND org_code = $org_code)
       OR ($level = 'place' AND place_code = $org_code)
       OR ($level = 'icb' AND icb_code = $org_code))
ORDER BY list_position(['practice', 'pcn', 'place', 'icb'], level), org_code, ordinal, period_end;
