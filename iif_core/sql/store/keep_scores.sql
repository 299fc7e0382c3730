-- The pipeline's `result` (iif_core/sql/08_result.sql) added to kept_scores for one year, with
-- where each organisation sits: all of it, or (when $everything is false) only the organisations
-- in the temp table `rescored`; only at the period ends $periods when they are given.
INSERT INTO kept_scores
WITH parents AS (
    SELECT 'practice' AS level, o.practice_code AS org_code, o.pcn_code, p.place_code, p.icb_code
    FROM orgs o LEFT JOIN pcns p USING (pcn_code)
    UNION ALL
    SELECT 'pcn', pcn_code, pcn_code, place_code, icb_code FROM pcns
    UNION ALL
    SELECT DISTINCT 'place', place_code, NULL, place_code, NULL FROM pcns
    WHERE place_code IS NOT NULL
    UNION ALL
    SELECT DISTINCT 'icb', icb_code, NULL, NULL, icb_code FROM pcns WHERE icb_code IS NOT NULL
)
SELECT r.*, $year, a.pcn_code, a.place_code, a.icb_code, i.ordinal
FROM result r
JOIN scheme_indicators i USING (indicator_code)
LEFT JOIN parents a USING (level, org_code)
WHERE ($everything OR (r.level, r.org_code) IN (SELECT (level, org_code) FROM rescored))
  AND ($periods IS NULL OR list_contains($periods, r.period_end));
