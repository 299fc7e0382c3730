-- One row per batch holding a scheme: one version of one year's scheme, as TOML that
-- iif_core.schemes.parse_scheme reads. The latest version not undone is in use (current_schemes).
CREATE TABLE batch_schemes (
    batch_id INTEGER NOT NULL,
    year VARCHAR NOT NULL,             -- 2025/26
    toml VARCHAR NOT NULL
);
