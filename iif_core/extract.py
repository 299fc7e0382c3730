"""Achievement counts: read tidy extracts into DuckDB and check every row against the scheme and organisations."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

import duckdb

from iif_core.problems import InputError, Problem
from iif_core.readers import drop_raw, find_columns, read_csv_raw, select_columns
from iif_core.schemes import Scheme, canonical_indicator_code, scheme_start_year

EXTRACT_SYNONYMS: dict[str, tuple[str, ...]] = {
    "practice_code": (
        "practice", "ods_code", "org_code", "organisation_code", "gp_practice_code",
        "practice_ods_code",
    ),
    "indicator_code": ("indicator", "ind_code", "indicator_id", "iif_indicator"),
    "period_end": (
        "achievement_date", "ach_date", "period", "reporting_period_end", "date",
        "period_end_date", "reporting_period_end_date", "achievement_end_date", "month_end",
    ),
    "numerator": ("num",),
    "denominator": ("den", "denom"),
    "pca_count": (
        "pca", "pcas", "personalised_care_adjustments", "pca_total", "personalised_care_adjustment",
    ),
}  # fmt: skip
REQUIRED = ("practice_code", "indicator_code", "period_end", "numerator", "denominator")
COUNT_COLUMNS = ("numerator", "denominator", "pca_count")
DATE_FORMATS = ["%Y-%m-%d", "%d/%m/%Y", "%Y%m%d", "%d-%b-%Y", "%Y-%m-%d %H:%M:%S"]


def month_end(day: date) -> date:
    """The last day of the day's month: every period end is one."""
    following = date(day.year + day.month // 12, day.month % 12 + 1, 1)
    return following - timedelta(days=1)


# What is said of a period end that is not a month end, in Python for a date given and in SQL
# (the macro below) for each row of a file: the same words, tested to stay the same.
MONTH_END_RULE = "period ends are the last day of a month"
SLASHES_NOTE = " (a date written with slashes is read day first: day/month/year)"
MONTH_END_MACRO = f"""
CREATE OR REPLACE TEMP MACRO not_a_month_end(day, written) AS
    '{MONTH_END_RULE}: ' || strftime(day, '%-d %b %Y') || ' is not; did you mean '
    || strftime(last_day(day), '%-d %b %Y') || '?'
    || CASE WHEN written LIKE '%/%' THEN '{SLASHES_NOTE}' ELSE '' END
"""


def not_a_month_end(day: date) -> str | None:
    """Why `day` cannot be a period end ("... 15 Nov 2026 is not; did you mean 30 Nov 2026?"),
    or None when it is the last day of its month."""
    if day == month_end(day):
        return None
    shown, meant = (f"{d.day} {d:%b %Y}" for d in (day, month_end(day)))
    return f"{MONTH_END_RULE}: {shown} is not; did you mean {meant}?"


class RowWords(str):
    """A row check's message built for each row by SQL of the code's own (not bound words)."""


# No practice has a thousand million of anything; the bound also keeps every sum and product of
# the scoring within exact 64-bit and 128-bit integers.
MAX_COUNT = 1_000_000_000
PROBLEMS_PER_CHECK = 200  # enough to see the pattern; the count of the rest is reported

EXTRACT_TABLE_SQL = """
CREATE OR REPLACE TEMP TABLE extract (
    practice_code VARCHAR, indicator_code VARCHAR, period_end DATE,
    numerator BIGINT, denominator BIGINT, pca_count BIGINT,
    source_file VARCHAR, source_row BIGINT)
"""


def load_extracts(con: duckdb.DuckDBPyConnection, paths: list[str | Path], scheme: Scheme) -> None:
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
        select_columns(con, "raw_extract", "extract_text", positions, view=True)
        if not append_if_clean(con, name, scheme):
            problems += check_extract_text(con, name, scheme)
        con.execute("DROP VIEW IF EXISTS extract_text")
        con.execute("DROP TABLE IF EXISTS extract_typed")
        drop_raw(con, "raw_extract")
    if len(paths) > 1:
        problems += _duplicates_across_files(con)
    if problems:
        con.execute(EXTRACT_TABLE_SQL)
        raise InputError(problems)


# The quick way in, for a file that is already clean: every value is read as it stands (ISO
# dates, plain numbers) and every row is tested against the rules of `_row_checks` in one pass,
# keeping only the typed values. Only if every row passes is the file taken this way; anything
# else goes the long way round (`check_extract_text`), which also reads other spellings and names
# each problem. For a clean file both ways give the same rows (tests/core/
# test_extract_quick_path.py); a new check in `_row_checks` belongs here too.
QUICK_CANDIDATE_SQL = """
CREATE OR REPLACE TEMP TABLE extract_candidate AS
WITH typed AS (
    SELECT source_row,
           upper(trim(coalesce(practice_code, ''))) AS practice_code,
           trim(coalesce(indicator_code, '')) AS indicator_text,
           try_cast(period_end AS DATE) AS period_end,
           try_cast(numerator AS DOUBLE) AS numerator,
           try_cast(denominator AS DOUBLE) AS denominator,
           CASE WHEN trim(coalesce(pca_count, '')) = '' THEN 0
                ELSE try_cast(pca_count AS DOUBLE) END AS pca_count
    FROM extract_text
)
-- the columns of `extract`, in its order, and whether the row is clean
SELECT t.practice_code, k.canonical AS indicator_code, t.period_end,
       try_cast(t.numerator AS BIGINT) AS numerator,
       try_cast(t.denominator AS BIGINT) AS denominator,
       try_cast(t.pca_count AS BIGINT) AS pca_count, $file AS source_file, t.source_row,
       coalesce(o.practice_code IS NOT NULL AND k.canonical IS NOT NULL
                AND isfinite(t.numerator) AND isfinite(t.denominator) AND isfinite(t.pca_count)
                AND t.numerator = floor(t.numerator) AND t.denominator = floor(t.denominator)
                AND t.pca_count = floor(t.pca_count)
                AND t.numerator >= 0 AND t.denominator >= 0 AND t.pca_count >= 0
                AND greatest(t.numerator, t.denominator, t.pca_count) <= $max_count
                AND t.period_end = last_day(t.period_end)
                AND NOT (k.unit = 'percent' AND t.numerator > t.denominator), false) AS clean
FROM typed t
LEFT JOIN (SELECT DISTINCT practice_code FROM orgs) o USING (practice_code)
LEFT JOIN scheme_years y ON t.period_end BETWEEN y.start_date AND y.end_date
LEFT JOIN indicator_codes k ON k.raw = t.indicator_text AND k.year = y.year
"""


def append_if_clean(con: duckdb.DuckDBPyConnection, file_name: str, scheme: Scheme) -> bool:
    """If every row of the text table `extract_text` is clean, append it to `extract` and say
    so; otherwise leave `extract` as it was, for `check_extract_text` to name the problems."""
    _register_schemes(con, [scheme])
    con.execute(QUICK_CANDIDATE_SQL, {"max_count": MAX_COUNT, "file": file_name})
    rows, clean = con.execute(
        "SELECT count(*), count(*) FILTER (clean) FROM extract_candidate"
    ).fetchone()
    repeated = con.execute(
        "SELECT count(*) FROM (SELECT 1 FROM extract_candidate "
        "GROUP BY practice_code, indicator_code, period_end HAVING count(*) > 1)"
    ).fetchone()[0]
    if rows == 0 or clean < rows or repeated:
        con.execute("DROP TABLE extract_candidate")
        return False
    con.execute("ALTER TABLE extract_candidate DROP COLUMN clean")
    if con.execute("SELECT count(*) FROM extract").fetchone()[0] == 0:
        # The first file becomes the table itself: nothing to copy.
        con.execute("DROP TABLE extract")
        con.execute("ALTER TABLE extract_candidate RENAME TO extract")
    else:
        con.execute("INSERT INTO extract SELECT * FROM extract_candidate")
        con.execute("DROP TABLE extract_candidate")
    return True


def _missing_message(missing: list[str], headers: list[str]) -> str:
    found = ", ".join(h for h in headers) or "none"
    return f"missing column(s) {', '.join(missing)}; the columns found were: {found}"


def check_extract_text(
    con: duckdb.DuckDBPyConnection, file_name: str, schemes: Scheme | list[Scheme]
) -> list[Problem]:
    """Check the text table `extract_text`; if it is clean, append it to `extract`.

    Each row is checked against the scheme of its period end's year, so one file may hold
    several years when several schemes are given.
    """
    schemes = [schemes] if isinstance(schemes, Scheme) else list(schemes)
    if con.execute("SELECT count(*) FROM extract_text").fetchone()[0] == 0:
        return [Problem(file_name, "the file has a header but no rows of data")]
    find_row_problems(con, schemes)
    problems = row_problem_report(con, file_name)
    if not problems:
        insert_valid_rows(con, file_name)
    return problems


def find_row_problems(
    con: duckdb.DuckDBPyConnection, schemes: list[Scheme], *, duplicates: bool = True
) -> None:
    """Type `extract_text` into `extract_typed` and record every bad row in `row_problems`.

    `duplicates=False` leaves out the check for the same practice, indicator and period twice,
    for a caller whose `source_row` is not a row of the file and who words that check itself.
    """
    _register_schemes(con, schemes)
    # A count is read as a double, which holds every whole count exactly; "1,204" is 1204.
    # Plain ISO dates take the fast path; the other spellings are tried in order.
    con.execute(MONTH_END_MACRO)
    con.execute(
        "CREATE OR REPLACE TEMP MACRO number_of(text) AS "
        "coalesce(try_cast(text AS DOUBLE), try_cast(replace(text, ',', '') AS DOUBLE))"
    )
    con.execute(
        """
        CREATE OR REPLACE TEMP TABLE extract_typed AS
        WITH text AS (
            SELECT source_row,
                   upper(trim(coalesce(practice_code, ''))) AS practice_code,
                   trim(coalesce(indicator_code, '')) AS indicator_text,
                   trim(coalesce(period_end, '')) AS period_text,
                   trim(coalesce(numerator, '')) AS numerator_text,
                   trim(coalesce(denominator, '')) AS denominator_text,
                   trim(coalesce(pca_count, '')) AS pca_count_text
            FROM extract_text
        ),
        typed AS (
            SELECT *,
                   coalesce(try_cast(period_text AS DATE),
                            try_strptime(period_text, $formats)::DATE) AS period_end,
                   number_of(numerator_text) AS numerator_number,
                   number_of(denominator_text) AS denominator_number,
                   number_of(pca_count_text) AS pca_number
            FROM text
        )
        SELECT t.* EXCLUDE (numerator_number, denominator_number, pca_number),
               y.year, k.canonical AS indicator_code, k.unit,
               o.practice_code IS NOT NULL AS known_practice,
               -- NaN and infinity are not numbers
               CASE WHEN isfinite(numerator_number) THEN numerator_number END AS numerator,
               CASE WHEN isfinite(denominator_number) THEN denominator_number END AS denominator,
               CASE WHEN pca_count_text = '' THEN 0
                    WHEN isfinite(pca_number) THEN pca_number END AS pca_count,
               pca_count_text <> '' AND NOT coalesce(isfinite(pca_number), false)
                   AS pca_unreadable
        FROM typed t
        LEFT JOIN (SELECT DISTINCT practice_code FROM orgs) o USING (practice_code)
        LEFT JOIN scheme_years y ON t.period_end BETWEEN y.start_date AND y.end_date
        LEFT JOIN indicator_codes k ON k.raw = t.indicator_text AND k.year = y.year
        """,
        {"formats": DATE_FORMATS},
    )
    con.execute(ROW_PROBLEMS_SQL)
    checks = _row_checks(schemes)
    # One pass over the rows: each check adds a struct to the row's list when it fails.
    # `value` and `condition` are the code's own SQL; column names and messages are bound.
    found = ", ".join(
        f"CASE WHEN {condition} THEN struct_pack(column_name := $column_{i}, "
        f"value := ({value})::VARCHAR, "
        f"message := {message if isinstance(message, RowWords) else f'$message_{i}'}) END"
        for i, (_, value, condition, message) in enumerate(checks)
    )
    any_failed = " OR ".join(f"({condition})" for _, _, condition, _ in checks)
    params = {}
    for i, (column, _, _, message) in enumerate(checks):
        params[f"column_{i}"] = column
        if not isinstance(message, RowWords):
            params[f"message_{i}"] = message
    con.execute(
        "INSERT INTO row_problems "  # noqa: S608
        "SELECT source_row, p.column_name, p.value, p.message FROM ("
        f"SELECT source_row, unnest([{found}]) AS p FROM extract_typed WHERE {any_failed}"
        ") WHERE p IS NOT NULL",
        params,
    )
    if not duplicates:
        return
    con.execute(
        """
        INSERT INTO row_problems
        WITH repeated AS (
            SELECT practice_code, indicator_code, period_end FROM extract_typed
            WHERE indicator_code IS NOT NULL AND period_end IS NOT NULL
            GROUP BY practice_code, indicator_code, period_end HAVING count(*) > 1
        )
        SELECT unnest(list(source_row ORDER BY source_row)), NULL,
               NULL, 'practice ' || practice_code || ', indicator ' || indicator_code || ', period '
               || period_end || ' appears more than once (rows '
               || string_agg(source_row::VARCHAR, ', ' ORDER BY source_row) || ')'
        FROM extract_typed SEMI JOIN repeated USING (practice_code, indicator_code, period_end)
        GROUP BY practice_code, indicator_code, period_end
        """
    )


ROW_PROBLEMS_SQL = """
CREATE OR REPLACE TEMP TABLE row_problems (
    source_row BIGINT, column_name VARCHAR, value VARCHAR, message VARCHAR)
"""


def row_problem_report(con: duckdb.DuckDBPyConnection, file_name: str) -> list[Problem]:
    """Every kind of problem in `row_problems`, the first rows of each and a count of the rest."""
    rows = con.execute(
        """
        SELECT source_row, column_name, value, message, count(*) OVER (PARTITION BY message)
        FROM row_problems
        QUALIFY row_number() OVER (PARTITION BY message ORDER BY source_row) <= $cap
        ORDER BY source_row, column_name
        """,
        {"cap": PROBLEMS_PER_CHECK},
    ).fetchall()
    problems = [
        Problem(file_name, message, row, column, value) for row, column, value, message, _ in rows
    ]
    for message, total in {(m, n) for _, _, _, m, n in rows if n > PROBLEMS_PER_CHECK}:
        more = total - PROBLEMS_PER_CHECK
        problems.append(Problem(file_name, f"... and {more} more rows where {message}"))
    return problems


def insert_valid_rows(con: duckdb.DuckDBPyConnection, file_name: str) -> int:
    """Append the rows of `extract_typed` with no problem to `extract`; return how many."""
    before = con.execute("SELECT count(*) FROM extract").fetchone()[0]
    con.execute(
        """
        INSERT INTO extract
        SELECT practice_code, indicator_code, period_end, numerator::BIGINT, denominator::BIGINT,
               pca_count::BIGINT, $file, source_row
        FROM extract_typed
        WHERE source_row NOT IN (SELECT source_row FROM row_problems)
        """,
        {"file": file_name},
    )
    return con.execute("SELECT count(*) FROM extract").fetchone()[0] - before


def _register_schemes(con: duckdb.DuckDBPyConnection, schemes: list[Scheme]) -> None:
    """Tables `scheme_years` (each year's dates) and `indicator_codes` (raw code -> canonical)."""
    con.execute(
        "CREATE OR REPLACE TEMP TABLE scheme_years (year VARCHAR, start_date DATE, end_date DATE)"
    )
    con.executemany(
        "INSERT INTO scheme_years VALUES (?, ?, ?)",
        [(s.year, *scheme_dates(s)) for s in schemes],
    )
    raw_codes = [
        r[0]
        for r in con.execute(
            "SELECT DISTINCT trim(coalesce(code, '')) "
            "FROM (SELECT DISTINCT indicator_code AS code FROM extract_text)"
        ).fetchall()
    ]
    rows = []
    for raw in raw_codes:
        code = canonical_indicator_code(raw)
        for scheme in schemes:
            if code is not None and scheme.has_indicator(code):
                rows.append((raw, scheme.year, code, scheme.indicator(code).unit))
    con.execute(
        "CREATE OR REPLACE TEMP TABLE indicator_codes "
        "(raw VARCHAR, year VARCHAR, canonical VARCHAR, unit VARCHAR)"
    )
    if rows:
        con.executemany("INSERT INTO indicator_codes VALUES (?, ?, ?, ?)", rows)


def scheme_dates(scheme: Scheme) -> tuple[date, date]:
    """The scheme's own dates, or the financial year its name gives (1 April to 31 March)."""
    first_year = scheme_start_year(scheme.year)
    start = scheme.start_date or date(first_year, 4, 1)
    end = scheme.end_date or date(first_year + 1, 3, 31)
    return start, end


def _row_checks(schemes: list[Scheme]) -> list[tuple[str, str, str, str]]:
    """(column, value shown, SQL condition, message) for each kind of bad row. All SQL is ours."""
    years = "; ".join(
        f"{s.year} from {scheme_dates(s)[0]:%d/%m/%Y} to {scheme_dates(s)[1]:%d/%m/%Y}"
        for s in schemes
    )
    known = "; ".join(f"{s.year}: {', '.join(s.indicators)}" for s in schemes)
    checks = [
        ("practice_code", "practice_code", "practice_code = ''", "the practice code is missing"),
        (
            "practice_code",
            "practice_code",
            "practice_code <> '' AND NOT known_practice",
            "this practice is not in the organisation data (check the code, or upload an up-to-date organisation file)",
        ),
        (
            "indicator_code",
            "indicator_text",
            "indicator_text = ''",
            "the indicator code is missing",
        ),
        (
            "period_end",
            "period_text",
            "period_end IS NULL",
            "the period end is not a date (use a date like 2025-09-30 or 30/09/2025)",
        ),
        (
            "period_end",
            "period_text",
            "period_end IS NOT NULL AND period_end <> last_day(period_end)",
            RowWords("not_a_month_end(period_end, period_text)"),
        ),
        (
            "period_end",
            "period_text",
            "period_end IS NOT NULL AND period_end = last_day(period_end) AND year IS NULL",
            f"the period end is outside the scheme year ({years})",
        ),
        (
            "indicator_code",
            "indicator_text",
            "indicator_text <> '' AND year IS NOT NULL AND indicator_code IS NULL",
            f"this indicator is not in the scheme for the year of this row's period end ({known})",
        ),
    ]
    for column in ("numerator", "denominator"):
        checks += [
            (column, f"{column}_text", f"{column}_text = ''", f"the {column} is missing"),
            (
                column,
                f"{column}_text",
                f"{column}_text <> '' AND {column} IS NULL",
                f"the {column} is not a number",
            ),
            (
                column,
                f"{column}_text",
                f"{column} <> floor({column})",
                f"the {column} must be a whole number",
            ),
            (column, f"{column}_text", f"{column} < 0", f"the {column} cannot be negative"),
            (
                column,
                f"{column}_text",
                f"{column} > {MAX_COUNT}",
                f"the {column} is more than {MAX_COUNT:,}, which no practice can have",
            ),
        ]
    checks += [
        ("pca_count", "pca_count_text", "pca_unreadable", "the PCA count is not a number"),
        (
            "pca_count",
            "pca_count_text",
            "pca_count <> floor(pca_count)",
            "the PCA count must be a whole number",
        ),
        ("pca_count", "pca_count_text", "pca_count < 0", "the PCA count cannot be negative"),
        (
            "pca_count",
            "pca_count_text",
            f"pca_count > {MAX_COUNT}",
            f"the PCA count is more than {MAX_COUNT:,}, which no practice can have",
        ),
        (
            "numerator",
            "numerator_text || ' > ' || denominator_text",
            "unit = 'percent' AND numerator > denominator",
            "the numerator is greater than the denominator, which cannot happen for a percentage indicator",
        ),
    ]
    return checks


def _duplicates_across_files(con: duckdb.DuckDBPyConnection) -> list[Problem]:
    rows = con.execute(
        """
        SELECT min(source_file),
               string_agg(source_file || ' row ' || source_row, ' and ' ORDER BY source_file, source_row),
               practice_code, indicator_code, period_end
        FROM extract GROUP BY practice_code, indicator_code, period_end
        HAVING count(DISTINCT source_file) > 1 ORDER BY 3, 4, 5 LIMIT $cap
        """,
        {"cap": PROBLEMS_PER_CHECK},
    ).fetchall()
    return [
        Problem(
            first_file,
            f"practice {p}, indicator {i}, period {d} is in more than one file ({places}); keep one",
        )
        for first_file, places, p, i, d in rows
    ]


def load_extract_frame(
    con: duckdb.DuckDBPyConnection, frame, scheme: Scheme, name: str = "extract"
) -> None:
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
    if append_if_clean(con, name, scheme):  # the quick way in, as for a file (load_extracts)
        return
    problems = check_extract_text(con, name, scheme)
    if problems:
        con.execute(EXTRACT_TABLE_SQL)
        raise InputError(problems)
