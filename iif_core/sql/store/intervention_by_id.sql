-- One intervention not removed, by its number.
SELECT intervention_id, org_code, indicator_code, intervention_date, note
FROM interventions
WHERE intervention_id = $intervention_id AND removed_at_utc IS NULL;
