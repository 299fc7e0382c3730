"""Funnel limits, Wilson intervals, XmR rules and projections against published and hand-worked examples."""

from datetime import date

import pytest

from iif_core.stats import (
    SMALL_DENOMINATOR,
    funnel_flag,
    funnel_limit,
    funnel_limits,
    monthly_activity,
    project_year_end,
    wilson_interval,
    xmr,
)


# Newcombe RG (1998) "Two-sided confidence intervals for the single proportion: comparison of
# seven methods", Statistics in Medicine 17:857-872, Table II, method 3 (Wilson score).
@pytest.mark.parametrize(
    "successes, n, low, high",
    [(81, 263, 0.2553, 0.3662), (15, 148, 0.0624, 0.1605), (0, 20, 0.0, 0.1611),
     (1, 29, 0.0061, 0.1718)],
)  # fmt: skip
def test_wilson_interval_matches_newcombe(successes, n, low, high):
    got = wilson_interval(successes, n)
    assert got == (pytest.approx(low, abs=5e-5), pytest.approx(high, abs=5e-5))


def test_exact_binomial_limit_with_interpolation_by_hand():
    # Binomial(10, 0.5): P(R<=1) = 11/1024, P(R<=2) = 56/1024. The 2.5% quantile is r = 2;
    # alpha = (56/1024 - 0.025) / (45/1024) = 0.675556; limit = (2 - alpha) / 10 = 0.1324444.
    assert funnel_limit(0.5, [10], 0.025)[0] == pytest.approx(0.1324444, abs=1e-6)


def test_limits_approach_the_normal_approximation_for_large_denominators():
    # 0.8 ± 1.96 × sqrt(0.8 × 0.2 / 100000) = 0.8 ± 0.002479
    limits = funnel_limits(0.8, [100_000])
    assert limits["lower_95"][0] == pytest.approx(0.797521, abs=2e-5)
    assert limits["upper_95"][0] == pytest.approx(0.802479, abs=2e-5)
    assert limits["upper_99.8"][0] > limits["upper_95"][0]


def test_limits_narrow_as_the_denominator_grows():
    limits = funnel_limits(0.7, [40, 400, 4000])
    widths = limits["upper_95"] - limits["lower_95"]
    assert widths[0] > widths[1] > widths[2]


def test_poisson_limits_for_rates():
    # Poisson mean 4 (rate 0.004 per patient, n = 1000): P(X<=0) = e^-4 = 0.018316,
    # P(X<=1) = 5e^-4 = 0.091578, so the 2.5% quantile is 1; alpha = (0.091578 - 0.025) /
    # (0.091578 - 0.018316) = 0.908755; limit = (1 - 0.908755) / 1000 = 0.0000912.
    assert funnel_limit(0.004, [1000], 0.025, unit="rate")[0] == pytest.approx(9.12e-5, abs=2e-7)


def test_funnel_flags_by_direction_and_small_denominators():
    assert funnel_flag(5, SMALL_DENOMINATOR - 1, 0.8, "percent", "higher") == ("small", None)
    assert funnel_flag(0, 0, 0.8, "percent", "higher") == ("no_data", None)
    assert funnel_flag(400, 500, 0.8, "percent", "higher") == ("within", None)
    assert funnel_flag(470, 500, 0.8, "percent", "higher") == ("above_99.8", "better")
    assert funnel_flag(470, 500, 0.8, "percent", "lower") == ("above_99.8", "worse")
    # 0.8 - 1.96 × sqrt(0.16 / 500) = 0.7649: 378/500 = 0.756 is below 95% but not 99.8% (0.742)
    assert funnel_flag(378, 500, 0.8, "percent", "higher") == ("below_95", "worse")


def test_xmr_matches_the_nhsrplotthedots_worked_example():
    # NHSRplotthedots vignette "deviations": UPL 4.6, mean 1.94, LPL -0.72 with the moving
    # ranges 8 and 9 screened out (above 3.267 × mean MR), one special cause point (the 10).
    values = [1, 2, 1, 2, 10, 1, 2, 1, 2, 1, 2, 1, 2, 1, 2, 1, 2, 1]
    chart = xmr(values, improvement="higher")
    assert chart.upper_limit == pytest.approx(4.60, abs=0.005)
    assert chart.mean == pytest.approx(1.94, abs=0.005)
    assert chart.lower_limit == pytest.approx(-0.72, abs=0.005)
    assert [i for i, t in enumerate(chart.point_types) if t != "common_cause"] == [4]
    assert chart.point_types[4] == "special_cause_improvement"
    assert chart.variation == "common_cause"
    assert not chart.provisional


def test_shift_of_seven_points_on_one_side_of_the_mean():
    # mean = 157 / 14 = 11.21: the first seven are all below it, the last seven all above
    values = [10, 9, 11, 10, 9, 11, 10, 12, 12, 13, 12, 13, 12, 13]
    chart = xmr(values, improvement="lower")
    assert chart.mean == pytest.approx(157 / 14)
    assert all(chart.rules[i] == {"shift"} for i in range(14))
    assert set(chart.point_types[:7]) == {"special_cause_improvement"}
    assert set(chart.point_types[7:]) == {"special_cause_concern"}
    assert chart.variation == "concern_high"
    # six on one side is not a shift
    assert not any(xmr([10, 9, 11, 10, 9, 11, 12, 12, 13, 12, 13, 12], "lower").rules[:6])


def test_trend_of_seven_rising_points_is_found_and_six_is_not():
    rising = [5, 5.2, 4.9, 5.1, 5.0, 5.1, 5.2, 5.3, 5.4, 5.5, 5.6]  # 5.0 .. 5.6: 7 rising points
    chart = xmr(rising, improvement="higher")
    assert [i for i, r in enumerate(chart.rules) if "trend" in r] == [4, 5, 6, 7, 8, 9, 10]
    six = xmr([5, 5.2, 4.9, 5.1, 5.0, 5.1, 5.2, 5.3, 5.4, 5.5, 5.0], improvement="higher")
    assert not any("trend" in r for r in six.rules)


def test_two_of_three_close_to_a_limit():
    # 16 points alternating 10, 11 then 13.3, 11, 13.3, 10, 11: mean = 226.6 / 21 = 10.790;
    # moving ranges: fifteen 1s, then 2.3, 2.3, 2.3, 3.3, 1 (none above 3.267 × mean MR), mean
    # MR = 26.2 / 20 = 1.31; 2-sigma line = 10.790 + 2/3 × 2.66 × 1.31 = 13.114 < 13.3 < upper
    # limit 14.275. Points 16 and 18 are close to the limit with 17 on the same side: flagged.
    values = [10, 11] * 8 + [13.3, 11, 13.3, 10, 11]
    chart = xmr(values, improvement="higher")
    assert chart.mean == pytest.approx(226.6 / 21)
    assert chart.upper_limit == pytest.approx(226.6 / 21 + 2.66 * 1.31)
    assert [i for i, r in enumerate(chart.rules) if r] == [16, 18]
    assert chart.rules[16] == chart.rules[18] == {"two_of_three"}


def test_assurance_icons():
    chart = xmr([50, 52, 48, 51, 49, 50, 52, 48, 51, 49, 50, 51], improvement="higher")
    assert chart.assurance(50, "higher") == "inconsistent"
    assert chart.assurance(30, "higher") == "consistently_passing"
    assert chart.assurance(70, "higher") == "consistently_failing"
    assert chart.assurance(30, "lower") == "consistently_failing"
    assert chart.assurance(None, "higher") is None


def test_monthly_activity_from_a_cumulative_series():
    assert monthly_activity([10, 25, 25, 40]) == [10, 15, 0, 15]


def test_projection_at_the_recent_pace_by_hand():
    # April-September: 10, 20, 30, 40, 50, 60 checks, register 100 throughout. Mean increment 10,
    # six months left: 60 + 6 × 10 = 120, capped at the register of 100 for a percentage.
    # Increments all 10 so the spread is 0: the band is the point.
    months = [date(2025, m, 28) for m in range(4, 10)]
    projection = project_year_end(
        months, [10, 20, 30, 40, 50, 60], [100] * 6, date(2026, 3, 31), date(2025, 4, 1)
    )
    assert projection.method == "recent_pace"
    assert projection.months_left == 6
    assert projection.denominator == 100
    assert projection.numerator == 100
    assert projection.numerator_low == projection.numerator_high == 100


def test_projection_follows_last_years_shape():
    # Last year: 30 of 100 by September, 80 of 104 by March, so the numerator grew × 80/30 and
    # the register × 104/100. This year 36 of 110 by September: 36 × 8/3 = 96, 110 × 1.04 = 114.4.
    months = [date(2025, m, 28) for m in range(4, 10)]
    projection = project_year_end(
        months, [6, 12, 18, 24, 30, 36], [110] * 6, date(2026, 3, 31), date(2025, 4, 1),
        last_year=(30, 80, 100, 104),
    )  # fmt: skip
    assert projection.method == "last_year_shape"
    assert projection.numerator == pytest.approx(96.0)
    assert projection.denominator == pytest.approx(114.4)
    assert projection.numerator_low <= 96.0 <= projection.numerator_high


def test_projection_band_widens_with_noisy_months():
    months = [date(2025, m, 28) for m in range(4, 10)]
    steady = project_year_end(months, [10, 20, 30, 40, 50, 60], [1000] * 6,
                              date(2026, 3, 31), date(2025, 4, 1))  # fmt: skip
    noisy = project_year_end(months, [2, 20, 24, 45, 47, 60], [1000] * 6,
                             date(2026, 3, 31), date(2025, 4, 1))  # fmt: skip
    assert steady.numerator == pytest.approx(noisy.numerator)
    assert noisy.numerator_high - noisy.numerator_low > steady.numerator_high - steady.numerator_low
