"""Read a user's CSV into DuckDB as text, row numbers kept, so every later check can name the row."""

from __future__ import annotations

import re
from pathlib import Path

import duckdb

from iif_core.problems import InputError, Problem

FIRST_DATA_ROW = 2  # spreadsheet numbering: the header is row 1
IDENTIFIER = re.compile(r"[a-z_][a-z0-9_]*")  # the only table and column names SQL text may hold


def identifier(name: str) -> str:
    """A table or column name from the code's own lists, checked before it goes into SQL text."""
    if not IDENTIFIER.fullmatch(name):
        raise ValueError(f"not a plain identifier: {name!r}")
    return name


def normalise_header(name: str) -> str:
    """`Practice Code`, `practice_code` and ` PRACTICE-CODE ` all become `practicecode`."""
    return re.sub(r"[\s_\-.]+", "", name.strip().lower())


def read_csv_raw(con: duckdb.DuckDBPyConnection, path: str | Path, table: str) -> list[str]:
    """Load a CSV as text into the view `table`, with a `source_row` column; return its headers.

    `table` comes from the caller's fixed list of names, never from a file. The text is kept in
    the table `<table>_file` in the file's order (DuckDB keeps insertion order), so a row's
    `rowid` gives its spreadsheet row without numbering the rows one by one.
    """
    name = Path(path).name
    if not Path(path).is_file():
        raise InputError([Problem(name, "the file does not exist or cannot be opened")])
    if Path(path).stat().st_size == 0:
        raise InputError([Problem(name, "the file is empty")])
    file_table = identifier(f"{table}_file")
    try:
        con.execute(
            f"CREATE OR REPLACE TEMP TABLE {file_table} AS "  # noqa: S608 - checked name
            "SELECT * FROM read_csv($path, all_varchar = true, header = true, auto_detect = true)",
            {"path": str(path)},
        )
    except duckdb.Error as error:
        message = f"could not be read as a table of values ({_short(error)})"
        raise InputError([Problem(name, message)]) from None
    con.execute(
        f"CREATE OR REPLACE TEMP VIEW {identifier(table)} AS "  # noqa: S608 - checked names
        f"SELECT *, rowid + {FIRST_DATA_ROW} AS source_row FROM {file_table}"
    )
    return [c for c in con.table(table).columns if c != "source_row"]


def drop_raw(con: duckdb.DuckDBPyConnection, table: str) -> None:
    """Drop what `read_csv_raw` made for `table`."""
    con.execute(f"DROP VIEW IF EXISTS {identifier(table)}")  # noqa: S608 - checked name
    con.execute(f"DROP TABLE IF EXISTS {identifier(table + '_file')}")  # noqa: S608


def _short(error: Exception) -> str:
    first_line = str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__
    return first_line[:200]


def find_columns(headers: list[str], synonyms: dict[str, tuple[str, ...]]) -> dict[str, int | None]:
    """Position (0-based) of each wanted column in `headers`, matched by normalised name."""
    normalised = [normalise_header(h) for h in headers]
    found: dict[str, int | None] = {}
    for wanted, names in synonyms.items():
        candidates = [normalise_header(n) for n in (wanted, *names)]
        found[wanted] = next((normalised.index(c) for c in candidates if c in normalised), None)
    return found


def select_columns(
    con: duckdb.DuckDBPyConnection,
    source: str,
    target: str,
    positions: dict[str, int | None],
    *,
    view: bool = False,
) -> None:
    """Copy `source` into the table `target` (or make `target` a view of it), with our own column
    names, taken by position.

    Positions are integers and names come from the code's allow-list, so no text from a file
    ever reaches the SQL.
    """
    parts = [
        f"#{int(index) + 1} AS {identifier(name)}"
        if index is not None
        else f"NULL::VARCHAR AS {identifier(name)}"
        for name, index in positions.items()
    ]
    kind = "VIEW" if view else "TABLE"
    con.execute(  # positions are integers, names are checked identifiers
        f"CREATE OR REPLACE TEMP {kind} {identifier(target)} AS "  # noqa: S608
        f"SELECT {', '.join(parts)}, source_row FROM {identifier(source)}"
    )
