-- Where two sources hold figures for the same practice × indicator × period end between two dates:
-- the latest figures (batches not undone) from NHS Digital's national extract (GPES/CQRS, shape
-- gpes) beside the latest from the practice's own searches (every other counts file), and a cell
-- one source holds and the other lacks for a practice and indicator it holds in other months (a
-- month missing). Practices or indicators only one source covers at all are not compared
-- (decisions.md D78).
WITH figures AS (
    SELECT c.practice_code, c.indicator_code, c.period_end, c.numerator, c.denominator,
           c.pca_count, c.batch_id,
           CASE WHEN b.shape = 'gpes' THEN 'national' ELSE 'practice' END AS source
    FROM batch_counts c JOIN batches b USING (batch_id)
    WHERE b.undone_at_utc IS NULL AND c.period_end BETWEEN $first_period AND $last_period
),
latest AS (
    SELECT * FROM figures
    QUALIFY row_number() OVER (PARTITION BY source, practice_code, indicator_code, period_end
                               ORDER BY batch_id DESC) = 1
),
national AS (SELECT * FROM latest WHERE source = 'national'),
practice AS (SELECT * FROM latest WHERE source = 'practice'),
covered AS (  -- practice × indicator pairs both sources hold for some period end
    SELECT practice_code, indicator_code FROM national
    INTERSECT
    SELECT practice_code, indicator_code FROM practice
),
pairs AS (
    SELECT coalesce(n.practice_code, p.practice_code) AS practice_code,
           coalesce(n.indicator_code, p.indicator_code) AS indicator_code,
           coalesce(n.period_end, p.period_end) AS period_end,
           n.numerator AS national_numerator, n.denominator AS national_denominator,
           n.pca_count AS national_pca_count, n.batch_id AS national_batch,
           p.numerator AS practice_numerator, p.denominator AS practice_denominator,
           p.pca_count AS practice_pca_count, p.batch_id AS practice_batch
    FROM national n
    FULL OUTER JOIN practice p
        ON p.practice_code = n.practice_code AND p.indicator_code = n.indicator_code
       AND p.period_end = n.period_end
)
SELECT * FROM pairs
WHERE (practice_code, indicator_code) IN (SELECT (practice_code, indicator_code) FROM covered)
ORDER BY practice_code, indicator_code, period_end;
