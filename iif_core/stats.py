"""Signal or noise: funnel-plot limits, Wilson intervals, XmR charts (Making Data Count) and year-end projections."""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import date

import numpy as np

# Two-sided normal quantiles for the funnel's two pairs of limits (Spiegelhalter 2005:
# "95% and 99.8%", roughly 2 and 3 standard deviations).
Z_95 = 1.959963984540054
Z_998 = 3.090232306167813
FUNNEL_COVERAGES = (0.95, 0.998)

# Below this denominator a practice's limits are so wide (about ±15 points around 80% at 95%)
# that a flag would judge noise; such practices are marked, never flagged.
SMALL_DENOMINATOR = 30

# Making Data Count XmR constants, as NHS England's "Making Data Count" and NHSRplotthedots use:
XMR_LIMIT = 2.66  # 3 / d2, with d2 = 1.128 for moving ranges of two points: 3-sigma limits
XMR_NEAR_LIMIT = 2 * XMR_LIMIT / 3  # 2 sigma: "close to a limit" for the two-of-three rule
MR_SCREEN = 3.267  # D4 for n = 2: moving ranges above 3.267 × mean MR are left out of the mean
RUN_LENGTH = 7  # a shift is 7 points on one side of the mean; a trend 7 points rising or falling
MIN_XMR_POINTS = 12  # fewer points than this give provisional limits (NHSRplotthedots warns)

PROJECTION_Z = Z_95  # the projection band is a 95% interval


# --- Funnel plots ---------------------------------------------------------------------------


def wilson_interval(successes: float, n: float, z: float = Z_95) -> tuple[float, float]:
    """Wilson score interval for a proportion (Wilson 1927; Newcombe 1998, method 3)."""
    if n <= 0:
        return (math.nan, math.nan)
    p = successes / n
    denominator = 1 + z * z / n
    centre = (p + z * z / (2 * n)) / denominator
    half = z / denominator * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n))
    return (max(0.0, centre - half), min(1.0, centre + half))


def funnel_limit(target: float, n, tail: float, unit: str = "percent"):
    """The funnel's limit at denominator n for one tail probability, as a fraction (or a rate).

    Exact binomial (percent) or Poisson (per_1000, rate) quantiles with Spiegelhalter's
    interpolation, so that the limits are smooth in n (Spiegelhalter 2005, appendix A.1.1).
    """
    from scipy import stats  # here, not at the top: loading it slows the app's first page

    n = np.asarray(n, dtype=float)
    distribution = (
        stats.binom(np.maximum(n, 1).round(), target)
        if unit == "percent"
        else stats.poisson(np.maximum(n, 1e-12) * target)
    )
    r = distribution.ppf(tail)
    at_r = distribution.cdf(r)
    below_r = distribution.cdf(r - 1)
    step = np.where(at_r > below_r, at_r - below_r, 1.0)
    alpha = (at_r - tail) / step
    return np.where(n > 0, (r - alpha) / np.maximum(n, 1e-12), np.nan)


def funnel_limits(target: float, n, unit: str = "percent") -> dict[str, np.ndarray]:
    """Lower and upper 95% and 99.8% limits around `target` (a fraction or rate) at each n."""
    limits = {}
    for coverage in FUNNEL_COVERAGES:
        tail = (1 - coverage) / 2
        label = f"{coverage * 100:g}"
        limits[f"lower_{label}"] = funnel_limit(target, n, tail, unit)
        limits[f"upper_{label}"] = funnel_limit(target, n, 1 - tail, unit)
    return limits


def funnel_flag(numerator: float, denominator: float, target: float, unit: str, direction: str):
    """Where one practice sits in the funnel: 'small', 'within', or above/below a limit.

    Returns (position, judgement): position is 'small', 'within', 'above_95', 'above_99.8',
    'below_95' or 'below_99.8'; judgement is 'better', 'worse' or None, by the direction.
    """
    if denominator is None or denominator <= 0 or np.isnan(denominator):
        return ("no_data", None)
    if denominator < SMALL_DENOMINATOR:
        return ("small", None)
    limits = funnel_limits(target, [denominator], unit)
    return funnel_position(numerator / denominator, {k: v[0] for k, v in limits.items()}, direction)


def funnel_position(value: float, limits: dict[str, float], direction: str):
    """funnel_flag's answer for a value (a fraction or rate) against the limits at its own
    denominator (one value of each of funnel_limits' arrays)."""
    position = "within"
    for coverage in ("95", "99.8"):
        if value > limits[f"upper_{coverage}"]:
            position = f"above_{coverage}"
        elif value < limits[f"lower_{coverage}"]:
            position = f"below_{coverage}"
    if position == "within":
        return (position, None)
    better = position.startswith("above") == (direction == "higher")
    return (position, "better" if better else "worse")


# --- Statistical process control (XmR) -------------------------------------------------------


@dataclass(frozen=True)
class XmR:
    """An XmR chart: the centre line and limits, and each point's type under the rules."""

    values: list[float]
    mean: float
    lower_limit: float
    upper_limit: float
    point_types: list[
        str
    ]  # common_cause, special_cause_improvement, special_cause_concern, special_cause_neutral
    rules: list[set[str]]  # which rules each point breaks: outside, shift, trend, two_of_three
    provisional: bool  # fewer than MIN_XMR_POINTS points

    @property
    def variation(self) -> str:
        """The variation icon of the latest point (Making Data Count)."""
        last = self.point_types[-1]
        if last == "common_cause":
            return "common_cause"
        side = "high" if self.values[-1] > self.mean else "low"
        kind = last.removeprefix("special_cause_")
        return f"{kind}_{side}"

    def assurance(self, target: float | None, improvement: str | None) -> str | None:
        """Whether the process will meet `target`: consistently passing or failing, or hit and miss."""
        if target is None or improvement is None:
            return None
        if self.lower_limit <= target <= self.upper_limit:
            return "inconsistent"
        passing = (
            target < self.lower_limit if improvement == "higher" else target > self.upper_limit
        )
        return "consistently_passing" if passing else "consistently_failing"


def xmr(values: list[float], improvement: str | None = None) -> XmR:
    """Mean, limits and Making Data Count rules for a series; `improvement` is 'higher', 'lower' or None."""
    y = np.asarray(values, dtype=float)
    if len(y) < 2:
        raise ValueError("an XmR chart needs at least two points")
    mean = float(y.mean())
    moving_ranges = np.abs(np.diff(y))
    mean_range = moving_ranges.mean()
    kept = moving_ranges[moving_ranges < MR_SCREEN * mean_range]
    mean_range = kept.mean() if len(kept) else mean_range
    upper, lower = mean + XMR_LIMIT * mean_range, mean - XMR_LIMIT * mean_range
    near_upper, near_lower = mean + XMR_NEAR_LIMIT * mean_range, mean - XMR_NEAR_LIMIT * mean_range

    side = np.sign(y - mean)
    outside = (y > upper) | (y < lower)
    close = ~outside & ((y > near_upper) | (y < near_lower))
    rules: list[set[str]] = [set() for _ in y]
    for i in np.flatnonzero(outside):
        rules[i].add("outside")
    for start, end in _runs(side, lambda a, b: a == b and a != 0):
        for i in range(start, end):
            rules[i].add("shift")
    steps = np.sign(np.diff(y))
    for start, end in _runs(steps, lambda a, b: a == b and a != 0, length=RUN_LENGTH - 1):
        for i in range(start, end + 1):  # n - 1 rising steps join n points
            rules[i].add("trend")
    for start in range(len(y) - 2):
        window = range(start, start + 3)
        same_side = abs(side[start : start + 3].sum()) == 3
        if same_side and close[start : start + 3].sum() >= 2:
            for i in window:
                if close[i]:
                    rules[i].add("two_of_three")

    point_types = []
    for i, broken in enumerate(rules):
        if not broken:
            point_types.append("common_cause")
        elif improvement is None:
            point_types.append("special_cause_neutral")
        elif (side[i] > 0) == (improvement == "higher"):
            point_types.append("special_cause_improvement")
        else:
            point_types.append("special_cause_concern")
    return XmR(
        values=[float(v) for v in y], mean=mean, lower_limit=float(lower),
        upper_limit=float(upper), point_types=point_types, rules=rules,
        provisional=len(y) < MIN_XMR_POINTS,
    )  # fmt: skip


def _runs(signs, same, length: int = RUN_LENGTH):
    """(start, end) of each maximal run of at least `length` items where `same(a, b)` holds."""
    start = 0
    for i in range(1, len(signs) + 1):
        if i == len(signs) or not same(signs[i], signs[start]):
            if i - start >= length and same(signs[start], signs[start]):
                yield (start, i)
            start = i


def monthly_activity(cumulative: list[float]) -> list[float]:
    """Each month's activity from a cumulative series that starts at the scheme's first month."""
    values = list(cumulative)
    return [values[0]] + [b - a for a, b in zip(values, values[1:], strict=False)]


# --- Year-end projection ---------------------------------------------------------------------


@dataclass(frozen=True)
class Projection:
    """Projected year-end counts: central, low and high numerators and the denominator."""

    method: str  # "last_year_shape" or "recent_pace"
    numerator: float
    numerator_low: float
    numerator_high: float
    denominator: float
    months_left: int


def months_between(first: date, last: date) -> int:
    return (last.year - first.year) * 12 + last.month - first.month


def project_year_end(
    periods: list[date],
    numerators: list[float],
    denominators: list[float],
    year_end: date,
    measurement_start: date,
    last_year: tuple[float, float, float, float] | None = None,
    unit: str = "percent",
) -> Projection:
    """Project cumulative counts to the year end from the monthly increments so far.

    Central estimate: with last year's series (numerator and denominator at this month and at the
    year end), this year's counts grown by last year's remaining growth ("last year's shape");
    without it, the mean monthly increment so far continued ("recent pace"). Band: the spread of
    the monthly numerator increments, for the months left, plus the uncertainty of their mean.
    """
    order = np.argsort(periods)
    periods = [periods[i] for i in order]
    n = np.asarray(numerators, dtype=float)[order]
    d = np.asarray(denominators, dtype=float)[order]
    months_left = max(0, months_between(periods[-1], year_end))
    months_so_far = months_between(measurement_start, periods[-1]) + 1
    month_numbers = [months_between(measurement_start, p) + 1 for p in periods]
    gaps = np.diff([0, *month_numbers])
    increments = np.diff(np.concatenate([[0.0], n])) / gaps
    denominator_pace = d[-1] / months_so_far
    if last_year is not None and last_year[0] > 0 and last_year[2] > 0:
        ly_numerator_now, ly_numerator_end, ly_denominator_now, ly_denominator_end = last_year
        method = "last_year_shape"
        numerator = n[-1] * ly_numerator_end / ly_numerator_now
        denominator = d[-1] * ly_denominator_end / ly_denominator_now
    else:
        method = "recent_pace"
        numerator = n[-1] + months_left * increments.mean()
        denominator = d[-1] + months_left * denominator_pace if _denominator_grows(d) else d[-1]
    spread = increments.std(ddof=1) if len(increments) > 1 else abs(increments[0])
    width = PROJECTION_Z * spread * math.sqrt(months_left + months_left**2 / len(increments))
    low, high = max(n[-1], numerator - width), numerator + width
    if unit == "percent":
        numerator, high = min(numerator, denominator), min(high, denominator)
        low = min(low, numerator)
    return Projection(
        method, float(numerator), float(low), float(high), float(denominator), months_left
    )


def _denominator_grows(denominators: np.ndarray) -> bool:
    """A register (HI-03) stays about the same size; a count of referrals (CAN-04) grows."""
    if len(denominators) < 2 or denominators[0] <= 0:
        return False
    return denominators[-1] > 1.2 * denominators[0]
