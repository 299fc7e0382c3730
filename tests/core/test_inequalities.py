"""Inequalities (decisions.md D67-D69): by hand from small lists, against Newcombe's published
intervals, by property (groups add up, nothing under the small-group rule leaks, the gap's sign),
and on the demo lists counted afresh from the file."""

import importlib
import math
from pathlib import Path

import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from scipy.stats import norm

from iif_core import report

ineq = importlib.import_module(
    "iif_core.report.inequalities"
)  # the module, not report.inequalities

ROOT = Path(__file__).resolve().parents[2]
OCTOBER = "2026-10-31"
NOVEMBER = "2026-11-30"
NUMBERS = ("patients", "achieved", "outstanding", "achievement", "achievement_lower",
           "achievement_upper")  # fmt: skip


def wilson_by_hand(a: int, n: int) -> tuple[float, float]:
    """Wilson (1927) from its formula, with z from scipy: an independent computation."""
    z = norm.ppf(0.975)
    p = a / n
    centre = p + z * z / (2 * n)
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n))
    return ((centre - half) / (1 + z * z / n), (centre + half) / (1 + z * z / n))


def people(quintile, achieved: int, to_do: int, pca_only: int = 0, **more) -> list[dict]:
    """Patients of one quintile: achieved, still to do, and not achieved with a PCA."""
    base = {"practice_code": "A00001", "indicator_code": "HI-03", "period_end": OCTOBER,
            "imd_quintile": quintile, "sex": "F", "ethnicity": "White", "age": 50} | more  # fmt: skip
    rows = [base | {"achieved": "Y", "pca": "N"} for _ in range(achieved)]
    rows += [base | {"achieved": "N", "pca": "N"} for _ in range(to_do)]
    rows += [base | {"achieved": "N", "pca": "Y"} for _ in range(pca_only)]
    return rows


def lists(rows: list[dict]) -> pd.DataFrame:
    frame = pd.DataFrame(rows)
    frame["patient_id"] = [f"P{i}" for i in range(len(frame))]
    return report.prepare_patients(frame)


def by_hand_lists() -> pd.DataFrame:
    """Q1: 6 achieved (one with a PCA too, who still counts), 14 to do, 3 left out with a PCA;
    Q2: 6 of 12; Q3: 15 of 30; Q4: 2 of 4; Q5: 15 of 25: 91 eligible, 47 still to do."""
    rows = people(1, 5, 14, pca_only=3) + [people(1, 1, 0)[0] | {"pca": "Y"}]
    rows += people(2, 6, 6) + people(3, 15, 15) + people(4, 2, 2) + people(5, 15, 10)
    return lists(rows)


def group(found, dimension: str, label: str) -> pd.Series:
    rows = found.groups[(found.groups["dimension"] == dimension) & (found.groups["group"] == label)]
    assert len(rows) == 1, rows
    return rows.iloc[0]


def test_groups_gap_and_core20_by_hand():
    found = report.inequalities(by_hand_lists(), period=OCTOBER, organisation="Alder PCN")
    q1 = group(found, "imd_quintile", "1 (most deprived)")
    assert (q1["patients"], q1["achieved"], q1["outstanding"]) == (20, 6, 14)
    assert (q1["achievement_lower"], q1["achievement_upper"]) == pytest.approx(
        tuple(100 * x for x in wilson_by_hand(6, 20))
    )
    q5 = group(found, "imd_quintile", "5 (least deprived)")
    assert (q5["patients"], q5["achieved"], q5["achievement"]) == (25, 15, 60)
    # Q4 (4 patients) is under 10; Q2 (12), the smallest shown, is hidden with it: 16 hidden.
    q4, q2 = group(found, "imd_quintile", "4"), group(found, "imd_quintile", "2")
    assert q4["suppressed"] and q4["patients_shown"] == "fewer than 10"
    assert q2["suppressed"] and q2["patients_shown"] == "hidden"
    assert all(pd.isna(q2[c]) and pd.isna(q4[c]) for c in NUMBERS)
    assert not group(found, "imd_quintile", "3")["suppressed"]
    gap = found.gaps.iloc[0]
    assert (gap["patients"], gap["achieved"], gap["outstanding"]) == (91, 44, 47)
    assert gap["achievement"] == pytest.approx(100 * 44 / 91)
    assert gap["gap_points"] == pytest.approx(30 - 60)
    assert gap["ratio"] == pytest.approx(0.5)
    l1, u1 = wilson_by_hand(6, 20)
    l5, u5 = wilson_by_hand(15, 25)
    assert gap["gap_lower"] == pytest.approx(100 * (-0.3 - math.hypot(0.3 - l1, u5 - 0.6)))
    assert gap["gap_upper"] == pytest.approx(100 * (-0.3 + math.hypot(u1 - 0.3, 0.6 - l5)))
    assert gap["core20_outstanding"] == 14
    assert gap["core20_share_outstanding"] == pytest.approx(100 * 14 / 47)
    assert gap["core20_share_patients"] == pytest.approx(100 * 20 / 91)
    assert (gap["core20_share_lower"], gap["core20_share_upper"]) == pytest.approx(
        tuple(100 * x for x in wilson_by_hand(14, 47))
    )
    said = found.sentences["HI-03"]
    assert said[0] == (
        "In Alder PCN, 30% of eligible patients in the most deprived fifth of areas have achieved "
        f"HI-03, against 60% in the least deprived: a gap of 30 points, lower for the most "
        f"deprived (95% interval {gap['gap_lower']:+.0f} to {gap['gap_upper']:+.0f} points)."
    )
    assert said[1] == (
        "Of the 47 patients still to do, 14 (30%) live in the most deprived fifth (Core20), "
        "which holds 22% of the eligible patients."
    )
    assert found.trend.empty and "1 period end" not in (found.trend_note("HI-03") or "x")


# Newcombe RG (1998) "Interval estimation for the difference between independent proportions:
# comparison of eleven methods", Statistics in Medicine 17:873-890, Table II, method 10.
@pytest.mark.parametrize(
    "a1, n1, a2, n2, low, high",
    [(56, 70, 48, 80, 0.0524, 0.3339), (9, 10, 3, 10, 0.1705, 0.8090),
     (6, 7, 2, 7, 0.0582, 0.8062), (5, 56, 0, 29, -0.0381, 0.1926),
     (0, 10, 0, 20, -0.1611, 0.2775), (0, 10, 0, 10, -0.2775, 0.2775),
     (10, 10, 0, 20, 0.6791, 1.0)],
)  # fmt: skip
def test_gap_interval_matches_newcombe(a1, n1, a2, n2, low, high):
    difference, lower, upper = ineq.newcombe_difference(a1, n1, a2, n2)
    assert difference == pytest.approx(a1 / n1 - a2 / n2)
    assert (lower, upper) == (pytest.approx(low, abs=5e-5), pytest.approx(high, abs=5e-5))


def test_not_recorded_is_a_group_and_pcas_not_achieved_are_left_out():
    rows = people(None, 3, 9, pca_only=4, sex=None, ethnicity=" ", age=None)
    rows += people(2, 10, 10, sex="M", ethnicity="Asian or Asian British", age=80)
    found = report.inequalities(lists(rows))
    for dimension in ("imd_quintile", "ethnicity", "age_band", "sex"):
        unknown = group(found, dimension, "Not recorded")
        assert (unknown["patients"], unknown["achieved"]) == (12, 3)
    assert group(found, "age_band", "75 and over")["patients"] == 20
    assert found.gaps.iloc[0]["note"] == "no patients in the most deprived fifth"
    assert (
        "no gap can be shown (no patients in the most deprived fifth)"
        in (found.sentences["HI-03"][0])
    )


def test_fewer_than_ten_patients_hides_the_indicator_whole():
    found = report.inequalities(lists(people(1, 4, 5)))
    assert found.groups["suppressed"].all()
    assert found.groups[list(NUMBERS)].isna().all().all()
    gap = found.gaps.iloc[0]
    assert pd.isna(gap["patients"]) and gap["note"] == "too few patients: fewer than 10"


def test_recall_lists_are_left_out_and_said():
    frame = by_hand_lists()
    recall = lists(people(1, 0, 30, practice_code="B00002")).assign(list_kind="outstanding")
    both = pd.concat([frame.assign(list_kind="cohort"), recall], ignore_index=True)
    found = report.inequalities(both)
    assert found.gaps.iloc[0]["patients"] == 91
    assert found.notes == [
        "Left out: the recall lists (only patients still to do, which cannot show who "
        "achieved) of 1 practice."
    ]


def month(practice: str, end: str, q1: tuple[int, int], q5: tuple[int, int]) -> list[dict]:
    """A practice's list for a period end: (achieved, to do) in quintiles 1 and 5."""
    where = {"practice_code": practice, "period_end": end}
    return people(1, *q1, **where) + people(5, *q5, **where)


def test_gap_by_month_uses_the_lists_in_use_at_each_period_end():
    """October: A and B; November: only A sends, B's October list stays in use (D23)."""
    history = lists(
        month("A00001", OCTOBER, (5, 15), (12, 8)) + month("B00002", OCTOBER, (4, 6), (9, 1))
        + month("A00001", NOVEMBER, (10, 10), (14, 6))
    )  # fmt: skip
    november = ineq.lists_in_use(history, NOVEMBER)
    found = report.inequalities(november, period=NOVEMBER, history=history, organisation="Alder")
    trend = found.trend.set_index("period_end")
    october_gap = 100 * ((5 + 4) / 30 - (12 + 9) / 30)
    november_gap = 100 * ((10 + 4) / 30 - (14 + 9) / 30)
    assert list(trend.index.astype(str)) == [OCTOBER, NOVEMBER]
    assert trend["gap_points"].tolist() == pytest.approx([october_gap, november_gap])
    low, high = ineq.newcombe_difference(14, 30, 23, 30)[1:]
    assert (trend["gap_lower"].iloc[1], trend["gap_upper"].iloc[1]) == pytest.approx(
        (100 * low, 100 * high)
    )
    assert found.gaps.iloc[0]["gap_points"] == pytest.approx(november_gap)
    assert found.sentences["HI-03"][-1] == (
        "The gap was -40 points at 31 Oct 2026 and -30 at 30 Nov 2026 (2 period ends with lists)."
    )
    assert found.trend_note("HI-03") is None
    # up to October, November's list is not used
    early = report.inequalities(november, period=OCTOBER, history=history)
    assert early.trend["period_end"].astype(str).tolist() == [OCTOBER]
    assert "1 period end with lists" in early.trend_note("HI-03")


# --- properties ------------------------------------------------------------------------------

PATIENT = st.fixed_dictionaries(
    {
        "indicator_code": st.sampled_from(["HI-03", "CAN-04"]),
        "imd_quintile": st.one_of(st.none(), st.integers(1, 5)),
        "ethnicity": st.one_of(st.none(), st.sampled_from(["White", "Asian", "Black", "Mixed"])),
        "age": st.one_of(st.none(), st.integers(0, 100)),
        "sex": st.one_of(st.none(), st.sampled_from(["F", "M"])),
        "achieved": st.booleans(),
        "pca": st.booleans(),
    }
)
PATIENT_LISTS = st.lists(PATIENT, min_size=1, max_size=150).map(
    lambda rows: lists([r | {"practice_code": "A00001", "period_end": OCTOBER} for r in rows])
)
PROPERTY = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def eligible_counts(frame: pd.DataFrame) -> dict[str, tuple[int, int]]:
    """Per indicator, (eligible, achieved) by the rule of iif-rules.md section 8, by hand."""
    counts = {}
    for code, rows in frame.groupby("indicator_code"):
        eligible = rows[rows["achieved"] | ~rows["pca"]]
        counts[code] = (len(eligible), int(eligible["achieved"].sum()))
    return {c: v for c, v in counts.items() if v[0] > 0}


@PROPERTY
@given(PATIENT_LISTS)
def test_groups_add_up_to_every_eligible_patient(frame):
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(ineq, "SMALL_GROUP", 1)  # nothing hidden: every count can be added up
        found = report.inequalities(frame)
    assert not found.groups["suppressed"].any()
    totals = found.groups.groupby(["indicator_code", "dimension"])[["patients", "achieved"]].sum()
    for (code, _), row in totals.iterrows():
        assert (row["patients"], row["achieved"]) == eligible_counts(frame)[code]
    assert set(found.indicators) == set(eligible_counts(frame))


@PROPERTY
@given(PATIENT_LISTS)
def test_no_hidden_group_can_be_seen_or_worked_out(frame):
    found = report.inequalities(frame)
    groups = found.groups
    hidden = groups[groups["suppressed"]]
    assert hidden[list(NUMBERS)].isna().all().all()
    assert set(hidden["patients_shown"]) <= {"fewer than 10", "hidden"}
    assert (groups.loc[~groups["suppressed"], "patients"] >= ineq.SMALL_GROUP).all()
    counts = eligible_counts(frame)
    for (code, _), rows in groups.groupby(["indicator_code", "dimension"]):
        total, achieved = counts[code]
        left = total - rows["patients"].sum()  # what subtraction from the total gives
        assert left == 0 or left >= ineq.SMALL_GROUP or total < ineq.SMALL_GROUP
    for _, gap in found.gaps.iterrows():
        if counts[gap["indicator_code"]][0] < ineq.SMALL_GROUP:
            assert gap[["patients", "achieved", "outstanding", "gap_points"]].isna().all()
        ours = groups[(groups["indicator_code"] == gap["indicator_code"])
                      & (groups["dimension"] == "imd_quintile")]  # fmt: skip
        shown = set(ours.loc[~ours["suppressed"], "order"])
        if not {1, 5} <= shown:
            assert pd.isna(gap["gap_points"])
        if 1 not in shown:
            assert pd.isna(gap["core20_share_outstanding"])


@PROPERTY
@given(PATIENT_LISTS)
def test_the_gap_changes_sign_when_the_quintiles_are_swapped(frame):
    swapped = frame.assign(imd_quintile=6 - frame["imd_quintile"])
    gap = report.inequalities(frame).gaps.set_index("indicator_code")
    other = report.inequalities(swapped).gaps.set_index("indicator_code")
    for code in gap.index:
        one, two = gap.loc[code], other.loc[code]
        if pd.isna(one["gap_points"]) or pd.isna(two["gap_points"]):
            continue  # a tie in the smallest group can hide a different fifth
        assert two["gap_points"] == pytest.approx(-one["gap_points"])
        assert (two["gap_lower"], two["gap_upper"]) == pytest.approx(
            (-one["gap_upper"], -one["gap_lower"])
        )
        if one["ratio"] and two["ratio"]:
            assert two["ratio"] == pytest.approx(1 / one["ratio"])


def test_the_smallest_shown_group_is_hidden_until_ten_are_hidden():
    assert ineq.hidden_groups([4, 12, 30, 11]) == [True, False, False, True]
    assert ineq.hidden_groups([3, 4, 50]) == [True, True, True]
    assert ineq.hidden_groups([9, 1, 40, 40]) == [True, True, False, False]
    assert ineq.hidden_groups([10, 20]) == [False, False]
    assert ineq.hidden_groups([5]) == [True]


# --- the demo lists ---------------------------------------------------------------------------


def test_demo_lists_counted_afresh_from_the_file():
    raw = pd.read_csv(ROOT / "sample_data" / "patients_2026-10-31.csv", dtype=str)
    orgs = pd.read_csv(ROOT / "sample_data" / "orgs.csv", dtype=str)
    found = report.inequalities(report.prepare_patients(raw, orgs), period=OCTOBER)
    raw = raw[(raw["achieved"] == "Y") | (raw["pca"] == "N")]
    raw = raw.assign(quintile=(raw["imd_decile"].astype(int) + 1) // 2, done=raw["achieved"] == "Y")
    for code, rows in raw.groupby("indicator_code"):
        ours = found.groups[(found.groups["indicator_code"] == code)]
        quintiles = ours[ours["dimension"] == "imd_quintile"].set_index("order")
        for quintile, people_there in rows.groupby("quintile"):
            shown = quintiles.loc[quintile]
            assert (shown["patients"], shown["achieved"]) == (
                len(people_there),
                people_there["done"].sum(),
            )
        sexes = ours[ours["dimension"] == "sex"].set_index("group")
        assert sexes["patients"].to_dict() == rows["sex"].value_counts().to_dict()
        gap = found.gaps.set_index("indicator_code").loc[code]
        most, least = rows[rows["quintile"] == 1], rows[rows["quintile"] == 5]
        expected = 100 * (most["done"].mean() - least["done"].mean())
        assert gap["gap_points"] == pytest.approx(expected)
        outstanding = rows[~rows["done"]]
        assert gap["core20_share_outstanding"] == pytest.approx(
            100 * (outstanding["quintile"] == 1).mean()
        )
