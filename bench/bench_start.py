"""Time the first page after the app starts: `streamlit run` on a store until headless Chromium shows Overview.

    python bench/bench_start.py [--runs 3] [--store FILE]

Each run starts a new server on the store (an England-sized one from bench/england_store.py
unless `--store` names another) on a free loopback port, opens Overview in Debian's Chromium and
waits for the app's own signal that the script run has finished and every chart has drawn
(tests/app/browsing.py, ui/run_end.py). It prints, per run, the seconds until the server answers
its health check, until the first page has drawn (from starting the process), the server's
memory then, and how long a second visitor's Overview takes from opening the address (a new
session on a server already warm: the browser loading the app and its charts included). Against issue 16's target: first page after start under 5 s.
"""

from __future__ import annotations

import argparse
import datetime
import os
import platform
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))
sys.path.insert(0, str(ROOT / "tests" / "app"))

TARGET_SECONDS = 5.0


def resident_mb(pid: int) -> float:
    """The process's resident memory now, from /proc."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--store", help="a store file (default: bench/england_store.py's)")
    args = parser.parse_args()

    import browsing
    from playwright.sync_api import sync_playwright

    source = Path(args.store) if args.store else None
    if source is None:
        import england_store

        source = england_store.build(Path(tempfile.gettempdir()) / "iif-bench-england")
    environment = {"IIF_DB": str(source), "IIF_DEMO": "0"}
    runs = []
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(
            executable_path=browsing.CHROMIUM, args=browsing.CHROMIUM_ARGS
        )
        for _ in range(args.runs):
            with tempfile.TemporaryDirectory(prefix="iif-bench-start-") as folder:
                started = time.perf_counter()
                process, url = browsing.start_server(Path(folder), environment)
                healthy = time.perf_counter() - started
                try:
                    page = chromium.new_page(viewport=browsing.VIEWPORT)
                    page.goto(f"{url}/overview")
                    browsing.wait_for_run(page, what="the first page")
                    browsing.assert_no_exception(page)
                    drawn = time.perf_counter() - started
                    memory = resident_mb(process.pid)
                    page.close()
                    page = chromium.new_page(viewport=browsing.VIEWPORT)  # a second visitor
                    again = time.perf_counter()
                    page.goto(f"{url}/overview")
                    browsing.wait_for_run(page, what="the second visitor's page")
                    again = time.perf_counter() - again
                    page.close()
                finally:
                    browsing.stop_server(process)
                runs.append((healthy, drawn, again, memory))
        chromium.close()

    print(f"First page after start ({source.name}), {args.runs} runs, "
          f"{datetime.date.today():%d %B %Y}, {platform.machine()}, {os.cpu_count()} CPUs, "
          f"Python {platform.python_version()}\n")  # fmt: skip
    print("| run | server answers (s) | Overview drawn (s) | a second visitor's Overview (s) | "
          "server memory (MB) |")  # fmt: skip
    print("|---:|---:|---:|---:|---:|")
    for n, (healthy, drawn, again, memory) in enumerate(runs, start=1):
        print(f"| {n} | {healthy:.2f} | {drawn:.2f} | {again:.2f} | {memory:,.0f} |")
    median = statistics.median(drawn for _, drawn, _, _ in runs)
    print(f"\nMedian first page: {median:.2f} s (target under {TARGET_SECONDS:g} s)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
