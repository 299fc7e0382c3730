-- One row per practice × indicator of `lists_in_use`: the period end of its list (first and
-- last, which are the same for the lists in use at a period end) and whether it holds only
-- patients still to do.
SELECT practice_code, any_value(practice_name) AS practice_name, indicator_code,
       min(period_end) AS first_end, max(period_end) AS last_end,
       bool_or(recall_only) AS recall_only
FROM lists_in_use
GROUP BY practice_code, indicator_code
ORDER BY practice_code, indicator_code;
