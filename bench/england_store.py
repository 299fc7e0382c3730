"""Build an England-sized data store (a DuckDB file) for benchmarks that need one.

    python bench/england_store.py FOLDER [--seed 2025]

It writes bench_score.py's England case (the bundled 6,202 practices with list sizes, its
12-indicator 2025/26 scheme, about 850,000 counts for the 12 month ends 2025-04-30 … 2026-03-31),
splits the counts into one file per month end, and stores them all with the app's own ingest
command, one batch per file:

    python -m iif_core ingest --db FOLDER/iif.duckdb --who bench orgs.csv scheme.toml \\
        extract_2025-04-30.csv … extract_2026-03-31.csv

so the store holds 14 batches: the organisation file, the scheme (the 2025/26 scheme in use, in
place of the bundled one) and 12 batches of counts. The input files are deleted once stored. A
marker file written last (england-store.json, with the seed) says the store is finished: `build`
returns at once when it finds one for the same seed, and otherwise starts again from nothing.

Other benchmarks: `from bench import england_store; path = england_store.build(folder)`.
"""

from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

STORE_NAME = "iif.duckdb"
MARKER_NAME = "england-store.json"  # written last: the store in the folder is complete
CASE_FOLDER = "england-case"  # the files to store, deleted once stored
DEFAULT_SEED = 2025
WHO = "bench"


def store_path(folder: str | Path) -> Path:
    return Path(folder) / STORE_NAME


def finished(folder: str | Path, seed: int = DEFAULT_SEED) -> bool:
    """Whether the folder holds a complete store built with this seed."""
    marker = Path(folder) / MARKER_NAME
    if not marker.is_file() or not store_path(folder).is_file():
        return False
    try:
        return json.loads(marker.read_text(encoding="utf-8")).get("seed") == seed
    except (OSError, ValueError):
        return False


def build(folder: str | Path, seed: int = DEFAULT_SEED) -> Path:
    """The path of an England-sized store in `folder`: the one there if a build with this seed
    finished, else a new one (what an unfinished build left is removed first)."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    path = store_path(folder)
    if finished(folder, seed):
        print(f"England store: reusing {path} (seed {seed})", file=sys.stderr)
        return path
    _remove_leftovers(folder)
    started = time.perf_counter()
    case = folder / CASE_FOLDER
    case.mkdir()
    try:
        files, rows = _write_files(case, seed)
        written = time.perf_counter() - started
        command = [sys.executable, "-m", "iif_core", "ingest", "--db", str(path), "--who", WHO]
        stored = subprocess.run(
            [*command, *map(str, files)], cwd=ROOT, capture_output=True, text=True
        )
        if stored.returncode != 0:
            raise RuntimeError(
                f"storing the England case failed (exit {stored.returncode}):\n"
                f"{stored.stdout}{stored.stderr}"
            )
    finally:
        shutil.rmtree(case, ignore_errors=True)
    seconds = time.perf_counter() - started
    marker = {"seed": seed, "batches": len(files), "count_rows": rows, "build_seconds": seconds}
    (folder / MARKER_NAME).write_text(json.dumps(marker, indent=2) + "\n", encoding="utf-8")
    print(
        f"England store: built {path} in {seconds:.1f} s ({written:.1f} s writing the files, "
        f"{seconds - written:.1f} s storing {len(files)} batches, {rows:,} counts)",
        file=sys.stderr,
    )
    return path


def _write_files(case: Path, seed: int) -> tuple[list[Path], int]:
    """bench_score.py's case, with its extract split into one file per month end: the files in
    the order to store them, and the number of count rows."""
    import pandas as pd

    from bench import bench_score

    paths = bench_score.write_case(case, seed)
    extract = pd.read_csv(paths["extract"], dtype=str, keep_default_na=False)
    paths["extract"].unlink()
    months = []
    for period_end, rows in extract.groupby("period_end", sort=True):
        month = case / f"extract_{period_end}.csv"
        rows.to_csv(month, index=False)
        months.append(month)
    return [paths["orgs"], paths["scheme"], *months], len(extract)


def _remove_leftovers(folder: Path) -> None:
    """What an unfinished (or other seed's) build left: only the files this module makes."""
    (folder / MARKER_NAME).unlink(missing_ok=True)
    path = store_path(folder)
    for leftover in (path, path.with_name(path.name + ".wal")):
        leftover.unlink(missing_ok=True)
    from iif_core import backups

    shutil.rmtree(backups.folder_of(path), ignore_errors=True)
    shutil.rmtree(folder / CASE_FOLDER, ignore_errors=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("folder", help="where to build the store (or find a finished one)")
    parser.add_argument("--seed", type=int, default=DEFAULT_SEED)
    args = parser.parse_args()
    print(build(args.folder, args.seed))


if __name__ == "__main__":
    main()
