-- Whether the organisation file in use (the temp table orgs) has this code at any level.
SELECT count(*) > 0
FROM orgs
WHERE $org_code IN (practice_code, pcn_code, place_code, icb_code);
