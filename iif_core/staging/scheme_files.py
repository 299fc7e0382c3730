"""Scheme files: TOML as iif-rules.md section 10 says, or a table with one row per indicator."""

from __future__ import annotations

import codecs
from dataclasses import replace

import duckdb

from iif_core.problems import InputError, Problem
from iif_core.schemes import SCHEME_KEYS, Scheme, parse_scheme, scheme_from_rows
from iif_core.staging.files import RAW_TABLE, text_encoding
from iif_core.staging.upload import Context

MAX_SCHEME_BYTES = 1 << 20  # a scheme of a hundred indicators is a few tens of kilobytes
MAX_INDICATOR_ROWS = 500  # more rows than any year's indicators: not a scheme table
FIRST_ROW_NUMBER = 2  # how scheme_from_rows numbers the rows it is given (header = row 1)


def stage_toml(context: Context) -> Scheme:
    """The scheme in a TOML file, or InputError with every problem."""
    path = context.table.path
    if path.stat().st_size > MAX_SCHEME_BYTES:
        raise InputError([context.problem("this is too large to be a scheme file")])
    data = path.read_bytes()
    text = codecs.decode(data, text_encoding(data), errors="replace")
    return parse_scheme(text, context.where)


def stage_scheme_table(con: duckdb.DuckDBPyConnection, context: Context) -> Scheme:
    """The scheme in a table (CSV or a sheet): one row per indicator; the scheme's own values
    (year, value_per_point, ...) in columns repeated on every row."""
    count = con.execute(f"SELECT count(*) FROM {RAW_TABLE}").fetchone()[0]  # noqa: S608
    if count > MAX_INDICATOR_ROWS:
        raise InputError(
            [
                context.problem(
                    f"a scheme table has one row per indicator; this one has {count:,} rows"
                )
            ]
        )
    records = con.execute(f"SELECT * FROM {RAW_TABLE} ORDER BY source_row").fetchall()  # noqa: S608
    keys = _column_keys(context)
    rows, numbers = [], []
    for record in records:
        *cells, number = record
        rows.append(
            {keys[i]: cell for i, cell in enumerate(cells) if i in keys and cell is not None}
        )
        numbers.append(number)
    top, problems = _scheme_values(rows, context)
    try:
        scheme = scheme_from_rows(rows, top.pop("year", None), top.pop("value_per_point", None),
                                  file=context.where, **top)  # fmt: skip
    except InputError as error:
        labels = {key: context.table.label(position) for position, key in keys.items()}
        problems += [_in_file_words(p, numbers, labels) for p in error.problems]
        raise InputError(problems) from None
    if problems:
        raise InputError(problems)
    return scheme


def _column_keys(context: Context) -> dict[int, str]:
    """Each column's key: the scheme's own name when the header is one, else the header itself
    (so that scheme_from_rows reports it as an unknown key, with a suggestion)."""
    keys = {
        position: key
        for key, position in context.table.match.positions.items()
        if position is not None
    }
    for position in range(len(context.table.headers)):
        label = context.table.label(position)
        if position not in keys and not label.startswith("column "):
            keys[position] = label
    return keys


def _scheme_values(rows: list[dict], context: Context) -> tuple[dict, list[Problem]]:
    """The scheme's own values, taken out of the rows; each must be the same on every row."""
    top, problems = {}, []
    for key in SCHEME_KEYS:
        values = [row.pop(key) for row in rows if key in row]
        written = sorted({v.strip() for v in values if v.strip()})
        if len(written) > 1:
            shown = ", ".join(written)
            problems.append(
                context.problem(f"{key} must be the same on every row (found {shown})", key)
            )
        elif written:
            top[key] = written[0]
    return top, problems


def _in_file_words(problem: Problem, numbers: list[int], labels: dict[str, str]) -> Problem:
    """scheme_from_rows counts rows from 2 and names keys; say the file's own rows and headers."""
    row = problem.row
    if row is not None and FIRST_ROW_NUMBER <= row < FIRST_ROW_NUMBER + len(numbers):
        row = numbers[row - FIRST_ROW_NUMBER]
    return replace(problem, row=row, column=labels.get(problem.column, problem.column))
