"""Scored results kept in the store, each change re-scoring only the organisations it touches."""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from datetime import UTC, date, datetime
from functools import cache
from pathlib import Path

import duckdb
import pandas as pd

from iif_core.orgs import BUNDLED_REFERENCE
from iif_core.schemes import Scheme, scheme_to_toml, scheme_year_for_date
from iif_core.score import SQL_DIR as PIPELINE_DIR
from iif_core.score import load_scheme_tables, pipeline, run_pipeline

SQL_DIR = Path(__file__).parent / "sql" / "store"
# Loads the temp tables `extract` and `orgs` for a year: of every practice, or (True) only of
# the practices in the temp table `rescored`; and loads `orgs` alone, of every practice.
LoadCurrent = Callable[[duckdb.DuckDBPyConnection, str, bool], None]
LoadOrgs = Callable[[duckdb.DuckDBPyConnection], None]


def recipe(con: duckdb.DuckDBPyConnection, scheme: Scheme) -> str:
    """What a year's kept scores were made with, as one fingerprint: the scoring SQL, the scheme
    in use and the organisation file in use. A new release or a new scheme or organisation file
    makes the kept scores of the year out of date."""
    orgs_batch = con.execute("SELECT max(batch_id) FROM current_orgs").fetchone()[0]
    orgs = f"batch {orgs_batch}" if orgs_batch is not None else _bundled_reference_digest()
    parts = (_pipeline_digest(), scheme_to_toml(scheme), orgs)
    return hashlib.sha256("\n\0".join(parts).encode("utf-8")).hexdigest()


def is_fresh(con, year: str, version: tuple[int, int], made_with: str) -> bool:
    """True when the year's kept scores are those of data version `version` and inputs `made_with`."""
    found = con.execute(_sql("kept_year.sql"), {"year": year}).fetchone()
    return found is not None and (found[0], found[1], found[2]) == (*version, made_with)


def version_of(con) -> tuple[int, int]:
    latest, events = con.execute(_sql("data_version.sql")).fetchone()
    return int(latest), int(events)


def fresh_years(con, version: tuple[int, int]) -> list[str]:
    """The years whose kept scores are of data version `version` (whatever they were made with)."""
    rows = con.execute(
        "SELECT year FROM kept_years WHERE latest_batch = $latest AND events = $events "
        "ORDER BY year",
        {"latest": version[0], "events": version[1]},
    ).fetchall()
    return [year for (year,) in rows]


def changed_by_batch(con, batch_id: int) -> tuple[list[str], set[str]]:
    """The practices whose counts a batch holds, and the scheme years of its period ends."""
    practices = [
        code
        for (code,) in con.execute(
            "SELECT DISTINCT practice_code FROM batch_counts WHERE batch_id = $batch_id",
            {"batch_id": batch_id},
        ).fetchall()
    ]
    ends = con.execute(
        "SELECT DISTINCT period_end FROM batch_counts WHERE batch_id = $batch_id",
        {"batch_id": batch_id},
    ).fetchall()
    return practices, {scheme_year_for_date(end) for (end,) in ends}


def refresh(
    con: duckdb.DuckDBPyConnection,
    year: str,
    scheme: Scheme,
    period_ends: list[date],
    load_current: LoadCurrent,
    load_orgs: LoadOrgs,
    version: tuple[int, int],
    practices: list[str] | None = None,
) -> None:
    """Bring a year's kept scores up to date inside the caller's transaction: all of it, or
    (`practices`) only what a change to those practices' counts touches. `period_ends` are the
    year's period ends with counts, after the change.

    Every period end of the year is scored for every scored practice, so a period end that is new
    is scored for everyone, and one that has gone is forgotten; then the organisations the
    practices touch (iif_core/sql/store/rescored_orgs.sql) are scored again against every period
    end. The rows are those a full scoring gives (tests/core/test_kept_scores.py)."""
    made_with = recipe(con, scheme)
    con.execute("CREATE OR REPLACE TEMP TABLE rescored (level VARCHAR, org_code VARCHAR)")
    kept_periods = {
        end
        for (end,) in con.execute(
            "SELECT DISTINCT period_end FROM kept_scores WHERE year = $year", {"year": year}
        ).fetchall()
    }
    if practices is None or not kept_periods:
        _forget(con, year, everything=True)
        _score(con, year, scheme, load_current, everything=True)
    else:
        gone = sorted(kept_periods - set(period_ends))
        new = sorted(set(period_ends) - kept_periods)
        if gone:
            _forget(con, year, everything=True, periods=gone)
        if new:
            _score(con, year, scheme, load_current, everything=True, periods=new)
        if practices:
            con.execute("CREATE OR REPLACE TEMP TABLE changed_practices (practice_code VARCHAR)")
            con.executemany(
                "INSERT INTO changed_practices VALUES (?)", [(code,) for code in practices]
            )
            load_orgs(con)  # every practice, to find where the changed ones sit
            con.execute((PIPELINE_DIR / "01_pcns.sql").read_text(encoding="utf-8"))
            con.execute(_sql("rescored_orgs.sql"))
            _forget(con, year, everything=False)
            _score(con, year, scheme, load_current, everything=False, periods=period_ends)
    con.execute(
        _sql("keep_year.sql"),
        {"year": year, "latest_batch": version[0], "events": version[1], "recipe": made_with,
         "at": datetime.now(UTC).replace(tzinfo=None)},
    )  # fmt: skip


def kept(con, year: str, level: str | None = None, org_code: str | None = None) -> pd.DataFrame:
    """A year's kept scores in the order of the command line's output: all of them, or those of
    one organisation and everything in it (iif_core/sql/store/kept_slice.sql)."""
    return con.execute(
        _sql("kept_slice.sql"), {"year": year, "level": level, "org_code": org_code}
    ).df()


def kept_orgs(con, year: str) -> pd.DataFrame:
    """The organisations scored in a year: level, org_code, org_name, in output order."""
    return con.execute(_sql("kept_orgs.sql"), {"year": year}).df()


def kept_period_ends(con, year: str) -> list[date]:
    rows = con.execute(
        "SELECT DISTINCT period_end FROM kept_scores WHERE year = $year ORDER BY period_end",
        {"year": year},
    ).fetchall()
    return [end for (end,) in rows]


def _score(con, year, scheme, load_current, *, everything: bool, periods=None) -> None:
    """Score the year (all practices, or those in `rescored`) and keep the rows asked for."""
    load_current(con, year, not everything)
    load_scheme_tables(con, scheme)
    run_pipeline(con, periods=periods)
    con.execute(
        _sql("keep_scores.sql"),
        {"year": year, "everything": everything, "periods": periods},
    )


def _forget(con, year: str, *, everything: bool, periods=None) -> None:
    con.execute(
        _sql("forget_scores.sql"), {"year": year, "everything": everything, "periods": periods}
    )


@cache
def _pipeline_digest() -> str:
    texts = [path.read_text(encoding="utf-8") for path in pipeline()]
    texts.append(_sql("keep_scores.sql"))
    return hashlib.sha256("\n\0".join(texts).encode("utf-8")).hexdigest()


@cache
def _bundled_reference_digest() -> str:
    return "bundled " + hashlib.sha256(BUNDLED_REFERENCE.read_bytes()).hexdigest()


@cache
def _sql(name: str) -> str:
    return (SQL_DIR / name).read_text(encoding="utf-8")
