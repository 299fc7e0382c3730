-- The interventions on these organisations (all when NULL) between two dates, for one
-- indicator (with those on every indicator) or all, earliest first; removed ones when asked.
SELECT intervention_id, org_code, indicator_code, intervention_date, note, added_at_utc,
       added_by, removed_at_utc, removed_by
FROM interventions
WHERE ($with_removed OR removed_at_utc IS NULL)
  AND ($org_codes IS NULL OR list_contains($org_codes, org_code))
  AND ($indicator_code IS NULL OR indicator_code IS NULL OR indicator_code = $indicator_code)
  AND intervention_date BETWEEN $first_date AND $last_date
ORDER BY intervention_date, intervention_id;
