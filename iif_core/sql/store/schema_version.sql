-- One row per migration applied to this store: its number and when (UTC). The highest number is
-- the version of the store's schema. Created before any migration, so that the first is recorded.
CREATE TABLE IF NOT EXISTS schema_version (
    version INTEGER PRIMARY KEY,
    applied_at_utc TIMESTAMP NOT NULL
);
