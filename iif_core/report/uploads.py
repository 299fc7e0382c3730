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
