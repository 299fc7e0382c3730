-- One row per practice of the organisation file in use: the latest organisation batch not undone.
-- Empty when there is none; the bundled national reference is used then.
CREATE VIEW current_orgs AS
SELECT o.*
FROM batch_orgs o
WHERE o.batch_id = (
    SELECT max(batch_id) FROM batches WHERE kind = 'orgs' AND undone_at_utc IS NULL
);
