-- One row per scheme year with a stored version: the latest version not undone. A year with none
-- uses the bundled scheme file.
CREATE VIEW current_schemes AS
WITH latest AS (
    SELECT s.year, max(s.batch_id) AS batch_id
    FROM batch_schemes s JOIN batches b USING (batch_id)
    WHERE b.undone_at_utc IS NULL
    GROUP BY s.year
)
SELECT s.batch_id, s.year, s.toml
FROM batch_schemes s JOIN latest USING (batch_id, year);
