-- One row per practice of the stored organisation file in use, as the temp table `orgs` that the
-- checks and the scoring pipeline read (the columns of iif_core/orgs.py ORG_COLUMNS).
CREATE OR REPLACE TEMP TABLE orgs AS
SELECT practice_code, practice_name, pcn_code, pcn_name, place_code, place_name, icb_code,
       icb_name, list_size
FROM current_orgs;
