"""The quick way in for clean extracts takes a file only when the long way would find nothing
wrong with it, and then gives the very same rows."""

import csv
import tempfile
from pathlib import Path
from unittest import mock

import duckdb
import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from iif_core.extract import EXTRACT_SYNONYMS, EXTRACT_TABLE_SQL, append_if_clean, load_extracts
from iif_core.orgs import load_orgs
from iif_core.problems import InputError
from iif_core.readers import find_columns, read_csv_raw, select_columns
from iif_core.schemes import parse_scheme

SCHEME = parse_scheme(
    """
year = "2025/26"
value_per_point = 200

[indicators."VI-01"]
name = "A percentage"
unit = "percent"
direction = "higher"
lower_threshold = 80
upper_threshold = 86
points = 40

[indicators."AC-02"]
name = "A rate per 1,000"
unit = "per_1000"
direction = "lower"
lower_threshold = 9.5
upper_threshold = 7.25
points = 30
""",
    source="quick.toml",
)
ORGS_CSV = (
    "practice_code,practice_name,pcn_code,pcn_name,place_code,place_name,icb_code,icb_name,"
    "list_size\n"
    "A00001,One,U00001,PCN One,01A,Place,QAA,ICB,10000\n"
    "A00002,Two,U00001,PCN One,01A,Place,QAA,ICB,8000\n"
    "B00003,Three,,,01A,Place,QAA,ICB,5000\n"
)
HEADER = ["practice_code", "indicator_code", "period_end", "numerator", "denominator"]
# Values each column may hold: clean ones and every kind of trouble the long way names.
PRACTICES = ("A00001", "A00002", "B00003", "a00002", " A00001 ", "Z99999", "")
INDICATORS = ("VI-01", "VI01", "AC-02", " AC02 ", "vi-01", "XY-99", "")
PERIODS = (
    "2025-09-30", "2025-10-31", "2026-03-31", "2025-9-3", " 2025-09-30 ", "30/09/2025",
    "20250930", "2024-03-31", "2026-04-30", "2025-02-30", "soon", "",
)  # fmt: skip
NUMBERS = (
    "0", "12", "900", "1000", "1200", " 12 ", "0012", "+5", "12.0", "12.5", "-1", "1e3",
    "1,204", "nan", "inf", "-0", "abc", "", " ", "1000000000", "1000000001", "1e17",
)  # fmt: skip


def connection(folder: Path) -> duckdb.DuckDBPyConnection:
    con = duckdb.connect()
    orgs = folder / "orgs.csv"
    if not orgs.exists():
        orgs.write_text(ORGS_CSV, encoding="utf-8")
    load_orgs(con, [orgs])
    con.execute(EXTRACT_TABLE_SQL)
    return con


def write_extract(folder: Path, rows: list[list[str]], pca: bool) -> Path:
    path = folder / "extract.csv"
    with open(path, "w", newline="", encoding="utf-8") as f:
        writer = csv.writer(f)
        writer.writerow(HEADER + (["pca_count"] if pca else []))
        writer.writerows(row if pca else row[:5] for row in rows)
    return path


def extract_rows(con) -> list[tuple]:
    return con.execute("SELECT * FROM extract ORDER BY source_file, source_row").fetchall()


def the_quick_way(con, path: Path) -> bool:
    """Read the file as `load_extracts` does and offer it to the quick way alone."""
    headers = read_csv_raw(con, path, "raw_extract")
    select_columns(
        con, "raw_extract", "extract_text", find_columns(headers, EXTRACT_SYNONYMS), view=True
    )
    return append_if_clean(con, path.name, SCHEME)


def the_long_way(folder: Path, path: Path) -> tuple[list, list]:
    """The problems and rows of the long way alone."""
    con = connection(folder)
    with mock.patch("iif_core.extract.append_if_clean", return_value=False):
        try:
            load_extracts(con, [path], SCHEME)
        except InputError as error:
            return error.problems, []
    return [], extract_rows(con)


row = st.tuples(
    st.sampled_from(PRACTICES),
    st.sampled_from(INDICATORS),
    st.sampled_from(PERIODS),
    st.sampled_from(NUMBERS),
    st.sampled_from(NUMBERS),
    st.sampled_from(NUMBERS),
).map(list)
# Mostly clean rows, so that many examples are taken the quick way.
clean_row = st.tuples(
    st.sampled_from(PRACTICES[:3]),
    st.sampled_from(INDICATORS[:3]),
    st.sampled_from(PERIODS[:3]),
    st.sampled_from(("0", "12", "900")),
    st.sampled_from(("900", "1000", "1200")),
    st.sampled_from(("0", "3", "")),
).map(list)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    rows=st.lists(
        st.one_of(clean_row, clean_row, clean_row, clean_row, row), min_size=1, max_size=5
    ),
    pca=st.booleans(),
)
def test_the_quick_way_takes_only_what_the_long_way_finds_clean_and_gives_the_same_rows(rows, pca):
    with tempfile.TemporaryDirectory() as folder:
        folder = Path(folder)
        path = write_extract(folder, rows, pca)
        con = connection(folder)
        taken = the_quick_way(con, path)
        event("taken the quick way" if taken else "left for the long way")
        problems, long_rows = the_long_way(folder, path)
        if taken:
            assert problems == []
            assert extract_rows(con) == long_rows
        else:
            assert extract_rows(con) == []  # nothing half-taken


def test_a_clean_plain_file_is_taken_the_quick_way(tmp_path):
    rows = [
        [practice, code, period, "12", "900", "3"]
        for practice in ("A00001", "a00002", "B00003")
        for code in ("VI-01", "AC02")
        for period in ("2025-09-30", "2025-10-31")
    ]
    path = write_extract(tmp_path, rows, pca=True)
    con = connection(tmp_path)
    assert the_quick_way(con, path)
    problems, long_rows = the_long_way(tmp_path, path)
    assert problems == []
    assert extract_rows(con) == long_rows
    assert len(long_rows) == 12
    # the first file taken becomes the table `extract` itself: it must have the table's columns
    con.execute(EXTRACT_TABLE_SQL.replace("TABLE extract", "TABLE extract_shape"))
    shape = "SELECT column_name, data_type FROM duckdb_columns() WHERE table_name = $t"
    assert (
        con.execute(shape, {"t": "extract"}).fetchall()
        == con.execute(shape, {"t": "extract_shape"}).fetchall()
    )
    assert long_rows[0] == ("A00001", "VI-01", long_rows[0][2], 12, 900, 3, "extract.csv", 2)


@pytest.mark.parametrize(
    "bad",
    [
        ["A00001", "VI-01", "2025-09-30", "901", "900", "0"],  # above the denominator
        ["A00001", "VI-01", "2025-09-30", "12.5", "900", "0"],  # not whole
        ["A00001", "VI-01", "2025-09-30", "nan", "900", "0"],  # not a number
        ["Z99999", "VI-01", "2025-09-30", "12", "900", "0"],  # unknown practice
        ["A00001", "XY-99", "2025-09-30", "12", "900", "0"],  # unknown indicator
        ["A00001", "VI-01", "2024-09-30", "12", "900", "0"],  # outside the scheme year
        ["A00002", "VI-01", "2025-09-30", "12", "900", "0"],  # the same row twice
    ],
)
def test_a_file_with_any_problem_goes_the_long_way(tmp_path, bad):
    rows = [["A00002", "VI-01", "2025-09-30", "12", "900", "0"], bad]
    path = write_extract(tmp_path, rows, pca=True)
    con = connection(tmp_path)
    assert not the_quick_way(con, path)
    assert extract_rows(con) == []
    with pytest.raises(InputError) as error:
        load_extracts(con, [path], SCHEME)
    assert any(p.row == 3 or "rows 2, 3" in p.message for p in error.value.problems)


def test_a_date_the_quick_way_cannot_read_is_read_the_long_way(tmp_path):
    rows = [["A00002", "VI-01", "30/09/2025", "12", "900", "1,204"]]
    path = write_extract(tmp_path, rows, pca=True)
    con = connection(tmp_path)
    assert not the_quick_way(con, path)
    load_extracts(con, [path], SCHEME)
    assert [r[2].isoformat() for r in extract_rows(con)] == ["2025-09-30"]
    assert [r[5] for r in extract_rows(con)] == [1204]


def test_a_period_end_that_is_not_a_month_end_is_never_taken_the_quick_way(tmp_path):
    path = write_extract(tmp_path, [["A00001", "VI-01", "2025-09-03", "0", "0", "0"]], pca=True)
    assert not the_quick_way(connection(tmp_path), path)
    problems, rows = the_long_way(tmp_path, path)
    assert rows == [] and "3 Sep 2025 is not; did you mean 30 Sep 2025?" in problems[0].message
