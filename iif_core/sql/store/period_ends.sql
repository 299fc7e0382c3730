-- One row per period end with counts in use between two dates, earliest first.
SELECT DISTINCT period_end
FROM current_counts
WHERE period_end BETWEEN $first_period AND $last_period
ORDER BY period_end;
