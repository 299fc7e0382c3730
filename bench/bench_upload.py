"""Time storing one PCN's month into an England-sized store until the pages show it, against scoring everything again.

    python bench/bench_upload.py [--runs 5] [--store FILE] [--seed 2025]

The store (an England-sized one from bench/england_store.py unless `--store` names another) is
copied into a temporary folder. Each run makes a tidy extract of one PCN chosen at random (its
practices × every indicator of the scheme, one month end already stored, new numbers), then
times, in this process:

- storing it (`Store.ingest`: checking the file, the batch, re-scoring the organisations it
  touches in the same transaction, and the backup copy made after each change);
- the reads a page then makes to show it: the data version, the organisations and period ends
  scored, and the PCN's own kept scores (ui/reads.py);
- the app itself redrawing Overview for that PCN (AppTest: app.py, sidebar and page) once the
  upload is stored.

Against the baseline of the design before (decisions.md D52): scoring the whole year again, as
every page view after an upload did. After the runs it checks that the kept scores equal scoring
everything again, exactly. It prints a markdown table of medians and the slowest run.
"""

from __future__ import annotations

import argparse
import csv
import datetime
import os
import platform
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

TARGET_SECONDS = 2.0  # issue 16: the pages reflect one PCN's month in under 2 s


def pcn_month(path: Path, store, year: str, rng) -> tuple[str, str]:
    """A tidy extract of one PCN's practices for one stored month end, with new numbers."""
    orgs = store.orgs()
    pcns = sorted(orgs["pcn_code"].dropna().unique())
    pcn = pcns[rng.integers(len(pcns))]
    practices = orgs.loc[orgs["pcn_code"] == pcn, "practice_code"]
    ends = store.scored_period_ends(year)
    end = ends[rng.integers(len(ends))]
    with open(path, "w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["practice_code", "indicator_code", "period_end", "numerator",
                         "denominator"])  # fmt: skip
        for practice in practices:
            for code in store.scheme(year).indicators:
                denominator = int(rng.integers(50, 400))
                numerator = int(rng.integers(0, denominator + 1))
                writer.writerow([practice, code, f"{end:%Y-%m-%d}", numerator, denominator])
    return pcn, f"{end:%Y-%m-%d}"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--seed", type=int, default=2025)
    parser.add_argument("--store", help="a store file (default: bench/england_store.py's)")
    args = parser.parse_args()
    rng = np.random.default_rng(args.seed)

    from bench_pages import run_entry_script_on_page_switch
    from streamlit.testing.v1 import AppTest

    from iif_core.store import Store
    from ui import reads

    source = Path(args.store) if args.store else None
    if source is None:
        import england_store

        source = england_store.build(Path(tempfile.gettempdir()) / "iif-bench-england")
    run_entry_script_on_page_switch()
    with tempfile.TemporaryDirectory(prefix="iif-bench-upload-") as folder:
        database = Path(folder) / "iif.duckdb"
        shutil.copyfile(source, database)
        store = Store(database)
        year = store.years()[-1]
        started = time.perf_counter()
        store.scored_orgs(year)  # kept scores up to date before timing (out of date: scored)
        first = time.perf_counter() - started
        os.environ["IIF_DB"] = str(database)
        os.environ["IIF_DEMO"] = "0"
        app = AppTest.from_file(str(ROOT / "app.py"), default_timeout=300)
        app.run()
        app.segmented_control(key="level").set_value("pcn").run()
        runs = []
        for n in range(args.runs):
            pcn, end = pcn_month(Path(folder) / f"pcn{n}.csv", store, year, rng)
            app.selectbox(key="org_pcn").set_value(pcn).run()
            started = time.perf_counter()
            result = store.ingest(Path(folder) / f"pcn{n}.csv", who="bench")
            stored = time.perf_counter() - started
            assert result.batch_id is not None, result.message
            started = time.perf_counter()
            version = reads.data_version(store)
            store.scored_orgs(year)
            store.scored_period_ends(year)
            rows = store.scored(year, "pcn", pcn)
            read = time.perf_counter() - started
            assert len(rows) and version == store.version()
            started = time.perf_counter()
            app.run()
            drawn = time.perf_counter() - started
            if app.exception:
                print(f"Overview failed: {app.exception[0].value}")
                return 1
            started = time.perf_counter()
            store.score(year)
            baseline = time.perf_counter() - started
            runs.append((pcn, end, stored, read, drawn, baseline))
        kept, full = store.scored(year), store.score(year)
        pd.testing.assert_frame_equal(kept, full, check_exact=True)
        practices = len(store.orgs())
        size = database.stat().st_size / 1e6

    print(f"One PCN's month stored into a store of {practices:,} practices ({size:.0f} MB), "
          f"{args.runs} runs, {datetime.date.today():%d %B %Y}, {platform.machine()}, "
          f"{os.cpu_count()} CPUs, Python {platform.python_version()}\n")  # fmt: skip
    print(f"Opening the copy, its kept scores brought up to date first: {first:.2f} s\n")
    print("| run | PCN | month end | store (s) | reads (s) | Overview redrawn (s) | "
          "stored to shown (s) | baseline: score the year (s) |")  # fmt: skip
    print("|---:|---|---|---:|---:|---:|---:|---:|")
    for n, (pcn, end, stored, read, drawn, baseline) in enumerate(runs, start=1):
        print(f"| {n} | {pcn} | {end} | {stored:.2f} | {read:.3f} | {drawn:.2f} | "
              f"{stored + drawn:.2f} | {baseline:.2f} |")  # fmt: skip
    shown = [stored + drawn for _, _, stored, _, drawn, _ in runs]
    baseline = statistics.median(b for *_, b in runs)
    print(f"\nMedian stored to shown: {statistics.median(shown):.2f} s (slowest {max(shown):.2f} s, "
          f"target under {TARGET_SECONDS:g} s); scoring the year again instead: {baseline:.2f} s "
          f"({baseline / statistics.median(shown):.1f}× longer). Kept scores equal a full "
          "scoring, exactly.")  # fmt: skip
    return 0


if __name__ == "__main__":
    sys.exit(main())
