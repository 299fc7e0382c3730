-- One row per batch, newest first: what was uploaded, when, by whom, what it holds, and whether it
-- is in use, partly or wholly replaced by later uploads, or undone.
WITH in_use AS (  -- counts in use; for a list of patients still to do, its lists in use
    SELECT batch_id, count(*) AS figures_in_use FROM current_counts GROUP BY batch_id
    UNION ALL
    SELECT batch_id, count(DISTINCT (practice_code, indicator_code, period_end))
    FROM current_patients
    WHERE batch_id IN (SELECT batch_id FROM batches WHERE list_kind = 'outstanding')
    GROUP BY batch_id
),
whole_in_use AS (
    SELECT max(batch_id) AS batch_id FROM current_orgs
    UNION ALL
    SELECT batch_id FROM current_schemes
)
SELECT b.batch_id, b.loaded_at_utc, b.who, b.file_name, b.kind, b.list_kind, b.shape, b.rows, b.stored_rows,
       b.rejected_rows, b.figures, coalesce(u.figures_in_use, 0) AS figures_in_use, b.practices,
       b.indicators, b.first_period, b.last_period, b.scheme_year, b.detail, b.sha256, b.sheet,
       b.period_end_given, b.undone_at_utc IS NOT NULL AS undone, b.undone_at_utc, b.undone_by,
       CASE
           WHEN b.undone_at_utc IS NOT NULL THEN 'undone'
           WHEN b.kind IN ('orgs', 'scheme') AND b.batch_id IN (SELECT batch_id FROM whole_in_use)
               THEN 'in use'
           WHEN b.kind IN ('orgs', 'scheme') THEN 'replaced'
           WHEN coalesce(u.figures_in_use, 0) = b.figures THEN 'in use'
           WHEN coalesce(u.figures_in_use, 0) = 0 THEN 'replaced'
           ELSE 'partly replaced'
       END AS status
FROM batches b
LEFT JOIN in_use u USING (batch_id)
ORDER BY b.batch_id DESC;
