-- Schema 5 (decisions.md D63). Interventions marked on the trend: a date and a note on an
-- organisation's figures ('recall letters sent', 'extra clinic'), for one indicator or all, so
-- that a change can be read against it. Not a figure: nothing here changes the data version or
-- the kept scores. A removed one is kept, with when and by whom, as a revoked grant is.
CREATE TABLE interventions (
    intervention_id INTEGER PRIMARY KEY,   -- 1, 2, 3, ... in the order added
    org_code VARCHAR NOT NULL,             -- the practice, PCN, place or ICB it is about
    indicator_code VARCHAR,                -- the indicator; empty: every indicator
    intervention_date DATE NOT NULL,
    note VARCHAR NOT NULL,                 -- one line, at most 200 characters, shown as text
    added_at_utc TIMESTAMP NOT NULL,
    added_by VARCHAR,                      -- the signed-in email, or the name typed in locally
    removed_at_utc TIMESTAMP,
    removed_by VARCHAR
);
