"""One upload being staged, and the small pieces of SQL and wording every shape uses."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import duckdb

from iif_core.extract import not_a_month_end
from iif_core.problems import Problem
from iif_core.readers import identifier
from iif_core.schemes import Scheme
from iif_core.staging.files import Table
from iif_core.words import plural  # noqa: F401 (the staging modules take it from here)


@dataclass
class Context:
    """One upload being staged: the file, what it is checked against, and what was asked."""

    table: Table
    schemes: list[Scheme]
    period_end: date | None = None
    today: date | None = None

    @property
    def where(self) -> str:
        return self.table.where

    def problem(self, message: str, column: str | None = None) -> Problem:
        """A problem with the whole file, reported against its header row."""
        return Problem(self.where, message, self.table.header_row, column)


def insert_rows(con: duckdb.DuckDBPyConnection, sql: str, rows: list[tuple]) -> None:
    """executemany, which DuckDB refuses for no rows."""
    if rows:
        con.executemany(sql, rows)


def column(position: int | None) -> str:
    """SQL for a column of `raw_upload` by its 0-based position: `c3`, or a NULL when absent."""
    return "NULL::VARCHAR" if position is None else identifier(f"c{position + 1}")


def period_column(position: int | None) -> str:
    """The period end: the file's own column where it has a value, else the date given."""
    return f"coalesce(nullif(trim({column(position)}), ''), $period_end)"


def missing_period(context: Context, position: int | None) -> Problem | None:
    """A file with no period end column needs one given, and a given one is a month end."""
    if position is None and context.period_end is None:
        return context.problem(
            "there is no period end column: add one (the achievement date the counts are for, "
            "like 2025-09-30), or say which period end the whole file is for"
        )
    if position is None and (why := not_a_month_end(context.period_end)):
        return context.problem(f"the period end given for this file cannot be used: {why}")
    return None


def missing_columns(context: Context, missing: tuple[str, ...], labels=None) -> Problem:
    shown = ", ".join((labels or {}).get(m, m) for m in missing)
    found = ", ".join(context.table.label(i) for i in range(len(context.table.headers)))
    return context.problem(f"missing column(s) {shown}; the columns found were: {found}")
