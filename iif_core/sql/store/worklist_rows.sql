-- The first $limit patients of `worklist` (all when NULL) in the order the page lists them:
-- by practice name, indicator and patient (then practice code and list date, as the lists are
-- read), missing names last.
SELECT * FROM worklist
ORDER BY practice_name NULLS LAST, indicator_code, patient_id, practice_code, list_period_end
LIMIT $limit;
