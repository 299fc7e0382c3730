"""Time drawing each page of the app, on switching to it and once cached, through Streamlit's AppTest.

    python bench/bench_pages.py [--runs 5] [--store FILE]

A store with the sample data (loaded as the demo is) is made in a temporary folder, or `--store`
names one (an England-sized one from bench/england_store.py, say); the app is run once, then
on every page each level is chosen (the switch: the organisation's figures read for the first
time) and the page drawn `--runs` times more once cached. It prints a markdown table of the
switch, median and slowest time per page and level, against the target of one second
(product.md: "every page drawn in under a second on the sample data once cached"; issue 16: the
same at England scale, and a level or organisation switch under a second).
A script run in AppTest includes app.py (the sidebar and the store's data version check) and the
page, but not the browser's drawing.
"""

from __future__ import annotations

import argparse
import datetime
import os
import platform
import resource
import runpy
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

PAGES = ("overview", "variation", "patients", "trends", "payment", "data", "scheme")
TARGET_SECONDS = 1.0  # product.md's target for a page once cached
TIMEOUT_SECONDS = 120  # for the first run, which loads and scores the sample data


def run_entry_script_on_page_switch() -> None:
    """AppTest turns Streamlit's legacy pages-folder mode back on before every run, because the
    app has a folder named pages/; make that mode run app.py, as a served app does."""
    from streamlit.runtime.scriptrunner import script_runner

    script_runner._mpa_v1 = lambda main: runpy.run_path(main, run_name="__main__")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5, help="timed runs per page and level")
    parser.add_argument("--store", help="an existing store file to use instead of the demo data")
    args = parser.parse_args()

    from streamlit.testing.v1 import AppTest

    from iif_core.store import Store
    from iif_core.vocabulary import LEVELS
    from ui.demo import load_demo

    run_entry_script_on_page_switch()
    with tempfile.TemporaryDirectory(prefix="iif-bench-pages-") as folder:
        database = Path(folder) / "iif.duckdb"
        started = time.perf_counter()
        if args.store:
            database = Path(args.store)
            with Store(database) as store:
                practices = len(store.orgs())
            what = f"the store {database.name} ({practices:,} practices)"
        else:
            load_demo(Store(database))
            what = "the sample data, loaded into a new store"
        loading = time.perf_counter() - started
        os.environ["IIF_DB"] = str(database)
        os.environ["IIF_DEMO"] = "0"
        app = AppTest.from_file(str(ROOT / "app.py"), default_timeout=TIMEOUT_SECONDS)
        started = time.perf_counter()
        app.run()
        first = time.perf_counter() - started
        rows = []
        for page in PAGES:
            app.switch_page(f"pages/{page}.py").run()
            for level in LEVELS:
                started = time.perf_counter()
                app.segmented_control(key="level").set_value(level).run()  # fills the caches
                switch = time.perf_counter() - started
                times = []
                for _ in range(args.runs):
                    started = time.perf_counter()
                    app.run()
                    times.append(time.perf_counter() - started)
                if app.exception:
                    print(f"{page} at {level} level failed: {app.exception[0].value}")
                    return 1
                rows.append((page, level, switch, statistics.median(times), max(times)))

    print(f"Pages drawn, on switching to each level and once cached ({args.runs} runs each), "
          f"{datetime.date.today():%d %B %Y}, "
          f"{platform.python_implementation()} {platform.python_version()}, "
          f"{os.cpu_count()} CPUs\n")  # fmt: skip
    print(f"{what}: {loading:.2f} s; first run of the app: {first:.2f} s\n")
    print("| page | level | switch (s) | median (s) | slowest (s) | under 1 s |")
    print("|---|---|---:|---:|---:|---|")
    for page, level, switch, median, slowest in rows:
        verdict = "yes" if max(switch, slowest) < TARGET_SECONDS else "NO"
        print(f"| {page} | {level} | {switch:.3f} | {median:.3f} | {slowest:.3f} | {verdict} |")
    views = sorted(t for _, _, switch, median, slowest in rows for t in (switch, median, slowest))
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(
        f"\nSlowest of all: {views[-1]:.3f} s; switches over 1 s: "
        f"{sum(switch >= TARGET_SECONDS for _, _, switch, _, _ in rows)} of {len(rows)}; "
        f"peak memory of the process (app and caches): {peak:,.0f} MB"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
