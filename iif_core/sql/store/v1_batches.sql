-- One row per accepted upload (a batch): the file, how it was read, when, by whom, what it holds,
-- and whether it was undone. Rows are never deleted: undoing a batch only marks it, so that what
-- it replaced comes back.
CREATE TABLE batches (
    batch_id INTEGER PRIMARY KEY,      -- 1, 2, 3, ... in the order the batches were stored
    kind VARCHAR NOT NULL,             -- counts, patients, orgs or scheme
    shape VARCHAR NOT NULL,            -- as read: tidy, gpes, wide, patients, orgs, scheme
    file_name VARCHAR NOT NULL,        -- the name the person saw, never a path on this machine
    sha256 VARCHAR NOT NULL,           -- of the file's bytes (of the scheme's TOML for an edit)
    sheet VARCHAR,                     -- the Excel sheet read, if one was chosen
    period_end_given DATE,             -- the period end given for a file without one
    rows BIGINT NOT NULL,              -- rows of data in the file
    stored_rows BIGINT NOT NULL,       -- rows kept: counts, patients, practices or indicators
    rejected_rows BIGINT NOT NULL,     -- rows left out (only when the valid rows were accepted)
    figures BIGINT NOT NULL,           -- practice × indicator × period end combinations held
    practices BIGINT,                  -- distinct practices held
    indicators VARCHAR,                -- the indicator codes held, comma separated
    first_period DATE,
    last_period DATE,
    scheme_year VARCHAR,               -- the year of a scheme version
    detail VARCHAR,                    -- one sentence saying what the file is
    who VARCHAR,                       -- who uploaded it, when known
    loaded_at_utc TIMESTAMP NOT NULL,
    undone_at_utc TIMESTAMP,
    undone_by VARCHAR
);
