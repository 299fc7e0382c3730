"""Page-ready statistics from scored rows: funnel tables, SPC series, projections, completeness."""

from __future__ import annotations

import math
from datetime import date

import numpy as np
import pandas as pd

from iif_core.schemes import Indicator, Scheme, scheme_start_year
from iif_core.stats import (
    SMALL_DENOMINATOR,
    funnel_limits,
    funnel_position,
    monthly_activity,
    project_year_end,
    xmr,
)

FUNNEL_CURVE_POINTS = 120  # enough points for smooth limit lines on a chart
MIN_SPC_POINTS = 3  # a mean and two moving ranges: the least that gives limits at all


def funnel_table(practices: pd.DataFrame, comparator: float, indicator: Indicator) -> pd.DataFrame:
    """One row per practice with data: achievement, the limits at its denominator and its flag.

    `practices` has practice rows for one indicator and period (org_code, org_name, numerator,
    denominator); `comparator` is the pooled achievement of the PCN, place or ICB, in the
    indicator's unit (82.6 for 82.6%).
    """
    rows = practices[practices["denominator"].fillna(0) > 0].copy()
    target = comparator / indicator.scale
    limits = funnel_limits(target, rows["denominator"].to_numpy(float), indicator.unit)
    for name, values in limits.items():
        rows[name] = values * indicator.scale
    # each row's flag, against the limits just worked out at its denominator (funnel_flag would
    # work out the same limits again, one practice at a time)
    flags = [
        ("small", None)
        if d < SMALL_DENOMINATOR
        else funnel_position(n / d, {k: v[i] for k, v in limits.items()}, indicator.direction)
        for i, (n, d) in enumerate(zip(rows["numerator"], rows["denominator"], strict=True))
    ]
    rows["position"] = [position for position, _ in flags]
    rows["judgement"] = [judgement for _, judgement in flags]
    rows["small_denominator"] = rows["denominator"] < SMALL_DENOMINATOR
    rows["comparator"] = comparator
    return rows.reset_index(drop=True)


def funnel_curve(comparator: float, indicator: Indicator, largest: float) -> pd.DataFrame:
    """The funnel's limit lines over denominators from 1 to a little past the largest practice."""
    n = np.unique(np.geomspace(1, max(largest * 1.1, 10), FUNNEL_CURVE_POINTS).round())
    limits = funnel_limits(comparator / indicator.scale, n, indicator.unit)
    curve = pd.DataFrame({"denominator": n, "comparator": comparator})
    for name, values in limits.items():
        curve[name] = values * indicator.scale
    return curve


def spc_series(rows: pd.DataFrame, indicator: Indicator) -> tuple[pd.DataFrame, object] | None:
    """The monthly activity behind a cumulative indicator as an XmR chart, or None if too short.

    `rows` are one organisation's rows for one indicator within one scheme year; the numerator
    is cumulative from the start of the measurement. Months where a member practice sent nothing
    are left out, so a missing upload is not mistaken for a fall in activity; the activity after
    such a gap is spread evenly over the months it covers.
    """
    series = rows.dropna(subset=["numerator"]).sort_values("period_end")
    if "member_practices" in series:
        series = series[series["practices_with_data"] == series["member_practices"]]
    if len(series) < MIN_SPC_POINTS:
        return None
    periods = pd.to_datetime(series["period_end"])
    month_numbers = (periods.dt.year * 12 + periods.dt.month).to_numpy()
    gaps = np.diff(month_numbers, prepend=month_numbers[0] - 1)
    activity = np.asarray(monthly_activity(series["numerator"].astype(float).tolist())) / gaps
    chart = xmr(activity.tolist(), improvement=indicator.direction)
    table = pd.DataFrame(
        {
            "period_end": series["period_end"].to_numpy(),
            "activity": activity,
            "months_covered": gaps,
            "mean": chart.mean,
            "lower_limit": chart.lower_limit,
            "upper_limit": chart.upper_limit,
            "point_type": chart.point_types,
            "rules": [", ".join(sorted(r)) for r in chart.rules],
        }
    )
    return table, chart


def months_to_year_end(period_end: date, year_end: date) -> int:
    return (year_end.year - period_end.year) * 12 + year_end.month - period_end.month


def required_pace(latest: pd.Series, indicator: Indicator, year_end: date) -> float | None:
    """Patients (or events) a month still needed to reach the upper threshold by the year end."""
    months_left = months_to_year_end(pd.Timestamp(latest["period_end"]).date(), year_end)
    gap = latest.get("patients_to_upper")
    if gap is None or pd.isna(gap) or months_left <= 0:
        return None
    return float(gap) / months_left


def pace_needed(
    latest: pd.Series,
    indicator: Indicator,
    year_end: date,
    denominator_at_end: float | None = None,
) -> float | None:
    """Patients (or events) a month needed from now to be at the upper threshold at the year end,
    allowing for the denominator to grow to `denominator_at_end` (CAN-04's referrals keep coming).

    Without a different year-end denominator it is `required_pace` (a register such as HI-03
    stays about the same size). For a lower-is-better indicator it is the most events a month
    that keep the indicator at the upper threshold. None once the year has ended.
    """
    months_left = months_to_year_end(pd.Timestamp(latest["period_end"]).date(), year_end)
    denominator = latest.get("denominator")
    if months_left <= 0:
        return None
    if (
        denominator_at_end is None
        or pd.isna(denominator_at_end)
        or (denominator is not None and float(denominator_at_end) == float(denominator))
    ):
        return required_pace(latest, indicator, year_end)
    numerator = latest.get("numerator")
    if numerator is None or pd.isna(numerator):
        return None
    at_threshold = float(indicator.upper_threshold) * float(denominator_at_end) / indicator.scale
    if indicator.direction == "higher":
        return max(0, math.ceil(at_threshold - float(numerator) - 1e-9)) / months_left
    return (at_threshold - float(numerator)) / months_left


def project(
    rows: pd.DataFrame,
    indicator: Indicator,
    scheme: Scheme,
    measurement_start: date,
    last_year: pd.DataFrame | None = None,
) -> dict | None:
    """Projected achievement at the year end with a 95% band, for one organisation and indicator.

    `rows`: this year's cumulative rows (period_end, numerator, denominator); `last_year`: the same
    organisation's rows a year earlier, used for last year's shape when it has both the same
    month and the year end.
    """
    series = rows.dropna(subset=["numerator", "denominator"]).sort_values("period_end")
    if series.empty or series["denominator"].iloc[-1] <= 0:
        return None
    periods = [pd.Timestamp(p).date() for p in series["period_end"]]
    year_end = scheme_end(scheme)
    shape = _last_year_shape(last_year, periods[-1], year_end)
    projection = project_year_end(
        periods,
        series["numerator"].astype(float).tolist(),
        series["denominator"].astype(float).tolist(),
        year_end,
        measurement_start,
        last_year=shape,
        unit=indicator.unit,
    )
    scale = indicator.scale

    def achievement(numerator: float) -> float:
        return scale * numerator / projection.denominator

    return {
        "method": projection.method,
        "months_left": projection.months_left,
        "numerator": projection.numerator,
        "denominator": projection.denominator,
        "achievement": achievement(projection.numerator),
        "achievement_low": achievement(projection.numerator_low),
        "achievement_high": achievement(projection.numerator_high),
        "year_end": year_end,
    }


def scheme_end(scheme: Scheme) -> date:
    return scheme.end_date or date(scheme_start_year(scheme.year) + 1, 3, 31)


def _last_year_shape(last_year: pd.DataFrame | None, now: date, year_end: date):
    """(numerator now, numerator at year end, denominator now, denominator at year end), a year ago."""
    if last_year is None or last_year.empty:
        return None
    by_month = {
        (pd.Timestamp(p).year, pd.Timestamp(p).month): r
        for p, r in zip(last_year["period_end"], last_year.itertuples(), strict=True)
    }
    then = by_month.get((now.year - 1, now.month))
    end = by_month.get((year_end.year - 1, year_end.month))
    if then is None or end is None or pd.isna(then.numerator) or pd.isna(end.numerator):
        return None
    return (
        float(then.numerator),
        float(end.numerator),
        float(then.denominator),
        float(end.denominator),
    )


def backtest(
    last_year: pd.DataFrame,
    indicator: Indicator,
    scheme: Scheme,
    from_month: int,
    measurement_start: date,
    year_before: pd.DataFrame | None = None,
) -> dict | None:
    """How the projection would have done last year: projected from `from_month`, against the end.

    With `year_before` (the same organisation's rows a year before last year) the projection may
    use last year's shape, as this year's does; without it, it is the recent pace.
    """
    series = last_year.dropna(subset=["numerator"]).sort_values("period_end")
    months = pd.to_datetime(series["period_end"])
    cutoff = months[months.dt.month == from_month]
    if cutoff.empty or series["denominator"].iloc[-1] <= 0:
        return None
    projected = project(
        series[months <= cutoff.iloc[0]], indicator, scheme, measurement_start, year_before
    )
    if projected is None:
        return None
    final = series.iloc[-1]
    actual = indicator.scale * final["numerator"] / final["denominator"]
    inside = projected["achievement_low"] <= actual <= projected["achievement_high"]
    return {**projected, "actual": actual, "within_band": inside}


def completeness(practice_rows: pd.DataFrame) -> pd.DataFrame:
    """Per practice: the period ends it sent, the ones it missed, and its latest period end."""
    rows = practice_rows.copy()
    rows["has_data"] = rows["practices_with_data"].fillna(0) > 0
    all_periods = sorted(rows["period_end"].unique())
    out = []
    for (code, name), group in rows.groupby(["org_code", "org_name"], sort=True):
        sent = sorted(group.loc[group["has_data"], "period_end"].unique())
        missing = [p for p in all_periods if p not in set(sent)]
        out.append(
            {
                "practice_code": code,
                "practice_name": name,
                "periods_sent": len(sent),
                "periods_missing": len(missing),
                "missing_period_ends": ", ".join(
                    pd.Timestamp(p).strftime("%d %b %Y") for p in missing
                ),
                "latest_period_end": max(sent) if sent else None,
            }
        )
    return pd.DataFrame(out)
