"""Time drawing each page of the app with the demo data, once cached, through Streamlit's AppTest.

    python bench/bench_pages.py [--runs 5]

A store with the sample data (loaded as the demo is) is made in a temporary folder; the app is
run once to fill its caches, then every page is drawn `--runs` times at each level. It prints a
markdown table of the median and slowest time per page and level, against the target of one
second (product.md: "every page drawn in under a second on the sample data once cached").
A script run in AppTest includes app.py (the sidebar and the store's data version check) and the
page, but not the browser's drawing.
"""

from __future__ import annotations

import argparse
import os
import platform
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
    args = parser.parse_args()

    from streamlit.testing.v1 import AppTest

    from iif_core.store import Store
    from iif_core.vocabulary import LEVELS
    from ui.demo import load_demo

    run_entry_script_on_page_switch()
    with tempfile.TemporaryDirectory(prefix="iif-bench-pages-") as folder:
        database = Path(folder) / "iif.duckdb"
        started = time.perf_counter()
        load_demo(Store(database))
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
                app.segmented_control(key="level").set_value(level).run()  # fills the caches
                times = []
                for _ in range(args.runs):
                    started = time.perf_counter()
                    app.run()
                    times.append(time.perf_counter() - started)
                if app.exception:
                    print(f"{page} at {level} level failed: {app.exception[0].value}")
                    return 1
                rows.append((page, level, statistics.median(times), max(times)))

    print(f"Pages drawn with the sample data once cached ({args.runs} runs each), "
          f"{platform.python_implementation()} {platform.python_version()}, "
          f"{os.cpu_count()} CPUs\n")  # fmt: skip
    print(f"Loading the sample data into a new store: {loading:.2f} s; "
          f"first run of the app (scoring the year): {first:.2f} s\n")  # fmt: skip
    print("| page | level | median (s) | slowest (s) | under 1 s |")
    print("|---|---|---:|---:|---|")
    for page, level, median, slowest in rows:
        verdict = "yes" if slowest < TARGET_SECONDS else "NO"
        print(f"| {page} | {level} | {median:.3f} | {slowest:.3f} | {verdict} |")
    return 0 if all(slowest < TARGET_SECONDS for *_, slowest in rows) else 1


if __name__ == "__main__":
    sys.exit(main())
