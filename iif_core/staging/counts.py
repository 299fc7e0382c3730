"""Achievement counts from tidy and wide tables, and the checks every count shape shares."""

from __future__ import annotations

from datetime import date

import duckdb

from iif_core.extract import ROW_PROBLEMS_SQL, find_row_problems
from iif_core.problems import InputError, Problem
from iif_core.schemes import Scheme
from iif_core.staging.files import RAW_TABLE
from iif_core.staging.upload import (
    Context,
    column,
    missing_columns,
    missing_period,
    period_column,
    plural,
)

COUNT_FIELDS = ("practice_code", "indicator_code", "period_end", "numerator", "denominator",
                "pca_count")  # fmt: skip
LINE_PROBLEMS_SQL = """
CREATE OR REPLACE TEMP TABLE line_problems (
    source_row BIGINT, column_name VARCHAR, value VARCHAR, message VARCHAR)
"""  # problems a shape finds in single rows of the file before the shared checks


# ----- tidy ------------------------------------------------------------------------------------


def stage_tidy(con: duckdb.DuckDBPyConnection, context: Context) -> list[Problem]:
    """One row per practice x indicator x period end, columns found by name. Like every count
    shape: builds `extract_text` and says where its values came from, returns the problems
    with the file as a whole, and raises InputError when nothing can be read."""
    positions = context.table.match.positions
    if context.table.match.missing:
        raise InputError([missing_columns(context, context.table.match.missing)])
    if problem := missing_period(context, positions["period_end"]):
        raise InputError([problem])
    parts = [f"{column(positions[f])} AS {f}" for f in COUNT_FIELDS if f != "period_end"]
    con.execute(
        "CREATE OR REPLACE TEMP TABLE extract_text AS "  # noqa: S608 - our names and positions
        f"SELECT {', '.join(parts)}, {period_column(positions['period_end'])} AS period_end, "
        f"source_row, source_row AS raw_row, 0 AS grp FROM {RAW_TABLE}",
        {"period_end": _iso(context.period_end)},
    )
    set_column_labels(con, [{f: context.table.label(positions[f]) for f in COUNT_FIELDS}])
    one_row_per_key(con)
    return []


# ----- wide ------------------------------------------------------------------------------------


def stage_wide(con: duckdb.DuckDBPyConnection, context: Context) -> list[Problem]:
    """One row per practice (and period end), a numerator and denominator column per indicator."""
    match = context.table.match
    label = context.table.label
    if match.missing:
        raise InputError([missing_columns(context, match.missing)])
    if problem := missing_period(context, match.positions["period_end"]):
        raise InputError([problem])
    problems, indicators = [], []
    for found in match.wide:
        if found.numerator is not None and found.denominator is not None:
            indicators.append(found)
            continue
        lacks = "numerator" if found.numerator is None else "denominator"
        shown = next(
            p for p in (found.numerator, found.denominator, found.pca_count) if p is not None
        )
        like = f"{found.code.replace('-', '')} {lacks.title()}"
        problems.append(
            context.problem(
                f"indicator {found.code} has no {lacks} column (like '{like}'), so it is left out",
                label(shown),
            )
        )
    if not indicators:
        raise InputError(problems)
    groups = len(indicators)
    practice, period = match.positions["practice_code"], match.positions["period_end"]
    selects = [
        f"SELECT {column(practice)} AS practice_code, $code{g}::VARCHAR AS indicator_code, "  # noqa: S608
        f"{period_column(period)} AS period_end, {column(w.numerator)} AS numerator, "
        f"{column(w.denominator)} AS denominator, {column(w.pca_count)} AS pca_count, "
        f"source_row * $groups + {g} AS source_row, source_row AS raw_row, {g} AS grp "
        f"FROM {RAW_TABLE}"
        for g, w in enumerate(indicators)
    ]
    codes = {f"code{g}": w.code for g, w in enumerate(indicators)}
    con.execute(
        "CREATE OR REPLACE TEMP TABLE extract_text AS "  # noqa: S608 - our names and positions
        + " UNION ALL ".join(selects),
        {"period_end": _iso(context.period_end), "groups": groups, **codes},
    )
    set_column_labels(
        con,
        [
            {
                "practice_code": label(practice),
                "indicator_code": label(w.numerator),
                "period_end": label(period),
                "numerator": label(w.numerator),
                "denominator": label(w.denominator),
                "pca_count": label(w.pca_count),
            }
            for w in indicators
        ],
    )
    one_row_per_key(con)
    return problems


# ----- what the count shapes share -------------------------------------------------------------


def _iso(day: date | None) -> str | None:
    return day.isoformat() if day is not None else None


def set_column_labels(con, groups: list[dict[str, str | None]]) -> None:
    """The table `extract_columns`: for each group of columns, the file's header of each field."""
    con.execute(
        "CREATE OR REPLACE TEMP TABLE extract_columns (grp INTEGER, field VARCHAR, label VARCHAR)"
    )
    con.executemany(
        "INSERT INTO extract_columns VALUES (?, ?, ?)",
        [(g, f, labels.get(f)) for g, labels in enumerate(groups) for f in COUNT_FIELDS],
    )


def one_row_per_key(con) -> None:
    """Views saying where each checked value came from, for shapes where it is one file row."""
    con.execute(
        """
        CREATE OR REPLACE TEMP VIEW extract_keys AS
        SELECT t.source_row AS key, c.field, t.raw_row, c.label AS column_name
        FROM extract_text t JOIN extract_columns c USING (grp)
        """
    )
    con.execute(
        "CREATE OR REPLACE TEMP VIEW extract_members AS "
        "SELECT source_row AS key, raw_row FROM extract_text"
    )


def check_counts(
    con: duckdb.DuckDBPyConnection, schemes: list[Scheme], *, duplicates: bool = True
) -> None:
    """Check `extract_text` (one row per key) against the schemes and organisations.

    Fills `row_problems` with the file's rows and columns (the shape's own `line_problems`
    first), `rejected_rows` with every row left out and why, and `bad_keys`. Needs the views
    `extract_keys` (key, field -> file row, column) and `extract_members` (key -> file rows).
    """
    find_row_problems(con, schemes, duplicates=False)
    con.execute("CREATE OR REPLACE TEMP TABLE key_problems AS SELECT * FROM row_problems")
    if duplicates:
        _find_duplicates(con)
    con.execute(ROW_PROBLEMS_SQL)
    con.execute("INSERT INTO row_problems SELECT * FROM line_problems")
    con.execute(
        """
        INSERT INTO row_problems
        SELECT k.raw_row, CASE WHEN p.column_name IS NOT NULL THEN k.column_name END,
               p.value, p.message
        FROM key_problems p
        JOIN extract_keys k ON k.key = p.source_row AND k.field = coalesce(p.column_name, 'practice_code')
        """
    )
    _reject_rows(con)


def _find_duplicates(con) -> None:
    con.execute(
        """
        INSERT INTO key_problems
        WITH keyed AS (
            SELECT t.source_row, t.practice_code, t.indicator_code, t.period_end, k.raw_row
            FROM extract_typed t
            JOIN extract_keys k ON k.key = t.source_row AND k.field = 'practice_code'
            WHERE t.indicator_code IS NOT NULL AND t.period_end IS NOT NULL
        ),
        repeated AS (  -- found first, so that only repeated rows are listed
            SELECT practice_code, indicator_code, period_end FROM keyed
            GROUP BY ALL HAVING count(*) > 1
        )
        SELECT unnest(list(source_row)), NULL, NULL,
               'practice ' || practice_code || ', indicator ' || indicator_code || ', period '
               || period_end || ' appears more than once (rows '
               || array_to_string(list_sort(list(DISTINCT raw_row)), ', ') || ')'
        FROM keyed JOIN repeated USING (practice_code, indicator_code, period_end)
        GROUP BY practice_code, indicator_code, period_end
        """
    )


REJECTED_ROWS_SQL = """
CREATE OR REPLACE TEMP TABLE rejected_rows AS
SELECT source_row,
       string_agg(coalesce(column_name || ': ', '') || message, '; '
                  ORDER BY column_name NULLS FIRST, message) AS reason
FROM row_problems WHERE source_row IS NOT NULL GROUP BY source_row ORDER BY source_row
"""  # every file row with a problem, and why


def reject_rows_with_problems(con: duckdb.DuckDBPyConnection) -> None:
    """For shapes without keys: `row_problems` from `line_problems`, and `rejected_rows`."""
    con.execute(ROW_PROBLEMS_SQL)
    con.execute("INSERT INTO row_problems SELECT * FROM line_problems")
    con.execute(REJECTED_ROWS_SQL)


def _reject_rows(con) -> None:
    """`rejected_rows`: each file row with a problem, and each row that goes with one (the other
    rows of a GPES practice x indicator x date); `bad_keys`: the keys left out."""
    con.execute(
        """
        CREATE OR REPLACE TEMP TABLE bad_keys AS
        SELECT m.key, min(p.source_row) AS first_row, arg_min(p.message, p.source_row) AS message
        FROM extract_members m JOIN row_problems p ON p.source_row = m.raw_row
        GROUP BY m.key
        """
    )
    con.execute(REJECTED_ROWS_SQL)
    con.execute(
        """
        INSERT INTO rejected_rows
        SELECT DISTINCT ON (m.raw_row) m.raw_row,
               'left out with row ' || b.first_row || ' (the same practice, indicator and period): '
               || b.message
        FROM extract_members m JOIN bad_keys b USING (key)
        WHERE m.raw_row NOT IN (SELECT source_row FROM rejected_rows)
        ORDER BY m.raw_row
        """
    )


def insert_counts(con: duckdb.DuckDBPyConnection, file_name: str) -> None:
    """Append the checked rows whose key has no problem to `extract`, with their file row."""
    con.execute(
        """
        INSERT INTO extract
        SELECT t.practice_code, t.indicator_code, t.period_end, t.numerator::BIGINT,
               t.denominator::BIGINT, t.pca_count::BIGINT, $file, k.raw_row
        FROM extract_typed t JOIN extract_keys k ON k.key = t.source_row AND k.field = 'practice_code'
        WHERE t.source_row NOT IN (SELECT key FROM bad_keys)
        ORDER BY k.raw_row, t.indicator_code
        """,
        {"file": file_name},
    )


def count_summary(con) -> str:
    """'2 indicators, 7 period ends, 95 practices' of the rows read."""
    indicators, periods, practices = con.execute(
        """
        SELECT count(DISTINCT coalesce(indicator_code, indicator_text)),
               count(DISTINCT coalesce(period_end::VARCHAR, period_text)),
               count(DISTINCT practice_code)
        FROM extract_typed
        """
    ).fetchone()
    return f"{plural(indicators, 'indicator')}, {plural(periods, 'period end')}, {plural(practices, 'practice')}"
