-- The kept scores of one year that a refresh replaces: all of them, or (when $everything is
-- false) those of the organisations in the temp table `rescored`; only at the period ends
-- $periods when they are given.
DELETE FROM kept_scores
WHERE year = $year
  AND ($everything OR (level, org_code) IN (SELECT (level, org_code) FROM rescored))
  AND ($periods IS NULL OR list_contains($periods, period_end));
