"""Staging uploads: one file per kind of bad input, each reported in plain words that name the
file, the row and the column, never with a traceback."""

from contextlib import closing

import pytest
from test_ingest_support import (
    PERIOD,
    connection,
    extract_rows,
    stage,
    workbook,
)

from iif_core.ingest import rejected_rows_frame

# (fixture, row, column, words the message must hold); row and column None when the problem is
# the file's as a whole.
FILE_PROBLEMS = [
    ("empty.csv", None, None, "the file is empty"),
    ("image.png", None, None, "this is a PNG image, not a table of values"),
    ("document.pdf", None, None, "this is a PDF document, not a table of values"),
    ("random.bin", None, None, "this is not a text table (it holds binary data)"),
    ("corrupt.xlsx", None, None, "Excel file is damaged and cannot be opened"),
    ("archive.zip", None, None, "this is a zip archive, not an Excel workbook; unzip it"),
    (
        "not_a_table.txt",
        None,
        None,
        "this is not a table the app recognises (the first row holds: Dear colleague)",
    ),
    ("header_only.csv", 1, None, "the file has a header but no rows of data"),
    (
        "missing_denominator.csv",
        1,
        None,
        "missing column(s) denominator; the columns found were: practice_code, indicator_code, "
        "period_end, numerator",
    ),
]

ROW_PROBLEMS = [
    ("unknown_practice.csv", 3, "practice_code", "Z99999", "this practice is not in the organisation data"),
    ("unknown_indicator.csv", 3, "indicator_code", "XY-99", "this indicator is not in the scheme"),
    ("not_whole.csv", 2, "numerator", "20.5", "the numerator must be a whole number"),
    ("negative.csv", 3, "denominator", "-3", "the denominator cannot be negative"),
    (
        "numerator_above_denominator.csv",
        2,
        "numerator",
        "31 > 30",
        "the numerator is greater than the denominator, which cannot happen for a percentage indicator",
    ),
    ("outside_year.csv", 3, "period_end", "2024-09-30", "the period end is outside the scheme year (2025/26 from 01/04/2025 to 31/03/2026)"),
    ("bad_date.csv", 2, "period_end", "Sept 2025", "the period end is not a date"),
    ("too_many_values.csv", 3, None, "7 values where the header has 6", "this row has more values than the header has columns"),
    ("wide_bad.csv", 3, "CAN04 Numerator", "11 > 10", "the numerator is greater than the denominator"),
    ("gpes_bad_fields.csv", 4, "FIELD_NAME", "HLTHCHKDECX", "this FIELD_NAME is not one the app knows for indicator HI03"),
    ("gpes_bad_fields.csv", 7, "VALUE", "two", "the PCA count is not a number"),
    ("gpes_bad_fields.csv", 8, None, "Numerator in rows 8, 9", "the same field appears more than once for one practice, indicator and date"),
    ("orgs_bad.csv", 3, "practice_code", "81002", "is not a practice code (one letter and five digits, like A81001)"),
    ("orgs_bad.csv", 3, "list_size", "many", "the list size must be a whole number of patients"),
    ("scheme_bad.csv", 3, "Unit", None, 'indicator CAN-04: unit "percentage" must be one of: percent, per_1000, rate'),
    ("scheme_bad.csv", 2, "Upper threshold", None, 'must be below lower_threshold (60) because direction is "lower"'),
]  # fmt: skip

PATIENT_PROBLEMS = [
    (2, "patient_id", "4010234564", "this looks like an NHS number but it is not a valid one (its check digit is wrong"),
    (3, "achieved", "maybe", "achieved must be Y or N, Yes or No, TRUE or FALSE, 1 or 0"),
    (3, "age", "forty", "the age must be a whole number of years from 0 to 130"),
    (3, "imd_decile", "11", "the IMD decile must be a whole number from 1 to 10"),
    (3, "last_activity_date", "yesterday", "the last-activity date is not a date"),
    (4, "imd_quintile", "5", "the IMD quintile does not match the decile"),
    (4, None, "4010234709 in rows 4, 5", "the same patient appears more than once for one practice, indicator and period end"),
    (5, None, "4010234709 in rows 4, 5", "the same patient appears more than once"),
    (6, "patient_id", "", "the patient identifier is missing"),
]  # fmt: skip


@pytest.fixture
def con():
    """A fresh connection with the bundled organisations, for each test."""
    with closing(connection()) as fresh:
        yield fresh


@pytest.mark.parametrize(("name", "row", "column", "words"), FILE_PROBLEMS)
def test_a_file_that_cannot_be_used(con, name, row, column, words):
    staged = stage(con, name)
    assert not staged.ok
    assert staged.valid_rows == 0
    (problem,) = staged.problems
    assert words in problem.message
    assert (problem.file, problem.row, problem.column) == (name, row, column)
    assert str(problem).startswith(name)
    assert extract_rows(con) == []


@pytest.mark.parametrize(("name", "row", "column", "value", "words"), ROW_PROBLEMS)
def test_a_bad_row(con, name, row, column, value, words):
    staged = stage(con, name)
    assert not staged.ok
    found = [p for p in staged.problems if words in p.message]
    assert found, [str(p) for p in staged.problems]
    problem = found[0]
    assert (problem.file, problem.row, problem.column) == (name, row, column)
    if value is not None:
        assert problem.value == value
        assert f"(found '{value}')" in str(problem) or value in problem.message
    shown = f"{name}, row {row}" + (f", column '{column}'" if column else "")
    assert str(problem).startswith(shown)
    assert staged.valid_rows < staged.rows


@pytest.mark.parametrize(("row", "column", "value", "words"), PATIENT_PROBLEMS)
def test_a_bad_patient_row(con, row, column, value, words):
    staged = stage(con, "patients_bad.csv")
    found = [p for p in staged.problems if p.row == row and words in p.message]
    assert found, [str(p) for p in staged.problems]
    assert (found[0].column, found[0].value) == (column, value)


def test_bad_patient_rows_are_left_out_of_the_counts(con):
    staged = stage(con, "patients_bad.csv")
    assert (staged.rows, staged.valid_rows) == (6, 1)
    assert con.execute("SELECT patient_id FROM patients").fetchall() == [("EMIS-1234",)]
    assert extract_rows(con) == [("A81001", "HI-03", "2025-09-30", 1, 1, 0)]
    reasons = rejected_rows_frame(con).set_index("row")["reason"]
    assert reasons[3].startswith("achieved: achieved must be Y or N")


def test_a_patient_list_without_a_period_end(con):
    staged = stage(con, "patients_list.csv")
    (problem,) = staged.problems
    assert problem.message.startswith("there is no period end column")
    assert stage(con, "patients_list.csv", period_end=PERIOD).ok


def test_a_wide_indicator_without_its_denominator(con):
    staged = stage(con, "wide_bad.csv")
    problem = staged.problems[0]
    assert (problem.row, problem.column) == (1, "HI03_NUM")
    assert "indicator HI-03 has no denominator column (like 'HI03 Denominator')" in problem.message
    # the other indicator's valid rows are still read
    assert extract_rows(con) == [("A81001", "CAN-04", "2025-09-30", 20, 25, 0)]


def test_duplicate_rows_name_both_rows(con):
    staged = stage(con, "duplicate_rows.csv")
    assert [p.row for p in staged.problems] == [2, 4]
    assert (
        "practice A81001, indicator HI-03, period 2025-09-30 appears more than once (rows 2, 4)"
        in (staged.problems[0].message)
    )
    assert extract_rows(con) == [("A81002", "HI-03", "2025-09-30", 5, 10, 0)]


@pytest.mark.parametrize(
    ("text", "words"),
    [
        (
            'practice_code,indicator_code,period_end,numerator,denominator\n"A81001,HI-03\n',
            'a quote (") opens in this row and is never closed',  # not "no rows of data"
        ),
        ("practice_code,indicator_code\nA81001,HI-03\n", "this is not a table the app recognises"),
        ("\n\n\n", "the file has no rows of values"),
        (
            "ORG_CODE,ACH_DATE,IND_CODE,FIELD_NAME\nA81001,20250930,HI03,Numerator\n",
            "missing column(s) VALUE",
        ),
    ],
)
def test_odd_text(con, tmp_path, text, words):
    path = tmp_path / "odd.csv"
    path.write_text(text)
    staged = stage(con, path)
    assert not staged.ok
    assert any(words in p.message for p in staged.problems), [str(p) for p in staged.problems]


def test_a_scheme_file_that_is_not_toml(con, tmp_path):
    path = tmp_path / "scheme.toml"
    path.write_text("year = [\n")
    staged = stage(con, path)
    assert staged.shape == "scheme"
    assert "is not valid TOML" in staged.problems[0].message


def test_a_workbook_with_no_table(con, tmp_path):
    path = workbook(tmp_path / "notes.xlsx", {"Notes": [["Hello"]], "More": [[1, 2, 3]]})
    (problem,) = stage(con, path).problems
    assert "no sheet ('Notes', 'More') has a header row the app knows" in problem.message


def test_an_xlsx_that_is_really_text(con, tmp_path):
    path = tmp_path / "renamed.xlsx"
    path.write_text(
        "practice_code,indicator_code,period_end,numerator,denominator\nA81001,HI-03,2025-09-30,1,2\n"
    )
    assert stage(con, path).ok  # read by what it holds, not by its name
