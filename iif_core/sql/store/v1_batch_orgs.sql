-- One row per batch × practice: an uploaded organisation file, in the columns of the table `orgs`
-- (iif_core/orgs.py ORG_COLUMNS). The latest batch not undone is in use (view current_orgs).
CREATE TABLE batch_orgs (
    batch_id INTEGER NOT NULL,
    practice_code VARCHAR NOT NULL,
    practice_name VARCHAR,
    pcn_code VARCHAR,
    pcn_name VARCHAR,
    place_code VARCHAR,
    place_name VARCHAR,
    icb_code VARCHAR,
    icb_name VARCHAR,
    list_size BIGINT
);
