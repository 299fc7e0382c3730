-- Schema 3 (decisions.md D37, D38). Who may see what when the app is hosted: one row per grant
-- of a role on an organisation to a signed-in email; a revoked grant is kept, with when and by
-- whom, so that the history of access can be read back.
CREATE TABLE grants (
    grant_id INTEGER PRIMARY KEY,      -- 1, 2, 3, ... in the order given
    email VARCHAR NOT NULL,            -- lower case
    role VARCHAR NOT NULL,             -- practice, pcn, area or admin
    org_code VARCHAR,                  -- the practice, PCN, place or ICB; empty for an admin
    patient_lists BOOLEAN NOT NULL,
    granted_at_utc TIMESTAMP NOT NULL,
    granted_by VARCHAR,
    revoked_at_utc TIMESTAMP,
    revoked_by VARCHAR
);
-- The audit trail: who signed in, viewed or downloaded a patient list, uploaded, undid, changed
-- the scheme or a grant, and when. Rows are only ever added.
CREATE TABLE audit (
    event_id INTEGER PRIMARY KEY,      -- 1, 2, 3, ... in the order they happened
    at_utc TIMESTAMP NOT NULL,
    who VARCHAR,                       -- the signed-in email; 'local' when run without sign-in
    action VARCHAR NOT NULL,           -- one of vocabulary.AUDIT_ACTIONS
    org_code VARCHAR,                  -- the organisation concerned, when there is one
    detail VARCHAR                     -- what, in words
);
