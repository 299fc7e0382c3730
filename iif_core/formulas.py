"""Neutralise spreadsheet formulas in anything we write, cells and column names alike."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # imported where it is used: `score` writes its files without pandas
    import pandas as pd

# A text cell starting with one of these is run as a formula by spreadsheet programs (OWASP CSV
# injection); a leading apostrophe makes it text again.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def neutralise_formulas(frame: pd.DataFrame) -> pd.DataFrame:
    """A copy in which every text cell and column name a spreadsheet would run as a formula
    (starting with = + - @ tab or carriage return) starts with an apostrophe instead; numbers
    and every other value are left as they are."""
    import pandas as pd

    safe = frame.copy()
    for column in safe.columns:
        if safe[column].dtype == object or pd.api.types.is_string_dtype(safe[column]):
            safe[column] = safe[column].map(_neutralise).astype(object)
    safe.columns = [_neutralise(str(c)) for c in safe.columns]
    return safe


def write_safe_csv(frame: pd.DataFrame, out: Path) -> None:
    """A table as CSV, formulas neutralised, written all at once (never half a file)."""
    out.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(prefix=".partial-", suffix=".csv", dir=out.parent)
    os.close(handle)
    try:
        neutralise_formulas(frame).to_csv(temporary, index=False)
        os.replace(temporary, out)
    finally:
        if os.path.exists(temporary):
            os.remove(temporary)


def spreadsheet_text_macro() -> str:
    """SQL (the code's own) for the macro `spreadsheet_text(t)`: the same rule in SQL, for results
    too large to copy into pandas. It changes a text only while the variable `spreadsheet_safe`
    is true, so one query (the scoring result) serves both the app and the files written."""
    # The first character's code point compared with each start's: cheaper than cutting the
    # first character out and looking for it, and no IN (...), which DuckDB may turn into a join,
    # and a join loses the order.
    first = " OR ".join(f"ascii(t) = {ord(c)}" for c in FORMULA_STARTS)
    return (
        "CREATE OR REPLACE TEMP MACRO spreadsheet_text(t) AS CASE WHEN "
        f"coalesce(getvariable('spreadsheet_safe'), false) AND ({first}) "
        "THEN chr(39) || t ELSE t END"
    )


def neutralise_text(text: str) -> str:
    """One text as a spreadsheet shows it, never run: an apostrophe before a formula's start."""
    return _neutralise(str(text))


def _neutralise(value):
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value
