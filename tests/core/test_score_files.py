"""`score` on files: what the process needs to load, and the files it writes."""

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SAMPLE = ROOT / "sample_data"


def test_scoring_files_loads_neither_pandas_nor_the_store(tmp_path):
    """Scoring files needs DuckDB only: pandas, openpyxl and the store's code are for the app and
    the store's other commands, and importing them was a large part of a small run."""
    arguments = ["score", "--scheme", "2025/26", "--orgs", str(SAMPLE / "orgs.csv"),
                 "--extract", str(SAMPLE / "extract_2025-26.csv"), "--out", str(tmp_path / "r.csv")]  # fmt: skip
    code = (
        "import sys\n"
        "from iif_core.cli import main\n"
        f"assert main({arguments!r}) == 0\n"
        "print(sorted(m for m in ('pandas', 'openpyxl', 'iif_core.store') if m in sys.modules))\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "[]"
    assert (tmp_path / "r.csv").stat().st_size > 0
