"""Neutralise spreadsheet formulas in anything we write, cells and column names alike."""

from __future__ import annotations

import pandas as pd

# A text cell starting with one of these is run as a formula by spreadsheet programs (OWASP CSV
# injection); a leading apostrophe makes it text again.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def neutralise_formulas(frame: pd.DataFrame) -> pd.DataFrame:
    """A copy in which every text cell and column name a spreadsheet would run as a formula
    (starting with = + - @ tab or carriage return) starts with an apostrophe instead; numbers
    and every other value are left as they are."""
    safe = frame.copy()
    for column in safe.columns:
        if safe[column].dtype == object or pd.api.types.is_string_dtype(safe[column]):
            safe[column] = safe[column].map(_neutralise).astype(object)
    safe.columns = [_neutralise(str(c)) for c in safe.columns]
    return safe


def neutralise_relation(relation):
    """The same for a DuckDB relation (a result too large to copy into pandas): each text
    column's cells that a spreadsheet would run as a formula get a leading apostrophe, in SQL."""
    starts = ", ".join(_sql_text(start) for start in FORMULA_STARTS)
    columns = []
    for name, kind in zip(relation.columns, relation.types, strict=True):
        quoted = '"' + name.replace('"', '""') + '"'
        if str(kind) == "VARCHAR":
            columns.append(
                f"CASE WHEN left({quoted}, 1) IN ({starts}) THEN chr(39) || {quoted} "
                f"ELSE {quoted} END AS {quoted}"
            )
        else:
            columns.append(quoted)
    return relation.project(", ".join(columns))


def _sql_text(text: str) -> str:
    """A constant character as SQL, by its code: the statement holds no quote or control."""
    return " || ".join(f"chr({ord(c)})" for c in text)


def _neutralise(value):
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value
