-- One row: the new batch, written in the same transaction as the rows it holds.
INSERT INTO batches (
    batch_id, kind, shape, file_name, sha256, sheet, period_end_given, rows, stored_rows,
    rejected_rows, figures, practices, indicators, first_period, last_period, scheme_year, detail,
    who, loaded_at_utc, list_kind
) VALUES (
    $batch_id, $kind, $shape, $file_name, $sha256, $sheet, $period_end_given, $rows, $stored_rows,
    $rejected_rows, $figures, $practices, $indicators, $first_period, $last_period, $scheme_year,
    $detail, $who, $loaded_at_utc, $list_kind
);
