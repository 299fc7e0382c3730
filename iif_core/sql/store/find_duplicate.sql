-- At most one row: the latest batch not undone that holds the same file read the same way (a
-- patient list as the same kind of list) and kept as many rows as this upload would, so storing
-- it again would change nothing.
SELECT batch_id, loaded_at_utc
FROM batches
WHERE undone_at_utc IS NULL
  AND sha256 = $sha256
  AND shape = $shape
  AND sheet IS NOT DISTINCT FROM $sheet
  AND period_end_given IS NOT DISTINCT FROM $period_end_given
  AND stored_rows = $stored_rows
  AND list_kind IS NOT DISTINCT FROM $list_kind
ORDER BY batch_id DESC
LIMIT 1;
