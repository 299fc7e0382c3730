"""Benchmark: validate and store a 1,000,000-row patient-level file, against plain pandas.

Run with `python bench/bench_ingest.py [--rows N]`. It writes a valid patient-level CSV (practices
of the bundled reference, the 2025/26 indicators CAN-04 and HI-03), then times, each in its own
process so that the peak memory (ru_maxrss) is that process's alone:

- the store: `python -m iif_core ingest --db FRESH.duckdb FILE` (read, check every row, count,
  store patients and counts in one transaction, close the file);
- the baseline: pandas read_csv, the same checks, groupby counts and the two tables written to a
  DuckDB file through pandas.

Targets (product.md): a few seconds (under 5 s) and under 1.5 GB on 2 cores. It prints what it
measures; it asserts nothing.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
ROWS = 1_000_000
PERIOD_END = "2025-09-30"
INDICATORS = ("CAN-04", "HI-03")  # both in the bundled 2025/26 scheme, both percentages
SEED = 20251
TARGET_SECONDS = 5.0
TARGET_MEMORY_MB = 1536
PATIENT_COLUMNS = [
    "practice_code", "indicator_code", "period_end", "patient_id", "achieved", "pca", "age",
    "sex", "ethnicity", "imd_decile", "last_activity_date",
]  # fmt: skip
ETHNICITIES = ("White", "Asian", "Black", "Mixed", "Other", "Not stated")


def generate(path: Path, rows: int) -> None:
    """A valid patient-level file: one row per patient and indicator."""
    import numpy as np
    import pandas as pd

    sys.path.insert(0, str(ROOT))
    from iif_core.orgs import orgs_frame

    rng = np.random.default_rng(SEED)
    practices = orgs_frame()["practice_code"].to_numpy()
    achieved = rng.random(rows) < 0.7
    frame = pd.DataFrame(
        {
            "practice_code": rng.choice(practices, rows),
            "indicator_code": rng.choice(np.array(INDICATORS), rows),
            "period_end": PERIOD_END,
            "patient_id": [f"P{n:08d}" for n in range(rows)],
            "achieved": np.where(achieved, "Y", "N"),
            "pca": np.where(~achieved & (rng.random(rows) < 0.1), "Y", "N"),
            "age": rng.integers(18, 96, rows),
            "sex": rng.choice(np.array(["F", "M"]), rows),
            "ethnicity": rng.choice(np.array(ETHNICITIES), rows),
            "imd_decile": rng.integers(1, 11, rows),
            "last_activity_date": (
                pd.Timestamp("2024-04-01") + pd.to_timedelta(rng.integers(0, 540, rows), unit="D")
            ).strftime("%Y-%m-%d"),
        },
        columns=PATIENT_COLUMNS,
    )
    frame.to_csv(path, index=False)


def measure(command: list[str], env: dict | None = None) -> tuple[float, float, int, str]:
    """Run a command; its wall seconds, peak memory in MB, exit status and standard error."""
    started = time.perf_counter()
    process = subprocess.Popen(
        command,
        cwd=ROOT,
        env={**os.environ, "PYTHONPATH": str(ROOT), **(env or {})},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    _, status, usage = os.wait4(process.pid, 0)
    seconds = time.perf_counter() - started
    error = process.stderr.read()
    process.stderr.close()
    process.returncode = os.waitstatus_to_exitcode(status)
    return seconds, usage.ru_maxrss / 1024, process.returncode, error


def baseline(csv_path: str, db_path: str) -> None:
    """The same work in plain pandas: read, check, count, write to DuckDB through pandas."""
    import duckdb
    import pandas as pd

    sys.path.insert(0, str(ROOT))
    from iif_core.orgs import orgs_frame
    from iif_core.schemes import load_bundled_scheme

    scheme = load_bundled_scheme("2025/26")
    known = set(orgs_frame()["practice_code"])
    frame = pd.read_csv(csv_path, dtype=str, keep_default_na=False)
    frame["practice_code"] = frame["practice_code"].str.strip().str.upper()
    period = pd.to_datetime(frame["period_end"], format="%Y-%m-%d", errors="coerce")
    flags = {"Y": True, "N": False}
    achieved = frame["achieved"].str.strip().str.upper().map(flags)
    pca = frame["pca"].str.strip().str.upper().map(flags)
    age = pd.to_numeric(frame["age"], errors="coerce")
    decile = pd.to_numeric(frame["imd_decile"], errors="coerce")
    last = pd.to_datetime(frame["last_activity_date"], format="%Y-%m-%d", errors="coerce")
    bad = (
        ~frame["practice_code"].isin(known)
        | ~frame["indicator_code"].isin(set(scheme.indicators))
        | period.isna()
        | (period < pd.Timestamp("2025-04-01"))
        | (period > pd.Timestamp("2026-03-31"))
        | achieved.isna()
        | pca.isna()
        | (frame["patient_id"].str.strip() == "")
        | (age.isna() & (frame["age"] != ""))
        | ~decile.between(1, 10)
        | (last.isna() & (frame["last_activity_date"] != ""))
        | frame.duplicated(["practice_code", "indicator_code", "period_end", "patient_id"])
    )
    if bad.any():
        raise SystemExit(f"baseline: {int(bad.sum())} bad rows")
    patients = frame.assign(
        period_end=period.dt.date,
        achieved=achieved.astype(bool),
        pca=pca.astype(bool),
        age=age.astype("Int64"),
        imd_decile=decile.astype("Int64"),
        last_activity_date=last.dt.date,
    )
    patients["counts_in_denominator"] = patients["achieved"] | ~patients["pca"]
    patients["pca_only"] = ~patients["achieved"] & patients["pca"]
    counts = (
        patients.groupby(["practice_code", "indicator_code", "period_end"])
        .agg(
            numerator=("achieved", "sum"),
            denominator=("counts_in_denominator", "sum"),
            pca_count=("pca_only", "sum"),
        )
        .reset_index()
    )
    patients = patients.drop(columns=["counts_in_denominator", "pca_only"])
    con = duckdb.connect(db_path)
    con.execute("BEGIN TRANSACTION")
    con.register("patients_frame", patients)
    con.register("counts_frame", counts)
    con.execute("CREATE TABLE patients AS SELECT * FROM patients_frame")
    con.execute("CREATE TABLE counts AS SELECT * FROM counts_frame")
    con.execute("COMMIT")
    con.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=ROWS)
    parser.add_argument("--baseline", nargs=2, metavar=("CSV", "DB"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.baseline:
        baseline(*args.baseline)
        return
    import duckdb

    with tempfile.TemporaryDirectory(prefix="bench-ingest-") as folder:
        folder = Path(folder)
        csv_path = folder / "patients.csv"
        started = time.perf_counter()
        generate(csv_path, args.rows)
        size_mb = csv_path.stat().st_size / 2**20
        print(f"generated {args.rows:,} patient rows ({size_mb:.0f} MB) "
              f"in {time.perf_counter() - started:.1f} s")  # fmt: skip
        print(f"{os.cpu_count()} cores, duckdb {duckdb.__version__}")

        command = [sys.executable, "-m", "iif_core", "ingest", "--db", str(folder / "store.duckdb")]
        seconds, memory, status, error = measure([*command, str(csv_path)])
        if status != 0:
            print(f"the store's ingest failed (exit {status}):\n{error}")
        with duckdb.connect(str(folder / "store.duckdb"), read_only=True) as con:
            stored = con.execute("SELECT count(*) FROM batch_patients").fetchall()[0][0]
            counts = con.execute("SELECT count(*) FROM batch_counts").fetchall()[0][0]
        print(f"store (python -m iif_core ingest): {seconds:6.2f} s, "
              f"peak {memory:6.0f} MB, {stored:,} patients, {counts:,} counts stored")  # fmt: skip

        b_seconds, b_memory, b_status, b_error = measure(
            [sys.executable, __file__, "--baseline", str(csv_path), str(folder / "pandas.duckdb")]
        )
        if b_status != 0:
            print(f"the pandas baseline failed (exit {b_status}):\n{b_error}")
        print(f"pandas baseline (read_csv, checks, groupby, write): {b_seconds:6.2f} s, "
              f"peak {b_memory:6.0f} MB")  # fmt: skip
        print(
            f"store / pandas: time {seconds / b_seconds:.2f}×, memory {memory / b_memory:.2f}×; "
            f"targets {TARGET_SECONDS:.0f} s and {TARGET_MEMORY_MB} MB: "
            f"{'met' if seconds < TARGET_SECONDS and memory < TARGET_MEMORY_MB else 'NOT met'}"
        )


if __name__ == "__main__":
    main()
