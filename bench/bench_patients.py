"""Time the Patients page on one ICB's 2 million patient rows, cold and warm, against the pandas page.

    python bench/bench_patients.py [--folder FOLDER] [--rows 2000000] [--runs 3]

The store is bench/icb_patients_store.py's (built in `--folder`, or reused from it: a temporary
folder when not given): the practices of one ICB, `--rows` patient rows in use at 2026-10-31. Each
way of drawing the page runs in a process of its own, in turn, through Streamlit's AppTest (as
bench_pages.py does: app.py, its sidebar and the page, not the browser's drawing):

- store: the page today, which counts in DuckDB and reads only what it draws (decisions.md D61);
- pandas: the page before D61 (bench/patients_page_pandas.py), which reads every patient row of
  the organisation into pandas and filters there: the baseline.

At each level (ICB, PCN, practice: the first organisation the sidebar offers) the caches are
emptied and the level chosen (cold: the first view of the organisation after a start or an
upload), then the page is drawn `--runs` times more (warm, once cached). It prints a markdown
table of the cold and median warm times of both, the ratio pandas / store, and each process's
peak memory; it checks first that both show the same number of patients still to do.
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import platform
import runpy
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

LEVELS = ("icb", "pcn", "practice")
MODES = ("store", "pandas")
BASELINE_PAGE = Path(__file__).resolve().parent / "patients_page_pandas.py"
TIMEOUT_SECONDS = 600
TARGET_SECONDS = 1.0
ROWS_SHOWN = 1_000  # pages/patients.py ROWS_SHOWN


def run_mode(mode: str, store: Path, runs: int) -> dict:
    """In this process: the page drawn cold and warm at each level, as a dict."""
    import streamlit as st
    from streamlit.runtime.scriptrunner import script_runner
    from streamlit.testing.v1 import AppTest

    from ui import navigation

    script_runner._mpa_v1 = lambda main: runpy.run_path(main, run_name="__main__")
    page = "pages/patients.py"
    if mode == "pandas":
        page = str(BASELINE_PAGE)
        navigation.PERFORMANCE = tuple(
            (page, *entry[1:]) if entry[0] == "pages/patients.py" else entry
            for entry in navigation.PERFORMANCE
        )
    os.environ["IIF_DB"] = str(store)
    os.environ["IIF_DEMO"] = "0"
    app = AppTest.from_file(str(ROOT / "app.py"), default_timeout=TIMEOUT_SECONDS)
    app.run()
    app.switch_page(page).run()
    found = {}
    for level in LEVELS:
        st.cache_data.clear()
        st.cache_resource.clear()
        started = time.perf_counter()
        app.segmented_control(key="level").set_value(level).run()
        cold = time.perf_counter() - started
        warm = []
        for _ in range(runs):
            started = time.perf_counter()
            app.run()
            warm.append(time.perf_counter() - started)
        if app.exception:
            raise SystemExit(f"{mode} at {level} level failed: {app.exception[0].value}")
        org = app.selectbox(key=f"org_{level}").value
        found[level] = {"org": org, "cold": cold, "warm": statistics.median(warm),
                        "slowest": max(warm), "to_do": app.metric[0].value}  # fmt: skip
    return found


def time_reads(store: Path, runs: int) -> list[tuple]:
    """The Patients page's reads alone, without Streamlit, for the ICB and its first PCN
    (CAN-04, no other filter): the store's (list summary, then the patients still to do: how
    many, the first ROWS_SHOWN, per practice, by quintile) and the pandas page's (every patient
    row read and prepared, then options, list dates, worklist, counts and gaps), each the best
    of `runs`; (level, organisation, still to do, store s, pandas s)."""
    from bench import icb_patients_store
    from iif_core import report
    from iif_core.store import Store

    as_at = datetime.date.fromisoformat(icb_patients_store.PERIOD_END)
    found = []
    with Store(store) as opened:
        orgs = opened.orgs()
        icb = orgs[orgs["icb_code"] == icb_patients_store.DEFAULT_ICB]
        pcn = sorted(icb["pcn_code"].dropna())[0]
        for level, code, members in (
            ("icb", icb_patients_store.DEFAULT_ICB, sorted(icb["practice_code"])),
            ("pcn", pcn, sorted(icb.loc[icb["pcn_code"] == pcn, "practice_code"])),
        ):
            filters = {"indicator_code": "CAN-04", "practice_codes": members}

            def by_store(members=members, filters=filters):
                ends, values = opened.patient_list_summary(
                    year=None, as_at=as_at, practice_codes=members
                )
                report.options_from_summary(ends, values)
                report.list_dates_from_ends(ends, members, orgs, as_at)
                return report.worklist_view(*opened.patient_worklist(
                    year=None, as_at=as_at, practice_codes=members, filters=filters,
                    limit=ROWS_SHOWN,
                )).total  # fmt: skip

            def by_pandas(members=members, filters=filters):
                rows = opened.patients(as_at=as_at, practice_codes=members)
                lists = report.prepare_patients(rows, orgs)
                report.worklist_options(lists)
                report.patient_list_dates(lists, members, orgs, as_at)
                worklist = report.patient_worklist(lists, filters)
                report.worklist_counts(worklist)
                report.inequality_gaps(lists, filters)
                return len(worklist)

            timed = {}
            for name, read in (("store", by_store), ("pandas", by_pandas)):
                seconds = []
                for _ in range(runs):
                    started = time.perf_counter()
                    timed[f"{name}_total"] = read()
                    seconds.append(time.perf_counter() - started)
                timed[name] = min(seconds)
            if timed["store_total"] != timed["pandas_total"]:
                raise SystemExit(f"the two reads differ at {level} level: {timed}")
            found.append((level, code, timed["store_total"], timed["store"], timed["pandas"]))
    return found


def child(mode: str, store: Path, runs: int) -> tuple[dict, float]:
    """run_mode in a process of its own: its result and the process's peak memory (MB)."""
    command = [sys.executable, __file__, "--child", mode, "--store", str(store),
               "--runs", str(runs)]  # fmt: skip
    with tempfile.TemporaryFile() as out:
        process = subprocess.Popen(command, cwd=ROOT, stdout=out, stderr=subprocess.DEVNULL)
        _, status, usage = os.wait4(process.pid, 0)
        process.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        text = out.read().decode()
    if process.returncode != 0:
        raise SystemExit(f"the {mode} run failed (exit {process.returncode}):\n{text}")
    return json.loads(text.strip().splitlines()[-1]), usage.ru_maxrss / 1024


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--folder", help="where to build the store, or find a finished one")
    parser.add_argument("--rows", type=int, default=None, help="patient rows (2,000,000)")
    parser.add_argument("--runs", type=int, default=3, help="warm runs per level")
    parser.add_argument("--child", choices=MODES, help=argparse.SUPPRESS)
    parser.add_argument("--store", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        print(json.dumps(run_mode(args.child, Path(args.store), args.runs)))
        return 0

    from bench import icb_patients_store

    rows = args.rows or icb_patients_store.DEFAULT_ROWS
    with tempfile.TemporaryDirectory(prefix="iif-bench-patients-") as scratch:
        folder = Path(args.folder or scratch)
        started = time.perf_counter()
        store = icb_patients_store.build(folder, rows)
        built = time.perf_counter() - started
        results = {mode: child(mode, store, args.runs) for mode in MODES}
        reads = time_reads(store, args.runs)

    (ours, our_memory), (base, base_memory) = results["store"], results["pandas"]
    for level in LEVELS:
        if ours[level]["to_do"] != base[level]["to_do"] or ours[level]["org"] != base[level]["org"]:
            print(f"The two pages differ at {level} level: {ours[level]} and {base[level]}")
            return 1
    print(f"Patients page, {rows:,} patient rows of one ICB ({icb_patients_store.DEFAULT_ICB}), "
          f"cold and warm ({args.runs} runs), {datetime.date.today():%d %B %Y}, "
          f"{platform.python_implementation()} {platform.python_version()}, "
          f"{os.cpu_count()} CPUs; store ready in {built:.0f} s\n")  # fmt: skip
    print(
        "| level | organisation | still to do | store cold (s) | store warm (s) | "
        "pandas cold (s) | pandas warm (s) | cold ratio | warm ratio | store under 1 s |"
    )
    print("|---|---|---:|---:|---:|---:|---:|---:|---:|---|")
    for level in LEVELS:
        a, b = ours[level], base[level]
        verdict = "yes" if max(a["cold"], a["slowest"]) < TARGET_SECONDS else "NO"
        print(f"| {level} | {a['org']} | {a['to_do']} | {a['cold']:.3f} | {a['warm']:.3f} | "
              f"{b['cold']:.3f} | {b['warm']:.3f} | {b['cold'] / a['cold']:.1f}× | "
              f"{b['warm'] / a['warm']:.1f}× | {verdict} |")  # fmt: skip
    print("\nThe page's reads alone (no Streamlit; CAN-04, no other filter; best of "
          f"{args.runs}):\n")  # fmt: skip
    print("| level | organisation | still to do | store (s) | pandas (s) | pandas / store |")
    print("|---|---|---:|---:|---:|---:|")
    for level, code, total, ours_s, base_s in reads:
        print(f"| {level} | {code} | {total:,} | {ours_s:.3f} | {base_s:.3f} | "
              f"{base_s / ours_s:.1f}× |")  # fmt: skip
    load = os.getloadavg()
    print(f"\nLoad average during the run (1, 5, 15 min): {load[0]:.1f}, {load[1]:.1f}, "
          f"{load[2]:.1f} on {os.cpu_count()} CPUs")  # fmt: skip
    print(
        f"\nPeak memory of the process (app and caches): store {our_memory:,.0f} MB, "
        f"pandas {base_memory:,.0f} MB"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
