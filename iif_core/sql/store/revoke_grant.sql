-- Revoke a grant in use (a revoked one stays revoked as it was).
UPDATE grants SET revoked_at_utc = $at_utc, revoked_by = $who
WHERE grant_id = $grant_id AND revoked_at_utc IS NULL
RETURNING email, role, org_code;
