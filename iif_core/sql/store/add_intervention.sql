-- A new intervention, numbered after the last.
INSERT INTO interventions (intervention_id, org_code, indicator_code, intervention_date, note,
                           added_at_utc, added_by)
SELECT coalesce(max(intervention_id), 0) + 1, $org_code, $indicator_code, $intervention_date,
       $note, $at_utc, $who
FROM interventions
RETURNING intervention_id;
