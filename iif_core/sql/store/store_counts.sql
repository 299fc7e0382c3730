-- One row per practice × indicator × period end of the staged file (the temp table `extract`),
-- stored under the new batch straight from DuckDB, never through Python.
INSERT INTO batch_counts
SELECT $batch_id, practice_code, indicator_code, period_end, numerator, denominator,
       coalesce(pca_count, 0), source_row
FROM temp.extract;
