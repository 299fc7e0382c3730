"""What-if and the best plan (iif_core.report.plan): worked by hand, on the demo, by brute force."""

import itertools
import sys
import tempfile
import tomllib
from datetime import date
from decimal import Decimal
from fractions import Fraction
from pathlib import Path

import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from iif_core import report
from iif_core.report.plan import best_plan, what_if
from iif_core.schemes import parse_scheme
from iif_core.score import score

TESTS = Path(__file__).resolve().parents[1]
if str(TESTS) not in sys.path:
    sys.path.insert(0, str(TESTS))

import reference_scorer  # noqa: E402
from spec.helpers import count, indicator, practice, scheme_toml  # noqa: E402

ROOT = TESTS.parent

# The hand-worked PCN U00001: Alder Surgery A00001, Birch Practice A00002, Cedar Health A00003
# (list sizes 10,000, 12,000, 8,000; no national average list size, so the list size adjustment
# is 1), £200 a point, at 30 Sep 2025:
#
#     AA-01  higher, 60% to 80%, 40 points   20/40, 25/35, 10/25    -> 55/100 = 55%, red, £0
#     BB-02  higher, 50% to 90%, 30 points   30/40, 25/35, 15/25    -> 70/100 = 70%, amber:
#            (70 − 50) / 40 = 0.5 -> 15 points -> £3,000
#     XX-01  lower, 30% to 20%, 10 points    25/100 at Alder only   -> 25%, amber:
#            (30 − 25) / 10 = 0.5 -> 5 points -> £1,000
#     NS-01  starts 1 Oct 2025               10/20 at Alder         -> not in the scheme yet
#
# AA-01 earns nothing up to 60 patients of 100 (exactly 60% is still 0 points), then each patient
# is 1% = 1/20 of the scale = 2 points = £400, up to 80 (25 more) for £8,000. BB-02's each patient
# is 1/40 of the scale = 0.75 points = £150, up to 90 (20 more) for the remaining £3,000.
# Patients that can count (denominator − numerator): AA-01 20, 10, 15; BB-02 10, 10, 10.

PERIOD = "2025-09-30"
NAMES = {"A00001": "Alder Surgery", "A00002": "Birch Practice", "A00003": "Cedar Health"}
SIZES = {"A00001": 10000, "A00002": 12000, "A00003": 8000}
INDICATORS = {
    "AA-01": indicator("percent", "higher", 60, 80, 40),
    "BB-02": indicator("percent", "higher", 50, 90, 30),
    "XX-01": indicator("percent", "lower", 30, 20, 10),
    "NS-01": indicator("percent", "higher", 60, 80, 10, start_date=date(2025, 10, 1)),
}
COUNTS = [
    ("A00001", "AA-01", 20, 40), ("A00002", "AA-01", 25, 35), ("A00003", "AA-01", 10, 25),
    ("A00001", "BB-02", 30, 40), ("A00002", "BB-02", 25, 35), ("A00003", "BB-02", 15, 25),
    ("A00001", "XX-01", 25, 100), ("A00001", "NS-01", 10, 20),
]  # fmt: skip


def _scheme_text(indicators=INDICATORS, **top) -> str:
    return scheme_toml(indicators, 200, **top)


def _orgs() -> pd.DataFrame:
    rows = [{**practice(code, list_size=SIZES[code]), "practice_name": name}
            for code, name in NAMES.items()]  # fmt: skip
    return pd.DataFrame(rows)


def _extract(pca: dict | None = None) -> pd.DataFrame:
    rows = [count(p, code, n, d, PERIOD, (pca or {}).get((p, code), 0))
            for p, code, n, d in COUNTS]  # fmt: skip
    return pd.DataFrame(rows)


@pytest.fixture(scope="module")
def network():
    scheme = parse_scheme(_scheme_text())
    return score(scheme, _orgs(), _extract()), scheme, _orgs()


def _what_if(network, changes):
    scored, scheme, orgs = network
    return what_if(scored, scheme, "U00001", PERIOD, changes, orgs=orgs)


def _plan(network, contacts, **more):
    scored, scheme, orgs = network
    return best_plan(scored, scheme, "U00001", PERIOD, contacts, orgs=orgs, **more)


def _row(frame: pd.DataFrame, code: str) -> dict:
    return frame.set_index("indicator_code").loc[code].to_dict()


def _allocation(plan) -> list[tuple]:
    return [
        (r["indicator_code"], r["practice_code"], r["patients"], round(r["payment_expected"], 6))
        for r in plan.allocation.to_dict("records")
    ]


# --- what-if ---------------------------------------------------------------------------------


def test_today_as_scored(network):
    result = _what_if(network, [])
    assert result.payment_now == pytest.approx(4000)  # BB-02 £3,000 + XX-01 £1,000
    assert result.payment_difference == 0
    assert result.summary == "No changes: the figures are today's."
    assert _row(result.indicators, "NS-01")["status_after"] == "not_in_scheme"


def test_exactly_at_the_lower_threshold_earns_nothing_and_one_more_earns(network):
    # 5 more: 60/100 = 60%, exactly the lower threshold: 0 points, still red.
    at = _what_if(network, [("A00001", "AA-01", 5)])
    aa = _row(at.indicators, "AA-01")
    assert (aa["numerator_after"], aa["status_after"], aa["payment_after"]) == (60, "red", 0)
    assert at.sentences == [
        "5 more patients at Alder Surgery would take AA-01 from 55.0% to 60.0%, still not past "
        "the lower threshold (60%), and earn nothing more."
    ]
    # 6 more: 61%, (61 − 60) / 20 = 1/20 of 40 points = 2 points = £400.
    past = _what_if(network, [("A00001", "AA-01", 6)])
    aa = _row(past.indicators, "AA-01")
    assert aa["status_after"] == "amber"
    assert aa["points_after"] == pytest.approx(2)
    assert aa["payment_difference"] == pytest.approx(400)
    assert past.payment_after == pytest.approx(4400)
    assert past.sentences == [
        "6 more patients at Alder Surgery would take AA-01 past the lower threshold (60%), to "
        "61.0%, and earn £400.00."
    ]


def test_changes_are_scored_together_and_each_by_itself(network):
    # 3 at Alder and 3 at Birch: each alone reaches 58% (nothing); together 61% (£400).
    result = _what_if(network, [("A00001", "AA-01", 3), ("A00002", "AA-01", 3)])
    assert list(result.changes["payment_difference"]) == [0, 0]
    assert result.payment_difference == pytest.approx(400)
    assert _row(result.indicators, "AA-01")["patients"] == 6
    assert result.summary == "All 2 changes together would earn the PCN £400.00 more."


def test_a_numerator_never_goes_above_its_denominator(network):
    # Alder has 20 of 40 to do: 100 asked, 20 counted: 75/100 = 75%, 0.75 × 40 = 30 points.
    result = _what_if(network, [("A00001", "AA-01", 100)])
    change = result.changes.iloc[0]
    assert (change["patients_asked"], change["patients"], change["numerator_after"]) == (
        100, 20, 40)  # fmt: skip
    assert result.payment_difference == pytest.approx(6000)
    assert change["sentence"] == (
        "Only 20 of the 100 can count at Alder Surgery, so 20 do. 20 more patients at Alder "
        "Surgery would take AA-01 past the lower threshold (60%), to 75.0%, and earn £6,000.00."
    )


def test_lower_is_better_a_change_is_fewer_events(network):
    # 3 fewer events: 22/100, (30 − 22) / 10 = 0.8 -> 8 points -> £1,600, £600 more.
    fewer = _what_if(network, [("A00001", "XX-01", 3)])
    assert _row(fewer.indicators, "XX-01")["numerator_after"] == 22
    assert fewer.payment_difference == pytest.approx(600)
    assert fewer.sentences == [
        "3 fewer events at Alder Surgery would take XX-01 from 25.0% to 22.0% and earn £600.00."
    ]
    # Never below 0 events: 30 asked, 25 counted, 0% reaches the upper threshold: £2,000.
    none_left = _what_if(network, [("A00001", "XX-01", 30)])
    assert none_left.changes.iloc[0]["patients"] == 25
    assert none_left.payment_difference == pytest.approx(1000)
    assert none_left.sentences[0].startswith("Only 25 of the 30 can count at Alder Surgery")
    assert "which reaches the upper threshold (20%)" in none_left.sentences[0]


def test_a_negative_change_undoes_patients_within_the_bounds(network):
    # 100 more events asked, 75 fit (25 -> 100 of 100): red, the £1,000 is lost.
    result = _what_if(network, [("A00001", "XX-01", -100)])
    assert result.changes.iloc[0]["patients"] == -75
    assert result.payment_difference == pytest.approx(-1000)
    assert result.sentences[0] == (
        "Only 75 of the 100 can count at Alder Surgery, so 75 do. 75 more events at Alder "
        "Surgery would take XX-01 from 25.0% back to 100.0%, not past the lower threshold "
        "(30%), and lose £1,000.00."
    )


def test_a_practice_without_figures_or_an_indicator_outside_its_dates_changes_nothing(network):
    result = _what_if(network, [("A00002", "XX-01", 3), ("A00001", "NS-01", 5)])
    assert result.payment_difference == 0
    assert result.sentences == [
        "Birch Practice has no XX-01 figures for this period, so no patients there can count.",
        "NS-01 is not in the scheme on this date: nothing is paid for it.",
    ]


def test_a_change_outside_the_pcn_is_refused(network):
    with pytest.raises(ValueError, match="A00009 is not a member practice"):
        _what_if(network, [("A00009", "AA-01", 3)])


def test_the_list_size_and_prevalence_adjustments_apply():
    # National average list size 60,000: 30,000 / 60,000 = 0.5. AA-01 prevalence adjusted, 0.005
    # nationally; PCAs 10 + 5 + 5: (100 + 20) / 30,000 = 0.004 -> 0.8. A point is £200 × 0.5 ×
    # 0.8 = £80 on AA-01 and £100 on BB-02 (not prevalence adjusted).
    adjusted = {**INDICATORS, "AA-01": indicator("percent", "higher", 60, 80, 40,
                                                  prevalence_adjusted=True,
                                                  national_prevalence=Decimal("0.005"))}  # fmt: skip
    scheme = parse_scheme(_scheme_text(adjusted, national_average_list_size=60000))
    pca = {("A00001", "AA-01"): 10, ("A00002", "AA-01"): 5, ("A00003", "AA-01"): 5}
    net = (score(scheme, _orgs(), _extract(pca)), scheme, _orgs())
    # 6 more: 2 points × £80 = £160.
    assert _what_if(net, [("A00003", "AA-01", 6)]).payment_difference == pytest.approx(160)
    # 10 contacts: AA-01 10 -> 65%, 10 points × £80 = £800; BB-02 10 × 0.75 × £100 = £750; a
    # mix past the cliff (AA-01 9 + BB-02 1) £640 + £75. AA-01 wins.
    plan = _plan(net, 10)
    assert _allocation(plan) == [("AA-01", "A00001", 10, 800)]


# --- the best plan ---------------------------------------------------------------------------


def test_the_cliff_makes_greedy_by_the_next_patient_wrong(network):
    # The next patient earns £0 on AA-01 (below its cliff) and £150 on BB-02, so a greedy plan
    # puts all 10 on BB-02: £1,500. AA-01 k (k ≥ 6) + BB-02 10 − k earns 400(k − 5) + 150(10 − k)
    # = 250k − 500, best at k = 10: £2,000 (65%). Alder has the most AA-01 patients to do (20).
    plan = _plan(network, 10)
    assert _allocation(plan) == [("AA-01", "A00001", 10, 2000)]
    assert (plan.patients, plan.payment_gain, plan.payment_per_contact) == (10, 2000, 200)
    assert plan.method == "dynamic programming" and plan.proven_best
    greedy = _what_if(network, [("A00001", "BB-02", 10)])
    assert greedy.payment_difference == pytest.approx(1500)
    assert greedy.payment_difference < plan.payment_gain


def test_too_few_contacts_to_pass_the_cliff_go_where_they_earn(network):
    # Greedy by £ per patient to the upper threshold (AA-01 £8,000 / 25 = £320, BB-02 £3,000 /
    # 20 = £150) puts 4 on AA-01 and earns £0; BB-02 4 × £150 = £600. BB-02's practices tie at
    # 10 to do, so the lowest code first.
    plan = _plan(network, 4)
    assert _allocation(plan) == [("BB-02", "A00001", 4, 600)]
    aa = _row(plan.by_indicator, "AA-01")
    assert aa["patients_to_earn"] == 6  # 61 of 100: just past 60%
    assert aa["note"].startswith("the first £ needs 6 patients (past the lower threshold, 60%)")


def test_enough_contacts_fill_the_best_indicator_then_the_next(network):
    # AA-01 to the upper threshold, 25 patients, £8,000 (Alder 20, then Cedar's 15 for 5);
    # BB-02 5 × £150 = £750 (ties by code: Alder). AA-01 24 + BB-02 6 would be £8,500.
    plan = _plan(network, 30)
    assert _allocation(plan) == [
        ("AA-01", "A00001", 20, 6400),
        ("AA-01", "A00003", 5, 1600),
        ("BB-02", "A00001", 5, 750),
    ]
    assert plan.payment_gain == pytest.approx(8750)
    assert _row(plan.by_indicator, "AA-01")["status_after"] == "green"
    notes = " ".join(plan.notes)
    assert "NS-01: not in the scheme on 30 Sep 2025" in notes
    assert "XX-01: it counts fewer events" in notes


def test_the_plan_in_a_sentence(network):
    plan = _plan(network, 30)
    names = dict(
        zip(plan.allocation["practice_code"], plan.allocation["practice_name"], strict=True)
    )
    assert plan.summary == (
        f"With 30 contacts, the best plan sees 30 patients: 25 on AA-01 (20 at "
        f"{names['A00001']}, 5 at {names['A00003']}); 5 on BB-02 (5 at {names['A00001']}). "
        "It would earn the PCN £8,750.00 more, £291.67 for each patient seen."
    )
    assert _plan(network, 0).summary == (
        "No patient seen with the 0 contacts would earn the PCN anything more: see why below."
    )


def test_contacts_that_would_earn_nothing_are_left_over(network):
    # Everything to the upper thresholds: AA-01 25 (£8,000) + BB-02 20 (£3,000) = 45 patients.
    plan = _plan(network, 100)
    assert (plan.patients, plan.contacts) == (45, 100)
    assert plan.payment_gain == pytest.approx(11000)
    assert plan.notes[-1] == (
        "55 of the 100 contacts are left over: no more patients would earn the PCN anything."
    )


def test_per_practice_budgets_bound_the_split(network):
    # Alder 3, Birch 8, Cedar none: 11 on AA-01 (66%: 6 × £400 = £2,400) beats 11 on BB-02
    # (£1,650). Alder, with the most to do, takes all it can (3), Birch the rest.
    plan = _plan(network, {"A00001": 3, "A00002": 8})
    assert _allocation(plan) == [("AA-01", "A00001", 3, round(2400 * 3 / 11, 6)),
                                 ("AA-01", "A00002", 8, round(2400 * 8 / 11, 6))]  # fmt: skip
    assert plan.method == "integer programming" and plan.proven_best
    # Only 5 contacts in all: too few for AA-01's cliff; BB-02 5 × £150, Alder (ties, lower
    # code) up to its 3, Birch 2.
    plan = _plan(network, 5, per_practice={"A00001": 3, "A00002": 8})
    assert _allocation(plan) == [("BB-02", "A00001", 3, 450), ("BB-02", "A00002", 2, 300)]


def test_patient_lists_bound_what_can_count_and_let_lower_is_better_in(network):
    # Alder's AA-01 list holds 2 to do (not 20): AA-01 can count 2 + 10 + 15 = 27. Alder's
    # XX-01 list holds 4 events that can be avoided: 4 × 1/10 of 10 points = £200 each, no cliff.
    # 30 contacts: AA-01 25 (£8,000: Cedar 15, Birch 10) + XX-01 4 (£800) + BB-02 1 (£150).
    outstanding = {("A00001", "AA-01"): 2, ("A00001", "XX-01"): 4}
    plan = _plan(network, 30, outstanding=outstanding)
    assert _allocation(plan) == [
        ("AA-01", "A00003", 15, 4800),
        ("AA-01", "A00002", 10, 3200),
        ("BB-02", "A00001", 1, 150),
        ("XX-01", "A00001", 4, 800),
    ]
    assert plan.payment_gain == pytest.approx(8950)


def test_the_plan_earns_what_the_what_if_says(network):
    plan = _plan(network, 30)
    changes = [(r["practice_code"], r["indicator_code"], r["patients"])
               for r in plan.allocation.to_dict("records")]  # fmt: skip
    assert _what_if(network, changes).payment_difference == pytest.approx(plan.payment_gain)


def test_bad_budgets_are_refused(network):
    with pytest.raises(ValueError, match="whole number"):
        _plan(network, -1)
    with pytest.raises(ValueError, match="Not member practices"):
        _plan(network, {"A00009": 3})


# --- the demo data ---------------------------------------------------------------------------

DEMO_FILES = ("orgs.csv", "extract_2025-26.csv", "extract_2026-27.csv", "patients_2026-10-31.csv")


@pytest.fixture(scope="module")
def demo():
    """The sample files stored as the demo stores them (ui/demo.py, without the app)."""
    from iif_core.store import Store

    with tempfile.TemporaryDirectory() as folder:
        store = Store(Path(folder) / "iif.duckdb")
        for name in DEMO_FILES:
            store.ingest(ROOT / "sample_data" / name, display_name=name, who="test")
        yield store
        store.close()


def test_demo_rescored_with_no_patients_more_is_today_for_every_pcn(demo):
    # a change of 0 patients is re-scored by the pipeline (no changes at all are not scored)
    scored, scheme, orgs = demo.score("2025/26"), demo.scheme("2025/26"), demo.orgs()
    pcns = scored.loc[scored["level"] == "pcn", "org_code"].unique()
    first_indicator = next(iter(scheme.indicators))
    for pcn in pcns[:5]:
        practice = sorted(orgs.loc[orgs["pcn_code"] == pcn, "practice_code"])[0]
        change = (practice, first_indicator, 0)
        result = what_if(scored, scheme, pcn, "2025-10-31", [change], orgs=orgs)
        frame = result.indicators
        assert list(frame["status_after"]) == list(frame["status_now"])
        assert list(frame["payment_after"]) == list(frame["payment_now"])


def test_demo_crossing_the_lower_threshold_in_pounds(demo):
    # Brackenford Town PCN (U54335), HI-03 at 31 Oct 2025: 86 of 203, 9 PCAs. 36 more at
    # Copperwick Bridge: 122 / 203 = 60.099%, (12200/203 − 60) / 20 = 1/203 of 36 points.
    # £198 a point × list size / 48,841 × (203 + 9) / list size / 0.005341 (the list size
    # cancels) = 36/203 × 198 × 212 / (48,841 × 0.005341) = £28.54.
    scored, scheme, orgs = demo.score("2025/26"), demo.scheme("2025/26"), demo.orgs()
    result = what_if(scored, scheme, "U54335", "2025-10-31", [("X45126", "HI-03", 36)], orgs=orgs)
    expected = Fraction(36, 203) * 198 * 212 / (48841 * Fraction("0.005341"))
    assert result.payment_difference == pytest.approx(float(expected), rel=1e-12)
    assert result.sentences == [
        "36 more patients at Copperwick Bridge Family Practice would take HI-03 past the lower "
        "threshold (60%), to 60.1%, and earn £28.54."
    ]


def test_demo_plan_from_patient_lists(demo):
    period = "2026-10-31"
    scored, scheme, orgs = demo.score("2026/27"), demo.scheme("2026/27"), demo.orgs()
    lists = report.outstanding_from_patients(demo.patients(as_at=pd.Timestamp(period).date()))
    assert lists
    practices = scored[(scored["level"] == "practice")
                       & (pd.to_datetime(scored["period_end"]) == period)]  # fmt: skip
    counts = practices.set_index(["org_code", "indicator_code"])
    with_lists = orgs[orgs["practice_code"].isin({p for p, _ in lists})]
    for pcn in sorted(with_lists["pcn_code"].dropna().unique())[:3]:
        plan = best_plan(scored, scheme, pcn, period, 40, outstanding=lists, orgs=orgs)
        assert plan.patients <= 40
        for row in plan.allocation.to_dict("records"):
            key = (row["practice_code"], row["indicator_code"])
            to_do = counts.loc[key, "denominator"] - counts.loc[key, "numerator"]
            assert row["patients"] <= min(lists.get(key, to_do), to_do)
        changes = [(r["practice_code"], r["indicator_code"], r["patients"])
                   for r in plan.allocation.to_dict("records")]  # fmt: skip
        checked = what_if(scored, scheme, pcn, period, changes, orgs=orgs)
        assert checked.payment_difference == pytest.approx(plan.payment_gain, rel=1e-12)


# --- properties: random small PCNs, the reference scorer and brute force -----------------------

CODES = ["AA-01", "BB-02", "XX-01"]


@st.composite
def small_pcns(draw):
    """A PCN of 2-3 practices, 2-3 percent indicators (now and then lower is better), small
    counts, sometimes patient lists, a tiny overall budget and sometimes per-practice ones."""
    codes = [f"A{i:05d}" for i in range(1, draw(st.integers(2, 3)) + 1)]
    orgs = [practice(code, list_size=draw(st.integers(500, 20000))) for code in codes]
    indicators = {}
    for code in CODES[: draw(st.integers(2, 3))]:
        direction = draw(st.sampled_from(["higher", "higher", "lower"]))
        low = draw(st.integers(0, 9900))
        high = draw(st.integers(low + 1, 10000))
        lt, ut = (low, high) if direction == "higher" else (high, low)
        extra = {}
        if draw(st.booleans()):
            extra = {"prevalence_adjusted": True,
                     "national_prevalence": Decimal(draw(st.integers(1, 5000))).scaleb(-4)}  # fmt: skip
        indicators[code] = indicator("percent", direction, Decimal(lt).scaleb(-2),
                                     Decimal(ut).scaleb(-2), draw(st.integers(1, 40)), **extra)  # fmt: skip
    average = draw(st.one_of(st.none(), st.integers(10000, 60000)))
    toml = scheme_toml(indicators, Decimal(draw(st.integers(100, 30000))).scaleb(-2),
                       national_average_list_size=average)  # fmt: skip
    extract, lists = [], {}
    for p in codes:
        for code in indicators:
            if draw(st.integers(0, 4)) == 0:
                continue
            d = draw(st.integers(0, 6))
            extract.append(count(p, code, draw(st.integers(0, d)), d, PERIOD,
                                 draw(st.integers(0, 3))))  # fmt: skip
            if draw(st.integers(0, 2)) == 0:
                lists[(p, code)] = draw(st.integers(0, 6))
    if not extract:
        extract.append(count(codes[0], CODES[0], 0, 1, PERIOD, 0))
    budget = draw(st.integers(0, 8))
    per_practice = None
    if draw(st.booleans()):
        per_practice = {p: draw(st.integers(0, 3)) for p in codes}
    return toml, orgs, extract, lists, budget, per_practice


def _scored(case):
    toml, orgs, extract = case[:3]
    scheme = parse_scheme(toml)
    return score(scheme, pd.DataFrame(orgs), pd.DataFrame(extract)), scheme, pd.DataFrame(orgs)


def _changes(draw_from, orgs, indicators):
    pairs = st.tuples(st.sampled_from([o["practice_code"] for o in orgs]),
                      st.sampled_from(sorted(indicators)), st.integers(0, 8))  # fmt: skip
    return draw_from(st.lists(pairs, max_size=4))


@pytest.mark.property
@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(small_pcns())
def test_property_no_changes_is_today(case):
    scored, scheme, orgs = _scored(case)
    frame = what_if(scored, scheme, "U00001", PERIOD, [], orgs=orgs).indicators
    assert list(frame["status_after"]) == list(frame["status_now"])
    for now, after in zip(frame["payment_now"], frame["payment_after"], strict=True):
        assert (pd.isna(now) and pd.isna(after)) or now == after


@pytest.mark.property
@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(small_pcns(), st.data())
def test_property_more_patients_never_earn_less(case, data):
    scored, scheme, orgs = _scored(case)
    changes = _changes(data.draw, case[1], scheme.indicators)
    result = what_if(scored, scheme, "U00001", PERIOD, changes, orgs=orgs)
    for now, after in zip(result.indicators["payment_now"], result.indicators["payment_after"],
                          strict=True):  # fmt: skip
        assert pd.isna(now) or after >= now - 1e-9
    assert result.payment_difference >= -1e-9
    assert all(result.changes["payment_difference"].fillna(0) >= -1e-9)


def _can_count(case) -> dict:
    """Patients that can count per (practice, indicator), restated from D60: higher is better,
    denominator − numerator (and no more than the list); lower is better, only from a list,
    never more events than counted."""
    toml, _, extract, lists = case[:4]
    indicators = tomllib.loads(toml)["indicators"]
    found = {}
    for row in extract:
        key = (row["practice_code"], row["indicator_code"])
        if indicators[key[1]]["direction"] == "higher":
            room = row["denominator"] - row["numerator"]
            found[key] = min(room, lists.get(key, room))
        else:
            found[key] = min(lists[key], row["numerator"]) if key in lists else 0
    return found


def _reference_curves(case, can_count) -> dict:
    """£ the PCN gains with k more patients on each indicator, k = 0 .. all that can count, by
    the reference scorer (the patients given to the practices in turn; only the pooled count
    matters)."""
    toml, orgs, extract = case[:3]
    scheme = tomllib.loads(toml, parse_float=Decimal)
    curves = {}
    for code, ind in scheme["indicators"].items():
        most = sum(n for (_, c), n in can_count.items() if c == code)
        curves[code] = []
        for k in range(most + 1):
            rows = [dict(r) for r in extract]
            left = k
            for r in rows:
                if r["indicator_code"] == code and left:
                    take = min(left, can_count[(r["practice_code"], code)])
                    r["numerator"] += take if ind["direction"] == "higher" else -take
                    left -= take
            pcn = reference_scorer.score(scheme, orgs, rows, level="pcn", period=PERIOD)
            paid = next(r for r in pcn if r["indicator_code"] == code)["payment_achieved"]
            curves[code].append(Fraction(paid or 0))
        curves[code] = [paid - curves[code][0] for paid in curves[code]]
    return curves


def _brute_force(case, can_count, curves) -> Fraction:
    """The most £ over every allocation the budgets allow, exhaustively."""
    budget, per_practice = case[4], case[5]
    codes = list(curves)
    if per_practice is None:  # any totals within what can count and the budget are possible
        ranges = [range(len(curves[c])) for c in codes]
        return max(sum(curves[c][k] for c, k in zip(codes, ks, strict=True))
                   for ks in itertools.product(*ranges) if sum(ks) <= budget)  # fmt: skip
    options = []
    for p, own in per_practice.items():
        caps = [min(can_count.get((p, c), 0), own) for c in codes]
        options.append([xs for xs in itertools.product(*(range(c + 1) for c in caps))
                        if sum(xs) <= own])  # fmt: skip
    best = Fraction(0)
    for choice in itertools.product(*options):
        if sum(map(sum, choice)) > budget:
            continue
        totals = [sum(xs[i] for xs in choice) for i in range(len(codes))]
        best = max(best, sum(curves[c][k] for c, k in zip(codes, totals, strict=True)))
    return best


@pytest.mark.property
@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(small_pcns())
def test_property_the_plan_is_as_good_as_brute_force_and_within_bounds(case):
    scored, scheme, orgs = _scored(case)
    lists, budget, per_practice = case[3], case[4], case[5]
    plan = best_plan(scored, scheme, "U00001", PERIOD, budget, per_practice=per_practice,
                     outstanding=lists, orgs=orgs)  # fmt: skip
    can_count = _can_count(case)
    curves = _reference_curves(case, can_count)
    best = float(_brute_force(case, can_count, curves))
    assert plan.payment_gain == pytest.approx(best, rel=1e-9, abs=1e-6)
    # within what can count and the budgets
    assert plan.patients <= budget
    for row in plan.allocation.to_dict("records"):
        assert row["patients"] <= can_count[(row["practice_code"], row["indicator_code"])]
    if per_practice is not None:
        used = plan.allocation.groupby("practice_code")["patients"].sum()
        assert all(n <= per_practice[p] for p, n in used.items())
    # and it earns what the reference scorer says its totals earn
    totals = plan.allocation.groupby("indicator_code")["patients"].sum()
    own = sum(curves[code][int(k)] for code, k in totals.items())
    assert plan.payment_gain == pytest.approx(float(own), rel=1e-9, abs=1e-6)
