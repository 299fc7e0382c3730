-- One row per period end to score: the one asked for, or every period end in the extracts.
CREATE OR REPLACE TEMP TABLE periods AS
SELECT DISTINCT period_end FROM extract WHERE (SELECT period FROM selection) IS NULL
UNION
SELECT period FROM selection WHERE period IS NOT NULL;
