-- A new grant, numbered after the last.
INSERT INTO grants (grant_id, email, role, org_code, patient_lists, granted_at_utc, granted_by)
SELECT coalesce(max(grant_id), 0) + 1, $email, $role, $org_code, $patient_lists, $at_utc, $who
FROM grants
RETURNING grant_id;
