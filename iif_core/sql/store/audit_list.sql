-- The audit trail, newest first, of one action (or all) and one user (or all).
SELECT event_id, at_utc, who, action, org_code, detail
FROM audit
WHERE ($action IS NULL OR action = $action)
  AND ($who IS NULL OR who = $who)
ORDER BY event_id DESC;
