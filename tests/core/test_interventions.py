"""Interventions marked on the trend (decisions.md D63): kept in the store, checked, listed,
removed with a trail, migrated into an older store, and never a change of the figures."""

from __future__ import annotations

import calendar
import csv
from datetime import date, timedelta
from pathlib import Path

import duckdb
import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st
from test_kept_scores import ORG_HEADER, ORGS, PERIODS, YEAR
from test_store_support import tidy_file, write_csv

from iif_core import report
from iif_core.access import EVERYTHING, Grant, nothing, scope_for
from iif_core.interventions import NOTE_MAX_CHARACTERS, drawn_at
from iif_core.problems import StoreError
from iif_core.store import MIGRATIONS, SCHEMA_VERSION, Store

ROOT = Path(__file__).resolve().parents[2]
SQL = ROOT / "iif_core" / "sql" / "store"
OCTOBER = date(2025, 10, 15)


@pytest.fixture
def store(tmp_path) -> Store:
    store = Store(tmp_path / "iif.duckdb")
    store.ingest(write_csv(tmp_path / "orgs.csv", ORG_HEADER, ORGS))
    rows = [(p, "HI-03", period, 3, 10) for p in ("Y00001", "Y00002") for period in PERIODS]
    store.ingest(tidy_file(tmp_path / "counts.csv", rows))
    return store


def test_added_listed_and_removed_with_who_and_an_audit_trail(store):
    first = store.add_intervention("u00001", OCTOBER, "  Recall letters\n sent ", who="AB",
                                   indicator_code="hi03")  # fmt: skip
    second = store.add_intervention("Y00001", date(2025, 6, 2), "Extra clinic", who=None)
    other_year = store.add_intervention("U00001", date(2026, 5, 1), "Next year's", who="AB")
    assert (first, second, other_year) == (1, 2, 3)
    listed = store.interventions(year=YEAR)
    assert listed["intervention_id"].tolist() == [2, 1]  # earliest first, of the year only
    row = listed.set_index("intervention_id").loc[1]
    assert (row.org_code, row.indicator_code, row.note, row.added_by) == (
        "U00001", "HI-03", "Recall letters sent", "AB",
    )  # fmt: skip
    assert pd.Timestamp(row.intervention_date).date() == OCTOBER
    assert pd.isna(listed.set_index("intervention_id").loc[2, "indicator_code"])  # every one
    # one indicator: its own and those on every indicator
    assert store.interventions(year=YEAR, indicator_code="CAN-04")["intervention_id"].tolist() == [
        2
    ]
    assert store.interventions(year=YEAR, org_codes=["U00001"])["intervention_id"].tolist() == [1]
    assert store.interventions(year=YEAR, org_codes=[]).empty
    assert len(store.interventions()) == 3  # every year
    assert store.intervention(1)["note"] == "Recall letters sent"

    said = store.remove_intervention(1, "CD")
    assert said == "The intervention of 15 October 2025 on U00001 (Recall letters sent) is removed."
    assert store.interventions(year=YEAR)["intervention_id"].tolist() == [2]
    assert store.intervention(1) is None
    kept = store.interventions(year=YEAR, with_removed=True).set_index("intervention_id")
    assert kept.loc[1, "removed_by"] == "CD" and pd.notna(kept.loc[1, "removed_at_utc"])
    with pytest.raises(StoreError, match="There is no intervention 1 to remove"):
        store.remove_intervention(1, "CD")
    trail = store.audit()
    marked = trail[trail["action"] == "intervention"]
    assert (
        marked["detail"].tolist()[-1] == "intervention 1 on 2025-10-15, HI-03: Recall letters sent"
    )
    assert marked["who"].tolist()[-1] == "AB" and marked["org_code"].tolist()[-1] == "U00001"
    removed = trail[trail["action"] == "remove_intervention"]
    assert removed[["who", "org_code", "detail"]].values.tolist() == [
        ["CD", "U00001", "intervention 1 removed"]
    ]


@pytest.mark.parametrize(
    "change, words",
    [
        ({"org_code": "Z99999"}, "Z99999 is not a practice, PCN, place or ICB in the organisation"),
        ({"org_code": " "}, "No organisation is not a practice, PCN, place or ICB"),
        ({"note": "   \n "}, "Write what was done"),
        ({"note": "x" * (NOTE_MAX_CHARACTERS + 1)}, "The note has 201 characters; keep it to 200"),
        ({"intervention_date": "2025-02-30"}, "'2025-02-30' is not a date; write it as"),
        ({"intervention_date": None}, "Give the date of the intervention."),
        (
            {"intervention_date": date(2017, 6, 1)},
            "1 June 2017 is in 2017/18, a year the app has no",
        ),
        ({"intervention_date": date.today() + timedelta(days=400)}, "is more than a year ahead"),
        ({"indicator_code": "XX-99"}, "XX-99 is not an indicator of the 2025/26 scheme"),
    ],
)
def test_a_wrong_intervention_is_refused_in_words_and_nothing_is_kept(store, change, words):
    given_ = {"org_code": "U00001", "intervention_date": OCTOBER, "note": "Recall letters sent",
              "indicator_code": "HI-03", **change}  # fmt: skip
    with pytest.raises(StoreError) as refused:
        store.add_intervention(
            given_["org_code"], given_["intervention_date"], given_["note"],
            indicator_code=given_["indicator_code"], who="AB",
        )  # fmt: skip
    assert words in str(refused.value)
    assert store.interventions(with_removed=True).empty
    assert "intervention" not in set(store.audit()["action"])


def test_the_note_is_kept_as_written_markup_and_all(store):
    """Escaping is the page's job (format.escape_markdown); the store keeps the text itself."""
    note = "<img src=x onerror=alert(1)> **bold** [link](http://example.com)"
    store.add_intervention("U00001", OCTOBER, note)
    assert store.interventions()["note"].tolist() == [note]


def test_an_intervention_is_not_a_figure(store):
    """It leaves the data version, the kept scores and what is scored alone."""
    store.scored(YEAR)
    with store.cursor() as con:
        years_before = con.execute("SELECT * FROM kept_years ORDER BY year").fetchall()
        rows_before = con.execute("SELECT count(*) FROM kept_scores").fetchone()
    version = store.version()
    number = store.add_intervention("U00001", OCTOBER, "Recall letters sent")
    assert store.version() == version
    store.remove_intervention(number, "AB")
    assert store.version() == version
    with store.cursor() as con:
        assert con.execute("SELECT * FROM kept_years ORDER BY year").fetchall() == years_before
        assert con.execute("SELECT count(*) FROM kept_scores").fetchone() == rows_before


def test_a_schema_4_store_gains_interventions_on_opening(tmp_path):
    path = tmp_path / "old.duckdb"
    con = duckdb.connect(str(path))
    con.execute((SQL / "schema_version.sql").read_text())
    for number, files in MIGRATIONS:
        if number <= 4:
            for name in files:
                con.execute((SQL / name).read_text())
            con.execute("INSERT INTO schema_version VALUES ($v, now())", {"v": number})
    con.execute(
        "INSERT INTO grants VALUES (1, 'pm@nhs.net', 'pcn', 'U00001', true, now(), 'admin', "
        "NULL, NULL)"
    )
    con.close()
    old = Store(path)
    with old.cursor() as cursor:
        rows = cursor.execute("SELECT version FROM schema_version ORDER BY 1").fetchall()
    versions = [v for (v,) in rows]
    assert versions == list(range(1, SCHEMA_VERSION + 1)) and SCHEMA_VERSION >= 5
    assert old.grants()["email"].tolist() == ["pm@nhs.net"]  # what it held is still there
    assert old.interventions().empty
    old.ingest(write_csv(tmp_path / "orgs.csv", ORG_HEADER, ORGS))
    assert old.add_intervention("U00001", OCTOBER, "Extra clinic") == 1
    assert Store(path).interventions()["note"].tolist() == ["Extra clinic"]


# --- where a date is drawn on the monthly axis --------------------------------------------------


@given(st.dates(min_value=date(2000, 1, 1), max_value=date(2100, 12, 31)))
def test_a_date_is_drawn_between_the_month_before_and_its_own(day):
    """Figures of the period ending in month M are drawn at M's first day: a date in M goes
    after the point of M - 1 and no later than that of M, on it only on M's last day."""
    own = pd.Timestamp(day.year, day.month, 1)
    before = own - pd.DateOffset(months=1)
    at = drawn_at(day)
    assert before < at <= own
    assert (at == own) == (day.day == calendar.monthrange(day.year, day.month)[1])
    following = day + timedelta(days=1)
    assert drawn_at(following) > at  # later dates are drawn later


def test_the_fifteenth_of_october_is_half_way_from_september():
    assert drawn_at(date(2026, 10, 15)) == pd.Timestamp(2026, 9, 1) + pd.Timedelta(days=30) * (
        15 / 31
    )
    assert drawn_at(date(2026, 10, 31)) == pd.Timestamp(2026, 10, 1)


# --- whose interventions an organisation's trend shows -------------------------------------------


def orgs_frame() -> tuple[pd.DataFrame, pd.DataFrame]:
    orgs = pd.DataFrame(ORGS, columns=ORG_HEADER).replace("", None)
    return orgs, report.pcn_membership(orgs)


def test_a_trend_shows_its_own_those_above_and_a_pcns_practices():
    orgs, pcns = orgs_frame()
    # a practice: itself, its PCN, and the PCN's place and ICB
    assert set(report.marked_orgs(orgs, pcns, "practice", "Y00007")) == {
        "Y00007", "U00004", "03C", "QB2",
    }  # fmt: skip
    # U00003 straddles places 02B and 03C: its own place (the larger list, 02B) and ICB come too
    assert set(report.marked_orgs(orgs, pcns, "practice", "Y00006")) == {
        "Y00006", "U00003", "03C", "QB2", "02B", "QA1",
    }  # fmt: skip
    assert set(report.marked_orgs(orgs, pcns, "practice", "Y00010")) == {"Y00010", "04D", "QC3"}
    assert report.marked_orgs(orgs, pcns, "pcn", "U00001") == [
        "U00001", "01A", "QA1", "Y00001", "Y00002",
    ]  # fmt: skip
    assert report.marked_orgs(orgs, pcns, "place", "03C") == ["03C", "QB2"]
    assert report.marked_orgs(orgs, pcns, "icb", "QA1") == ["QA1"]


def test_the_marks_are_numbered_named_and_labelled(store):
    store.add_intervention(
        "U00001", OCTOBER, "A note far too long to fit beside its line", who="AB"
    )
    store.add_intervention("Y00001", date(2025, 6, 2), "Extra clinic", indicator_code="HI-03")
    orgs, pcns = orgs_frame()
    marks = report.intervention_marks(store.interventions(), report.org_names(orgs, pcns))
    assert marks["number"].tolist() == [1, 2]
    first, second = marks.to_dict("records")
    assert (first["on"], first["indicator"], first["who"], first["day"]) == (
        "One (Y00001)", "HI-03", report.NOT_NAMED, "2 Jun 2025",
    )  # fmt: skip
    assert first["label"] == "1 Extra clinic"
    assert (second["on"], second["indicator"], second["who"]) == (
        "PCN 1 (U00001)", "every indicator", "AB",
    )  # fmt: skip
    assert second["label"] == "2 A note far too long to…" and len(second["label"]) <= 26
    assert second["month"] == drawn_at(OCTOBER)
    assert report.intervention_marks(store.interventions(org_codes=[]), {}).empty


# --- who may mark ---------------------------------------------------------------------------------


def test_only_a_session_that_can_upload_marks_and_only_what_it_sees(tmp_path):
    path = write_csv(tmp_path / "orgs.csv", ORG_HEADER, ORGS)
    with open(path, newline="", encoding="utf-8") as handle:
        orgs = pd.DataFrame(list(csv.DictReader(handle))).replace("", None)
    manager = scope_for("pm@nhs.net", [Grant("pm@nhs.net", "pcn", "U00001", True)], orgs)
    admin = scope_for("ad@nhs.net", [Grant("ad@nhs.net", "admin", None, True)], orgs)
    assert manager.sees("U00001") and not manager.marks("U00001")  # uploads are an admin's
    assert admin.marks("U00001") and EVERYTHING.marks("Y00010")
    assert not nothing("x@nhs.net").marks("U00001")
