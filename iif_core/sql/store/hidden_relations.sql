-- One row per temp table or view named like one of the store's own relations (which it would
-- hide from every query on the same cursor): there must be none before a batch is written.
SELECT table_name AS name FROM duckdb_tables() WHERE temporary AND table_name IN $names
UNION ALL
SELECT view_name FROM duckdb_views() WHERE temporary AND view_name IN $names;
