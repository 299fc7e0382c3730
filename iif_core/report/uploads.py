"""A preview of an uploaded table, read the way the ingest reads it, before storing it."""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

PREVIEW_ROWS = 10  # rows of an upload shown before it is stored
CHANGES_SHOWN = 1000  # entries listed of what undoing or restoring a batch would change


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


@dataclass(frozen=True)
class ChangeView:
    """What undoing (or restoring) a batch would change, as the Data page shows it."""

    rows: pd.DataFrame  # batch_change_rows of the first `limit` entries that would change
    changed: int  # entries whose figures or lists would change
    same: int  # entries held by another upload with the same numbers: they stay as they are


def batch_change_view(
    counts: pd.DataFrame, lists: pd.DataFrame, file_names: dict, names: dict | None = None,
    limit: int = CHANGES_SHOWN,
) -> ChangeView:  # fmt: skip
    """The entries that undoing (or restoring) a batch would change, the first `limit` of them
    as rows (an England extract's batch holds most of a million), with how many change and how
    many would stay the same, held by another upload with the same numbers."""
    same_counts = _same(counts, ["numerator", "denominator"])
    same_lists = _same(lists, ["to_do"])
    changed_counts, changed_lists = counts[~same_counts], lists[~same_lists]
    rows = batch_change_rows(changed_counts.head(limit), changed_lists.head(limit), file_names,
                             names).head(limit)  # fmt: skip
    return ChangeView(rows, len(changed_counts) + len(changed_lists),
                      int(same_counts.sum() + same_lists.sum()))  # fmt: skip


def _same(frame: pd.DataFrame, fields: list[str]) -> pd.Series:
    """Rows whose figures now and after are the same numbers (both present)."""
    same = pd.Series(True, index=frame.index)
    for field in fields:
        now, after = frame[f"{field}_now"], frame[f"{field}_after"]
        same &= now.notna() & after.notna() & (now == after)
    return same.astype(bool)


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
