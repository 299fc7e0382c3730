"""`score` on files: what the process needs to load, and the files it writes."""

import subprocess
import sys
from pathlib import Path

import duckdb
import pytest

from iif_core import score
from iif_core.problems import InputError
from iif_core.schemes import load_bundled_scheme
from iif_core.score import score_files, write_result

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


@pytest.mark.parametrize("suffix", [".csv", ".parquet"])
def test_a_write_that_fails_half_way_leaves_the_earlier_file_and_no_part(tmp_path, suffix):
    """DuckDB writes the file in pieces; one failing after others were written leaves nothing
    of the new file, and the earlier one as it was."""
    out = tmp_path / f"result{suffix}"
    out.write_bytes(b"an earlier result\n")
    with duckdb.connect() as con:
        con.execute("SET threads = 2")
        failing = con.sql(  # fails on a row after some row groups have been written
            "SELECT i, CASE WHEN i = 900000 THEN error('stopped half way') ELSE i * 2 END AS j "
            "FROM range(1000000) t(i)"
        )
        with pytest.raises(duckdb.Error, match="stopped half way"):
            write_result(con, failing, out)
    assert out.read_bytes() == b"an earlier result\n"
    assert [p.name for p in tmp_path.iterdir()] == [out.name]


def test_csv_neutralises_formulas_in_names_and_parquet_keeps_them_as_written(tmp_path):
    names = {"A81001": "=HYPERLINK(1)", "A81002": "+cmd", "A81003": "Plain Surgery"}
    orgs = tmp_path / "orgs.csv"
    header = "practice_code,practice_name,pcn_code,pcn_name,place_code,place_name,icb_code,icb_name,list_size"
    rows = [f"{code},{name},U00001,@PCN,00K,Place,QHM,ICB,8000" for code, name in names.items()]
    orgs.write_text("\n".join([header, *rows]) + "\n", encoding="utf-8")
    extract = tmp_path / "extract.csv"
    lines = ["practice_code,indicator_code,period_end,numerator,denominator"]
    lines += [f"{code},HI-03,2025-09-30,50,100" for code in names]
    extract.write_text("\n".join(lines) + "\n", encoding="utf-8")
    scheme = load_bundled_scheme("2025/26")
    for suffix in (".csv", ".parquet"):
        score_files(scheme, [orgs], [extract], tmp_path / f"r{suffix}", level="all")
    with duckdb.connect() as con:
        parquet = con.execute(
            "SELECT DISTINCT level, org_code, org_name FROM read_parquet($p) "
            "WHERE level IN ('practice', 'pcn') ORDER BY ALL",
            {"p": str(tmp_path / "r.parquet")},
        ).fetchall()
        csv = con.execute(
            "SELECT DISTINCT level, org_code, org_name FROM read_csv($p, all_varchar = true) "
            "WHERE level IN ('practice', 'pcn') ORDER BY ALL",
            {"p": str(tmp_path / "r.csv")},
        ).fetchall()
    assert parquet == [("pcn", "U00001", "@PCN"), *(("practice", c, n) for c, n in names.items())]
    assert csv == [("pcn", "U00001", "'@PCN"), ("practice", "A81001", "'=HYPERLINK(1)"),
                   ("practice", "A81002", "'+cmd"), ("practice", "A81003", "Plain Surgery")]  # fmt: skip


def test_a_folder_without_permission_is_named_as_a_problem(tmp_path, monkeypatch):
    """As the command line says it (tests/spec/test_cli.py); simulated, since root may write
    anywhere."""

    def refused(*args, **kwargs):
        raise PermissionError(13, "Permission denied", str(tmp_path))

    monkeypatch.setattr(score.tempfile, "mkstemp", refused)
    out = tmp_path / "result.parquet"
    with duckdb.connect() as con, pytest.raises(InputError) as raised:
        write_result(con, con.sql("SELECT 1 AS one"), out)
    assert str(raised.value) == f"{out}: cannot be written (permission denied)"
    assert list(tmp_path.iterdir()) == []
