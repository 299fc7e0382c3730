-- One row per batch × patient × indicator × period end: a patient-level list as uploaded. Which
-- lists are in use is computed in the view current_patients.
CREATE TABLE batch_patients (
    batch_id INTEGER NOT NULL,
    practice_code VARCHAR NOT NULL,
    indicator_code VARCHAR NOT NULL,
    period_end DATE NOT NULL,
    patient_id VARCHAR NOT NULL,
    achieved BOOLEAN NOT NULL,
    pca BOOLEAN NOT NULL,
    age INTEGER,
    sex VARCHAR,
    ethnicity VARCHAR,
    imd_decile INTEGER,
    imd_quintile INTEGER,
    last_activity_date DATE,
    source_row BIGINT
);
