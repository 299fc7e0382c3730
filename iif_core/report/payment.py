"""Indicators and members' work ranked by the £ it is worth; the thresholds in words."""

from __future__ import annotations

import math

import pandas as pd

from iif_core.report.common import (
    _at_period,
    _empty,
    _num,
    _rows,
    _shortfall,
    _threshold_words,
    status_label,
)
from iif_core.report.organisations import members
from iif_core.report.overview_cards import indicator_rows
from iif_core.schemes import Indicator, Scheme
from iif_core.vocabulary import AREA_LEVELS

PAYMENT_COLUMNS = (
    "rank", "indicator_code", "name", "status", "status_label", "achievement",
    "lower_threshold", "upper_threshold", "unit", "direction", "payment_achieved",
    "payment_available", "payment_outstanding", "patients_to_lower", "patients_to_upper",
    "value_per_patient", "marginal_value", "explanation",
)  # fmt: skip


def marginal_value(row: dict, indicator: Indicator, value_per_point: float) -> float | None:
    """£ earned by one more patient (or one fewer event) between the thresholds, for a PCN:
    points / |UT − LT| × scale / D × value of a point × adjustments (iif-rules.md section 6)."""
    d = _num(row.get("denominator"))
    lsa = _num(row.get("list_size_adjustment"))
    prevalence = _num(row.get("prevalence_adjustment"))
    if not d or lsa is None or prevalence is None:
        return None
    width = abs(float(indicator.upper_threshold) - float(indicator.lower_threshold))
    return (
        float(indicator.points) / width * indicator.scale / d * value_per_point * lsa * prevalence
    )


def payment_ranking(
    scored: pd.DataFrame, scheme: Scheme, level: str, org_code: str, period
) -> pd.DataFrame:
    """Indicators ranked by the £ their remaining work is worth, with the patients needed for
    each threshold, £ per patient, the marginal £ of one more patient (PCN level) and what the
    lower-threshold cliff means in plain words. Empty at practice level: IIF pays PCNs."""
    if level == "practice":
        return _empty(PAYMENT_COLUMNS)
    cards = indicator_rows(scored, scheme, level, org_code, period)
    value_per_point = float(scheme.value_per_point)
    records = []
    for card in cards.to_dict("records"):
        indicator = scheme.indicators[card["indicator_code"]]
        card["marginal_value"] = (
            marginal_value(card, indicator, value_per_point) if level == "pcn" else None
        )
        card["explanation"] = cliff_explanation(card, indicator, area=level in AREA_LEVELS)
        records.append(card)
    frame = pd.DataFrame.from_records(records)
    frame["_outstanding"] = pd.to_numeric(frame["payment_outstanding"], errors="coerce").fillna(-1)
    frame["_per_patient"] = pd.to_numeric(frame["value_per_patient"], errors="coerce").fillna(-1)
    frame = frame.sort_values(["_outstanding", "_per_patient"], ascending=[False, False])
    frame["rank"] = range(1, len(frame) + 1)
    return frame[list(PAYMENT_COLUMNS)].reset_index(drop=True)


def _money_words(value: float | None) -> str:
    return "an unknown amount" if value is None else f"£{value:,.2f}"


def cliff_explanation(card: dict, indicator: Indicator, area: bool = False) -> str:
    """What the lower threshold means for this indicator now, in plain words; for a place or
    ICB (`area`), in terms of its PCNs, each of which is paid on its own achievement."""
    lt = _threshold_words(float(indicator.lower_threshold), indicator.unit)
    ut = _threshold_words(float(indicator.upper_threshold), indicator.unit)
    status = card.get("status") or "no_data"
    to_lower, to_upper = _num(card.get("patients_to_lower")), _num(card.get("patients_to_upper"))
    outstanding = _num(card.get("payment_outstanding"))
    available = _num(card.get("payment_available"))
    higher = indicator.direction == "higher"
    who = "patients" if higher else "events"
    more = "more" if higher else "fewer"
    if status == "not_in_scheme":
        return card.get("dates_note") or f"{indicator.code} is not in the scheme on this date."
    if card.get("dates_note"):
        # In the scheme now but withdrawn before the year end: it will not be paid.
        return card["dates_note"]
    if status == "no_data":
        return f"No data yet, so nothing can be said about {indicator.code} for this period."
    if area:
        if not to_upper:
            return f"Every PCN has reached the upper threshold ({ut}): all is earned."
        return (
            f"Each PCN is paid on its own achievement. Summed over the PCNs, {int(to_upper):,} "
            f"{more} {who} bring every PCN to the upper threshold ({ut}) and earn the remaining "
            f"{_money_words(outstanding)}. Of those, {int(to_lower or 0):,} only lift the PCNs "
            f"still at or below the lower threshold ({lt}) up to it, which by itself earns nothing."
        )
    if status == "green":
        return (
            f"The upper threshold ({ut}) is reached: all {_money_words(available)} is earned. "
            f"Keep it there until 31 March."
        )
    if status == "red":
        return (
            f"Nothing is paid until achievement gets past the lower threshold ({lt}): "
            f"{int(to_lower or 0):,} {more} {who} are needed just to start earning. "
            f"Reaching {lt} by itself still earns £0.00; every {who[:-1]} after that earns a share, "
            f"and the upper threshold ({ut}, {int(to_upper or 0):,} {more} {who} in all) earns "
            f"{_money_words(outstanding)}."
        )
    return (
        f"Earning on the sliding scale between {lt} and {ut}: {int(to_upper or 0):,} {more} "
        f"{who} reach the upper threshold and earn the remaining {_money_words(outstanding)}. "
        f"Falling back to {lt} or worse would earn nothing at all."
    )


WORK_COLUMNS = (
    "org_code", "org_name", "indicator_code", "status_label", "achievement",
    "patients_to_upper", "value_per_patient", "work_value",
)  # fmt: skip


def work_ranking(
    scored: pd.DataFrame,
    scheme: Scheme,
    orgs: pd.DataFrame,
    level: str,
    org_code: str,
    period,
    pcns: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """Member × indicator work ranked by the £ it is worth.

    For a place or ICB: each member PCN's patients to the upper threshold and its £ outstanding.
    For a PCN: each practice's own patients short of the upper threshold (rounded up), valued at
    the network's £ per patient for that indicator: an estimate of where the money is, since the
    IIF pays the network on its pooled figure. Empty at practice level.
    """
    if level == "practice":
        return _empty(WORK_COLUMNS)
    member_level, codes = members(orgs, level, org_code, pcns)
    if member_level is None or not codes:
        return _empty(WORK_COLUMNS)
    rows = _at_period(scored[scored["level"] == member_level], period)
    rows = rows[rows["org_code"].isin(codes)].copy()
    # Work on an indicator outside its dates earns nothing (decisions.md D27).
    rows = rows[rows["status"] != "not_in_scheme"]
    if rows.empty:
        return _empty(WORK_COLUMNS)
    if member_level == "pcn":
        rows["work_value"] = rows["payment_outstanding"]
    else:
        own = _at_period(_rows(scored, level, org_code), period).set_index("indicator_code")
        # Where the network has nothing left to earn (upper threshold reached), the work is
        # worth £0 to it, whatever a practice's own gap.
        per_patient = {
            code: 0.0 if _num(row["payment_outstanding"]) == 0 else _num(row["value_per_patient"])
            for code, row in own.iterrows()
        }
        shortfall = []
        for n, d, code in zip(rows["numerator"], rows["denominator"], rows["indicator_code"],
                              strict=True):  # fmt: skip
            gap = _shortfall(n, d, scheme.indicators[code]) if code in scheme.indicators else None
            shortfall.append(max(0, math.ceil(gap - 1e-9)) if gap is not None else None)
        rows["patients_to_upper"] = shortfall
        rows["value_per_patient"] = rows["indicator_code"].map(per_patient)
        rows["work_value"] = pd.to_numeric(rows["patients_to_upper"], errors="coerce") * rows[
            "value_per_patient"
        ].astype(float)
    rows["status_label"] = rows["status"].map(status_label)
    rows = rows[pd.to_numeric(rows["patients_to_upper"], errors="coerce").fillna(0) > 0]
    rows = rows.sort_values(["work_value", "patients_to_upper"], ascending=[False, False],
                            na_position="last")  # fmt: skip
    return rows[list(WORK_COLUMNS)].reset_index(drop=True)
