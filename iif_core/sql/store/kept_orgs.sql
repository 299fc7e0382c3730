-- The organisations with kept scores in a year, one row each, in the command line's order.
SELECT level, org_code, any_value(org_name) AS org_name
FROM kept_scores
WHERE year = $year
GROUP BY level, org_code
ORDER BY list_position(['practice', 'pcn', 'place', 'icb'], level), org_code;
