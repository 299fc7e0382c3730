-- One row: a new version of one year's scheme.
INSERT INTO batch_schemes VALUES ($batch_id, $year, $toml);
