-- One row per practice to score: every member of a PCN that sent any data (for any indicator
-- and period), and each practice in no PCN that sent data (iif-rules.md section 10).
CREATE OR REPLACE TEMP TABLE scored_practices AS
WITH with_data AS (SELECT DISTINCT practice_code FROM extract),
scored_pcns AS (
    SELECT DISTINCT o.pcn_code FROM orgs o JOIN with_data USING (practice_code)
    WHERE o.pcn_code IS NOT NULL
)
SELECT o.practice_code, o.practice_name, o.pcn_code, o.list_size
FROM orgs o
WHERE o.pcn_code IN (SELECT pcn_code FROM scored_pcns)
   OR (o.pcn_code IS NULL AND o.practice_code IN (SELECT practice_code FROM with_data));
