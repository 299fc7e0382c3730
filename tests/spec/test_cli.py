"""The command line of iif-rules.md section 10, run as a subprocess: output shape and bad inputs."""

import csv
import random
import re
import subprocess
import sys
from datetime import date
from pathlib import Path

import pytest

from iif_core.extract import month_end
from spec.helpers import COLUMNS, INTEGER_COLUMNS, TEXT_COLUMNS, indicator, practice, scheme_toml

ROOT = Path(__file__).resolve().parents[2]
ORGS_HEADER = list(practice("A00000"))
EXTRACT_HEADER = ["practice_code", "indicator_code", "period_end", "numerator", "denominator"]
SCHEME = scheme_toml({"VI-01": indicator("percent", "higher", 80, 86, 40)})
ORGS = [
    practice("A00001", list_size=10000),
    practice("A00002", list_size=12000),
    practice("A00003", list_size=8000),
    practice("A00007", pcn=None, list_size=5000),
]
# the worked example of section 6, for two month ends
EXTRACT = [
    [code, "VI-01", period, n, d]
    for period in ("2025-08-31", "2025-09-30")
    for code, n, d in (("A00001", 1900, 2300), ("A00002", 2600, 3100), ("A00003", 1450, 1800))
]
PLAIN_NUMBER = re.compile(r"-?\d+(\.\d+)?")
WHOLE_NUMBER = re.compile(r"\d+")


def write_csv(path: Path, header, rows) -> Path:
    with open(path, "w", newline="", encoding="utf-8") as f:
        writer = csv.writer(f)
        writer.writerow(header)
        writer.writerows(rows)
    return path


def run_cli(
    tmp_path, *options, extract=None, orgs=None, extracts=None, scheme_text=SCHEME, out="result.csv"
):
    """Run `python -m iif_core score` on files in tmp_path; return (process, output path)."""
    scheme = tmp_path / "scheme.toml"
    scheme.write_text(scheme_text, encoding="utf-8")
    orgs_file = write_csv(
        tmp_path / "orgs.csv", *(orgs or (ORGS_HEADER, [o.values() for o in ORGS]))
    )
    if extracts is None:
        extracts = [write_csv(tmp_path / "extract.csv", *(extract or (EXTRACT_HEADER, EXTRACT)))]
    out = tmp_path / out
    command = [sys.executable, "-m", "iif_core", "score", "--scheme", str(scheme)]
    command += ["--orgs", str(orgs_file)]
    for path in extracts:
        command += ["--extract", str(path)]
    command += [*options, "--out", str(out)]
    process = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=120)
    return process, out


def read_result(out: Path) -> tuple[list[str], list[dict]]:
    with open(out, newline="", encoding="utf-8") as f:
        reader = csv.DictReader(f)
        return reader.fieldnames, list(reader)


def succeeded(process) -> None:
    assert process.returncode == 0, process.stderr + process.stdout


# --- a good run -------------------------------------------------------------------------------


def test_columns_in_the_contract_order(tmp_path):
    process, out = run_cli(tmp_path)
    succeeded(process)
    header, rows = read_result(out)
    assert header[: len(COLUMNS)] == COLUMNS
    assert rows


def test_dates_numbers_and_nulls_are_plain(tmp_path):
    process, out = run_cli(tmp_path)
    succeeded(process)
    _, rows = read_result(out)
    for row in rows:
        assert re.fullmatch(r"\d{4}-\d{2}-\d{2}", row["period_end"]), row["period_end"]
        for column in COLUMNS:
            cell = row[column]
            if column in TEXT_COLUMNS or column == "period_end" or cell == "":
                continue
            pattern = WHOLE_NUMBER if column in INTEGER_COLUMNS else PLAIN_NUMBER
            assert pattern.fullmatch(cell), f"{column} = {cell!r} is not a plain number"
    pcn = next(r for r in rows if r["level"] == "pcn" and r["period_end"] == "2025-09-30")
    # section 6: 5950/7200 = 82.638...%, 242 patients to the upper threshold
    assert float(pcn["achievement"]) == pytest.approx(2975 / 36, rel=1e-9)
    assert pcn["numerator"] == "5950" and pcn["patients_to_upper"] == "242"
    assert float(pcn["payment_achieved"]) == pytest.approx(95000 / 27, rel=1e-9)
    practice_row = next(r for r in rows if r["level"] == "practice")
    # nulls are empty cells: a practice earns no points (section 7)
    for column in ("points_available", "points_achieved", "payment_available", "value_per_patient"):
        assert practice_row[column] == ""


def test_defaults_are_level_all_and_period_all(tmp_path):
    process, out = run_cli(tmp_path)
    succeeded(process)
    _, rows = read_result(out)
    assert {r["level"] for r in rows} == {"practice", "pcn", "place", "icb"}
    assert {r["period_end"] for r in rows} == {"2025-08-31", "2025-09-30"}
    # 3 member practices + A00007 (no PCN, no data: no row) + PCN + place + ICB, × 2 periods
    assert len(rows) == 2 * (3 + 1 + 1 + 1)


@pytest.mark.parametrize("level", ["practice", "pcn", "place", "icb", "all"])
def test_level_option(tmp_path, level):
    process, out = run_cli(tmp_path, "--level", level)
    succeeded(process)
    _, rows = read_result(out)
    expected = {"practice", "pcn", "place", "icb"} if level == "all" else {level}
    assert {r["level"] for r in rows} == expected


@pytest.mark.parametrize("period", ["2025-08-31", "2025-09-30"])
def test_period_option(tmp_path, period):
    process, out = run_cli(tmp_path, "--period", period, "--level", "pcn")
    succeeded(process)
    _, rows = read_result(out)
    assert [(r["org_code"], r["period_end"]) for r in rows] == [("U00001", period)]


def test_several_extract_files_are_read_together(tmp_path):
    first = write_csv(tmp_path / "first.csv", EXTRACT_HEADER, EXTRACT[:4])
    second = write_csv(tmp_path / "second.csv", EXTRACT_HEADER, EXTRACT[4:])
    process, out = run_cli(tmp_path, "--level", "pcn", extracts=[first, second])
    succeeded(process)
    _, rows = read_result(out)
    assert sorted((r["period_end"], r["numerator"], r["denominator"]) for r in rows) == [
        ("2025-08-31", "5950", "7200"),
        ("2025-09-30", "5950", "7200"),
    ]


def test_rows_come_in_a_fixed_order_and_a_rerun_gives_the_same_file(tmp_path):
    """Practices, PCNs, places, ICBs; each by code, indicator as the scheme lists them, period.

    Big enough (150,000 practice rows, the extract shuffled) for DuckDB to split the work
    between threads, which is where an order that only happens to hold would break.
    """
    rng = random.Random(7)
    codes = ["VI-01", "AC-02", "HI-03"]  # not alphabetical: the scheme's order is the output's
    scheme_text = scheme_toml(
        {
            "VI-01": indicator("percent", "higher", 80, 86, 40),
            "AC-02": indicator("per_1000", "lower", 9.5, 7.25, 30),
            "HI-03": indicator("percent", "higher", 60, 80, 36),
        },
        national_average_list_size=50000,
    )
    orgs = [
        practice(
            f"A{n:05d}",
            pcn=f"U{n // 5:05d}",
            place=f"{n // 100:02d}X",
            icb=f"Q{n // 1000:02d}",
            list_size=rng.randint(2000, 20000),
        )
        for n in rng.sample(range(4200), 4200)
    ]
    periods = [month_end(date(2025, m, 1)).isoformat() for m in range(4, 13)] + [
        "2026-01-31", "2026-02-28",
    ]  # fmt: skip
    extract = [
        [o["practice_code"], code, period, rng.randint(0, 900), 1000]
        for o in orgs
        for code in codes
        for period in periods
        if rng.random() > 0.05
    ]
    rng.shuffle(extract)
    outputs = []
    for run in ("first", "second"):
        folder = tmp_path / run
        folder.mkdir()
        extract_file = write_csv(folder / "extract.csv", EXTRACT_HEADER, extract)
        orgs_file = (ORGS_HEADER, [o.values() for o in orgs])
        process, out = run_cli(
            folder, extracts=[extract_file], orgs=orgs_file, scheme_text=scheme_text
        )
        succeeded(process)
        outputs.append(out.read_bytes())
    assert outputs[0] == outputs[1]
    _, rows = read_result(tmp_path / "first" / "result.csv")
    level_rank = {"practice": 0, "pcn": 1, "place": 2, "icb": 3}
    keys = [
        (level_rank[r["level"]], r["org_code"], codes.index(r["indicator_code"]), r["period_end"])
        for r in rows
    ]
    assert len(keys) == len(set(keys)) == (4200 + 840 + 42 + 5) * len(codes) * len(periods)
    assert keys == sorted(keys)
    # the same rows in the same order as Parquet, which is written by threads in the same way
    process, parquet = run_cli(
        tmp_path / "first", extracts=[tmp_path / "first" / "extract.csv"], orgs=orgs_file,
        scheme_text=scheme_text, out="result.parquet",
    )  # fmt: skip
    succeeded(process)
    assert read_parquet(parquet)[1] == read_result(tmp_path / "first" / "result.csv")[1]


def test_column_order_of_the_inputs_is_free(tmp_path):
    header = ["denominator", "period_end", "numerator", "indicator_code", "practice_code"]
    rows = [[d, p, n, i, c] for c, i, p, n, d in EXTRACT]
    orgs = (ORGS_HEADER[::-1], [list(o.values())[::-1] for o in ORGS])
    process, out = run_cli(tmp_path, "--level", "pcn", extract=(header, rows), orgs=orgs)
    succeeded(process)
    _, result = read_result(out)
    assert {(r["numerator"], r["patients_to_upper"]) for r in result} == {("5950", "242")}


# --- bad inputs: non-zero exit, a message naming file, row and problem, no output -------------

BAD_EXTRACTS = [
    # id, extract rows (header is row 1), spreadsheet row, words the message must contain
    ("unknown practice", [EXTRACT[0], ["Z99999", "VI-01", "2025-08-31", 1, 2]], 3, ["Z99999"]),
    ("unknown indicator", [["A00001", "XX-99", "2025-08-31", 1, 2], EXTRACT[1]], 2, ["XX-99"]),
    (
        "numerator above denominator (percent)",
        [EXTRACT[0], EXTRACT[1], ["A00003", "VI-01", "2025-08-31", 101, 100]],
        4,
        ["numerator"],
    ),
    ("negative count", [EXTRACT[0], ["A00002", "VI-01", "2025-08-31", -1, 100]], 3, ["numerator"]),
    ("count not whole", [["A00001", "VI-01", "2025-08-31", "2.5", 100]], 2, ["numerator"]),
    (
        "count beyond any practice",
        [EXTRACT[0], ["A00002", "VI-01", "2025-08-31", 5, 10**11]],
        3,
        ["denominator", "1,000,000,000"],
    ),
    ("count not a number", [EXTRACT[0], ["A00002", "VI-01", "2025-08-31", 5, "ten"]], 3, ["ten"]),
]


def assert_refused(process, out: Path, file_name: str, row: int | None, words) -> None:
    message = process.stderr + process.stdout
    assert process.returncode != 0, message
    assert "Traceback" not in message, message
    assert file_name in message, message
    if row is not None:
        assert re.search(rf"\brow {row}\b", message, re.IGNORECASE), message
    for word in words:
        assert word.lower() in message.lower(), message


@pytest.mark.parametrize("rows, row, words", [b[1:] for b in BAD_EXTRACTS],
                         ids=[b[0] for b in BAD_EXTRACTS])  # fmt: skip
def test_bad_extract_is_refused_and_nothing_is_written(tmp_path, rows, row, words):
    process, out = run_cli(tmp_path, extract=(EXTRACT_HEADER, rows))
    assert_refused(process, out, "extract.csv", row, words)
    assert not out.exists()


def test_bad_input_does_not_overwrite_an_existing_result(tmp_path):
    out = tmp_path / "result.csv"
    out.write_text("an earlier result\n", encoding="utf-8")
    bad = [EXTRACT[0], ["Z99999", "VI-01", "2025-08-31", 1, 2]]
    process, out = run_cli(tmp_path, extract=(EXTRACT_HEADER, bad))
    assert_refused(process, out, "extract.csv", 3, ["Z99999"])
    assert out.read_text(encoding="utf-8") == "an earlier result\n"


def test_missing_extract_column(tmp_path):
    header = EXTRACT_HEADER[:-1]  # no denominator
    process, out = run_cli(tmp_path, extract=(header, [r[:-1] for r in EXTRACT]))
    assert_refused(process, out, "extract.csv", None, ["denominator"])
    assert not out.exists()


def test_missing_orgs_column(tmp_path):
    header = [c for c in ORGS_HEADER if c != "pcn_code"]
    rows = [[v for k, v in o.items() if k != "pcn_code"] for o in ORGS]
    process, out = run_cli(tmp_path, orgs=(header, rows))
    assert_refused(process, out, "orgs.csv", None, ["pcn_code"])
    assert not out.exists()


def test_problem_in_the_second_extract_names_that_file(tmp_path):
    first = write_csv(tmp_path / "first.csv", EXTRACT_HEADER, EXTRACT[:3])
    second = write_csv(
        tmp_path / "second.csv",
        EXTRACT_HEADER,
        [EXTRACT[3], ["A00001", "VI-01", "2025-09-30", 5, -2]],
    )
    process, out = run_cli(tmp_path, extracts=[first, second])
    assert_refused(process, out, "second.csv", 3, ["denominator"])
    assert not out.exists()


# --- Parquet: --out NAME.parquet --------------------------------------------------------------

PARQUET_TYPES = {
    **{column: "DOUBLE" for column in COLUMNS},
    **{column: "VARCHAR" for column in TEXT_COLUMNS},
    **{column: "BIGINT" for column in INTEGER_COLUMNS},
    "period_end": "DATE",
}


def read_parquet(out: Path) -> tuple[dict[str, str], list[dict]]:
    """The column types of a Parquet result and its rows (in the file's order) as the CSV
    writes them: each value as text, a null as an empty cell."""
    import duckdb

    with duckdb.connect() as con:
        relation = con.read_parquet(str(out))
        types = {
            name: str(kind) for name, kind in zip(relation.columns, relation.types, strict=True)
        }
        # DuckDB's text of each value is the one its CSV writer writes
        text = con.sql(
            "SELECT COLUMNS(*)::VARCHAR FROM read_parquet($path)", params={"path": str(out)}
        )
        rows = [
            {
                name: "" if value is None else value
                for name, value in zip(text.columns, row, strict=True)
            }
            for row in text.fetchall()
        ]
    return types, rows


def test_parquet_holds_the_csv_rows_in_order_with_their_types(tmp_path):
    process, csv_out = run_cli(tmp_path)
    succeeded(process)
    process, parquet_out = run_cli(tmp_path, out="result.parquet")
    succeeded(process)
    assert f"wrote 12 rows to {parquet_out}" in process.stderr
    types, rows = read_parquet(parquet_out)
    assert list(types) == COLUMNS
    assert types == PARQUET_TYPES
    assert rows == read_result(csv_out)[1]
    import duckdb

    pcn = duckdb.sql(
        "SELECT period_end, numerator, achievement, patients_to_upper, points_available "
        "FROM read_parquet($path) WHERE level = 'pcn' ORDER BY period_end",
        params={"path": str(parquet_out)},
    ).fetchall()[-1]
    assert pcn[:2] == (date(2025, 9, 30), 5950) and pcn[3] == 242
    assert pcn[2] == pytest.approx(2975 / 36, rel=1e-12) and pcn[4] == 40.0


@pytest.mark.parametrize("options", [("--level", "pcn"), ("--period", "2025-08-31")])
def test_parquet_takes_the_level_and_period_options(tmp_path, options):
    process, csv_out = run_cli(tmp_path, *options)
    succeeded(process)
    process, parquet_out = run_cli(tmp_path, *options, out="RESULT.PARQUET")
    succeeded(process)
    assert read_parquet(parquet_out)[1] == read_result(csv_out)[1]


def test_bad_input_writes_no_parquet(tmp_path):
    bad = [EXTRACT[0], ["Z99999", "VI-01", "2025-08-31", 1, 2]]
    process, out = run_cli(tmp_path, extract=(EXTRACT_HEADER, bad), out="result.parquet")
    assert_refused(process, out, "extract.csv", 3, ["Z99999"])
    assert not out.exists()


@pytest.mark.parametrize("name", ["result.csv", "result.parquet"])
def test_a_place_that_cannot_be_written_is_named_and_nothing_is_left_behind(tmp_path, name):
    (tmp_path / "taken").mkdir()
    (tmp_path / "taken" / name).mkdir()  # a folder where the file should go
    process, out = run_cli(tmp_path, out=f"taken/{name}")
    assert_refused(process, out, name, None, [f"{out}: cannot be written (is a directory)"])
    assert process.returncode == 2
    assert [p.name for p in (tmp_path / "taken").iterdir()] == [name] and out.is_dir()
    (tmp_path / "a file").write_text("not a folder\n", encoding="utf-8")
    process, out = run_cli(tmp_path, out=f"a file/{name}")
    assert_refused(process, out, name, None, ["a file is a file, not a folder"])
    assert (tmp_path / "a file").read_text(encoding="utf-8") == "not a folder\n"
