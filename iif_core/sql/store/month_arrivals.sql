-- When each practice's figures for each period end first came: the earliest batch not undone that
-- holds any count of that practice and period end (a later correction does not make a month
-- late). For the notes on late months (decisions.md D77).
SELECT c.practice_code, c.period_end, min(b.loaded_at_utc) AS first_stored_utc
FROM batch_counts c JOIN batches b USING (batch_id)
WHERE b.undone_at_utc IS NULL AND c.period_end BETWEEN $first_period AND $last_period
GROUP BY ALL
ORDER BY period_end, practice_code;
