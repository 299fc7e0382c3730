"""A preview of an uploaded table, read the way the ingest reads it, before storing it."""

from __future__ import annotations

import pandas as pd

PREVIEW_ROWS = 10  # rows of an upload shown before it is stored


def upload_preview(path, name: str, sheet: str | None = None, rows: int = PREVIEW_ROWS):
    """The first rows of an uploaded table as the person wrote them (headers included), read
    the way the ingest reads it (encoding, separator, header row, sheet); an empty frame when
    the file is not a table (a scheme, or unreadable). Never raises for a bad file."""
    import csv
    import itertools
    from pathlib import Path

    from iif_core.problems import InputError
    from iif_core.staging.files import find_table, open_workbook, sheet_rows

    try:
        table = find_table(Path(path), name, sheet)
        if table.kind not in ("text", "excel") or not table.headers:
            return pd.DataFrame()
        width = len(table.headers)
        records = []
        if table.kind == "excel":
            with open_workbook(table) as workbook:
                for number, values in sheet_rows(workbook, table.sheet):
                    if number > table.header_row and any(v.strip() for v in values):
                        records.append([number, *(values + [""] * width)[:width]])
                    if len(records) >= rows:
                        break
        else:
            with open(path, encoding=table.encoding, newline="", errors="replace") as handle:
                reader = csv.reader(handle, delimiter=table.delimiter)
                body = itertools.islice(reader, table.header_lines, table.header_lines + rows)
                for offset, values in enumerate(body, start=1):
                    records.append([table.header_row + offset, *(values + [""] * width)[:width]])
    except (InputError, OSError, UnicodeError, csv.Error, ValueError, KeyError):
        return pd.DataFrame()
    labels = []
    for position in range(width):
        label = table.label(position)
        while label in labels or label == "row":
            label += " "
        labels.append(label)
    return pd.DataFrame(records, columns=["row", *labels])


# The figures side by side first, where they came from last (a narrow window cuts the right).
REPLACED_COLUMNS = (
    "practice_code", "practice", "indicator_code", "period_end", "what", "stored_now", "this_file",
    "stored_in", "same",
)  # fmt: skip
CHANGE_COLUMNS = (
    "practice_code", "practice", "indicator_code", "period_end", "what", "now", "after",
    "now_from", "after_from",
)  # fmt: skip


def replaced_figures(
    counts: pd.DataFrame, lists: pd.DataFrame, counted: bool, names: dict | None = None
) -> pd.DataFrame:
    """What storing a file would replace, a row per stored figure (when the file is counted)
    and per stored patient list: what is stored now and where it came from, beside the file's."""
    rows = []
    if counted:
        for r in counts.itertuples():
            rows.append((r.practice_code, r.indicator_code, r.period_end, "Figures",
                         _of(r.stored_numerator, r.stored_denominator),
                         _upload(r.stored_batch, r.stored_file),
                         _of(r.new_numerator, r.new_denominator), bool(r.same)))  # fmt: skip
    for r in lists.itertuples():
        rows.append((r.practice_code, r.indicator_code, r.period_end, "Patient list",
                     _to_do(r.stored_to_do), _upload(r.stored_batch, r.stored_file),
                     _to_do(r.new_to_do), r.stored_to_do == r.new_to_do))  # fmt: skip
    frame = pd.DataFrame(
        rows,
        columns=["practice_code", "indicator_code", "period_end", "what", "stored_now",
                 "stored_in", "this_file", "same"],
    )  # fmt: skip
    frame["practice"] = _practice(frame["practice_code"], names)
    return frame.sort_values(["practice_code", "indicator_code", "period_end", "what"],
                             ignore_index=True)[list(REPLACED_COLUMNS)]  # fmt: skip


def batch_change_rows(
    counts: pd.DataFrame, lists: pd.DataFrame, file_names: dict, names: dict | None = None
) -> pd.DataFrame:
    """What undoing (or restoring) a batch would change, a row per figure and patient list: now
    and after, each with the upload it comes from ("nothing" when none would hold it)."""
    rows = []
    for r in counts.itertuples():
        rows.append((r.practice_code, r.indicator_code, r.period_end, "Figures",
                     _of(r.numerator_now, r.denominator_now),
                     _upload(r.batch_now, file_names.get(r.batch_now)),
                     _of(r.numerator_after, r.denominator_after),
                     _upload(r.batch_after, file_names.get(r.batch_after))))  # fmt: skip
    for r in lists.itertuples():
        rows.append((r.practice_code, r.indicator_code, r.period_end, "Patient list",
                     _to_do(r.to_do_now), _upload(r.batch_now, file_names.get(r.batch_now)),
                     _to_do(r.to_do_after),
                     _upload(r.batch_after, file_names.get(r.batch_after))))  # fmt: skip
    frame = pd.DataFrame(
        rows,
        columns=["practice_code", "indicator_code", "period_end", "what", "now", "now_from",
                 "after", "after_from"],
    )  # fmt: skip
    frame["practice"] = _practice(frame["practice_code"], names)
    return frame.sort_values(["practice_code", "indicator_code", "period_end", "what"],
                             ignore_index=True)[list(CHANGE_COLUMNS)]  # fmt: skip


def _practice(codes: pd.Series, names: dict | None) -> list[str]:
    """'Elverby Hill Medical Centre (X10010)', or the code alone when the name is not known."""
    names = names or {}
    return [f"{names[c]} ({c})" if names.get(c) else c for c in codes]


def _missing(value) -> bool:
    return value is None or bool(pd.isna(value))


def _of(numerator, denominator) -> str:
    if _missing(numerator):
        return "nothing"
    return f"{int(numerator):,} of {int(denominator):,}"


def _to_do(count) -> str:
    return "no list" if _missing(count) else f"{int(count):,} still to do"


def _upload(batch, file_name) -> str:
    if _missing(batch):
        return "–"
    return f"batch {int(batch)}" + (f": {file_name}" if file_name else "")


def practice_names(orgs: pd.DataFrame) -> dict:
    """Practice code -> name, from the organisations in use."""
    if orgs is None or orgs.empty:
        return {}
    return dict(zip(orgs["practice_code"], orgs["practice_name"], strict=True))
