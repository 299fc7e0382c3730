"""Indicators with start and end dates (decisions.md D27), expected values worked out by hand."""

import datetime as dt
from fractions import Fraction as F

import pytest

from spec.helpers import check, count, indicator, pick, practice, run_engine, scheme_toml

SEPTEMBER, OCTOBER = "2025-09-30", "2025-10-31"
# XX-01 is withdrawn after 30 September; ZZ-01 starts on 1 October; YY-01 runs all year.
DATED = {
    "XX-01": indicator(lt=80, ut=86, points=40, end_date=dt.date(2025, 9, 30)),
    "YY-01": indicator(lt=50, ut=70, points=10),
    "ZZ-01": indicator(lt=80, ut=86, points=22, start_date=dt.date(2025, 10, 1)),
}
ORGS = [practice("A00001", list_size=10000), practice("A00002", pcn="U00002", list_size=30000)]
COUNTS = [
    count(p, code, n, 100, period)
    for p in ("A00001", "A00002")
    for period in (SEPTEMBER, OCTOBER)
    for code, n in (("XX-01", 83), ("YY-01", 60), ("ZZ-01", 83))
]
NOT_SCORED = dict.fromkeys(
    ("points_available", "points_achieved", "payment_available", "payment_achieved",
     "payment_outstanding", "patients_to_lower", "patients_to_upper", "value_per_patient"),
)  # fmt: skip


@pytest.fixture
def rows(scorer):
    return scorer(scheme_toml(DATED, national_average_list_size=20000), ORGS, COUNTS)


def test_a_withdrawn_indicator_is_scored_until_its_end_date(rows):
    # A = 83%: fraction (83 − 80) / 6 = 1/2, 20 of 40 points; LSA 10000 / 20000 = 1/2, so
    # £ = 20 × 200 × 1/2 = 2000 of 4000; 3 patients to UT (86 − 83), 0 to LT.
    check(
        pick(rows, "pcn", "U00001", "XX-01", SEPTEMBER),
        status="amber", achievement=83, points_available=40, points_achieved=20,
        payment_available=4000, payment_achieved=2000, payment_outstanding=2000,
        patients_to_lower=0, patients_to_upper=3, value_per_patient=F(2000, 3),
    )  # fmt: skip


@pytest.mark.parametrize("level, code", [("pcn", "U00001"), ("place", "01A"), ("icb", "QAA")])
def test_a_withdrawn_indicator_is_not_paid_after_its_end_date(rows, level, code):
    # The counts are still shown (they are what the practices sent), nothing is scored or paid.
    october = pick(rows, level, code, "XX-01", OCTOBER)
    check(october, status="not_in_scheme", numerator=83 * len(ORGS) if level != "pcn" else 83,
          achievement=83, **NOT_SCORED)  # fmt: skip


def test_an_indicator_is_not_scored_before_its_start_date(rows):
    check(pick(rows, "pcn", "U00002", "ZZ-01", SEPTEMBER), status="not_in_scheme", **NOT_SCORED)
    check(pick(rows, "practice", "A00002", "ZZ-01", SEPTEMBER), status="not_in_scheme",
          patients_to_lower=None, patients_to_upper=None)  # fmt: skip
    # From 1 October: 83% is half of 22 points; LSA 30000 / 20000 = 3/2, £ 11 × 200 × 3/2 = 3300.
    check(
        pick(rows, "pcn", "U00002", "ZZ-01", OCTOBER),
        status="amber", points_available=22, points_achieved=11, payment_achieved=3300,
        payment_available=6600, patients_to_upper=3,
    )  # fmt: skip


def test_totals_count_only_the_indicators_in_the_scheme_at_each_period_end(rows):
    # Two PCNs: September XX-01 + YY-01 = 2 × (40 + 10) = 100 points available at the ICB,
    # October YY-01 + ZZ-01 = 2 × (10 + 22) = 64.
    for period, expected in ((SEPTEMBER, 100), (OCTOBER, 64)):
        icb = [r for r in rows if r["level"] == "icb" and r["period_end"].isoformat() == period]
        assert sum(r["points_available"] or 0 for r in icb) == expected
        paid = sum(r["payment_available"] or 0 for r in icb)
        # £200 a point × (1/2 + 3/2) list size adjustments, over the indicators in the scheme
        in_scheme = {SEPTEMBER: (40, 10), OCTOBER: (10, 22)}[period]
        assert paid == pytest.approx(sum(200 * points * 2 for points in in_scheme))


def test_the_status_is_outside_the_dates_even_without_data(scorer):
    rows = scorer(scheme_toml(DATED), ORGS[:1], [count("A00001", "YY-01", 60, 100, OCTOBER)])
    check(pick(rows, "pcn", "U00001", "XX-01", OCTOBER), status="not_in_scheme", numerator=None,
          **NOT_SCORED)  # fmt: skip
    check(pick(rows, "pcn", "U00001", "YY-01", OCTOBER), status="amber")


def test_dates_that_cover_the_whole_year_score_exactly_as_no_dates():
    plain = {code: {k: v for k, v in ind.items() if not k.endswith("_date")}
             for code, ind in DATED.items()}  # fmt: skip
    whole_year = {
        code: {**ind, "start_date": dt.date(2025, 4, 1), "end_date": dt.date(2026, 3, 31)}
        for code, ind in plain.items()
    }
    assert run_engine(scheme_toml(whole_year), ORGS, COUNTS) == run_engine(
        scheme_toml(plain), ORGS, COUNTS
    )
