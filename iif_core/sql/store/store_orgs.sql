-- One row per practice of the staged organisation file (the temp table `orgs_staged`), stored
-- under the new batch.
INSERT INTO batch_orgs
SELECT $batch_id, practice_code, practice_name, pcn_code, pcn_name, place_code, place_name,
       icb_code, icb_name, list_size
FROM temp.orgs_staged;
