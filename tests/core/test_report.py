"""The page-shaped queries of iif_core.report, on small hand-made frames with hand-worked answers.

The network of the contract's worked example (iif-rules.md section 6): three practices of PCN
U00001 with numerators 1,900, 2,600, 1,450 and denominators 2,300, 3,100, 1,800 on VI-01 (40
points, LT 80%, UT 86%, £200 a point): 82.639%, 17.59 points, £3,518.52, 242 patients to UT.
"""

import math
from datetime import date

import pandas as pd
import pytest

from iif_core import report
from iif_core.problems import InputError
from iif_core.schemes import parse_scheme
from iif_core.score import score

SCHEME = parse_scheme(
    """
year = "2021/22"
value_per_point = 200

[indicators."VI-01"]
name = "Flu vaccination, aged 65 and over"
unit = "percent"
direction = "higher"
lower_threshold = 80
upper_threshold = 86
points = 40
confirmed = true

[indicators."XX-01"]
name = "Something that should fall"
unit = "percent"
direction = "lower"
lower_threshold = 30
upper_threshold = 20
points = 10
"""
)
ORGS = pd.DataFrame(
    [
        ("A00001", "Alder Surgery", "U00001", "North PCN", "01A", "Place A", "QAA", "ICB A", 10000),
        ("A00002", "Birch Practice", "U00001", "North PCN", "01A", "Place A", "QAA", "ICB A", 20000),
        ("A00003", "Cedar Health", "U00001", "North PCN", "01A", "Place A", "QAA", "ICB A", 15000),
        ("A00004", "Damson Surgery", "U00002", "South PCN", "01A", "Place A", "QAA", "ICB A", 9000),
        ("A00005", "Elm Lone Practice", None, None, "01A", "Place A", "QAA", "ICB A", 5000),
    ],
    columns=["practice_code", "practice_name", "pcn_code", "pcn_name", "place_code",
             "place_name", "icb_code", "icb_name", "list_size"],
)  # fmt: skip
SEPTEMBER, AUGUST = date(2021, 9, 30), date(2021, 8, 31)
EXTRACT = pd.DataFrame(
    [
        ("A00001", "VI-01", "2021-09-30", 1900, 2300, 0),
        ("A00002", "VI-01", "2021-09-30", 2600, 3100, 0),
        ("A00003", "VI-01", "2021-09-30", 1450, 1800, 0),
        ("A00004", "VI-01", "2021-09-30", 900, 1000, 0),
        ("A00005", "VI-01", "2021-09-30", 10, 20, 0),
        ("A00001", "VI-01", "2021-08-31", 1000, 2300, 0),
        ("A00002", "VI-01", "2021-08-31", 1300, 3100, 0),
        ("A00001", "XX-01", "2021-09-30", 25, 100, 0),
    ],
    columns=["practice_code", "indicator_code", "period_end", "numerator", "denominator",
             "pca_count"],
)  # fmt: skip


@pytest.fixture(scope="module")
def scored():
    return score(SCHEME, ORGS, EXTRACT)


@pytest.fixture(scope="module")
def pcns():
    return report.pcn_membership(ORGS)


# --- organisations ----------------------------------------------------------------------------


def test_org_choices_are_sorted_by_name_and_searchable_by_name_or_code(scored):
    choices = report.org_choices(scored, "practice")
    assert choices["org_name"].tolist() == sorted(choices["org_name"])
    assert "Alder Surgery (A00001)" in choices["label"].tolist()
    assert report.org_choices(ORGS, "pcn")["label"].tolist() == [
        "North PCN (U00001)",
        "South PCN (U00002)",
    ]
    assert report.org_choices(ORGS, "practice", only=["A00002"])["org_code"].tolist() == ["A00002"]


def test_a_pcn_belongs_to_the_place_the_core_assigns(pcns):
    assert set(pcns["pcn_code"]) == {"U00001", "U00002"}
    assert set(pcns["place_code"]) == {"01A"}


def test_related_org_follows_the_choice_across_levels(pcns):
    assert report.related_org(ORGS, pcns, "practice", "A00002", "pcn") == "U00001"
    assert report.related_org(ORGS, pcns, "practice", "A00002", "place") == "01A"
    assert report.related_org(ORGS, pcns, "pcn", "U00001", "practice") == "A00001"
    assert report.related_org(ORGS, pcns, "place", "01A", "pcn") == "U00001"
    assert report.related_org(ORGS, pcns, "practice", "A00005", "pcn") is None


def test_practices_in_each_level(pcns):
    assert report.practices_in(ORGS, pcns, "pcn", "U00001") == ["A00001", "A00002", "A00003"]
    assert report.practices_in(ORGS, pcns, "place", "01A") == [
        "A00001", "A00002", "A00003", "A00004",
    ]  # fmt: skip
    assert report.practices_in(ORGS, pcns, "practice", "A00005") == ["A00005"]


def test_a_practice_in_no_pcn_earns_no_iif():
    context = report.org_context(ORGS, "practice", "A00005", "Elm Lone Practice")
    assert not context.in_pcn and not context.earns_iif
    assert "in no Primary Care Network" in context.payment_note
    member = report.org_context(ORGS, "practice", "A00001", "Alder Surgery")
    assert member.pcn_code == "U00001" and "North PCN" in member.payment_note
    assert report.org_context(ORGS, "pcn", "U00001").payment_note is None


def test_periods_latest_first_and_default_latest_with_data(scored):
    assert report.period_choices(scored) == [SEPTEMBER, AUGUST]
    assert report.default_period(scored) == SEPTEMBER
    later = scored.assign(period_end=pd.Timestamp("2021-10-31"), practices_with_data=0)
    assert report.default_period(pd.concat([scored, later])) == SEPTEMBER
    assert report.default_period(pd.DataFrame()) is None
    assert report.default_period(scored, "practice", "A00003") == SEPTEMBER
    assert report.default_period(scored, "practice", "A00001") == SEPTEMBER


# Periods at network level (decisions.md D22): North PCN's three practices all sent July,
# two sent August, only Alder sent September. Nobody else is in these frames.
NETWORK_EXTRACT = pd.DataFrame(
    [
        ("A00001", "VI-01", "2021-07-31", 500, 2300, 0),
        ("A00002", "VI-01", "2021-07-31", 600, 3100, 0),
        ("A00003", "XX-01", "2021-07-31", 20, 100, 0),  # another indicator counts as sent
        ("A00001", "VI-01", "2021-08-31", 1000, 2300, 0),
        ("A00002", "VI-01", "2021-08-31", 1300, 3100, 0),
        ("A00001", "VI-01", "2021-09-30", 1900, 2300, 0),
    ],
    columns=EXTRACT.columns,
)
NORTH = ["A00001", "A00002", "A00003"]
JULY = date(2021, 7, 31)


def test_a_partial_month_never_becomes_the_networks_default():
    scored = score(SCHEME, ORGS[ORGS["pcn_code"] == "U00001"], NETWORK_EXTRACT)
    table = report.period_completeness(scored, NORTH)
    assert table.to_dict("records") == [
        {"period_end": SEPTEMBER, "practices_with_data": 1, "member_practices": 3, "complete": False},
        {"period_end": AUGUST, "practices_with_data": 2, "member_practices": 3, "complete": False},
        {"period_end": JULY, "practices_with_data": 3, "member_practices": 3, "complete": True},
    ]  # fmt: skip
    assert report.default_period(scored, "pcn", "U00001", table) == JULY
    # A practice's own view: its own latest period end, partial or not for its network.
    assert report.default_period(scored, "practice", "A00001") == SEPTEMBER
    assert report.default_period(scored, "practice", "A00003") == JULY
    note = report.period_note(table, JULY)
    assert note.partial == {SEPTEMBER: "1 of 3 practices", AUGUST: "2 of 3 practices"}
    assert note.default.startswith("31 Jul 2021 is the latest period end with figures from all 3")
    assert "30 Sep 2021 is partial (1 of 3 practices so far)" in note.default


def test_with_no_complete_month_the_default_is_the_one_with_the_most_practices():
    without_july = NETWORK_EXTRACT[NETWORK_EXTRACT["period_end"] != "2021-07-31"]
    scored = score(SCHEME, ORGS[ORGS["pcn_code"] == "U00001"], without_july)
    table = report.period_completeness(scored, NORTH)
    assert not table["complete"].any()
    assert report.default_period(scored, "pcn", "U00001", table) == AUGUST
    assert "No period end has figures from all 3 member practices" in (
        report.period_note(table, AUGUST).default
    )
    # A tie goes to the latest: two months with one practice each.
    tie = without_july[without_july["practice_code"] == "A00001"]
    table = report.period_completeness(score(SCHEME, ORGS, tie), NORTH)
    assert report.default_period(score(SCHEME, ORGS, tie), "pcn", "U00001", table) == SEPTEMBER


def test_a_month_not_every_member_practice_sent_is_marked_partial():
    # North PCN: all 3 practices sent July, 2 sent August, 1 sent September.
    scored = score(SCHEME, ORGS[ORGS["pcn_code"] == "U00001"], NETWORK_EXTRACT)
    table = report.period_completeness(scored, NORTH)
    assert report.partial_counts(table, SEPTEMBER) == (1, 3)
    assert report.partial_words(table, AUGUST) == "2 of 3 practices"
    assert report.partial_counts(table, JULY) is None
    assert report.partial_words(table, JULY) is None
    # Figures of one period end: every row carries the mark of the period chosen.
    cards = report.indicator_rows(scored, SCHEME, "pcn", "U00001", SEPTEMBER)
    marked = report.mark_partial(cards, table, SEPTEMBER)
    assert marked[list(report.PARTIAL_COLUMNS)].to_dict("records") == [
        {"period_partial": True, "period_practices_with_data": 1, "period_member_practices": 3},
    ] * len(SCHEME.indicators)
    assert list(marked.columns[-3:]) == list(report.PARTIAL_COLUMNS)
    assert len(cards.columns) + 3 == len(marked.columns)  # the frame given is left as it was
    complete = report.mark_partial(cards, table, JULY)
    assert not complete["period_partial"].any()
    assert complete["period_practices_with_data"].tolist() == [3, 3]
    # Rows of several period ends: each by its own.
    months = pd.DataFrame(
        {"period_end": pd.to_datetime(["2021-07-31", "2021-08-31", "2021-09-30"])}
    )
    assert report.mark_partial(months, table)["period_partial"].tolist() == [False, True, True]
    # A practice has no members to wait for: never partial, no counts.
    practice = report.mark_partial(cards, pd.DataFrame(), SEPTEMBER)
    assert not practice["period_partial"].any()
    assert practice["period_member_practices"].isna().all()
    assert report.partial_words(pd.DataFrame(), SEPTEMBER) is None


def test_the_trend_marks_the_networks_partial_months_and_never_a_practices(pcns):
    scored = score(SCHEME, ORGS, NETWORK_EXTRACT)
    series = report.trend(scored, ORGS, "pcn", "U00001", "VI-01", None, pcns)
    own = series[series["kind"] == "this year"]
    own = own.set_index(own["period_end"].dt.date)
    assert own["period_partial"].to_dict() == {JULY: False, AUGUST: True, SEPTEMBER: True}
    assert own["period_practices_with_data"].tolist() == [3, 2, 1]
    assert set(own["period_member_practices"]) == {3}
    # The practices' lines are marked by the network's month too: the file says what the PCN's
    # September is, on every row of September.
    member = series[(series["kind"] == "member") & (series["period_end"].dt.date == SEPTEMBER)]
    assert member["period_partial"].all()
    assert report.trend_months(series)["partial"] == {
        AUGUST: "2 of 3 practices",
        SEPTEMBER: "1 of 3 practices",
    }
    # A practice's own trend is never partial, its PCN's line included.
    practice = report.trend(scored, ORGS, "practice", "A00001", "VI-01", None, pcns)
    assert not practice["period_partial"].any()
    assert report.trend_months(practice)["partial"] == {}
    # Last year's months are marked by last year's figures: there, all three practices sent
    # September and two sent August (this year only one sent September).
    last_year = score(SCHEME, ORGS, EXTRACT)
    last_year = last_year.assign(period_end=last_year["period_end"] - pd.DateOffset(years=1))
    series = report.trend(scored, ORGS, "pcn", "U00001", "VI-01", last_year, pcns)
    before = series[series["kind"] == "last year"]
    assert dict(zip(before["period_end"].dt.month, before["period_partial"], strict=True)) == {
        8: True,
        9: False,
    }


# --- overview ---------------------------------------------------------------------------------


def test_overview_of_the_worked_example(scored):
    view = report.overview(scored, SCHEME, "pcn", "U00001", SEPTEMBER)
    card = view.cards.set_index("indicator_code").loc["VI-01"]
    assert card["achievement"] == pytest.approx(100 * 5950 / 7200)
    assert card["status"] == "amber" and card["status_label"] == "◐ Earning"
    assert card["points_achieved"] == pytest.approx(40 * (5950 / 72 - 80) / 6)
    assert card["payment_achieved"] == pytest.approx(3518.52, abs=0.005)
    assert card["patients_to_upper"] == 242
    assert card["completeness"] == 1.0
    other = view.cards.set_index("indicator_code").loc["XX-01"]
    assert other["status"] == "amber" and other["completeness"] == pytest.approx(1 / 3)
    assert view.cards["indicator_code"].tolist() == ["VI-01", "XX-01"]  # the scheme's order
    assert view.totals["points_available"] == 50
    assert view.totals["payment_outstanding"] == pytest.approx(
        view.totals["payment_available"] - view.totals["payment_achieved"]
    )
    assert view.totals["amber_count"] == 2 and view.totals["red_count"] == 0
    assert view.pays and view.unadjusted  # no national average list size in this scheme
    assert view.unconfirmed == ["value of a point", "XX-01 lower threshold",
                                "XX-01 upper threshold", "XX-01 points"]  # fmt: skip
    assert view.as_at == SEPTEMBER


def test_an_area_card_counts_its_pcns_by_status(scored, pcns):
    view = report.overview(scored, SCHEME, "place", "01A", SEPTEMBER, pcns)
    texts = view.cards.set_index("indicator_code")["pcn_status_text"]
    assert texts["VI-01"] == "PCNs: ✔ 1 · ◐ 1 · ✖ 0"  # South at 90%, North at 82.6%
    assert texts["XX-01"] == "PCNs: ✔ 0 · ◐ 1 · ✖ 0 · – 1"  # South sent no XX-01


def test_overview_of_a_practice_shows_no_money(scored):
    view = report.overview(scored, SCHEME, "practice", "A00001", SEPTEMBER)
    assert not view.pays and view.totals["payment_achieved"] is None
    assert view.cards.set_index("indicator_code").loc["VI-01", "patients_to_upper"] == 78


def test_an_indicator_without_data_is_a_no_data_card(scored):
    view = report.overview(scored, SCHEME, "pcn", "U00001", AUGUST)
    card = view.cards.set_index("indicator_code").loc["XX-01"]
    assert card["status"] == "no_data" and card["status_label"] == "– No data"
    assert card["completeness"] == 0


def test_completeness_in_words():
    assert report.completeness_text(17, 18) == "17 of 18 member practices have data (94%)"
    assert report.completeness_text(1, 18) == "1 of 18 member practices has data (6%)"
    assert report.completeness_text(0, 1, "practice") == "The practice sent no data for this period"
    totals = {"practices_with_data_min": 1, "practices_with_data_max": 3, "member_practices": 3}
    assert "1 to 3 of 3" in report.scheme_completeness_text(totals)


# --- variation --------------------------------------------------------------------------------


def test_practice_contributions_add_up_to_the_network_gap(scored, pcns):
    view = report.practice_variation(
        scored, ORGS, SCHEME, "pcn", "U00001", "VI-01", SEPTEMBER, pcns
    )
    members = view.members.set_index("org_code")
    # 86% of each denominator, less the numerator: 1,978 - 1,900; 2,666 - 2,600; 1,548 - 1,450.
    assert members.loc["A00001", "gap_contribution"] == pytest.approx(78)
    assert members.loc["A00002", "gap_contribution"] == pytest.approx(66)
    assert members.loc["A00003", "gap_contribution"] == pytest.approx(98)
    assert members["gap_contribution"].sum() == pytest.approx(view.parent["patients_to_upper"])
    assert members.loc["A00003", "gap_share"] == pytest.approx(98 / 242)
    assert view.members["org_code"].tolist() == ["A00003", "A00001", "A00002"]  # worst first
    assert view.member_level == "practice" and view.message is None


def test_a_practice_is_shown_among_its_network(scored, pcns):
    view = report.practice_variation(
        scored, ORGS, SCHEME, "practice", "A00002", "VI-01", SEPTEMBER, pcns
    )
    assert view.highlight == "A00002" and len(view.members) == 3
    lone = report.practice_variation(
        scored, ORGS, SCHEME, "practice", "A00005", "VI-01", SEPTEMBER, pcns
    )
    assert lone.members.empty and "no Primary Care Network" in lone.message


def test_a_place_compares_its_pcns(scored, pcns):
    view = report.practice_variation(scored, ORGS, SCHEME, "place", "01A", "VI-01", SEPTEMBER, pcns)
    members = view.members.set_index("org_code")
    assert view.member_level == "pcn"
    # South PCN: 900 of 1,000 is above 86%, so 0 patients; North needs 242.
    assert members.loc["U00001", "gap_contribution"] == 242
    assert members.loc["U00002", "gap_contribution"] == 0
    assert members["gap_contribution"].sum() == view.parent["patients_to_upper"]


def test_a_lower_is_better_shortfall_counts_events_above_the_upper_threshold(scored, pcns):
    view = report.practice_variation(
        scored, ORGS, SCHEME, "pcn", "U00001", "XX-01", SEPTEMBER, pcns
    )
    members = view.members.set_index("org_code")
    assert members.loc["A00001", "gap_contribution"] == pytest.approx(5)  # 25 - 20% of 100
    assert math.isnan(members.loc["A00002", "gap_contribution"])  # no data


# --- trends -----------------------------------------------------------------------------------


def test_trend_has_the_network_its_practices_and_last_year(scored, pcns):
    last_year = scored.assign(
        period_end=scored["period_end"] - pd.DateOffset(years=1),
        achievement=scored["achievement"] / 2,
    )
    series = report.trend(scored, ORGS, "pcn", "U00001", "VI-01", last_year, pcns)
    assert set(series["kind"]) == {"this year", "member", "last year"}
    own = series[series["kind"] == "this year"]
    assert own["period_end"].dt.date.tolist() == [AUGUST, SEPTEMBER]
    assert set(series.loc[series["kind"] == "member", "org_code"]) == {"A00001", "A00002", "A00003"}
    before = series[series["kind"] == "last year"]
    assert (before["shown_at"] - before["period_end"]).dt.days.min() >= 365
    # Cedar Health sent nothing in August: North PCN's August is partial (decisions.md D22).
    assert report.trend_months(series) == {
        "months": 2,
        "last_year": True,
        "partial": {AUGUST: "2 of 3 practices"},
    }


def test_last_year_is_drawn_at_the_same_month_end():
    assert report._a_year_later(pd.Timestamp("2021-02-28")) == pd.Timestamp("2022-02-28")
    assert report._a_year_later(pd.Timestamp("2020-02-29")) == pd.Timestamp("2021-02-28")
    assert report._a_year_later(pd.Timestamp("2023-02-28")) == pd.Timestamp("2024-02-29")


def test_a_practice_trend_shows_its_pcn(scored, pcns):
    series = report.trend(scored, ORGS, "practice", "A00001", "VI-01", None, pcns)
    assert set(series.loc[series["kind"] == "member", "org_code"]) == {"U00001"}


# --- payment ----------------------------------------------------------------------------------


def test_payment_ranking_by_the_money_left(scored):
    ranking = report.payment_ranking(scored, SCHEME, "pcn", "U00001", SEPTEMBER)
    assert ranking["indicator_code"].tolist() == ["VI-01", "XX-01"]
    assert ranking["rank"].tolist() == [1, 2]
    first = ranking.iloc[0]
    assert first["payment_outstanding"] == pytest.approx(8000 - 3518.5185, abs=0.01)
    assert first["value_per_patient"] == pytest.approx(first["payment_outstanding"] / 242)
    # 40 points over 6 percentage points; one patient is 100/7,200 of a point of achievement.
    assert first["marginal_value"] == pytest.approx(40 / 6 * 100 / 7200 * 200)
    assert "242 more patients" in first["explanation"]
    assert "Falling back to 80%" in first["explanation"]
    assert report.payment_ranking(scored, SCHEME, "practice", "A00001", SEPTEMBER).empty


def test_area_rankings_have_no_marginal_value(scored):
    ranking = report.payment_ranking(scored, SCHEME, "place", "01A", SEPTEMBER)
    assert ranking["marginal_value"].isna().all()


def test_the_cliff_in_plain_words():
    indicator = SCHEME.indicators["VI-01"]
    red = {"status": "red", "patients_to_lower": 12, "patients_to_upper": 100,
           "payment_outstanding": 8000.0, "payment_available": 8000.0}  # fmt: skip
    text = report.cliff_explanation(red, indicator)
    assert "Nothing is paid" in text and "12 more patients" in text and "£8,000.00" in text
    green = {"status": "green", "payment_available": 8000.0}
    assert "all £8,000.00 is earned" in report.cliff_explanation(green, indicator)
    fewer = {"status": "amber", "patients_to_upper": 3, "payment_outstanding": 10.0}
    assert "3 fewer events" in report.cliff_explanation(fewer, SCHEME.indicators["XX-01"])
    assert "No data" in report.cliff_explanation({"status": "no_data"}, indicator)
    area = report.cliff_explanation(red, indicator, area=True)
    assert "Each PCN is paid on its own achievement" in area and "100 more patients" in area


def test_work_ranking_values_each_practices_shortfall(scored, pcns):
    work = report.work_ranking(scored, SCHEME, ORGS, "pcn", "U00001", SEPTEMBER, pcns)
    vi = work[work["indicator_code"] == "VI-01"].set_index("org_code")
    assert vi["patients_to_upper"].to_dict() == {"A00003": 98, "A00001": 78, "A00002": 66}
    per_patient = (8000 - 3518.5185) / 242
    assert vi.loc["A00003", "work_value"] == pytest.approx(98 * per_patient, rel=1e-4)
    assert work.iloc[0]["org_code"] == "A00003"
    place = report.work_ranking(scored, SCHEME, ORGS, "place", "01A", SEPTEMBER, pcns)
    assert place["org_code"].tolist()[0] == "U00001"  # South PCN has nothing left to do on VI-01
    assert report.work_ranking(scored, SCHEME, ORGS, "practice", "A00001", SEPTEMBER).empty


# --- patients ---------------------------------------------------------------------------------

PATIENTS = pd.DataFrame(
    [
        ("A00001", "VI-01", "P1", "Y", "N", "2021-09-30", 70, "F", "White", 1),
        ("A00001", "VI-01", "P2", "N", "N", "2021-09-30", 81, "M", "Asian", 2),
        ("A00001", "VI-01", "P3", "N", "Y", "2021-09-30", 66, "F", "White", 9),
        ("A00002", "VI-01", "P4", "N", "N", "2021-09-30", 67, "F", "Black", 10),
        ("A00002", "VI-01", "P5", "no", "no", "2021-09-30", 17, "F", "White", 5),
        ("A00002", "XX-01", "P6", "N", "N", "2021-09-30", 40, "M", "White", 3),
        ("A00002", "VI-01", "P7", "N", "N", "2021-08-31", 90, "M", "White", 3),
    ],
    columns=["practice_code", "indicator_code", "patient_id", "achieved", "pca", "period_end",
             "age", "sex", "ethnicity", "imd_decile"],
)  # fmt: skip


@pytest.fixture(scope="module")
def patients():
    return report.prepare_patients(PATIENTS, ORGS)


def test_patients_are_prepared_in_the_apps_words(patients):
    assert patients["achieved"].tolist() == [True, False, False, False, False, False, False]
    assert patients["age_band"].tolist()[:5] == ["65-74", "75 and over", "65-74", "65-74",
                                                 "Under 18"]  # fmt: skip
    assert patients["imd_quintile"].tolist() == [1, 1, 5, 5, 3, 2, 2]
    assert patients["practice_name"].iloc[0] == "Alder Surgery"


def test_the_worklist_is_the_patients_not_achieved_without_a_pca(patients):
    worklist = report.patient_worklist(
        patients, {"indicator_code": "VI-01", "period_end": SEPTEMBER}
    )
    assert worklist["patient_id"].tolist() == ["P2", "P4", "P5"]
    counts = report.worklist_counts(worklist)
    assert counts.set_index("practice_code")["patients_to_do"].to_dict() == {
        "A00002": 2,
        "A00001": 1,
    }
    assert counts["practice_code"].tolist() == ["A00002", "A00001"]  # most first


def test_worklist_filters(patients):
    def ids(**filters):
        base = {"indicator_code": "VI-01", "period_end": SEPTEMBER}
        return report.patient_worklist(patients, {**base, **filters})["patient_id"].tolist()

    assert ids(practice_codes=["A00001"]) == ["P2"]
    assert ids(age_bands=["65-74"]) == ["P4"]
    assert ids(sexes=["F"]) == ["P4", "P5"]
    assert ids(ethnicities=["Asian"]) == ["P2"]
    assert ids(quintiles=[5]) == ["P4"]
    assert ids(quintiles=[]) == ["P2", "P4", "P5"]  # an empty filter keeps everyone
    with pytest.raises(ValueError, match="unknown filter"):
        report.patient_worklist(patients, {"colour": ["blue"]})


def test_worklist_options(patients):
    options = report.worklist_options(patients)
    assert options["age_bands"] == ["Under 18", "40-64", "65-74", "75 and over"]
    assert options["quintiles"] == [1, 2, 3, 5]


def test_inequality_gaps_by_quintile(patients):
    gaps = report.inequality_gaps(patients, {"indicator_code": "VI-01", "period_end": SEPTEMBER})
    first = gaps.set_index("imd_quintile").loc[1]
    assert (first["eligible"], first["achieved"], first["to_do"]) == (2, 1, 1)
    assert first["achievement"] == 50
    assert 5 in gaps["imd_quintile"].tolist()  # P4; P3 has a PCA and is not eligible


# --- scheme editing ---------------------------------------------------------------------------


def test_the_scheme_table_reads_back_to_the_same_scheme():
    table = report.scheme_table(SCHEME)
    assert table["lower_threshold"].tolist() == [80.0, 30.0]
    again = report.scheme_from_table(table, SCHEME, 200, None)
    assert again == SCHEME


def test_an_edited_scheme_is_checked_like_a_file():
    table = report.scheme_table(SCHEME)
    table.loc[0, "upper_threshold"] = 86.5
    edited = report.scheme_from_table(table, SCHEME, 210.5, 48000)
    assert str(edited.indicators["VI-01"].upper_threshold) == "86.5"
    assert float(edited.value_per_point) == 210.5
    assert edited.national_average_list_size == 48000
    table.loc[0, "upper_threshold"] = 70
    with pytest.raises(InputError) as error:
        report.scheme_from_table(table, SCHEME, 200, None)
    assert "VI-01" in str(error.value) and "upper_threshold" in str(error.value)


# --- uploads ----------------------------------------------------------------------------------


def test_the_preview_shows_the_first_rows_as_written(tmp_path):
    path = tmp_path / "semicolons.csv"
    path.write_text(
        "Practice Code;Indicator;Period End;Numerator;Denominator\n"
        "A00001;HI03;30/09/2025;5;10\nA00002;HI03;30/09/2025;6;12\n",
        encoding="utf-8",
    )
    preview = report.upload_preview(path, "semicolons.csv")
    assert preview.columns.tolist()[:3] == ["row", "Practice Code", "Indicator"]
    assert preview["row"].tolist() == [2, 3]
    assert preview["Numerator"].tolist() == ["5", "6"]
    (tmp_path / "empty.csv").write_bytes(b"")
    assert report.upload_preview(tmp_path / "empty.csv", "empty.csv").empty


# --- signal or noise: funnel plots ------------------------------------------------------------


def funnel_variation(direction: str = "higher", highlight: str | None = None):
    """A network at 80% (pooled 80.0%) and its practices: Alder at 80% of 500 (inside), Birch at
    94% of 500 (beyond 80% + 3.09 x sqrt(0.16/500) = 85.5%), Cedar at 75.6% of 500 (below
    80% - 1.96 x 1.79 = 76.5% but above the 99.8% limit of 74.5%), Damson 5 of 10 (small)."""
    members = pd.DataFrame(
        {
            "org_code": ["A1", "B2", "C3", "D4"],
            "org_name": ["Alder", "Birch", "Cedar", "Damson"],
            "numerator": [400, 470, 378, 5],
            "denominator": [500, 500, 500, 10],
            "achievement": [80.0, 94.0, 75.6, 50.0],
        }
    )
    parent = {"level": "pcn", "org_code": "U1", "org_name": "North PCN", "achievement": 80.0}
    return report.Variation(members, parent, "practice", highlight)


def test_the_funnel_flags_members_beyond_its_limits_by_the_direction():
    indicator = SCHEME.indicators["VI-01"]
    view = report.funnel(funnel_variation(), indicator)
    flags = view.points.set_index("org_code")["flag"].to_dict()
    assert flags == {
        "A1": "Inside the limits",
        "B2": "Better: beyond the 99.8% limit",
        "C3": "Worse: beyond the 95% limit",
        "D4": "Small denominator: not judged",
    }
    assert view.flagged["org_code"].tolist() == ["B2", "C3"]  # furthest out first
    assert view.small["org_code"].tolist() == ["D4"]
    assert view.comparator == 80.0 and view.comparator_level == "PCN"
    # Alder's own Wilson interval, 400 of 500: 76.28% to 83.27%
    alder = view.points.set_index("org_code").loc["A1"]
    assert (alder["interval_low"], alder["interval_high"]) == (
        pytest.approx(76.28, abs=0.01), pytest.approx(83.27, abs=0.01),
    )  # fmt: skip
    words = report.funnel_explanation(view)
    assert "differ from the PCN by no more than chance" in words["reading"]
    assert "Birch (better, beyond the 99.8% limit)" in words["finding"]
    assert "Cedar (worse, beyond the 95% limit)" in words["finding"]
    assert words["small"].startswith("1 practice with a denominator under 30")
    assert "exact binomial limits" in words["method"]


def test_a_lower_is_better_funnel_turns_the_judgements_round():
    lower = SCHEME.indicators["XX-01"]
    view = report.funnel(funnel_variation(highlight="C3"), lower)
    flags = view.points.set_index("org_code")["flag"]
    assert flags["B2"] == "Worse: beyond the 99.8% limit"
    assert flags["C3"] == "Better: beyond the 95% limit"
    assert view.points.set_index("org_code")["chosen"].to_dict() == {
        "A1": False, "B2": False, "C3": True, "D4": False,
    }  # fmt: skip
    assert report.funnel_explanation(view)["finding"].startswith(
        "Cedar (ringed): better: beyond the 95% limit."
    )


def test_a_funnel_without_a_comparator_explains_itself():
    variation = funnel_variation()
    variation.parent["achievement"] = None
    assert "no pooled achievement" in report.funnel(variation, SCHEME.indicators["VI-01"]).message


# --- signal or noise: projections ---------------------------------------------------------------

MONTHS = [f"2021-{m:02d}-{d}" for m, d in ((4, 30), (5, 31), (6, 30), (7, 31), (8, 31), (9, 30))]


@pytest.fixture(scope="module")
def steady():
    """April to September, VI-01: Alder, Birch and Cedar 3 a month of 40 each (North PCN, 9 a
    month of 120: 54 by September); Damson 10 a month of 100 (South PCN: 60 by September)."""
    practices = (("A00001", 3, 40), ("A00002", 3, 40), ("A00003", 3, 40), ("A00004", 10, 100))
    rows = [
        (code, "VI-01", month, per_month * (i + 1), register, 0)
        for code, per_month, register in practices
        for i, month in enumerate(MONTHS)
    ]
    extract = pd.DataFrame(rows, columns=EXTRACT.columns)
    return score(SCHEME, ORGS, extract)


def test_projected_points_come_from_the_scoring_rules():
    # VI-01: LT 80%, UT 86%, 40 points, £200 a point, no adjustments in this scheme.
    # 830 of 1,000 (83%) earns (83 - 80) / 6 x 40 = 20 points, £4,000; 900 (90%) all 40 points;
    # 790 (79%) nothing. XX-01 (lower is better, LT 30%, UT 20%) at 25% earns half its 10 points.
    counts = pd.DataFrame(
        {
            "indicator_code": ["VI-01", "VI-01", "VI-01", "XX-01"],
            "list_size": [45000] * 4,
            "numerator": [830.4, 900, 790, 25],
            "denominator": [1000, 1000, 1000, 100],
            "pca_count": [0] * 4,
            "tag": ["a", "b", "c", "d"],
        }
    )
    scored = report.score_projected(SCHEME, counts, date(2022, 3, 31))
    assert scored["tag"].tolist() == ["a", "b", "c", "d"]  # the caller's columns are kept
    assert scored["points_achieved"].tolist() == pytest.approx([20, 40, 0, 5])
    assert scored["payment_achieved"].tolist() == pytest.approx([4000, 8000, 0, 1000])
    assert scored["status"].tolist() == ["amber", "green", "red", "amber"]


def test_a_pcn_projection_at_the_recent_pace(steady):
    # North PCN: 54 of 120 by September, 9 a month, 6 months left: 54 + 54 = 108 of 120 = 90%,
    # full points (40, £8,000). Every month alike, so the band is the point. To reach 86% of 120
    # (103.2) it needs 50 more patients: 8.33 a month.
    projection = report.projections(steady, SCHEME, ORGS, None, "pcn", "U00001", SEPTEMBER)
    row = report.projection_for(projection, "VI-01")
    assert row["method"] == "recent_pace" and row["method_label"] == "recent pace"
    assert row["achievement"] == pytest.approx(90.0)
    assert row["achievement_low"] == pytest.approx(90.0) == row["achievement_high"]
    assert row["status"] == "green" and row["status_label"] == "✔ Full points"
    assert row["points"] == pytest.approx(40) and row["payment"] == pytest.approx(8000)
    assert row["pace_needed"] == pytest.approx(50 / 6)
    assert row["pace_so_far"] == pytest.approx(9)
    assert row["months_left"] == 6 and row["year_end"] == date(2022, 3, 31)
    assert row["from_period"] == SEPTEMBER and row["achievement_from"] == pytest.approx(45)
    assert row["backtest_from"] is None  # no last year
    assert report.projection_for(projection, "XX-01")["message"] == (
        "No figures for this indicator yet, so nothing to project."
    )
    path = report.projection_path(row)
    assert path["achievement"].tolist() == pytest.approx([45.0, 90.0])
    assert path["shown_at"].dt.month.tolist() == [9, 3]
    totals = report.projection_totals(projection)
    assert totals["payment"] == pytest.approx(8000) and totals["green_count"] == 1


def test_a_place_is_paid_the_sum_of_its_pcns_projections(steady, pcns):
    # South PCN: 60 of 100 + 6 x 10 = 120, capped at the register: 100%, 40 points, £8,000.
    # The place: North's and South's points and £ added up, 80 points and £16,000.
    projection = report.projections(steady, SCHEME, ORGS, pcns, "place", "01A", SEPTEMBER)
    row = report.projection_for(projection, "VI-01")
    assert row["points"] == pytest.approx(80) and row["payment"] == pytest.approx(16000)
    assert row["points_available"] == pytest.approx(80)
    assert row["pcn_status_text"] == "PCNs projected: ✔ 2 · ◐ 0 · ✖ 0"
    practice = report.projection_for(
        report.projections(steady, SCHEME, ORGS, pcns, "practice", "A00001", SEPTEMBER), "VI-01"
    )
    assert practice["status"] == "green" and practice["payment"] is None  # IIF pays PCNs


def test_the_projection_is_checked_against_last_year(steady):
    # Last year the same network did 6 a month to September (36 of 120), then 12 a month: it
    # ended at 108 of 120 = 90%. From September the recent pace said 36 + 36 = 72 = 60%.
    last_scheme = parse_scheme(SCHEME_TEXT_2020, "2020.toml")
    rows = []
    for code in ("A00001", "A00002", "A00003"):
        for i in range(12):
            month = pd.Timestamp("2020-04-30") + pd.offsets.MonthEnd(i)
            done = 2 * (i + 1) if i < 6 else 12 + 4 * (i - 5)
            rows.append((code, "VI-01", month.date().isoformat(), done, 40, 0))
    last_year = score(last_scheme, ORGS, pd.DataFrame(rows, columns=EXTRACT.columns))
    projection = report.projections(
        steady, SCHEME, ORGS, None, "pcn", "U00001", SEPTEMBER, last_year, last_scheme
    )
    row = report.projection_for(projection, "VI-01")
    # This year's projection takes last year's shape: 54 x 108 / 36 = 162, capped at 120.
    assert row["method"] == "last_year_shape" and row["achievement"] == pytest.approx(100.0)
    assert row["backtest_method"] == "recent pace"
    assert row["backtest_achievement"] == pytest.approx(60.0)
    assert row["backtest_actual"] == pytest.approx(90.0)
    assert not row["backtest_within"]
    text = report.backtest_text(row)
    assert text.startswith(
        "Checked on last year: projected from September 2020 at the recent pace, this method "
        "said 60.0% (95% band 60.0% to 60.0%); the year ended at 90.0%: it under-shot by 30.0 "
        "points, outside its band. Last year was back-loaded"
    )
    assert "This year's projection uses last year's shape" in text


SCHEME_TEXT_2020 = """
year = "2020/21"
value_per_point = 200

[indicators."VI-01"]
name = "Flu vaccination, aged 65 and over"
unit = "percent"
direction = "higher"
lower_threshold = 80
upper_threshold = 86
points = 40
"""


def test_no_projection_without_a_month_with_every_practice(scored):
    # XX-01 in September: only Alder of North PCN's three practices sent figures.
    projection = report.projections(scored, SCHEME, ORGS, None, "pcn", "U00001", SEPTEMBER)
    row = report.projection_for(projection, "XX-01")
    assert row["message"].startswith("No month yet with figures from every member practice")
    assert row["status"] == "no_data" and row["points"] is None


def test_an_indicator_that_starts_later_is_measured_from_its_first_month(steady):
    later = steady.copy()
    flu = later["indicator_code"] == "XX-01"
    later.loc[flu, "practices_with_data"] = 0
    later.loc[flu & (later["period_end"] >= pd.Timestamp("2021-09-01")), "practices_with_data"] = 1
    assert report.measurement_start(later, SCHEME, "XX-01") == date(2021, 9, 1)
    assert report.measurement_start(later, SCHEME, "VI-01") == date(2021, 4, 1)
    # and every indicator at once, as projections find them, gives the same
    from iif_core.report.projection import measurement_starts

    assert measurement_starts(later, SCHEME) == {
        "XX-01": date(2021, 9, 1),
        **{c: date(2021, 4, 1) for c in set(later["indicator_code"]) - {"XX-01"}},
    }
    assert measurement_starts(later.iloc[0:0], SCHEME) == {}


# --- signal or noise: SPC ---------------------------------------------------------------------


def test_spc_of_the_monthly_activity_with_its_icons(steady):
    view = report.spc(steady, ORGS, None, SCHEME, "pcn", "U00001", "VI-01", SEPTEMBER, 50 / 6)
    assert view.message is None
    assert view.table["activity"].tolist() == pytest.approx([9] * 6)
    assert view.variation == "common_cause"
    # 9 a month every month: the limits are 9 to 9, above the 8.33 needed: consistently passing.
    assert view.assurance == "consistently_passing"
    assert view.provisional and view.left_out.empty
    assert view.table["type_label"].unique().tolist() == ["Common cause"]
    short = report.spc(steady, ORGS, None, SCHEME, "pcn", "U00001", "VI-01", date(2021, 5, 31))
    assert "at least 3 months" in short.message and short.table.empty


def test_spc_leaves_out_a_month_with_a_practice_missing(scored, pcns):
    # In August Cedar Health sent nothing: North PCN's August is left out, and says who.
    view = report.spc(scored, ORGS, pcns, SCHEME, "pcn", "U00001", "VI-01", SEPTEMBER)
    assert view.left_out["period_end"].dt.date.tolist() == [AUGUST]
    assert "Cedar Health (A00003)" in view.left_out["who"].iloc[0]


def test_a_partial_month_sets_no_spc_limits_or_signals():
    # North PCN's practices 3 a month each from April (9 a month, 54 by September); in October
    # only Alder has sent (its 21 so far), so the pooled numerator falls from 54 to 21. Charted,
    # that would be a fall of 33 against limits of 9 to 9: a signal. It is a partial month (1 of
    # 3 practices): left out, and the latest month charted is September.
    rows = [
        (code, "VI-01", month, 3 * (i + 1), 40, 0)
        for code in NORTH
        for i, month in enumerate(MONTHS)
    ]
    rows.append(("A00001", "VI-01", "2021-10-31", 21, 40, 0))
    scored = score(SCHEME, ORGS, pd.DataFrame(rows, columns=EXTRACT.columns))
    OCTOBER = date(2021, 10, 31)
    table = report.period_completeness(scored, NORTH)
    assert report.partial_words(table, OCTOBER) == "1 of 3 practices"
    view = report.spc(scored, ORGS, None, SCHEME, "pcn", "U00001", "VI-01", OCTOBER, 50 / 6)
    assert view.left_out["period_end"].dt.date.tolist() == [OCTOBER]
    assert view.latest == SEPTEMBER
    assert view.table["activity"].tolist() == pytest.approx([9] * 6)
    assert view.variation == "common_cause"
    assert set(view.table["point_type"]) == {"common_cause"}


# --- completeness -----------------------------------------------------------------------------


def test_missing_practices_are_named(scored, pcns):
    missing = report.missing_practices(scored, ORGS, pcns, "pcn", "U00001", AUGUST, "VI-01")
    assert missing["practice_code"].tolist() == ["A00003"]
    assert report.missing_text(missing, "pcn") == (
        "No figures from Cedar Health (A00003) for 31 Aug 2021, so the PCN's figures count only "
        "the practices that sent them."
    )
    place = report.missing_practices(scored, ORGS, pcns, "place", "01A", AUGUST, "VI-01")
    assert place["practice_code"].tolist() == ["A00003", "A00004"]
    assert "Cedar Health (A00003, North PCN)" in report.missing_text(place, "place")
    assert report.missing_practices(scored, ORGS, pcns, "pcn", "U00001", SEPTEMBER, "VI-01").empty
    assert report.missing_text(pd.DataFrame(), "pcn") is None
    notes = report.incomplete_notes(
        scored, ORGS, pcns, "pcn", "U00001", SEPTEMBER, ["VI-01", "XX-01"]
    )
    assert notes == [
        "XX-01: No figures from Birch Practice (A00002) and Cedar Health (A00003) for "
        "30 Sep 2021, so the PCN's figures count only the practices that sent them."
    ]


def test_who_is_missing_once_found_answers_every_period_and_indicator(scored, pcns):
    """Missing works out who sent what once; each answer equals a count by hand: a member
    practice is missing from a month when it sent nothing for it while another member did."""
    for level, org_code in (("pcn", "U00001"), ("place", "01A")):
        members = report.practices_in(ORGS, pcns, level, org_code)
        missing = report.Missing(scored, ORGS, pcns, level, org_code)
        practice_rows = scored[(scored["level"] == "practice") & scored["org_code"].isin(members)]
        for indicator in [None, *sorted(set(scored["indicator_code"]))]:
            rows = practice_rows if indicator is None else (
                practice_rows[practice_rows["indicator_code"] == indicator]
            )  # fmt: skip
            for period in sorted(set(pd.to_datetime(scored["period_end"]))):
                sent = set(
                    rows.loc[
                        (pd.to_datetime(rows["period_end"]) == period)
                        & (rows["practices_with_data"] > 0),
                        "org_code",
                    ]
                )
                expected = sorted(set(members) - sent) if sent else []
                found = missing.practices(period.date(), indicator)
                assert sorted(found["practice_code"]) == expected, (level, indicator, period)


def test_completeness_and_staleness_per_practice(scored, pcns):
    table = report.data_completeness(scored, ORGS, pcns, "pcn", "U00001", SEPTEMBER)
    table = table.set_index("practice_code")
    assert table.loc["A00003", "periods_missing"] == 1
    assert table.loc["A00003", "missing_period_ends"] == "31 Aug 2021"
    assert table.loc["A00003", "data_note"] == "Missed 1 month"
    assert table.loc["A00001", "data_note"] == "Complete"
    assert table.loc["A00001", "months_behind"] == 0
    assert table.index.tolist()[0] == "A00003"  # the gaps first
    behind = report.data_completeness(scored, ORGS, pcns, "place", "01A", SEPTEMBER)
    damson = behind.set_index("practice_code").loc["A00004"]
    assert damson["months_behind"] == 0 and damson["periods_missing"] == 1
    summary = report.completeness_summary(table.reset_index())
    assert summary == "1 of 3 member practices missed at least one month."


def test_many_members_outside_the_funnel_are_counted_not_listed():
    # Five practices at 94% of 500 around a network at 80%: every one beyond the 99.8% limit.
    members = pd.DataFrame(
        {
            "org_code": [f"P{i}" for i in range(5)],
            "org_name": [f"Practice {i}" for i in range(5)],
            "numerator": [470] * 5,
            "denominator": [500] * 5,
            "achievement": [94.0] * 5,
        }
    )
    parent = {"level": "place", "org_code": "01A", "org_name": "Place A", "achievement": 80.0}
    view = report.funnel(report.Variation(members, parent, "pcn"), SCHEME.indicators["VI-01"])
    finding = report.funnel_explanation(view)["finding"]
    assert finding.startswith(
        "5 of 5 PCNs are outside the limits (higher is better): 5 better and 0 worse, 5 of them "
        "beyond the 99.8% lines; the table below lists them."
    )
    assert "Practice 0" not in finding


# --- indicators with dates (decisions.md D27) ---------------------------------------------------

DATED_SCHEME = parse_scheme(
    """
year = "2024/25"
value_per_point = 198

[indicators."CAN-02"]
name = "FIT (referrals)"
unit = "percent"
direction = "higher"
lower_threshold = 65
upper_threshold = 80
points = 22
end_date = 2024-09-30

[indicators."CAN-04"]
name = "FIT (patients)"
unit = "percent"
direction = "higher"
lower_threshold = 65
upper_threshold = 80
points = 22
start_date = 2024-10-01
"""
)


def dated_scored(periods):
    rows = [(code, period, 70, 100) for period in periods for code in ("CAN-02", "CAN-04")]
    extract = pd.DataFrame(
        [(p, code, period, n, d, 0) for p in ("A00001", "A00002", "A00003")
         for code, period, n, d in rows],
        columns=["practice_code", "indicator_code", "period_end", "numerator", "denominator",
                 "pca_count"],
    )  # fmt: skip
    return score(DATED_SCHEME, ORGS, extract)


def test_overview_and_payment_say_why_an_indicator_is_not_scored():
    scored = dated_scored(["2024-09-30", "2024-10-31"])
    september = report.overview(scored, DATED_SCHEME, "pcn", "U00001", date(2024, 9, 30))
    cards = september.cards.set_index("indicator_code")
    # 70% of 65-80: a third of 22 points on CAN-02; CAN-04 not yet in the scheme.
    assert cards.loc["CAN-02", "status"] == "amber"
    assert cards.loc["CAN-02", "dates_note"] == (
        "Withdrawn after 30 Sep 2024: scored until then, not paid at the year end."
    )
    assert cards.loc["CAN-04", "status"] == "not_in_scheme"
    assert cards.loc["CAN-04", "dates_note"] == "Starts 1 Oct 2024: not scored or paid before then."
    assert september.totals["points_available"] == 22
    assert september.totals["not_in_scheme_count"] == 1
    october = report.overview(scored, DATED_SCHEME, "pcn", "U00001", date(2024, 10, 31))
    assert october.totals["points_available"] == 22
    assert october.totals["points_achieved"] == pytest.approx(22 / 3)
    ranking = report.payment_ranking(scored, DATED_SCHEME, "pcn", "U00001", date(2024, 10, 31))
    explained = ranking.set_index("indicator_code")["explanation"]
    assert explained["CAN-02"] == (
        "Withdrawn after 30 Sep 2024: not scored or paid for later period ends."
    )
    assert explained["CAN-04"].startswith("Earning on the sliding scale between 65% and 80%")
    assert october.cards.set_index("indicator_code").loc["CAN-04", "dates_note"] == ""
    work = report.work_ranking(scored, DATED_SCHEME, ORGS, "pcn", "U00001", date(2024, 10, 31))
    assert set(work["indicator_code"]) == {"CAN-04"}  # no work is worth doing on CAN-02


def test_a_withdrawn_indicator_is_not_projected_to_earn_at_the_year_end():
    periods = [f"2024-{m:02d}-{d}" for m, d in ((8, 31), (9, 30), (10, 31), (11, 30))]
    scored = dated_scored(periods)
    projected = report.projections(
        scored, DATED_SCHEME, ORGS, None, "pcn", "U00001", date(2024, 11, 30)
    ).set_index("indicator_code")
    assert projected.loc["CAN-02", "status"] == "not_in_scheme"
    assert pd.isna(projected.loc["CAN-02", "points"]) and pd.isna(
        projected.loc["CAN-02", "payment"]
    )
    assert projected.loc["CAN-02", "message"].startswith("Withdrawn after 30 Sep 2024")
    assert projected.loc["CAN-04", "points_available"] == 22
    totals = report.projection_totals(projected.reset_index())
    assert totals["points"] == pytest.approx(projected.loc["CAN-04", "points"])
    # From August, before CAN-04 starts, it is still projected to the year end, when it pays.
    early = report.projections(
        scored, DATED_SCHEME, ORGS, None, "pcn", "U00001", date(2024, 8, 31)
    ).set_index("indicator_code")
    assert early.loc["CAN-04", "points_available"] == 22
    assert early.loc["CAN-04", "status"] != "not_in_scheme"
