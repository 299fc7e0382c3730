-- Remove an intervention (it is kept, marked removed, with when and by whom).
UPDATE interventions SET removed_at_utc = $at_utc, removed_by = $who
WHERE intervention_id = $intervention_id AND removed_at_utc IS NULL
RETURNING org_code, intervention_date, note;
