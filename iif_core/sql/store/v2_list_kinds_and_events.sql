-- Schema 2. A patient list says what it holds: 'cohort' (every eligible patient, achieved or not:
-- its counts are stored) or 'outstanding' (only patients still to do: it feeds the patient lists
-- and changes no counts); empty for other kinds. Lists stored before schema 2 were all counted.
ALTER TABLE batches ADD COLUMN list_kind VARCHAR;
UPDATE batches SET list_kind = 'cohort' WHERE kind = 'patients';
-- One row per undo or restore of a batch, in order: the history of what was taken back and put
-- back, by whom and when (batches.undone_at_utc holds only the batch's state now).
CREATE TABLE batch_events (
    event_id INTEGER PRIMARY KEY,      -- 1, 2, 3, ... in the order they happened
    batch_id INTEGER NOT NULL,
    action VARCHAR NOT NULL,           -- undo or restore
    at_utc TIMESTAMP NOT NULL,
    who VARCHAR
);
INSERT INTO batch_events
SELECT row_number() OVER (ORDER BY undone_at_utc, batch_id), batch_id, 'undo', undone_at_utc,
       undone_by
FROM batches WHERE undone_at_utc IS NOT NULL;
