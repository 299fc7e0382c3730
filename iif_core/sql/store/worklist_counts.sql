-- Patients still to do per practice (and the date of its list) in `worklist`, most first, then
-- by practice name and code.
SELECT practice_code, practice_name, list_period_end, count(*) AS patients_to_do
FROM worklist
GROUP BY practice_code, practice_name, list_period_end
ORDER BY patients_to_do DESC, practice_name NULLS LAST, practice_code, list_period_end;
