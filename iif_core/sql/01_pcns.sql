-- One row per PCN: its list size, member practices, and the one place and ICB it belongs to,
-- the one holding the largest share of its practices' list size, ties to the lowest code
-- (iif-rules.md section 7, a convention).
CREATE OR REPLACE TEMP TABLE pcns AS
WITH members AS (
    SELECT pcn_code, min(pcn_name) AS pcn_name, sum(list_size)::BIGINT AS list_size,
           count(*) AS member_practices
    FROM orgs WHERE pcn_code IS NOT NULL
    GROUP BY pcn_code
),
place_share AS (
    SELECT pcn_code, place_code, min(place_name) AS place_name,
           sum(coalesce(list_size, 0)) AS share
    FROM orgs WHERE pcn_code IS NOT NULL AND place_code IS NOT NULL
    GROUP BY pcn_code, place_code
    QUALIFY row_number() OVER (PARTITION BY pcn_code ORDER BY share DESC, place_code) = 1
),
icb_share AS (
    SELECT pcn_code, icb_code, min(icb_name) AS icb_name, sum(coalesce(list_size, 0)) AS share
    FROM orgs WHERE pcn_code IS NOT NULL AND icb_code IS NOT NULL
    GROUP BY pcn_code, icb_code
    QUALIFY row_number() OVER (PARTITION BY pcn_code ORDER BY share DESC, icb_code) = 1
)
SELECT m.pcn_code, m.pcn_name, m.list_size, m.member_practices,
       p.place_code, p.place_name, i.icb_code, i.icb_name
FROM members m
LEFT JOIN place_share p USING (pcn_code)
LEFT JOIN icb_share i USING (pcn_code);
