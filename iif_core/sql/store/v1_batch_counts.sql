-- One row per batch × practice × indicator × period end: the achievement counts that batch holds
-- (from an extract, or counted from a patient-level file). Which of them are in use is computed in
-- the view current_counts.
CREATE TABLE batch_counts (
    batch_id INTEGER NOT NULL,
    practice_code VARCHAR NOT NULL,
    indicator_code VARCHAR NOT NULL,
    period_end DATE NOT NULL,
    numerator BIGINT NOT NULL,
    denominator BIGINT NOT NULL,
    pca_count BIGINT NOT NULL,
    source_row BIGINT                  -- the row in the uploaded file (header = row 1)
);
