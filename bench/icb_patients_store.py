"""Build a data store holding one ICB's patient lists, 2 million patient rows, for benchmarks.

    python bench/icb_patients_store.py FOLDER [--rows 2000000] [--icb QOP] [--seed 2026]

The practices are those of one ICB in the bundled organisation reference (Greater Manchester,
406 practices in 65 PCNs, by default), the scheme the bundled 2026/27 one (HI-03 and CAN-04).
Each practice gets patient rows in proportion to its list size, about 27% HI-03 and 73% CAN-04
as in the demo, with the demo's shapes (sample_data/generate.py): ages by the indicator's age
bands, sex shares, an ethnic mix per practice around a place's, IMD deciles spread around the
practice's mean, about 70% achieved and 4% with a PCA, a last activity date in the year. The rows
are one list for 2026-10-31, written as one CSV file per PCN and stored with the app's own
command (`python -m iif_core ingest --list cohort`), so the store also holds the counts the lists
give. A marker file written last (icb-patients-store.json) says the store is finished: `build`
returns at once when it finds one for the same rows, ICB and seed.
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
MARKER_NAME = "icb-patients-store.json"
CASE_FOLDER = "icb-patients-case"
DEFAULT_ROWS = 2_000_000
DEFAULT_ICB = "QOP"  # NHS Greater Manchester: the ICB with the most practices
DEFAULT_SEED = 2026
PERIOD_END = "2026-10-31"
YEAR_START = "2026-04-01"
INDICATOR_SHARES = {"HI-03": 0.27, "CAN-04": 0.73}  # as in the demo's list (4,253 and 7,319)
ACHIEVED_SHARE = {"HI-03": 0.55, "CAN-04": 0.75}
PCA_SHARE = 0.04
WHO = "bench"


def store_path(folder: str | Path) -> Path:
    return Path(folder) / STORE_NAME


def _wanted(rows: int, icb: str, seed: int) -> dict:
    return {"rows": rows, "icb": icb, "seed": seed}


def finished(folder: str | Path, rows: int, icb: str, seed: int) -> bool:
    marker = Path(folder) / MARKER_NAME
    if not marker.is_file() or not store_path(folder).is_file():
        return False
    try:
        found = json.loads(marker.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return False
    return all(found.get(k) == v for k, v in _wanted(rows, icb, seed).items())


def build(folder, rows: int = DEFAULT_ROWS, icb: str = DEFAULT_ICB, seed: int = DEFAULT_SEED):
    """The path of the store in `folder`: the finished one there, else a new one."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    path = store_path(folder)
    if finished(folder, rows, icb, seed):
        print(f"ICB patients store: reusing {path}", file=sys.stderr)
        return path
    (folder / MARKER_NAME).unlink(missing_ok=True)
    for leftover in (path, path.with_name(path.name + ".wal")):
        leftover.unlink(missing_ok=True)
    from iif_core import backups

    shutil.rmtree(backups.folder_of(path), ignore_errors=True)
    case = folder / CASE_FOLDER
    shutil.rmtree(case, ignore_errors=True)
    case.mkdir()
    started = time.perf_counter()
    try:
        files = write_lists(case, rows, icb, seed)
        written = time.perf_counter() - started
        command = [sys.executable, "-m", "iif_core", "ingest", "--db", str(path), "--who", WHO,
                   "--list", "cohort"]  # fmt: skip
        stored = subprocess.run(
            [*command, *map(str, files)], cwd=ROOT, capture_output=True, text=True
        )
        if stored.returncode != 0:
            raise RuntimeError(f"storing the lists failed:\n{stored.stdout}{stored.stderr}")
    finally:
        shutil.rmtree(case, ignore_errors=True)
    seconds = time.perf_counter() - started
    marker = {**_wanted(rows, icb, seed), "files": len(files), "build_seconds": seconds}
    (folder / MARKER_NAME).write_text(json.dumps(marker, indent=2) + "\n", encoding="utf-8")
    print(
        f"ICB patients store: built {path} in {seconds:.0f} s ({written:.0f} s writing "
        f"{len(files)} files)",
        file=sys.stderr,
    )
    return path


def write_lists(case: Path, rows: int, icb: str, seed: int) -> list[Path]:
    """One CSV per PCN of the ICB (practices in no PCN in one more), `rows` rows in all."""
    import numpy as np
    import pandas as pd

    from iif_core.orgs import BUNDLED_REFERENCE
    from sample_data import generate

    orgs = pd.read_csv(BUNDLED_REFERENCE, dtype={"list_size": "Int64"})
    orgs = orgs[orgs["icb_code"] == icb].reset_index(drop=True)
    if orgs.empty:
        raise SystemExit(f"no practice of ICB {icb} in the bundled organisation reference")
    rng = np.random.default_rng(seed)
    sizes = orgs["list_size"].fillna(9_000).astype(float).to_numpy()
    per_practice = np.floor(rows * sizes / sizes.sum()).astype(int)
    per_practice[: rows - per_practice.sum()] += 1  # exactly `rows` in all
    mixes = list(generate.ETHNIC_MIX.values())
    frames = []
    number = 0
    for index, practice in orgs.iterrows():
        n_practice = int(per_practice[index])
        mean_decile = rng.uniform(1.5, 9.5)
        mix = rng.dirichlet(np.array(mixes[index % len(mixes)]) * generate.ETHNIC_CONCENTRATION)
        hi03 = int(round(n_practice * INDICATOR_SHARES["HI-03"]))
        for code, n in (("HI-03", hi03), ("CAN-04", n_practice - hi03)):
            if n <= 0:
                continue
            group = "LD" if code == "HI-03" else code
            bands = generate.AGE_BANDS[group]
            weights = np.array([b[2] for b in bands], dtype=float)
            chosen = rng.choice(len(bands), size=n, p=weights / weights.sum())
            low = np.array([b[0] for b in bands])[chosen]
            high = np.array([b[1] for b in bands])[chosen]
            ages = rng.integers(low, high + 1)
            achieved = rng.random(n) < ACHIEVED_SHARE[code]
            pca = ~achieved & (rng.random(n) < PCA_SHARE / (1 - ACHIEVED_SHARE[code]))
            deciles = np.clip(
                np.round(rng.normal(mean_decile, generate.IMD_PATIENT_SD, n)), 1, 10
            ).astype(int)
            days = rng.integers(0, 214, n)  # 1 April to 31 October
            frames.append(
                pd.DataFrame(
                    {
                        "practice_code": practice["practice_code"],
                        "indicator_code": code,
                        "patient_id": [f"GM-{i:08d}" for i in range(number + 1, number + n + 1)],
                        "achieved": np.where(achieved, "Y", "N"),
                        "pca": np.where(pca, "Y", "N"),
                        "period_end": PERIOD_END,
                        "age": ages,
                        "sex": rng.choice(["M", "F", "U"], size=n, p=generate.SEX_SHARES[group]),
                        "ethnicity": rng.choice(generate.ETHNIC_GROUPS, size=n, p=mix),
                        "imd_decile": deciles,
                        "last_activity_date": (
                            pd.Timestamp(YEAR_START) + pd.to_timedelta(days, unit="D")
                        ).strftime("%Y-%m-%d"),
                    }
                )
            )
            number += n
    every = pd.concat(frames, ignore_index=True)
    every = every.merge(orgs[["practice_code", "pcn_code"]], on="practice_code")
    files = []
    for pcn, rows_of_pcn in every.groupby(every["pcn_code"].fillna("none"), sort=True):
        path = case / f"patients_{pcn}_{PERIOD_END}.csv"
        rows_of_pcn.drop(columns="pcn_code").to_csv(path, index=False)
        files.append(path)
    return files


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("folder", help="where to build the store (or find a finished one)")
    parser.add_argument("--rows", type=int, default=DEFAULT_ROWS)
    parser.add_argument("--icb", default=DEFAULT_ICB)
    parser.add_argument("--seed", type=int, default=DEFAULT_SEED)
    args = parser.parse_args()
    print(build(args.folder, args.rows, args.icb, args.seed))


if __name__ == "__main__":
    main()
