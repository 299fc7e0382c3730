-- One more line of the audit trail, numbered after the last.
INSERT INTO audit (event_id, at_utc, who, action, org_code, detail)
SELECT coalesce(max(event_id), 0) + 1, $at_utc, $who, $action, $org_code, $detail
FROM audit;
