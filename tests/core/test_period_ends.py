"""Period ends are month ends: a date in a file, or given for a file without one, that is not the
last day of a month is refused with the month end that was probably meant."""

from datetime import date

import duckdb
import pytest

from iif_core.extract import MONTH_END_MACRO, not_a_month_end
from iif_core.store import Store

TIDY = "practice_code,indicator_code,period_end,numerator,denominator\n"


def messages(staged) -> list[str]:
    return [str(p) for p in staged.problems if "organisation data" not in p.message]


@pytest.mark.parametrize(
    ("day", "meant"),
    [
        (date(2026, 11, 15), "30 Nov 2026"),
        (date(2026, 12, 1), "31 Dec 2026"),
        (date(2028, 2, 10), "29 Feb 2028"),
        (date(2027, 2, 28), None),
    ],
)
def test_the_words_for_a_date_given_and_for_a_row_are_the_same(day, meant):
    said = not_a_month_end(day)
    if meant is None:
        assert said is None
        return
    shown = f"{day.day} {day:%b %Y}"
    assert said == f"period ends are the last day of a month: {shown} is not; did you mean {meant}?"
    con = duckdb.connect()
    con.execute(MONTH_END_MACRO)
    in_sql = con.execute("SELECT not_a_month_end($day, $text)", {"day": day, "text": "x"})
    assert in_sql.fetchone()[0] == said


def test_a_period_end_in_a_file_that_is_not_a_month_end_is_refused(tmp_path):
    path = tmp_path / "mid.csv"
    path.write_text(TIDY + "X10010,HI-03,2026-11-15,5,10\n")
    staged = Store(tmp_path / "iif.duckdb").preview(path)
    assert staged.valid_rows == 0
    assert messages(staged) == [
        "mid.csv, row 2, column 'period_end': period ends are the last day of a month: "
        "15 Nov 2026 is not; did you mean 30 Nov 2026? (found '2026-11-15')"
    ]


def test_a_gpes_achievement_date_that_is_not_a_month_end_is_refused(tmp_path):
    path = tmp_path / "gpes.csv"
    path.write_text(
        "QUALITY_SERVICE,NAME,ORG_CODE,ACH_DATE,IND_CODE,FIELD_NAME,VALUE\n"
        "IIF,Surgery,X10010,20261115,HI03,Numerator,5\nIIF,Surgery,X10010,20261115,HI03,Denominator,10\n"
    )
    staged = Store(tmp_path / "iif.duckdb").preview(path)
    assert staged.valid_rows == 0
    assert "15 Nov 2026 is not; did you mean 30 Nov 2026?" in messages(staged)[0]


def test_a_date_with_slashes_is_a_month_end_only_when_it_is_one_read_day_first(tmp_path):
    """01/02/2026 is 1 February day first and 2 January month first: not a month end either
    way. 31/01/2026 can only be 31 January."""
    path = tmp_path / "slashes.csv"
    path.write_text(TIDY + "X10010,HI-03,01/02/2026,5,10\nX10010,CAN-04,31/01/2026,5,10\n")
    found = messages(Store(tmp_path / "iif.duckdb").preview(path))
    assert len(found) == 1 and found[0].startswith("slashes.csv, row 2, column 'period_end'")
    assert "1 Feb 2026 is not; did you mean 28 Feb 2026? (a date written with slashes" in found[0]


def test_a_period_end_given_for_a_file_without_one_must_be_a_month_end(tmp_path):
    undated = tmp_path / "undated.csv"
    undated.write_text("practice_code,indicator_code,numerator,denominator\nX10010,HI-03,5,10\n")
    store = Store(tmp_path / "iif.duckdb")
    staged = store.preview(undated, period_end=date(2026, 11, 15))
    assert (staged.valid_rows, messages(staged)) == (0, [
        "undated.csv, row 1: the period end given for this file cannot be used: period ends are "
        "the last day of a month: 15 Nov 2026 is not; did you mean 30 Nov 2026?"
    ])  # fmt: skip
    assert messages(store.preview(undated, period_end=date(2026, 11, 30))) == []
    dated = tmp_path / "dated.csv"  # a file with its own dates does not use the date given
    dated.write_text(TIDY + "X10010,HI-03,2026-10-31,5,10\n")
    assert messages(store.preview(dated, period_end=date(2026, 11, 15))) == []
