"""What the store tests share: files to upload, a dump of the whole store, the command line."""

from __future__ import annotations

import csv
import os
import subprocess
import sys
from pathlib import Path

from iif_core.store import Store

ROOT = Path(__file__).resolve().parents[2]
# Eight practices of the bundled reference (North East and North Cumbria ICB).
PRACTICES = ("A81001", "A81002", "A81004", "A81005", "A81006", "A81007", "A81009", "A81011")
TIDY_HEADER = ["practice_code", "indicator_code", "period_end", "numerator", "denominator"]
STORE_TABLES = (
    "schema_version", "batches", "batch_counts", "batch_patients", "batch_orgs", "batch_schemes",
    "batch_events", "grants", "audit", "kept_scores", "kept_years", "interventions",
)  # fmt: skip


def write_csv(path: Path, header, rows) -> Path:
    with open(path, "w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(header)
        writer.writerows(rows)
    return path


def tidy_file(path: Path, rows) -> Path:
    """A tidy extract: rows of (practice, indicator, period end, numerator, denominator)."""
    return write_csv(path, TIDY_HEADER, rows)


def dump(store) -> dict[str, list[tuple]]:
    """Every row of every store table, sorted: two dumps are equal when nothing changed."""
    with store.cursor() as con:
        return {
            table: con.execute(f"SELECT * FROM {table} ORDER BY ALL").fetchall()
            for table in STORE_TABLES
        }


def current(store) -> dict[tuple, tuple]:
    """The counts in use: (practice, indicator, period end) -> (numerator, denominator)."""
    return {
        (r.practice_code, r.indicator_code, f"{r.period_end:%Y-%m-%d}"): (
            r.numerator,
            r.denominator,
        )
        for r in store.counts().itertuples()
    }


def cli_command(*arguments: str) -> list[str]:
    return [sys.executable, "-m", "iif_core", *arguments]


def run_cli(*arguments: str, cwd=None, env=None, timeout=120) -> subprocess.CompletedProcess:
    """`python -m iif_core ARGUMENTS` in another process."""
    return subprocess.run(
        cli_command(*arguments),
        cwd=cwd or ROOT,
        env={**os.environ, "PYTHONPATH": str(ROOT), **(env or {})},
        capture_output=True,
        text=True,
        timeout=timeout,
    )


def test_the_dump_holds_every_table_of_the_store(tmp_path):
    """So that "the dump did not change" means "the store did not change"."""
    store = Store(tmp_path / "iif.duckdb")
    with store.cursor() as con:
        tables = con.execute(
            "SELECT table_name FROM duckdb_tables() WHERE NOT temporary ORDER BY 1"
        ).fetchall()
    assert sorted(name for (name,) in tables) == sorted(STORE_TABLES)
