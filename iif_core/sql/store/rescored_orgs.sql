-- The organisations whose scores a change to these practices' counts can touch, as the temp
-- table `rescored` (decisions.md D52): the practices' PCNs, the places and ICBs those PCNs
-- belong to, every PCN of those places and ICBs (an area's figures are summed over all of its
-- PCNs) and every member practice of those PCNs; and the practices in no PCN themselves. Needs
-- the temp tables `orgs`, `pcns` (iif_core/sql/01_pcns.sql) and `changed_practices`.
CREATE OR REPLACE TEMP TABLE rescored AS
WITH touched AS (
    SELECT DISTINCT o.pcn_code FROM orgs o
    WHERE o.practice_code IN (SELECT practice_code FROM changed_practices)
      AND o.pcn_code IS NOT NULL
),
areas AS (
    SELECT 'place' AS level, place_code AS org_code FROM pcns
    WHERE pcn_code IN (SELECT pcn_code FROM touched) AND place_code IS NOT NULL
    UNION
    SELECT 'icb', icb_code FROM pcns
    WHERE pcn_code IN (SELECT pcn_code FROM touched) AND icb_code IS NOT NULL
),
area_pcns AS (
    SELECT pcn_code FROM touched
    UNION
    SELECT pcn_code FROM pcns
    WHERE place_code IN (SELECT org_code FROM areas WHERE level = 'place')
       OR icb_code IN (SELECT org_code FROM areas WHERE level = 'icb')
)
SELECT * FROM areas
UNION ALL
SELECT 'pcn', pcn_code FROM area_pcns
UNION ALL
SELECT 'practice', practice_code FROM orgs WHERE pcn_code IN (SELECT pcn_code FROM area_pcns)
UNION ALL
SELECT 'practice', practice_code FROM changed_practices
WHERE practice_code NOT IN (SELECT practice_code FROM orgs WHERE pcn_code IS NOT NULL);
