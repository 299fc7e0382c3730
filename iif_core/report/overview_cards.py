"""The Overview: one card per indicator, the scheme's totals and completeness in words."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

import pandas as pd

from iif_core.report.common import (
    _at_period,
    _date,
    _max,
    _min,
    _num,
    _rows,
    _sum,
    indicator_unconfirmed,
    is_unadjusted,
    status_label,
    unconfirmed_values,
)
from iif_core.schemes import Scheme
from iif_core.vocabulary import AREA_LEVELS, STATUS_SYMBOLS, STATUSES, STATUSES_WITH_DATA
from iif_core.words import plural

CARD_COLUMNS = (
    "indicator_code", "name", "area", "unit", "direction", "achievement", "lower_threshold",
    "upper_threshold", "status", "status_label", "numerator", "denominator", "pca_count",
    "points_available", "points_achieved", "payment_available", "payment_achieved",
    "payment_outstanding", "patients_to_lower", "patients_to_upper", "value_per_patient",
    "practices_with_data", "member_practices", "completeness", "confirmed", "unconfirmed",
    "dates_note", "unadjusted",
)  # fmt: skip


@dataclass
class Overview:
    """What the Overview page shows for one organisation and period end."""

    cards: pd.DataFrame  # one row per indicator of the scheme, in the scheme's order
    totals: dict = field(default_factory=dict)
    as_at: date | None = None
    pays: bool = True  # False at practice level: IIF pays PCNs
    unadjusted: bool = False
    unconfirmed: list[str] = field(default_factory=list)

    @property
    def has_data(self) -> bool:
        if self.cards.empty:
            return False
        return bool(self.cards["status"].isin(STATUSES_WITH_DATA).any())


def indicator_rows(
    scored: pd.DataFrame, scheme: Scheme, level: str, org_code: str, period
) -> pd.DataFrame:
    """One row per indicator of the scheme for one organisation and period end, in the scheme's
    order, with the indicator's words, status label, completeness, unconfirmed values and why
    it is not scored or paid (`dates_note`, decisions.md D27); indicators without a scored row
    show as 'no data', or as not in the scheme when the period end is outside their dates."""
    rows = _at_period(_rows(scored, level, org_code), period).set_index("indicator_code")
    records = []
    for code, indicator in scheme.indicators.items():
        record = rows.loc[code].to_dict() if code in rows.index else {}
        status = record.get("status") or "no_data"
        as_at = _date(period)
        if as_at is not None and not indicator.in_scheme_on(as_at):
            status = "not_in_scheme"
        with_data = _num(record.get("practices_with_data")) or 0
        member_count = _num(record.get("member_practices")) or 0
        records.append(
            {
                **record,
                "indicator_code": code,
                "name": indicator.name,
                "area": indicator.area or indicator.domain or "",
                "unit": indicator.unit,
                "direction": indicator.direction,
                "lower_threshold": float(indicator.lower_threshold),
                "upper_threshold": float(indicator.upper_threshold),
                "points": float(indicator.points),
                "status": status,
                "status_label": status_label(status),
                "practices_with_data": with_data,
                "member_practices": member_count,
                "completeness": with_data / member_count if member_count else None,
                "confirmed": indicator.confirmed,
                "unconfirmed": indicator_unconfirmed(indicator),
                "dates_note": scheme.dates_note(code, as_at) or "",  # "" rather than NaN
                "unadjusted": is_unadjusted(scheme, indicator),
            }
        )
    frame = pd.DataFrame.from_records(records)
    for column in CARD_COLUMNS:
        if column not in frame.columns:
            frame[column] = None
    return frame


def overview(
    scored: pd.DataFrame,
    scheme: Scheme,
    level: str,
    org_code: str,
    period,
    pcns: pd.DataFrame | None = None,
) -> Overview:
    """Per indicator a card's figures, and the scheme's totals on top.

    For a place or ICB each card also counts its PCNs by status (`pcn_status_text`), since the
    area's own status is of its pooled achievement while its points are the sum of its PCNs'.
    """
    cards = indicator_rows(scored, scheme, level, org_code, period)
    if level in AREA_LEVELS and pcns is not None:
        cards["pcn_status_text"] = _pcn_status_texts(scored, pcns, level, org_code, period, cards)
    pays = level != "practice"
    totals = {
        "indicators": len(cards),
        **{f"{s}_count": int((cards["status"] == s).sum()) for s in STATUSES},
        "points_available": _sum(cards["points_available"]) if pays else None,
        "points_achieved": _sum(cards["points_achieved"]) if pays else None,
        "payment_available": _sum(cards["payment_available"]) if pays else None,
        "payment_achieved": _sum(cards["payment_achieved"]) if pays else None,
        "payment_outstanding": _sum(cards["payment_outstanding"]) if pays else None,
        "patients_to_upper": _sum(cards["patients_to_upper"]),
        "practices_with_data_min": _min(cards["practices_with_data"]),
        "practices_with_data_max": _max(cards["practices_with_data"]),
        "member_practices": _max(cards["member_practices"]),
    }
    return Overview(
        cards=cards,
        totals=totals,
        as_at=_date(period),
        pays=pays,
        unadjusted=pays and is_unadjusted(scheme),
        unconfirmed=unconfirmed_values(scheme),
    )


def _pcn_status_texts(scored, pcns, level, org_code, period, cards) -> list[str]:
    """'PCNs: ✔ 2 · ◐ 5 · ✖ 10' per indicator: the area's PCNs by status."""
    column = "place_code" if level == "place" else "icb_code"
    codes = pcns.loc[pcns[column] == org_code, "pcn_code"]
    rows = _at_period(scored[scored["level"] == "pcn"], period)
    rows = rows[rows["org_code"].isin(codes)]
    texts = []
    for code in cards["indicator_code"]:
        statuses = rows.loc[rows["indicator_code"] == code, "status"].value_counts()
        parts = [f"{STATUS_SYMBOLS[s]} {int(statuses.get(s, 0))}" for s in STATUSES_WITH_DATA]
        if statuses.get("no_data", 0):
            parts.append(f"{STATUS_SYMBOLS['no_data']} {int(statuses['no_data'])}")
        texts.append("PCNs: " + " · ".join(parts))
    return texts


def completeness_text(practices_with_data, member_practices, level: str | None = None) -> str:
    """'17 of 18 member practices have data (94%)' in words; for a practice, whether it sent
    data."""
    with_data, total = _num(practices_with_data) or 0, _num(member_practices)
    if level == "practice":
        return "The practice sent data for this period" if with_data else (
            "The practice sent no data for this period"
        )  # fmt: skip
    if not total:
        return "No member practices are known for this organisation."
    share = 100 * with_data / total
    noun = "practice" if total == 1 else "practices"
    verb = "has" if int(with_data) == 1 else "have"
    return f"{int(with_data):,} of {int(total):,} member {noun} {verb} data ({share:.0f}%)"


def scheme_completeness_text(totals: dict, level: str | None = None) -> str:
    """Completeness over all indicators: one figure, or the range when it differs by indicator."""
    low, high = totals.get("practices_with_data_min"), totals.get("practices_with_data_max")
    total = totals.get("member_practices")
    if low is None or not total:
        return "No data for this period."
    if level == "practice":
        return completeness_text(high, total, level)
    if low == high:
        return completeness_text(low, total)
    return (
        f"{int(low):,} to {int(high):,} of {plural(total, 'member practice')} have data, "
        "depending on the indicator"
    )
