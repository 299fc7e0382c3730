"""Time the core's `score` command against the pandas baseline on an England-sized case."""

from __future__ import annotations

import argparse
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parent.parent
ORGS_REFERENCE = ROOT / "iif_core" / "data" / "orgs_reference.csv.gz"
BASELINE = ROOT / "bench" / "pandas_baseline.py"
MONTH_ENDS = pd.date_range("2025-04-30", "2026-03-31", freq="ME").strftime("%Y-%m-%d").tolist()
MISSING_SHARE = 0.05  # rows dropped at random, so that some practices miss some months
DEFAULT_LIST_SIZE = 9000  # for the few practices the reference has no list size for: a typical one
NATIONAL_AVERAGE_LIST_SIZE = 50000  # "just under 50,000" (iif-background.md 3.3)
VALUE_PER_POINT = "198.00"  # 2024/25 (iif-background.md 3.2)
RELATIVE_TOLERANCE = 1e-6  # the two outputs must agree this closely for the timing to be fair

# code, unit, direction, LT, UT, points, national prevalence (if prevalence adjusted),
# share of the list in the denominator, achievement rate reached by 31 March
INDICATORS = [
    ("VI-01", "percent", "higher", "80", "86", 40, None, 0.19, 0.83),
    ("VI-02", "percent", "higher", "57", "70", 88, None, 0.06, 0.64),
    ("VI-03", "percent", "higher", "45", "60", 24, None, 0.03, 0.52),
    ("HI-01", "percent", "higher", "49", "80", 36, "0.0052", 0.005, 0.71),
    ("HI-03", "percent", "higher", "60", "80", 36, "0.0052", 0.005, 0.68),
    ("CAN-02", "percent", "higher", "65", "80", 19, "0.0046", 0.004, 0.73),
    ("ACC-08", "percent", "higher", "85", "90", 60, None, 0.40, 0.88),
    ("PC-01", "percent", "higher", "0.8", "1.2", 10, None, 1.00, 0.011),
    ("ES-01", "percent", "lower", "35", "25", 15, None, 0.02, 0.30),
    ("AC-02", "per_1000", "lower", "9.5", "7.25", 30, None, 1.00, 0.0085),
    ("EHCH-06", "per_1000", "lower", "1450", "1100", 20, "0.0041", 0.004, 1.2),
    ("ACC-02", "rate", "higher", "0.05", "0.25", 12, None, 1.00, 0.15),
]


def write_case(folder: Path, seed: int) -> dict:
    """The bundled organisations, a 12-indicator scheme and about 850,000 extract rows."""
    rng = np.random.default_rng(seed)
    orgs = pd.read_csv(ORGS_REFERENCE, dtype=str, keep_default_na=False)
    orgs["list_size"] = orgs["list_size"].replace("", str(DEFAULT_LIST_SIZE))
    paths = {"orgs": folder / "orgs.csv", "scheme": folder / "scheme.toml"}
    orgs.to_csv(paths["orgs"], index=False)

    lines = ['year = "2025/26"', f"value_per_point = {VALUE_PER_POINT}"]
    lines.append(f"national_average_list_size = {NATIONAL_AVERAGE_LIST_SIZE}")
    for code, unit, direction, lt, ut, points, prevalence, *_ in INDICATORS:
        lines += [
            f'\n[indicators."{code}"]',
            f'name = "Benchmark indicator {code}"',
            f'unit = "{unit}"',
            f'direction = "{direction}"',
            f"lower_threshold = {lt}",
            f"upper_threshold = {ut}",
            f"points = {points}",
        ]
        if prevalence:
            lines += ["prevalence_adjusted = true", f"national_prevalence = {prevalence}"]
    paths["scheme"].write_text("\n".join(lines) + "\n", encoding="utf-8")

    # one row per practice x indicator x month end, cumulative through the year
    sizes = orgs["list_size"].astype("int64").to_numpy()
    frames = []
    for code, unit, _, _, _, _, _, share, rate in INDICATORS:
        eligible = rng.binomial(sizes, share)
        practice_rate = np.clip(rng.normal(rate, rate * 0.15, len(sizes)), 0, None)
        for month, period_end in enumerate(MONTH_ENDS, start=1):
            progress = month / len(MONTH_ENDS)
            pca = rng.binomial(eligible, 0.03 if unit == "percent" else 0.0)
            denominator = eligible - pca
            if unit == "percent":
                numerator = rng.binomial(denominator, np.clip(practice_rate * progress, 0, 1))
            else:  # events: may exceed the denominator
                numerator = rng.poisson(denominator * practice_rate * progress)
            frames.append(
                pd.DataFrame(
                    {
                        "practice_code": orgs["practice_code"],
                        "indicator_code": code if month % 2 else code.replace("-", ""),
                        "period_end": period_end,
                        "numerator": numerator,
                        "denominator": denominator,
                        "pca_count": pca,
                    }
                )
            )
    extract = pd.concat(frames, ignore_index=True)
    extract = extract[rng.random(len(extract)) >= MISSING_SHARE]
    paths["extract"] = folder / "extract.csv"
    extract.to_csv(paths["extract"], index=False)
    paths["rows"] = len(extract)
    return paths


def run(command: list[str]) -> tuple[float, float]:
    """Wall time (s) and peak resident memory (MiB) of one child process."""
    with tempfile.TemporaryFile() as output:
        start = time.perf_counter()
        process = subprocess.Popen(command, cwd=ROOT, stdout=output, stderr=subprocess.STDOUT)
        # wait4 gives this child's own resource use, its peak RSS included
        _, status, usage = os.wait4(process.pid, 0)
        elapsed = time.perf_counter() - start
        process.returncode = os.waitstatus_to_exitcode(status)
        if process.returncode != 0:
            output.seek(0)
            sys.exit(f"{' '.join(command)} failed:\n{output.read().decode(errors='replace')}")
    # ru_maxrss is in KiB on Linux, in bytes on macOS
    peak = usage.ru_maxrss / (1024 * 1024 if platform.system() == "Darwin" else 1024)
    return elapsed, peak


def compare(core_csv: Path, baseline_csv: Path) -> list[str]:
    """Where the two outputs differ: rows, text, nulls, numbers beyond the tolerance."""
    key = ["level", "org_code", "indicator_code", "period_end"]
    frames = [
        pd.read_csv(p, dtype=str, keep_default_na=False).sort_values(key).reset_index(drop=True)
        for p in (core_csv, baseline_csv)
    ]
    core, baseline = frames
    columns = list(baseline.columns)
    if list(core.columns[: len(columns)]) != columns:
        return [f"columns differ: {list(core.columns)}"]
    if not core[key].equals(baseline[key]):
        return [f"rows differ: {len(core)} rows from the core, {len(baseline)} from pandas"]
    problems = []
    for column in columns:
        a, b = core[column], baseline[column]
        if (a == "").ne(b == "").any():
            problems.append(f"{column}: nulls in different rows")
            continue
        numbers = pd.to_numeric(a[a != ""], errors="coerce")
        if numbers.isna().any():  # text
            if not a.equals(b):
                problems.append(f"{column}: text differs")
            continue
        other = pd.to_numeric(b[b != ""])
        if not np.allclose(numbers, other, rtol=RELATIVE_TOLERANCE, atol=1e-9):
            problems.append(f"{column}: numbers differ beyond {RELATIVE_TOLERANCE:g}")
    return problems


def compare_parquet(parquet: Path, core_csv: Path) -> list[str]:
    """Where the Parquet file differs from the core's CSV, row by row in the files' order, each
    value as the CSV writes it (England's names hold no spreadsheet formula for the CSV to
    neutralise)."""
    import duckdb

    with duckdb.connect() as con:
        con.execute("SET enable_progress_bar = false")
        con.read_parquet(str(parquet)).project("COLUMNS(*)::VARCHAR").create_view("p")
        con.read_csv(
            str(core_csv), all_varchar=True, header=True, sep=",", quotechar='"', escapechar='"'
        ).create_view("c")
        columns = con.table("p").columns
        if con.table("c").columns != columns:
            return [f"the Parquet columns are {columns}"]
        rows = [con.execute(f"SELECT count(*) FROM {name}").fetchone()[0] for name in "pc"]
        if rows[0] != rows[1]:
            return [f"the Parquet file has {rows[0]} rows, the CSV {rows[1]}"]
        differ = " OR ".join(f'p."{c}" IS DISTINCT FROM c."{c}"' for c in columns)
        different = con.execute(
            f"SELECT count(*) FROM p POSITIONAL JOIN c WHERE {differ}"
        ).fetchone()[0]
    return [f"{different} Parquet rows differ from the CSV's"] if different else []


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--seed", type=int, default=2025)
    parser.add_argument("--keep", metavar="FOLDER", help="build the case in FOLDER and keep it")
    args = parser.parse_args()

    folder = Path(args.keep or tempfile.mkdtemp(prefix="iif-bench-"))
    folder.mkdir(parents=True, exist_ok=True)
    try:
        print("building the case ...", file=sys.stderr)
        case = write_case(folder, args.seed)
        inputs = ["--scheme", str(case["scheme"]), "--orgs", str(case["orgs"])]
        inputs += ["--extract", str(case["extract"])]
        outs = {
            "core": folder / "core.csv",
            "parquet": folder / "core.parquet",
            "pandas": folder / "pandas.csv",
        }
        core = [sys.executable, "-m", "iif_core", "score", *inputs, "--level", "all"]
        commands = {
            "core": [*core, "--period", "all", "--out", str(outs["core"])],
            "parquet": [*core, "--period", "all", "--out", str(outs["parquet"])],
            "pandas": [sys.executable, str(BASELINE), *inputs, "--out", str(outs["pandas"])],
        }
        results = {name: [] for name in commands}
        for i in range(args.runs):  # interleaved, so that drift in the machine hits both
            for name, command in commands.items():
                print(f"run {i + 1}/{args.runs}: {name}", file=sys.stderr)
                results[name].append(run(command))
        problems = compare(outs["core"], outs["pandas"])
        problems += compare_parquet(outs["parquet"], outs["core"])
        rows = sum(1 for _ in open(outs["core"], encoding="utf-8")) - 1

        median = {name: statistics.median(t for t, _ in r) for name, r in results.items()}
        peak = {name: max(m for _, m in r) for name, r in results.items()}
        orgs = pd.read_csv(case["orgs"], dtype=str, keep_default_na=False)
        print(
            f"\nCase: {len(orgs):,} practices, {orgs['pcn_code'].replace('', pd.NA).nunique():,} "
            f"PCNs, {len(INDICATORS)} indicators, {len(MONTH_ENDS)} month ends, "
            f"{case['rows']:,} extract rows -> {rows:,} result rows (every level, every period).\n"
        )
        print("| implementation | median wall time (s) | peak memory (MiB) |")
        print("|---|---:|---:|")
        print(
            f"| `python -m iif_core score` (DuckDB) | {median['core']:.2f} | {peak['core']:.0f} |"
        )
        print(
            f"| `python -m iif_core score --out result.parquet` | {median['parquet']:.2f} "
            f"| {peak['parquet']:.0f} |"
        )
        print(f"| `bench/pandas_baseline.py` | {median['pandas']:.2f} | {peak['pandas']:.0f} |")
        print(
            f"\npandas / core: {median['pandas'] / median['core']:.1f}x the time, "
            f"{peak['pandas'] / peak['core']:.1f}x the memory; pandas / core writing Parquet: "
            f"{median['pandas'] / median['parquet']:.1f}x the time "
            f"(median of {args.runs} runs each; whole processes, start-up and file I/O included)."
        )
        verdict = "agree" if not problems else "DISAGREE: " + "; ".join(problems[:5])
        print(
            f"Outputs {verdict} (same rows; numbers within {RELATIVE_TOLERANCE:g} relative; "
            "the Parquet file holds the core's CSV rows, in order)."
        )
        print(f"Python {platform.python_version()}, {os.cpu_count()} CPUs, {platform.platform()}.")
    finally:
        if not args.keep:
            shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    main()
