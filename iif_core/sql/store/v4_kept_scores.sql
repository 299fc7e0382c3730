-- Schema 4 (decisions.md D52). The scored results kept, so that a page reads them rather than
-- scoring all of England again: one row per scheme year × organisation × indicator × period end,
-- the columns of iif-rules.md section 10 first, then where the organisation sits (its PCN, and
-- that PCN's place and ICB, by the rule of iif_core/sql/01_pcns.sql) and the indicator's place in
-- the scheme. Derived from the other tables: each change refreshes what it touches, in its own
-- transaction, and `kept_years` says for which data version and inputs each year is right.
CREATE TABLE kept_scores (
    level VARCHAR NOT NULL,
    org_code VARCHAR NOT NULL,
    org_name VARCHAR,
    indicator_code VARCHAR NOT NULL,
    period_end DATE NOT NULL,
    practices_with_data BIGINT,
    member_practices BIGINT,
    numerator BIGINT,
    denominator BIGINT,
    pca_count BIGINT,
    achievement DOUBLE,
    lower_threshold DOUBLE,
    upper_threshold DOUBLE,
    status VARCHAR,
    points_available DOUBLE,
    points_achieved DOUBLE,
    list_size BIGINT,
    list_size_adjustment DOUBLE,
    prevalence_adjustment DOUBLE,
    payment_available DOUBLE,
    payment_achieved DOUBLE,
    payment_outstanding DOUBLE,
    patients_to_lower BIGINT,
    patients_to_upper BIGINT,
    value_per_patient DOUBLE,
    year VARCHAR NOT NULL,
    pcn_code VARCHAR,                  -- a practice's or PCN's PCN
    place_code VARCHAR,                -- the place of that PCN, or the place itself
    icb_code VARCHAR,                  -- the ICB of that PCN, or the ICB itself
    ordinal INTEGER NOT NULL           -- the indicator's place in the scheme
);
-- One row per scheme year kept: the data version (iif_core/sql/store/data_version.sql) and the
-- recipe (pipeline, scheme and organisations in use) its rows were scored with.
CREATE TABLE kept_years (
    year VARCHAR PRIMARY KEY,
    latest_batch INTEGER NOT NULL,
    events BIGINT NOT NULL,
    recipe VARCHAR NOT NULL,
    scored_at_utc TIMESTAMP NOT NULL
);
