"""Achievement counts: read tidy extracts into DuckDB and check every row against the scheme and organisations."""

from __future__ import annotations

from pathlib import Path

import duckdb

from iif_core.problems import InputError, Problem
from iif_core.readers import find_columns, read_csv_raw, select_columns
from iif_core.schemes import Scheme, canonical_indicator_code

EXTRACT_SYNONYMS: dict[str, tuple[str, ...]] = {
    "practice_code": ("practice", "ods_code", "org_code", "organisation_code"),
    "indicator_code": ("indicator", "ind_code", "indicator_id"),
    "period_end": ("achievement_date", "ach_date", "period", "reporting_period_end", "date"),
    "numerator": ("num",),
    "denominator": ("den", "denom"),
    "pca_count": ("pca", "pcas", "personalised_care_adjustments", "pca_total"),
}
REQUIRED = ("practice_code", "indicator_code", "period_end", "numerator", "denominator")
COUNT_COLUMNS = ("numerator", "denominator", "pca_count")
DATE_FORMATS = ["%Y-%m-%d", "%d/%m/%Y", "%Y%m%d", "%d-%b-%Y", "%Y-%m-%d %H:%M:%S"]
PROBLEMS_PER_CHECK = 200  # enough to see the pattern; the count of the rest is reported

EXTRACT_TABLE_SQL = """
CREATE OR REPLACE TEMP TABLE extract (
    practice_code VARCHAR, indicator_code VARCHAR, period_end DATE,
    numerator BIGINT, denominator BIGINT, pca_count BIGINT,
    source_file VARCHAR, source_row BIGINT)
"""


def load_extracts(
    con: duckdb.DuckDBPyConnection, paths: list[str | Path], scheme: Scheme
) -> None:
    """Create the table `extract` from tidy CSV files, or raise InputError with every problem.

    Needs the table `orgs`. Nothing is kept unless every file is valid.
    """
    con.execute(EXTRACT_TABLE_SQL)
    problems: list[Problem] = []
    for path in paths:
        name = Path(path).name
        try:
            headers = read_csv_raw(con, path, "raw_extract")
        except InputError as error:
            problems += error.problems
            continue
        positions = find_columns(headers, EXTRACT_SYNONYMS)
        missing = [c for c in REQUIRED if positions[c] is None]
        if missing:
            problems.append(Problem(name, _missing_message(missing, headers)))
            continue
        select_columns(con, "raw_extract", "extract_text", positions)
        problems += check_extract_text(con, name, scheme)
    problems += _duplicates_across_files(con)
    if problems:
        con.execute(EXTRACT_TABLE_SQL)
        raise InputError(problems)


def _missing_message(missing: list[str], headers: list[str]) -> str:
    found = ", ".join(h for h in headers) or "none"
    return f"missing column(s) {', '.join(missing)}; the columns found were: {found}"


def check_extract_text(con: duckdb.DuckDBPyConnection, file_name: str, scheme: Scheme) -> list[Problem]:
    """Check the text table `extract_text`; if it is clean, append it to `extract`."""
    if con.execute("SELECT count(*) FROM extract_text").fetchone()[0] == 0:
        return [Problem(file_name, "the file has a header but no rows of data")]
    _register_indicators(con, scheme)
    con.execute(
        """
        CREATE OR REPLACE TEMP TABLE extract_typed AS
        SELECT source_row,
               upper(trim(coalesce(practice_code, ''))) AS practice_code,
               trim(coalesce(e.indicator_code, '')) AS indicator_text,
               k.canonical AS indicator_code, k.unit,
               trim(coalesce(period_end, '')) AS period_text,
               try_strptime(trim(period_end), $formats)::DATE AS period_end,
               trim(coalesce(numerator, '')) AS numerator_text,
               trim(coalesce(denominator, '')) AS denominator_text,
               trim(coalesce(pca_count, '')) AS pca_count_text,
               try_cast(replace(trim(numerator), ',', '') AS DECIMAL(38, 6)) AS numerator,
               try_cast(replace(trim(denominator), ',', '') AS DECIMAL(38, 6)) AS denominator,
               coalesce(try_cast(replace(nullif(trim(pca_count), ''), ',', '') AS DECIMAL(38, 6)), 0) AS pca_count,
               trim(coalesce(pca_count, '')) <> '' AND try_cast(replace(trim(pca_count), ',', '') AS DECIMAL(38, 6)) IS NULL AS pca_unreadable
        FROM extract_text e
        LEFT JOIN indicator_codes k ON k.raw = trim(coalesce(e.indicator_code, ''))
        """,
        {"formats": DATE_FORMATS},
    )
    problems = []
    for column, value, condition, message in _row_checks(scheme):
        params = {"cap": PROBLEMS_PER_CHECK}
        if "$start" in condition:
            params.update(start=scheme.start_date, end=scheme.end_date)
        rows = con.execute(
            f"SELECT source_row, {value}, count(*) OVER () FROM extract_typed "
            f"WHERE {condition} ORDER BY source_row LIMIT $cap",
            params,
        ).fetchall()
        problems += [Problem(file_name, message, row, column, str(v)) for row, v, _ in rows]
        if rows and rows[0][2] > len(rows):
            problems.append(
                Problem(file_name, f"... and {rows[0][2] - len(rows)} more rows where {message}", column=column)
            )
    duplicates = con.execute(
        """
        SELECT min(source_row), string_agg(source_row::VARCHAR, ', ' ORDER BY source_row),
               practice_code, indicator_code, period_end
        FROM extract_typed WHERE indicator_code IS NOT NULL AND period_end IS NOT NULL
        GROUP BY practice_code, indicator_code, period_end HAVING count(*) > 1
        ORDER BY 1 LIMIT $cap
        """,
        {"cap": PROBLEMS_PER_CHECK},
    ).fetchall()
    problems += [
        Problem(file_name, f"practice {p}, indicator {i}, period {d} appears more than once (rows {rows})", first)
        for first, rows, p, i, d in duplicates
    ]
    if not problems:
        con.execute(
            """
            INSERT INTO extract
            SELECT practice_code, indicator_code, period_end, numerator::BIGINT, denominator::BIGINT,
                   pca_count::BIGINT, $file, source_row
            FROM extract_typed
            """,
            {"file": file_name},
        )
    return problems


def _register_indicators(con: duckdb.DuckDBPyConnection, scheme: Scheme) -> None:
    raw_codes = [r[0] for r in con.execute(
        "SELECT DISTINCT trim(coalesce(indicator_code, '')) FROM extract_text").fetchall()]
    rows = []
    for raw in raw_codes:
        code = canonical_indicator_code(raw)
        if code is not None and scheme.has_indicator(code):
            rows.append((raw, code, scheme.indicator(code).unit))
    con.execute("CREATE OR REPLACE TEMP TABLE indicator_codes (raw VARCHAR, canonical VARCHAR, unit VARCHAR)")
    if rows:
        con.executemany("INSERT INTO indicator_codes VALUES (?, ?, ?)", rows)


def _row_checks(scheme: Scheme) -> list[tuple[str, str, str, str]]:
    """(column, value shown, SQL condition, message) for each kind of bad row. All SQL is ours."""
    known = ", ".join(scheme.indicators)
    checks = [
        ("practice_code", "practice_code", "practice_code = ''", "the practice code is missing"),
        ("practice_code", "practice_code",
         "practice_code <> '' AND practice_code NOT IN (SELECT practice_code FROM orgs)",
         "this practice is not in the organisation data (check the code, or upload an up-to-date organisation file)"),
        ("indicator_code", "indicator_text", "indicator_text = ''", "the indicator code is missing"),
        ("indicator_code", "indicator_text", "indicator_text <> '' AND indicator_code IS NULL",
         f"this indicator is not in the {scheme.year} scheme (its indicators are {known})"),
        ("period_end", "period_text", "period_end IS NULL",
         "the period end is not a date (use a date like 2025-09-30 or 30/09/2025)"),
    ]
    if scheme.start_date and scheme.end_date:
        checks.append((
            "period_end", "period_text", "period_end NOT BETWEEN $start AND $end",
            f"the period end is outside the {scheme.year} scheme year "
            f"({scheme.start_date:%d/%m/%Y} to {scheme.end_date:%d/%m/%Y})",
        ))
    for column in ("numerator", "denominator"):
        checks += [
            (column, f"{column}_text", f"{column}_text = ''", f"the {column} is missing"),
            (column, f"{column}_text", f"{column}_text <> '' AND {column} IS NULL", f"the {column} is not a number"),
            (column, f"{column}_text", f"{column} <> floor({column})", f"the {column} must be a whole number"),
            (column, f"{column}_text", f"{column} < 0", f"the {column} cannot be negative"),
        ]
    checks += [
        ("pca_count", "pca_count_text", "pca_unreadable", "the PCA count is not a number"),
        ("pca_count", "pca_count_text", "pca_count <> floor(pca_count)", "the PCA count must be a whole number"),
        ("pca_count", "pca_count_text", "pca_count < 0", "the PCA count cannot be negative"),
        ("numerator", "numerator_text || ' > ' || denominator_text",
         "unit = 'percent' AND numerator > denominator",
         "the numerator is greater than the denominator, which cannot happen for a percentage indicator"),
    ]
    return checks


def _duplicates_across_files(con: duckdb.DuckDBPyConnection) -> list[Problem]:
    rows = con.execute(
        """
        SELECT string_agg(source_file || ' row ' || source_row, ' and ' ORDER BY source_file, source_row),
               practice_code, indicator_code, period_end
        FROM extract GROUP BY practice_code, indicator_code, period_end
        HAVING count(DISTINCT source_file) > 1 ORDER BY 2, 3, 4 LIMIT $cap
        """,
        {"cap": PROBLEMS_PER_CHECK},
    ).fetchall()
    return [
        Problem(places.split(" row ")[0],
                f"practice {p}, indicator {i}, period {d} is in more than one file ({places}); keep one")
        for places, p, i, d in rows
    ]


def load_extract_frame(con: duckdb.DuckDBPyConnection, frame, scheme: Scheme, name: str = "extract") -> None:
    """Create the table `extract` from a pandas DataFrame of tidy counts, with the same checks."""
    con.execute(EXTRACT_TABLE_SQL)
    columns = {c: c for c in frame.columns}
    text = frame.astype("string").rename(columns=columns)
    for column in EXTRACT_SYNONYMS:
        if column not in text.columns:
            text[column] = None
    text = text[list(EXTRACT_SYNONYMS)]
    con.register("frame_text", text)
    con.execute(
        "CREATE OR REPLACE TEMP TABLE extract_text AS "
        "SELECT *, (row_number() OVER () + 1)::BIGINT AS source_row FROM frame_text"
    )
    con.unregister("frame_text")
    problems = check_extract_text(con, name, scheme)
    if problems:
        con.execute(EXTRACT_TABLE_SQL)
        raise InputError(problems)
