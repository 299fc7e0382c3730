"""Downloads as files: formula-safe CSV and Excel bytes, and the title rows of one for people."""

from __future__ import annotations

import io
from datetime import date
from typing import TYPE_CHECKING

from iif_core.formulas import neutralise_formulas, neutralise_text

if TYPE_CHECKING:  # imported where it is used: the command line writes its files without it
    import pandas as pd

EXCEL_SHEET_NAME_LIMIT = 31  # Excel refuses longer sheet names
FUND = "Investment and Impact Fund"
WIDEST_COLUMN = 40  # characters: an Excel column is made as wide as its label, up to this


def title_lines(
    title: str,
    year: str | None = None,
    organisation: str | None = None,
    period: date | None = None,
    partial: str | None = None,
    today: date | None = None,
) -> tuple[str, ...]:
    """The title rows of a download for people (D73): what it is, for whom, for which period end
    and as at which day: ('Investment and Impact Fund 2026/27: Projection', 'PCN: Brackenford
    Town PCN (U54335)', 'Period end: 31 Oct 2026', 'As at 4 Dec 2026: the figures stored that
    day'). `organisation` is 'level: name (code)'; `partial` ('1 of 5 practices') marks a period
    end not every member practice has sent."""
    lines = [f"{FUND}{f' {year}' if year else ''}: {title}"]
    if organisation:
        lines.append(organisation)
    if period is not None:
        note = f" (partial: only {partial} have sent figures)" if partial else ""
        lines.append(f"Period end: {_day(period)}{note}")
    lines.append(f"As at {_day(today or date.today())}: the figures stored that day")
    return tuple(lines)


def csv_bytes(frame: pd.DataFrame) -> bytes:
    """The table as a formula-safe UTF-8 CSV with a byte-order mark, which Excel opens cleanly.
    Lines end in CR LF, so a value holding either character is quoted whole."""
    return neutralise_formulas(frame).to_csv(index=False, lineterminator="\r\n").encode("utf-8-sig")


def excel_bytes(frame: pd.DataFrame, sheet: str = "Data", title: tuple[str, ...] = ()) -> bytes:
    """The table as a formula-safe .xlsx file; text cells are written as text, never formulas.
    `title` rows (title_lines) are written above the table, the first in bold, with a blank row
    before the table's header; the header then stays in view, can be filtered, and each column
    is as wide as its label."""
    import pandas as pd
    from openpyxl.styles import Font
    from openpyxl.utils import get_column_letter

    buffer = io.BytesIO()
    safe = neutralise_formulas(frame)
    for column in safe.columns:
        if isinstance(safe[column].dtype, pd.DatetimeTZDtype):
            safe[column] = safe[column].dt.tz_localize(None)
    above = len(title) + 1 if title else 0  # rows above the table's header
    name = sheet[:EXCEL_SHEET_NAME_LIMIT]
    with pd.ExcelWriter(buffer, engine="openpyxl") as writer:
        safe.to_excel(writer, index=False, sheet_name=name, startrow=above)
        worksheet = writer.sheets[name]
        for number, line in enumerate(title, start=1):
            cell = worksheet.cell(row=number, column=1, value=neutralise_text(line))
            cell.font = Font(bold=number == 1)
        if title and len(safe.columns):
            header = above + 1
            last = get_column_letter(len(safe.columns))
            worksheet.freeze_panes = f"A{header + 1}"
            worksheet.auto_filter.ref = f"A{header}:{last}{header + len(safe)}"
            for index, column in enumerate(safe.columns, start=1):
                width = max(10, min(WIDEST_COLUMN, len(str(column)) + 2))
                worksheet.column_dimensions[get_column_letter(index)].width = width
        for row in worksheet.iter_rows():
            for cell in row:
                if cell.data_type == "f":  # openpyxl takes any text starting "=" as a formula
                    cell.data_type = "s"
    return buffer.getvalue()


def _day(value: date) -> str:
    return f"{value.day} {value:%b %Y}"
