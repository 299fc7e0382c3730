"""Page-ready statistics: funnel tables, SPC series with gaps, projections, back-tests, completeness."""

from dataclasses import replace
from datetime import date
from decimal import Decimal

import pandas as pd
import pytest

from iif_core import signals
from iif_core.schemes import parse_scheme

SCHEME = parse_scheme(
    """
year = "2025/26"
value_per_point = 198
start_date = 2025-04-01
end_date = 2026-03-31

[indicators."HI-03"]
name = "LD health checks"
unit = "percent"
direction = "higher"
lower_threshold = 60
upper_threshold = 80
points = 36
""",
    "test.toml",
)
HI03 = SCHEME.indicator("HI-03")


def month_ends(first_month: int, count: int, year: int = 2025) -> list[pd.Timestamp]:
    return [
        pd.Timestamp(year, 4, 1) + pd.offsets.MonthEnd(first_month - 3 + i) for i in range(count)
    ]


def test_funnel_table_flags_by_limits_and_marks_small_practices():
    practices = pd.DataFrame(
        {
            "org_code": ["A", "B", "C", "D", "E"],
            "org_name": list("ABCDE"),
            "numerator": [400, 470, 378, 5, 0],
            "denominator": [500, 500, 500, 10, 0],
        }
    )
    table = signals.funnel_table(practices, 80.0, HI03).set_index("org_code")
    assert "E" not in table.index  # no denominator: not plotted
    assert table.loc["A", "position"] == "within"
    assert (table.loc["B", "position"], table.loc["B", "judgement"]) == ("above_99.8", "better")
    assert (table.loc["C", "position"], table.loc["C", "judgement"]) == ("below_95", "worse")
    assert table.loc["D", "position"] == "small" and table.loc["D", "small_denominator"]
    # limits in the indicator's unit: 80 ± 1.96 × sqrt(0.16 / 500) × 100 ≈ 76.5 to 83.5
    assert table.loc["A", "lower_95"] == pytest.approx(76.5, abs=0.2)
    assert table.loc["A", "upper_95"] == pytest.approx(83.5, abs=0.2)


def test_funnel_table_flags_each_practice_as_funnel_flag_does_alone():
    """The table flags every row against the limits it works out for all rows at once; each flag
    equals funnel_flag's for that practice alone, which works out its own limits."""
    import numpy as np

    from iif_core.stats import funnel_flag

    rng = np.random.default_rng(7)
    denominators = rng.integers(1, 900, 300)
    numerators = rng.binomial(denominators, rng.uniform(0.5, 0.95, 300))
    practices = pd.DataFrame(
        {
            "org_code": [f"P{i}" for i in range(300)],
            "org_name": [f"P{i}" for i in range(300)],
            "numerator": numerators,
            "denominator": denominators,
        }
    )
    for direction in ("higher", "lower"):
        indicator = replace(HI03, direction=direction)
        table = signals.funnel_table(practices, 78.0, indicator)
        alone = [
            funnel_flag(n, d, 0.78, "percent", direction)
            for n, d in zip(table["numerator"], table["denominator"], strict=True)
        ]
        judgements = [None if pd.isna(j) else j for j in table["judgement"]]  # None in the frame
        assert list(zip(table["position"], judgements, strict=True)) == alone
        assert len(set(table["position"])) >= 4  # small, within and outside each side


def test_funnel_curve_narrows_and_spans_the_practices():
    curve = signals.funnel_curve(80.0, HI03, largest=600)
    assert curve["denominator"].min() == 1 and curve["denominator"].max() >= 600
    widths = (curve["upper_99.8"] - curve["lower_99.8"]).to_numpy()
    assert widths[5] > widths[-1]


def test_spc_series_spreads_activity_over_a_missing_month():
    # cumulative checks 10, 20, (July missing), 40, 50: activity 10, 10, then 20 over two
    # months = 10 a month, then 10: a flat series with no signal
    periods = month_ends(4, 5)
    rows = pd.DataFrame(
        {
            "period_end": periods[:2] + periods[3:],
            "numerator": [10, 20, 40, 50],
            "denominator": [100] * 4,
        }
    )
    table, chart = signals.spc_series(rows, HI03)
    assert table["activity"].tolist() == [10, 10, 10, 10]
    assert table["months_covered"].tolist() == [1, 1, 2, 1]
    assert chart.variation == "common_cause"


def test_spc_series_leaves_out_months_with_a_practice_missing():
    periods = month_ends(4, 4)
    rows = pd.DataFrame(
        {
            "period_end": periods,
            "numerator": [10, 20, 22, 40],  # June is low only because a practice sent nothing
            "denominator": [100] * 4,
            "practices_with_data": [3, 3, 2, 3],
            "member_practices": [3] * 4,
        }
    )
    table, _ = signals.spc_series(rows, HI03)
    assert [pd.Timestamp(p).month for p in table["period_end"]] == [4, 5, 7]
    assert table["activity"].tolist() == [10, 10, 10]


def test_spc_series_needs_three_months():
    rows = pd.DataFrame(
        {"period_end": month_ends(4, 2), "numerator": [1, 2], "denominator": [9, 9]}
    )
    assert signals.spc_series(rows, HI03) is None


def test_projection_and_required_pace():
    # April to September 10, 20, ... 60 of a register of 100: 10 a month, 6 months left -> 100%
    rows = pd.DataFrame(
        {
            "period_end": month_ends(4, 6),
            "numerator": [10, 20, 30, 40, 50, 60],
            "denominator": [100] * 6,
        }
    )
    projected = signals.project(rows, HI03, SCHEME, date(2025, 4, 1))
    assert projected["method"] == "recent_pace"
    assert projected["achievement"] == pytest.approx(100.0)
    assert projected["year_end"] == date(2026, 3, 31)
    # 20 more patients to reach 80% of 100, 6 months left: 3.33 a month
    latest = pd.Series({"period_end": month_ends(4, 6)[-1], "patients_to_upper": 20})
    assert signals.required_pace(latest, HI03, date(2026, 3, 31)) == pytest.approx(20 / 6)


def test_backtest_projects_from_a_month_and_compares_with_the_year_end():
    # a steady year: 8 a month of 120; from September (6 months in) the pace gives 96 of 120 = 80%,
    # which is exactly what happened
    rows = pd.DataFrame(
        {
            "period_end": month_ends(4, 12),
            "numerator": [8 * m for m in range(1, 13)],
            "denominator": [120] * 12,
        }
    )
    result = signals.backtest(rows, HI03, SCHEME, from_month=9, measurement_start=date(2025, 4, 1))
    assert result["achievement"] == pytest.approx(80.0)
    assert result["actual"] == pytest.approx(80.0)
    assert result["within_band"]


def test_completeness_lists_missing_months():
    periods = month_ends(4, 3)
    rows = pd.DataFrame(
        {
            "org_code": ["A"] * 3 + ["B"] * 3,
            "org_name": ["Alpha"] * 3 + ["Beta"] * 3,
            "period_end": periods * 2,
            "practices_with_data": [1, 1, 1, 1, 0, 1],
        }
    )
    table = signals.completeness(rows).set_index("practice_code")
    assert table.loc["A", "periods_missing"] == 0
    assert table.loc["B", "periods_missing"] == 1
    assert table.loc["B", "missing_period_ends"] == "31 May 2025"
    assert Decimal(str(table.loc["B", "periods_sent"])) == 2


def test_pace_needed_allows_for_a_growing_denominator():
    latest = pd.Series(
        {"period_end": month_ends(4, 6)[-1], "numerator": 60, "denominator": 100,
         "patients_to_upper": 20}
    )  # fmt: skip
    year_end = date(2026, 3, 31)
    # A register that stays at 100: the same as required_pace, 20 patients over 6 months.
    assert signals.pace_needed(latest, HI03, year_end, 100) == pytest.approx(20 / 6)
    assert signals.pace_needed(latest, HI03, year_end) == pytest.approx(20 / 6)
    # Referrals that grow to 130 by March: 80% of 130 = 104, less the 60 done = 44 over 6 months.
    assert signals.pace_needed(latest, HI03, year_end, 130) == pytest.approx(44 / 6)
    # Lower is better (UT 20%): at most 20% of 130 = 26 events in all, 60 already: -34 / 6.
    lower = replace(HI03, direction="lower", lower_threshold=30, upper_threshold=20)
    assert signals.pace_needed(latest, lower, year_end, 130) == pytest.approx(-34 / 6)
    # The year has ended: nothing more to say.
    assert signals.pace_needed(latest, HI03, date(2025, 9, 30), 130) is None


def test_backtest_uses_last_years_shape_when_the_year_before_is_given():
    # The year before: 30 of 100 by September, 80 of 100 by March. Last year 36 of 100 by
    # September, so last year's shape says 36 x 80/30 = 96 of 100 = 96%; the year ended at 90%.
    last_year = pd.DataFrame(
        {
            "period_end": month_ends(4, 12),
            "numerator": [6, 12, 18, 24, 30, 36, 45, 54, 63, 72, 81, 90],
            "denominator": [100] * 12,
        }
    )
    year_before = pd.DataFrame(
        {
            "period_end": month_ends(4, 12, year=2024),
            "numerator": [5, 10, 15, 20, 25, 30, 38, 46, 54, 62, 71, 80],
            "denominator": [100] * 12,
        }
    )
    shaped = signals.backtest(last_year, HI03, SCHEME, 9, date(2025, 4, 1), year_before)
    assert shaped["method"] == "last_year_shape"
    assert shaped["achievement"] == pytest.approx(96.0)
    assert shaped["actual"] == pytest.approx(90.0)
    paced = signals.backtest(last_year, HI03, SCHEME, 9, date(2025, 4, 1))
    assert paced["method"] == "recent_pace" and paced["achievement"] == pytest.approx(72.0)
