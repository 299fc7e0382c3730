-- The grants in use (revoked ones too when $with_revoked), oldest first.
SELECT grant_id, email, role, org_code, patient_lists, granted_at_utc, granted_by,
       revoked_at_utc, revoked_by
FROM grants
WHERE ($with_revoked OR revoked_at_utc IS NULL)
  AND ($email IS NULL OR email = $email)
ORDER BY grant_id;
