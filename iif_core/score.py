"""Score a network: run the SQL pipeline in iif_core/sql over the tables orgs, extract and the scheme."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date
from decimal import Decimal
from pathlib import Path

import duckdb

from iif_core.extract import load_extract_frame, load_extracts
from iif_core.formulas import spreadsheet_text_macro
from iif_core.orgs import load_orgs, load_orgs_frame
from iif_core.problems import InputError, Problem
from iif_core.schemes import Scheme
from iif_core.vocabulary import LEVELS

SQL_DIR = Path(__file__).parent / "sql"
# England at every level and period is about 1.1 million result rows. Beyond this DuckDB spills
# to a temporary folder, which keeps the whole process well under 1 GB (about 700 MB for
# England); a lower limit makes the final write wait on the spill (bench/bench_score.py).
FILE_SCORING_MEMORY = "900MB"
# DuckDB draws a progress bar on standard output for a query that runs over two seconds (a busy
# machine); the command line's output is the file and its one line on standard error.
QUIET = "SET enable_progress_bar = false"
MICROS = 10**6  # thresholds are exact to six decimal places: 0.8 is 800,000 millionths
RESULT_COLUMNS = (
    "level", "org_code", "org_name", "indicator_code", "period_end", "practices_with_data",
    "member_practices", "numerator", "denominator", "pca_count", "achievement",
    "lower_threshold", "upper_threshold", "status", "points_available", "points_achieved",
    "list_size", "list_size_adjustment", "prevalence_adjustment", "payment_available",
    "payment_achieved", "payment_outstanding", "patients_to_lower", "patients_to_upper",
    "value_per_patient",
)  # fmt: skip


def pipeline() -> list[Path]:
    """The SQL files in the order they run (their names start with the step number)."""
    return sorted(SQL_DIR.glob("*.sql"))


def load_scheme_tables(con: duckdb.DuckDBPyConnection, scheme: Scheme) -> None:
    """The scheme as tables the SQL joins to: `scheme_values` and `scheme_indicators`."""
    con.execute(
        "CREATE OR REPLACE TEMP TABLE scheme_values AS SELECT "
        "$value_per_point::DOUBLE AS value_per_point, "
        "$national_average_list_size::DOUBLE AS national_average_list_size",
        {
            "value_per_point": scheme.value_per_point,
            "national_average_list_size": scheme.national_average_list_size,
        },
    )
    con.execute(
        """
        CREATE OR REPLACE TEMP TABLE scheme_indicators (
            indicator_code VARCHAR, ordinal INTEGER, unit VARCHAR, scale INTEGER,
            direction ENUM('higher', 'lower'),
            lower_threshold DECIMAL(18, 6), upper_threshold DECIMAL(18, 6),
            lower_micros BIGINT, upper_micros BIGINT, points DECIMAL(18, 6),
            prevalence_adjusted BOOLEAN, national_prevalence DECIMAL(18, 12),
            start_date DATE, end_date DATE)
        """
    )
    con.executemany(
        "INSERT INTO scheme_indicators VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        [
            (
                i.code,
                n,
                i.unit,
                i.scale,
                i.direction,
                i.lower_threshold,
                i.upper_threshold,
                micros(i.lower_threshold, i.code),
                micros(i.upper_threshold, i.code),
                i.points,
                i.prevalence_adjusted,
                i.national_prevalence,
                i.start_date,
                i.end_date,
            )
            for n, i in enumerate(scheme.indicators.values())
        ],
    )


def micros(threshold: Decimal, code: str) -> int:
    """A threshold in whole millionths, so that the SQL compares integers exactly."""
    scaled = threshold * MICROS
    if scaled != scaled.to_integral_value():
        raise ValueError(f"{code}: a threshold may have at most six decimal places ({threshold})")
    return int(scaled)


def run_pipeline(
    con: duckdb.DuckDBPyConnection,
    level: str = "all",
    period: str | date = "all",
    periods: list[date] | None = None,
) -> duckdb.DuckDBPyRelation:
    """Score what is in `orgs`, `extract` and the scheme tables; the result is the view `result`.

    `periods`, when given, are the period ends scored instead of those in `extract` (the store
    scores part of the practices against every period end of the year). Read `result` with
    insertion order kept (DuckDB's default) to get its rows in order.
    """
    if level != "all" and level not in LEVELS:
        raise ValueError(f"level must be one of {', '.join(LEVELS)} or all, not {level!r}")
    con.execute(
        "CREATE OR REPLACE TEMP TABLE selection AS "
        "SELECT $level AS level, $period::DATE AS period, $periods::DATE[] AS periods",
        {
            "level": level,
            "period": None if period in ("all", None) else period,
            "periods": None if periods is None else list(periods),
        },
    )
    # Row numbers are already taken, and the tables `result` reads are stored with ORDER BY
    # (which DuckDB keeps whatever this setting), so the other steps need not keep rows in
    # insertion order: that frees memory and time for large runs.
    con.execute("SET preserve_insertion_order = false")
    con.execute(spreadsheet_text_macro())
    try:
        for step in pipeline():
            con.execute(step.read_text(encoding="utf-8"))
    finally:
        con.execute("RESET preserve_insertion_order")
    return con.table("result")


def score(scheme: Scheme, orgs, extract, level: str = "all", period: str | date = "all"):
    """Score pandas DataFrames of organisations and tidy counts; return a pandas DataFrame."""
    con = duckdb.connect()
    load_scheme_tables(con, scheme)
    load_orgs_frame(con, orgs)
    load_extract_frame(con, extract, scheme)
    return run_pipeline(con, level, period).df()


def score_files(
    scheme: Scheme,
    orgs_paths: list[str | Path] | None,
    extract_paths: list[str | Path],
    out: str | Path,
    level: str = "all",
    period: str | date = "all",
) -> int:
    """Score CSV files and write the result (CSV, or Parquet: `write_result`); return its row
    count. Raises InputError."""
    with tempfile.TemporaryDirectory(prefix="iif-score-") as spill:
        config = {"memory_limit": FILE_SCORING_MEMORY, "temp_directory": spill}
        with duckdb.connect(config=config) as con:
            con.execute(QUIET)
            load_scheme_tables(con, scheme)
            load_orgs(con, orgs_paths)
            load_extracts(con, extract_paths, scheme)
            run_pipeline(con, level, period)
            write_score(con, out)
            return con.execute("SELECT count(*) FROM result").fetchone()[0]


def is_parquet(out: str | Path) -> bool:
    """Whether `out` names a Parquet file (by its suffix, .parquet in any case)."""
    return Path(out).suffix.lower() == ".parquet"


def write_score(con: duckdb.DuckDBPyConnection, out) -> None:
    """Write what `run_pipeline` scored to `out`: Parquet from `result`, or CSV from the same
    rows as `result_csv` gives them (sql/08_result.sql)."""
    write_result(con, con.table("result" if is_parquet(out) else "result_csv"), out)


def write_result(con: duckdb.DuckDBPyConnection, relation: duckdb.DuckDBPyRelation, out) -> None:
    """Write the result to `out`: Parquet when its name ends in .parquet, else CSV."""
    if is_parquet(out):
        write_parquet(con, relation, out)
    else:
        write_csv(con, relation, out)


def write_csv(con: duckdb.DuckDBPyConnection, relation: duckdb.DuckDBPyRelation, out) -> None:
    """Write a relation to CSV all at once (a temporary file renamed into place, never half a
    file), with spreadsheet formulas neutralised (iif_core.formulas)."""
    with all_at_once(out, ".csv") as temporary:
        con.execute("SET VARIABLE spreadsheet_safe = true")  # names neutralised as written
        try:
            relation.write_csv(temporary, header=True)
        finally:
            con.execute("RESET VARIABLE spreadsheet_safe")


def write_parquet(con: duckdb.DuckDBPyConnection, relation: duckdb.DuckDBPyRelation, out) -> None:
    """Write a relation to Parquet all at once, in its order and with its types (dates as
    DATE, counts as BIGINT, the rest as DOUBLE). Names are kept as written: a Parquet file is
    read as typed data, never opened as text that a spreadsheet would run (decisions.md D56)."""
    with all_at_once(out, ".parquet") as temporary:
        relation.write_parquet(temporary)


@contextmanager
def all_at_once(out: str | Path, suffix: str) -> Iterator[str]:
    """A temporary file beside `out` to write, renamed to `out` once written, and removed if
    anything fails, so that `out` is either the whole new file or what it was before. A folder
    that cannot be written to is an InputError naming `out`, not a technical error."""
    out = Path(out)
    try:
        out.parent.mkdir(parents=True, exist_ok=True)
        handle, temporary = tempfile.mkstemp(prefix=".partial-", suffix=suffix, dir=out.parent)
    except OSError as error:
        raise cannot_write(out, error) from None
    os.close(handle)
    try:
        yield temporary
        os.replace(temporary, out)
    except (OSError, duckdb.IOException) as error:
        raise cannot_write(out, error) from None
    finally:
        if os.path.exists(temporary):
            os.remove(temporary)


def cannot_write(out: Path, error: Exception) -> InputError:
    """`out` cannot be written, and why, in the system's words."""
    if isinstance(error, FileExistsError):  # a file where a folder of the path should be
        reason = f"{error.filename} is a file, not a folder"
    elif isinstance(error, OSError) and error.strerror:
        reason = error.strerror.lower()
    else:  # DuckDB's own: 'IO Error: Could not write file "...": No space left on device'
        reason = str(error).strip().splitlines()[0].rsplit(": ", 1)[-1].lower()
    return InputError([Problem(str(out), f"cannot be written ({reason})")])
