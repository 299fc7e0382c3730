-- One row per period end to score: the one asked for, the ones given (the store refreshing part
-- of what it keeps scored, decisions.md D52), or every period end in the extracts.
CREATE OR REPLACE TEMP TABLE periods AS
SELECT DISTINCT period_end FROM extract
WHERE (SELECT period FROM selection) IS NULL AND (SELECT periods FROM selection) IS NULL
UNION
SELECT period FROM selection WHERE period IS NOT NULL
UNION
SELECT unnest(periods) FROM selection WHERE periods IS NOT NULL;
