"""Page-shaped queries for the app: pure functions over scored DataFrames, never Streamlit."""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

import duckdb
import pandas as pd

from iif_core import signals
from iif_core.orgs import load_orgs_frame
from iif_core.schemes import Indicator, Scheme, scheme_from_rows
from iif_core.score import SQL_DIR, score
from iif_core.stats import FUNNEL_COVERAGES, SMALL_DENOMINATOR, wilson_interval

LEVELS = ("practice", "pcn", "place", "icb")
LEVEL_LABELS = {"practice": "Practice", "pcn": "PCN", "place": "Place", "icb": "ICB"}
# The level below each level whose members are compared side by side (Variation, Trends).
MEMBER_LEVEL = {"pcn": "practice", "place": "pcn", "icb": "pcn"}
# Organisation columns of the tidy organisation table, per level.
ORG_COLUMNS = {
    "practice": ("practice_code", "practice_name"),
    "pcn": ("pcn_code", "pcn_name"),
    "place": ("place_code", "place_name"),
    "icb": ("icb_code", "icb_name"),
}
# Status by colour AND by a symbol and words, so that it reads without colour (colour-blind safe).
STATUS_SYMBOLS = {"green": "✔", "amber": "◐", "red": "✖", "no_data": "–"}
STATUS_WORDS = {
    "green": "Full points",
    "amber": "Earning",
    "red": "No points yet",
    "no_data": "No data",
}
STATUS_ORDER = ("red", "amber", "green", "no_data")
# Age bands for patient lists: children, working age, and the older ages most indicators target.
AGE_BANDS = ((0, 17, "Under 18"), (18, 39, "18-39"), (40, 64, "40-64"), (65, 74, "65-74"))
OLDEST_BAND = (75, "75 and over")
# IMD deciles become quintiles for filtering: decile 1-2 is quintile 1 (most deprived).
DECILES_PER_QUINTILE = 2
YES_WORDS = {"y", "yes", "true", "1", "t"}


# --- Small shared helpers ---------------------------------------------------------------------


def status_label(status: str) -> str:
    """A status as a symbol and words: '✔ Full points'."""
    status = status if status in STATUS_WORDS else "no_data"
    return f"{STATUS_SYMBOLS[status]} {STATUS_WORDS[status]}"


def _num(value) -> float | None:
    """A number from a frame cell, or None for a missing value."""
    if value is None:
        return None
    try:
        if pd.isna(value):
            return None
    except (TypeError, ValueError):
        return None
    return float(value)


def _date(value) -> date | None:
    if value is None or (not isinstance(value, date) and pd.isna(value)):
        return None
    return pd.Timestamp(value).date()


def _rows(scored: pd.DataFrame, level: str, org_code: str | None = None) -> pd.DataFrame:
    selected = scored[scored["level"] == level]
    if org_code is not None:
        selected = selected[selected["org_code"] == org_code]
    return selected


def _at_period(frame: pd.DataFrame, period) -> pd.DataFrame:
    if period is None:
        return frame.iloc[0:0]
    return frame[pd.to_datetime(frame["period_end"]) == pd.Timestamp(period)]


def is_unadjusted(scheme: Scheme, indicator: Indicator | None = None) -> bool:
    """True when payments cannot be adjusted as the rules say: no national average list size, or
    a prevalence-adjusted indicator without a national prevalence (iif-rules.md section 5)."""
    if scheme.national_average_list_size is None:
        return True
    indicators = [indicator] if indicator is not None else list(scheme.indicators.values())
    return any(i.prevalence_adjusted and i.national_prevalence is None for i in indicators)


def unconfirmed_values(scheme: Scheme) -> list[str]:
    """What in the scheme is not confirmed by a published source, in words."""
    found = []
    if not scheme.confirmed:
        found.append("value of a point and national average list size")
    found += [
        f"{code} thresholds and points" for code, i in scheme.indicators.items() if not i.confirmed
    ]
    return found


# --- Organisations ----------------------------------------------------------------------------


def pcn_membership(orgs: pd.DataFrame) -> pd.DataFrame:
    """One row per PCN with the one place and ICB it belongs to, by the core's own rule
    (iif_core/sql/01_pcns.sql: the largest share of list size), so the convention lives in one place."""
    if orgs is None or orgs.empty:
        return pd.DataFrame(
            columns=["pcn_code", "pcn_name", "list_size", "member_practices", "place_code",
                     "place_name", "icb_code", "icb_name"]
        )  # fmt: skip
    con = duckdb.connect()
    try:
        load_orgs_frame(con, orgs)
        con.execute((SQL_DIR / "01_pcns.sql").read_text(encoding="utf-8"))
        return con.table("pcns").df()
    finally:
        con.close()


def org_choices(orgs: pd.DataFrame, level: str, only=None) -> pd.DataFrame:
    """The organisations of a level to choose from, sorted by name, with a label that can be
    searched by name or by code: 'Hartmouth Central PCN (U22888)'.

    `orgs` is the tidy organisation table or a scored frame (level, org_code, org_name);
    `only`, if given, keeps just those codes (for example the organisations with data).
    """
    if "level" in orgs.columns:
        frame = orgs.loc[orgs["level"] == level, ["org_code", "org_name"]]
    else:
        code, name = ORG_COLUMNS[level]
        frame = orgs[[code, name]].rename(columns={code: "org_code", name: "org_name"})
    frame = frame.dropna(subset=["org_code"]).drop_duplicates("org_code")
    if only is not None:
        frame = frame[frame["org_code"].isin(list(only))]
    frame = frame.assign(org_name=frame["org_name"].fillna(frame["org_code"]))
    frame = frame.assign(
        label=[
            code if name == code else f"{name} ({code})"
            for code, name in zip(frame["org_code"], frame["org_name"], strict=True)
        ]
    )
    return frame.sort_values(["org_name", "org_code"]).reset_index(drop=True)


def period_choices(scored: pd.DataFrame) -> list[date]:
    """Every period end scored, latest first."""
    if scored is None or scored.empty:
        return []
    periods = pd.to_datetime(scored["period_end"]).dropna().unique()
    return [p.date() for p in sorted(pd.to_datetime(periods), reverse=True)]


def default_period(
    scored: pd.DataFrame, level: str | None = None, org_code: str | None = None
) -> date | None:
    """The latest period end with data (iif-rules.md section 9): for the organisation when one
    is given and it has any, else for anyone."""
    if scored is None or scored.empty:
        return None
    if level is not None and org_code is not None:
        own = _rows(scored, level, org_code)
        if (own["practices_with_data"].fillna(0) > 0).any():
            scored = own
    with_data = scored[scored["practices_with_data"].fillna(0) > 0]
    frame = with_data if not with_data.empty else scored
    return pd.Timestamp(pd.to_datetime(frame["period_end"]).max()).date()


@dataclass(frozen=True)
class OrgContext:
    """Where an organisation sits: its PCN (for a practice) and whether the IIF pays it."""

    level: str
    org_code: str
    org_name: str
    pcn_code: str | None = None
    pcn_name: str | None = None
    in_pcn: bool = True

    @property
    def earns_iif(self) -> bool:
        return self.level != "practice" or self.in_pcn

    @property
    def payment_note(self) -> str | None:
        """Why no £ is shown, in words, or None when £ is shown."""
        if self.level != "practice":
            return None
        if not self.in_pcn:
            return (
                f"{self.org_name} is in no Primary Care Network, so it earns no IIF: the fund pays "
                "PCNs only. Its achievement is shown for information."
            )
        return (
            f"The IIF pays Primary Care Networks, not practices, so no points or £ are shown for a "
            f"practice. {self.org_name}'s figures count towards {self.pcn_name}; choose PCN level "
            "to see the money."
        )


def org_context(orgs: pd.DataFrame, level: str, org_code: str, org_name: str | None = None):
    """The organisation's PCN and whether it earns IIF."""
    name = org_name or org_code
    if level != "practice" or orgs is None or orgs.empty:
        return OrgContext(level, org_code, name)
    row = orgs[orgs["practice_code"] == org_code]
    pcn_code = None if row.empty else row.iloc[0]["pcn_code"]
    if pcn_code is None or pd.isna(pcn_code) or pcn_code in ("", "U"):
        return OrgContext(level, org_code, name, in_pcn=False)
    pcn_name = row.iloc[0]["pcn_name"]
    pcn_name = pcn_code if pcn_name is None or pd.isna(pcn_name) else pcn_name
    return OrgContext(level, org_code, name, pcn_code, pcn_name, in_pcn=True)


def members(
    orgs: pd.DataFrame, level: str, org_code: str, pcns: pd.DataFrame | None = None
) -> tuple[str | None, list[str]]:
    """The member level and the codes of the members compared side by side for an organisation:
    the practices of a PCN, the PCNs of a place or ICB; for a practice, the practices of its PCN."""
    if orgs is None or orgs.empty:
        return None, []
    if level == "practice":
        context = org_context(orgs, level, org_code)
        if not context.in_pcn:
            return "practice", [org_code]
        return members(orgs, "pcn", context.pcn_code, pcns)
    if level == "pcn":
        return "practice", sorted(orgs.loc[orgs["pcn_code"] == org_code, "practice_code"])
    pcns = pcn_membership(orgs) if pcns is None else pcns
    column = "place_code" if level == "place" else "icb_code"
    return "pcn", sorted(pcns.loc[pcns[column] == org_code, "pcn_code"])


# --- Overview ---------------------------------------------------------------------------------


CARD_COLUMNS = (
    "indicator_code", "name", "area", "unit", "direction", "achievement", "lower_threshold",
    "upper_threshold", "status", "status_label", "numerator", "denominator", "pca_count",
    "points_available", "points_achieved", "payment_available", "payment_achieved",
    "payment_outstanding", "patients_to_lower", "patients_to_upper", "value_per_patient",
    "practices_with_data", "member_practices", "completeness", "confirmed", "unadjusted",
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
        return bool((self.cards["status"] != "no_data").any()) if not self.cards.empty else False


def indicator_rows(
    scored: pd.DataFrame, scheme: Scheme, level: str, org_code: str, period
) -> pd.DataFrame:
    """One row per indicator of the scheme for one organisation and period end, in the scheme's
    order, with the indicator's words, status label and completeness; indicators without a
    scored row show as 'no data'."""
    rows = _at_period(_rows(scored, level, org_code), period).set_index("indicator_code")
    records = []
    for code, indicator in scheme.indicators.items():
        record = rows.loc[code].to_dict() if code in rows.index else {}
        status = record.get("status") or "no_data"
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
    if level in ("place", "icb") and pcns is not None:
        cards["pcn_status_text"] = _pcn_status_texts(scored, pcns, level, org_code, period, cards)
    pays = level != "practice"
    totals = {
        "indicators": len(cards),
        **{f"{s}_count": int((cards["status"] == s).sum()) for s in STATUS_ORDER},
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
        parts = [
            f"{STATUS_SYMBOLS[s]} {int(statuses.get(s, 0))}" for s in ("green", "amber", "red")
        ]
        if statuses.get("no_data", 0):
            parts.append(f"{STATUS_SYMBOLS['no_data']} {int(statuses['no_data'])}")
        texts.append("PCNs: " + " · ".join(parts))
    return texts


def _sum(series: pd.Series) -> float | None:
    values = pd.to_numeric(series, errors="coerce").dropna()
    return float(values.sum()) if not values.empty else None


def _min(series: pd.Series) -> float | None:
    values = pd.to_numeric(series, errors="coerce").dropna()
    return float(values.min()) if not values.empty else None


def _max(series: pd.Series) -> float | None:
    values = pd.to_numeric(series, errors="coerce").dropna()
    return float(values.max()) if not values.empty else None


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
        f"{int(low):,} to {int(high):,} of {int(total):,} member practices have data, "
        "depending on the indicator"
    )


# --- Variation --------------------------------------------------------------------------------


@dataclass
class Variation:
    """Members of an organisation side by side for one indicator."""

    members: pd.DataFrame  # one row per member, worst first
    parent: dict  # the organisation's own row (achievement, gap, ...)
    member_level: str | None
    highlight: str | None = None  # the chosen practice, at practice level
    message: str | None = None  # why there is nothing to compare, in words


VARIATION_COLUMNS = (
    "org_code", "org_name", "numerator", "denominator", "pca_count", "achievement", "status",
    "status_label", "patients_to_lower", "patients_to_upper", "gap_contribution", "gap_share",
    "list_size",
)  # fmt: skip


def practice_variation(
    scored: pd.DataFrame,
    orgs: pd.DataFrame,
    scheme: Scheme,
    level: str,
    org_code: str,
    indicator_code: str,
    period,
    pcns: pd.DataFrame | None = None,
) -> Variation:
    """The members side by side (practices of a PCN, PCNs of a place or ICB) for an indicator,
    with each member's counts and its contribution to the organisation's gap to the upper
    threshold.

    For a PCN the contribution of a practice is UT × D / scale − N (for lower-is-better,
    N − UT × D / scale): patients short of the upper threshold at that practice, negative when
    the practice is beyond it and pulls the network up. The contributions add up to the PCN's gap
    before rounding up. For a place or ICB each PCN contributes its own patients to the upper
    threshold, which add up to the area's figure exactly.
    """
    indicator = scheme.indicator(indicator_code)
    highlight = org_code if level == "practice" else None
    if level == "practice":
        context = org_context(orgs, level, org_code)
        if not context.in_pcn:
            return Variation(
                _empty(VARIATION_COLUMNS),
                {},
                None,
                highlight,
                f"{org_code} is in no Primary Care Network, so there are no other practices to "
                "compare it with.",
            )
        parent_level, parent_code = "pcn", context.pcn_code
    else:
        parent_level, parent_code = level, org_code
    member_level, codes = members(orgs, parent_level, parent_code, pcns)
    rows = _at_period(_rows(scored, parent_level, parent_code), period)
    rows = rows[rows["indicator_code"] == indicator.code]
    parent = rows.iloc[0].to_dict() if not rows.empty else {}
    parent["level"] = parent_level
    parent["org_code"] = parent_code
    member_rows = _at_period(scored[scored["level"] == member_level], period)
    member_rows = member_rows[
        (member_rows["indicator_code"] == indicator.code) & (member_rows["org_code"].isin(codes))
    ].copy()
    if member_rows.empty:
        return Variation(
            _empty(VARIATION_COLUMNS),
            parent,
            member_level,
            highlight,
            "There is no data for the members of this organisation for this indicator and period.",
        )
    if member_level == "practice":
        member_rows["gap_contribution"] = [
            _shortfall(n, d, indicator) for n, d in
            zip(member_rows["numerator"], member_rows["denominator"], strict=True)
        ]  # fmt: skip
        gap = _shortfall(parent.get("numerator"), parent.get("denominator"), indicator)
    else:
        member_rows["gap_contribution"] = member_rows["patients_to_upper"].astype(float)
        gap = _num(parent.get("patients_to_upper"))
    member_rows["gap_share"] = [
        c / gap if gap and gap > 0 and c is not None and not math.isnan(c) else None
        for c in member_rows["gap_contribution"]
    ]
    member_rows["status_label"] = member_rows["status"].map(status_label)
    parent["gap"] = gap
    parent["status_label"] = status_label(parent.get("status") or "no_data")
    ordered = _worst_first(member_rows, indicator.direction)
    return Variation(ordered[list(VARIATION_COLUMNS)].reset_index(drop=True), parent,
                     member_level, highlight)  # fmt: skip


def _shortfall(numerator, denominator, indicator: Indicator) -> float | None:
    """Patients (or events) short of the upper threshold, signed, exact to the patient's fraction."""
    n, d = _num(numerator), _num(denominator)
    if n is None or d is None or d == 0:
        return None
    target = Decimal(str(indicator.upper_threshold)) * Decimal(int(d)) / indicator.scale
    gap = target - Decimal(int(n)) if indicator.direction == "higher" else Decimal(int(n)) - target
    return float(gap)


def _worst_first(frame: pd.DataFrame, direction: str) -> pd.DataFrame:
    """Members ordered from the worst achievement to the best, those without data last."""
    ascending = direction == "higher"
    return frame.sort_values(
        ["achievement", "org_name"], ascending=[ascending, True], na_position="last"
    )


def _empty(columns) -> pd.DataFrame:
    return pd.DataFrame(columns=list(columns))


# --- Trends -----------------------------------------------------------------------------------

TREND_COLUMNS = (
    "series", "kind", "org_code", "period_end", "shown_at", "achievement", "numerator",
    "denominator", "status", "status_label",
)  # fmt: skip
# How each kind of line is named in the chart's legend.
TREND_KINDS = ("this year", "member", "last year")


def trend(
    scored: pd.DataFrame,
    orgs: pd.DataFrame,
    level: str,
    org_code: str,
    indicator_code: str,
    last_year: pd.DataFrame | None = None,
    pcns: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """Monthly achievement of one indicator: the organisation ('this year'), its members
    ('member': practices of a PCN, PCNs of a place or ICB, the practice's PCN for a practice),
    and the organisation's own series a year earlier ('last year') when stored, shown at the
    same month of this year (`shown_at`) so that the lines can be compared."""
    frames = []
    own = _rows(scored, level, org_code)
    own = own[own["indicator_code"] == indicator_code]
    frames.append(own.assign(kind="this year", series=_name_of(own, org_code)))
    if level == "practice":
        context = org_context(orgs, level, org_code)
        if context.in_pcn:
            pcn = _rows(scored, "pcn", context.pcn_code)
            pcn = pcn[pcn["indicator_code"] == indicator_code]
            frames.append(pcn.assign(kind="member", series=_name_of(pcn, context.pcn_code)))
    else:
        member_level, codes = members(orgs, level, org_code, pcns)
        if member_level is not None:
            member = scored[
                (scored["level"] == member_level)
                & scored["org_code"].isin(codes)
                & (scored["indicator_code"] == indicator_code)
            ]
            frames.append(member.assign(kind="member", series=member["org_name"]))
    if last_year is not None and not last_year.empty:
        before = _rows(last_year, level, org_code)
        before = before[before["indicator_code"] == indicator_code]
        frames.append(
            before.assign(kind="last year", series=_name_of(before, org_code) + " last year")
        )
    frame = (
        pd.concat([f for f in frames if not f.empty], ignore_index=True)
        if any(not f.empty for f in frames)
        else _empty(TREND_COLUMNS)
    )
    if frame.empty:
        return _empty(TREND_COLUMNS)
    frame["period_end"] = pd.to_datetime(frame["period_end"])
    frame["shown_at"] = [
        _a_year_later(p) if kind == "last year" else p
        for p, kind in zip(frame["period_end"], frame["kind"], strict=True)
    ]
    frame["status_label"] = frame["status"].map(status_label)
    frame = frame.sort_values(["kind", "series", "period_end"], key=_kind_order)
    return frame[list(TREND_COLUMNS)].reset_index(drop=True)


def trend_months(series: pd.DataFrame) -> dict:
    """How much of a trend there is: months with data this year, and whether last year shows."""
    own = series[(series["kind"] == "this year") & series["achievement"].notna()]
    return {
        "months": int(len(own)),
        "last_year": bool(((series["kind"] == "last year") & series["achievement"].notna()).any()),
    }


def _kind_order(series: pd.Series) -> pd.Series:
    if series.name == "kind":
        return series.map({k: n for n, k in enumerate(TREND_KINDS)})
    return series


def _name_of(frame: pd.DataFrame, code: str) -> str:
    return str(frame["org_name"].iloc[0]) if not frame.empty else code


def _a_year_later(timestamp: pd.Timestamp) -> pd.Timestamp:
    """The same month a year later, at its month end (29 February falls on 28 February)."""
    later = pd.Timestamp(timestamp) + pd.DateOffset(years=1)
    return later + pd.offsets.MonthEnd(0)


# --- Payment ----------------------------------------------------------------------------------

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
        card["explanation"] = cliff_explanation(card, indicator, area=level in ("place", "icb"))
        records.append(card)
    frame = pd.DataFrame.from_records(records)
    frame["_outstanding"] = pd.to_numeric(frame["payment_outstanding"], errors="coerce").fillna(-1)
    frame["_per_patient"] = pd.to_numeric(frame["value_per_patient"], errors="coerce").fillna(-1)
    frame = frame.sort_values(["_outstanding", "_per_patient"], ascending=[False, False])
    frame["rank"] = range(1, len(frame) + 1)
    return frame[list(PAYMENT_COLUMNS)].reset_index(drop=True)


def _threshold_words(value: float, unit: str) -> str:
    text = f"{value:g}"
    return {"percent": f"{text}%", "per_1000": f"{text} per 1,000"}.get(unit, text)


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


# --- Patients ---------------------------------------------------------------------------------

WORKLIST_COLUMNS = (
    "practice_code", "practice_name", "indicator_code", "patient_id", "age", "age_band", "sex",
    "ethnicity", "imd_quintile", "last_activity_date", "period_end",
)  # fmt: skip
FILTER_KEYS = (
    "period_end", "indicator_code", "practice_codes", "age_bands", "sexes", "ethnicities",
    "quintiles",
)  # fmt: skip


def age_band(age) -> str | None:
    value = _num(age)
    if value is None:
        return None
    for low, high, label in AGE_BANDS:
        if low <= value <= high:
            return label
    return OLDEST_BAND[1] if value >= OLDEST_BAND[0] else None


def age_band_order() -> list[str]:
    return [label for _, _, label in AGE_BANDS] + [OLDEST_BAND[1]]


def _yes(value) -> bool:
    if isinstance(value, bool):
        return value
    if value is None or (not isinstance(value, str) and pd.isna(value)):
        return False
    return str(value).strip().lower() in YES_WORDS


def prepare_patients(patients: pd.DataFrame, orgs: pd.DataFrame | None = None) -> pd.DataFrame:
    """Patient-level rows in the app's words: yes/no as booleans, an age band, an IMD quintile
    and the practice's name."""
    frame = patients.copy()
    for column in ("achieved", "pca"):
        frame[column] = [_yes(v) for v in frame[column]] if column in frame else False
    for column in ("age", "sex", "ethnicity", "last_activity_date", "period_end"):
        if column not in frame:
            frame[column] = None
    frame["age_band"] = [age_band(a) for a in frame["age"]]
    if "imd_quintile" in frame and frame["imd_quintile"].notna().any():
        frame["imd_quintile"] = pd.to_numeric(frame["imd_quintile"], errors="coerce")
    elif "imd_decile" in frame:
        deciles = pd.to_numeric(frame["imd_decile"], errors="coerce")
        frame["imd_quintile"] = (deciles + 1) // DECILES_PER_QUINTILE
    else:
        frame["imd_quintile"] = None
    frame["imd_quintile"] = frame["imd_quintile"].astype("Int64")
    if "practice_name" not in frame:
        names = {}
        if orgs is not None and not orgs.empty:
            names = dict(zip(orgs["practice_code"], orgs["practice_name"], strict=True))
        frame["practice_name"] = [names.get(c, c) for c in frame["practice_code"]]
    return frame


def patient_period(patients: pd.DataFrame, period) -> date | None:
    """The period end of the patient lists to use: the one chosen if lists exist for it, else
    the latest before it, else the latest of all."""
    if patients is None or patients.empty or patients["period_end"].isna().all():
        return None
    ends = sorted(pd.to_datetime(patients["period_end"].dropna().unique()))
    if period is not None:
        earlier = [e for e in ends if e <= pd.Timestamp(period)]
        if earlier:
            return earlier[-1].date()
    return ends[-1].date()


def worklist_options(patients: pd.DataFrame) -> dict[str, list]:
    """The values each filter can take, as found in the (prepared) patient rows."""

    def distinct(column):
        values = patients[column].dropna().unique().tolist() if column in patients else []
        return sorted(values, key=str)

    bands = set(distinct("age_band"))
    return {
        "indicator_code": distinct("indicator_code"),
        "practice_codes": distinct("practice_code"),
        "age_bands": [b for b in age_band_order() if b in bands],
        "sexes": distinct("sex"),
        "ethnicities": distinct("ethnicity"),
        "quintiles": [int(q) for q in distinct("imd_quintile")],
    }


def patient_worklist(patients: pd.DataFrame, filters: dict | None = None) -> pd.DataFrame:
    """The patients still to do: not achieved and no personalised care adjustment
    (iif-rules.md section 8), narrowed by the filters given (an empty filter keeps everyone):
    period_end, indicator_code, practice_codes, age_bands, sexes, ethnicities, quintiles."""
    filters = filters or {}
    unknown = set(filters) - set(FILTER_KEYS)
    if unknown:
        raise ValueError(f"unknown filter(s): {', '.join(sorted(unknown))}")
    frame = patients[~patients["achieved"] & ~patients["pca"]]
    if filters.get("period_end") is not None:
        frame = frame[pd.to_datetime(frame["period_end"]) == pd.Timestamp(filters["period_end"])]
    if filters.get("indicator_code"):
        frame = frame[frame["indicator_code"] == filters["indicator_code"]]
    selections = {
        "practice_codes": "practice_code",
        "age_bands": "age_band",
        "sexes": "sex",
        "ethnicities": "ethnicity",
        "quintiles": "imd_quintile",
    }
    for key, column in selections.items():
        chosen = filters.get(key)
        if chosen:
            frame = frame[frame[column].isin(list(chosen))]
    ordered = frame.sort_values(["practice_name", "indicator_code", "patient_id"])
    return ordered[list(WORKLIST_COLUMNS)].reset_index(drop=True)


def worklist_counts(worklist: pd.DataFrame) -> pd.DataFrame:
    """Patients still to do per practice, most first."""
    if worklist.empty:
        return pd.DataFrame(columns=["practice_code", "practice_name", "patients_to_do"])
    counts = (
        worklist.groupby(["practice_code", "practice_name"], dropna=False)
        .size()
        .rename("patients_to_do")
        .reset_index()
    )
    return counts.sort_values(
        ["patients_to_do", "practice_name"], ascending=[False, True]
    ).reset_index(drop=True)


def inequality_gaps(patients: pd.DataFrame, filters: dict | None = None) -> pd.DataFrame:
    """Achievement by IMD quintile among the eligible patients (achieved, or still to do), for
    the period, indicator and practices of `filters`, so the work outstanding can be seen by
    deprivation."""
    filters = filters or {}
    frame = patients[patients["achieved"] | ~patients["pca"]]
    if filters.get("period_end") is not None:
        frame = frame[pd.to_datetime(frame["period_end"]) == pd.Timestamp(filters["period_end"])]
    if filters.get("indicator_code"):
        frame = frame[frame["indicator_code"] == filters["indicator_code"]]
    if filters.get("practice_codes"):
        frame = frame[frame["practice_code"].isin(list(filters["practice_codes"]))]
    frame = frame.dropna(subset=["imd_quintile"])
    if frame.empty:
        return pd.DataFrame(
            columns=["imd_quintile", "eligible", "achieved", "to_do", "achievement"]
        )
    grouped = frame.groupby("imd_quintile").agg(
        eligible=("achieved", "size"), achieved=("achieved", "sum")
    )
    grouped["to_do"] = grouped["eligible"] - grouped["achieved"]
    grouped["achievement"] = 100 * grouped["achieved"] / grouped["eligible"]
    return grouped.reset_index()


# --- Scheme editing ---------------------------------------------------------------------------

SCHEME_TABLE_COLUMNS = (
    "indicator_code", "name", "unit", "direction", "lower_threshold", "upper_threshold",
    "points", "prevalence_adjusted", "national_prevalence", "confirmed", "area", "source",
)  # fmt: skip


def scheme_table(scheme: Scheme) -> pd.DataFrame:
    """The scheme's indicators as a table a person can read and edit, numbers as floats."""
    rows = []
    for code, i in scheme.indicators.items():
        rows.append(
            {
                "indicator_code": code,
                "name": i.name,
                "unit": i.unit,
                "direction": i.direction,
                "lower_threshold": float(i.lower_threshold),
                "upper_threshold": float(i.upper_threshold),
                "points": float(i.points),
                "prevalence_adjusted": i.prevalence_adjusted,
                "national_prevalence": (
                    float(i.national_prevalence) if i.national_prevalence is not None else None
                ),
                "confirmed": i.confirmed,
                "area": i.area or i.domain or "",
                "source": i.source or "",
            }
        )
    return pd.DataFrame(rows, columns=list(SCHEME_TABLE_COLUMNS))


def scheme_from_table(
    table: pd.DataFrame,
    scheme: Scheme,
    value_per_point,
    national_average_list_size,
    confirmed: bool | None = None,
) -> Scheme:
    """A new scheme from an edited indicator table and top-level values, checked exactly as a
    scheme file is (InputError lists every problem). Words the table does not show (domain,
    description) are kept from `scheme`."""
    rows = []
    for record in table.to_dict("records"):
        code = record.get("indicator_code")
        base = scheme.indicators.get(code)
        row = {key: _plain(value) for key, value in record.items() if key != "area"}
        if base is not None:
            row["area"] = base.area
            row["domain"] = base.domain
            row["description"] = base.description
        if not row.get("prevalence_adjusted"):
            row["prevalence_adjusted"] = False
        rows.append(row)
    top = {
        "start_date": scheme.start_date.isoformat() if scheme.start_date else None,
        "end_date": scheme.end_date.isoformat() if scheme.end_date else None,
        "source": scheme.source,
        "confirmed": scheme.confirmed if confirmed is None else confirmed,
        "national_average_list_size": _plain(national_average_list_size),
    }
    top = {key: value for key, value in top.items() if value is not None}
    return scheme_from_rows(
        rows, scheme.year, _plain(value_per_point), file="the scheme table", **top
    )


def _plain(value):
    """A cell as the value a scheme file would hold: whole floats as integers, blanks as None."""
    if hasattr(value, "item"):
        value = value.item()
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return None
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, float):
        return Decimal(str(value))
    return value


# --- Moving between levels --------------------------------------------------------------------


def related_org(
    orgs: pd.DataFrame, pcns: pd.DataFrame, from_level: str, from_code: str, to_level: str
) -> str | None:
    """The organisation at `to_level` that goes with one chosen at another level: a practice's
    PCN, place or ICB; the first practice (by name) of a PCN; the first PCN of a place; ...
    None when there is none."""
    if from_code is None or orgs is None or orgs.empty:
        return None
    if from_level == to_level:
        return from_code
    practices = orgs
    if from_level == "practice":
        practices = orgs[orgs["practice_code"] == from_code]
    elif from_level == "pcn":
        practices = orgs[orgs["pcn_code"] == from_code]
    else:
        column = "place_code" if from_level == "place" else "icb_code"
        chosen = pcns.loc[pcns[column] == from_code, "pcn_code"]
        practices = orgs[orgs["pcn_code"].isin(chosen)]
    if practices.empty:
        return None
    if to_level == "practice":
        return practices.sort_values("practice_name").iloc[0]["practice_code"]
    in_pcns = pcns[pcns["pcn_code"].isin(practices["pcn_code"].dropna())]
    if in_pcns.empty:
        return None
    if to_level == "pcn":
        return in_pcns.sort_values("pcn_name").iloc[0]["pcn_code"]
    column = "place_code" if to_level == "place" else "icb_code"
    values = in_pcns[column].dropna()
    return values.mode().iloc[0] if not values.empty else None


def practices_in(orgs: pd.DataFrame, pcns: pd.DataFrame, level: str, org_code: str) -> list[str]:
    """The practice codes an organisation covers: itself, its PCN's members, or the members of
    the PCNs of a place or ICB."""
    if orgs is None or orgs.empty or org_code is None:
        return []
    if level == "practice":
        return [org_code]
    if level == "pcn":
        return sorted(orgs.loc[orgs["pcn_code"] == org_code, "practice_code"])
    column = "place_code" if level == "place" else "icb_code"
    chosen = pcns.loc[pcns[column] == org_code, "pcn_code"]
    return sorted(orgs.loc[orgs["pcn_code"].isin(chosen), "practice_code"])


# --- Completeness -----------------------------------------------------------------------------

NAMES_IN_A_SENTENCE = 6  # practices named in a sentence before "and 3 more"
LEVEL_NOUNS = {"practice": "practice", "pcn": "PCN", "place": "place", "icb": "ICB"}


def missing_practices(
    scored: pd.DataFrame,
    orgs: pd.DataFrame,
    pcns: pd.DataFrame | None,
    level: str,
    org_code: str,
    period=None,
    indicator_code: str | None = None,
) -> pd.DataFrame:
    """The member practices of a PCN, place or ICB that sent no figures (for the indicator, or for
    any indicator) for a period end for which other members did, so that the organisation's
    figure is short of them: practice_code, practice_name, pcn_name, period_end; for one period
    end or every one scored. A month nobody sent is no data rather than incomplete data, and a
    practice's own figures are all there is to a practice: neither has anyone missing."""
    columns = ["practice_code", "practice_name", "pcn_name", "period_end"]
    if level == "practice" or scored is None or scored.empty:
        return _empty(columns)
    pcns = pcn_membership(orgs) if pcns is None else pcns
    codes = practices_in(orgs, pcns, level, org_code)
    if not codes:
        return _empty(columns)
    rows = scored[(scored["level"] == "practice") & scored["org_code"].isin(codes)]
    if indicator_code is not None:
        rows = rows[rows["indicator_code"] == indicator_code]
    periods = [pd.Timestamp(period)] if period is not None else [
        pd.Timestamp(p) for p in sorted(pd.to_datetime(scored["period_end"]).unique())
    ]  # fmt: skip
    sent = rows[rows["practices_with_data"].fillna(0) > 0]
    sent = set(zip(sent["org_code"], pd.to_datetime(sent["period_end"]), strict=True))
    periods = [p for p in periods if any((code, p) in sent for code in codes)]
    names = dict(zip(orgs["practice_code"], orgs["practice_name"], strict=True))
    pcn_names = dict(zip(orgs["practice_code"], orgs["pcn_name"], strict=True))
    missing = [
        (code, names.get(code) or code, pcn_names.get(code), p) for p in periods for code in codes
        if (code, p) not in sent
    ]  # fmt: skip
    frame = pd.DataFrame(missing, columns=columns)
    return frame.sort_values(["period_end", "practice_name"]).reset_index(drop=True)


def missing_text(missing: pd.DataFrame, level: str) -> str | None:
    """Who is missing, in words: 'No figures from Ashwendle Bridge Family Practice (X61454) for
    31 Aug 2026, so the PCN's figures count only the practices that sent them.' Practices
    missing the same months are named together; None if nobody is missing."""
    if missing is None or missing.empty:
        return None
    by_months: dict[tuple, list[str]] = {}  # practices missing the same months, together
    for (code, name), group in missing.groupby(["practice_code", "practice_name"], sort=False):
        months = tuple(_day(p) for p in sorted(group["period_end"]))
        details = [code] if name != code else []
        if level in ("place", "icb") and pd.notna(group["pcn_name"].iloc[0]):
            details.append(str(group["pcn_name"].iloc[0]))
        by_months.setdefault(months, []).append(
            f"{name} ({', '.join(details)})" if details else name
        )
    shown, count = [], 0
    for months, labels in by_months.items():
        kept = labels[: max(0, NAMES_IN_A_SENTENCE - count)]
        count += len(labels)
        if kept:
            shown.append(f"{_and(kept)} for {_and(list(months))}")
    if count > NAMES_IN_A_SENTENCE:
        shown.append(f"{count - NAMES_IN_A_SENTENCE} more practices")
    return (
        f"No figures from {_and(shown)}, so the {LEVEL_NOUNS.get(level, 'organisation')}'s "
        "figures count only the practices that sent them."
    )


def incomplete_notes(
    scored: pd.DataFrame,
    orgs: pd.DataFrame,
    pcns: pd.DataFrame | None,
    level: str,
    org_code: str,
    period,
    indicator_codes: list[str],
) -> list[str]:
    """Who is missing, for a page that shows several indicators: one sentence when the same
    practices are missing for every indicator that has a gap, else one per indicator."""
    texts = {
        code: missing_text(
            missing_practices(scored, orgs, pcns, level, org_code, period, code), level
        )
        for code in indicator_codes
    }
    found = {code: text for code, text in texts.items() if text}
    if len(set(found.values())) == 1 and len(found) == len(texts):
        return list(set(found.values()))
    return [f"{code}: {text}" for code, text in found.items()]


def data_completeness(
    scored: pd.DataFrame,
    orgs: pd.DataFrame,
    pcns: pd.DataFrame | None,
    level: str,
    org_code: str,
    period=None,
) -> pd.DataFrame:
    """Per member practice: the period ends it sent up to `period`, the ones it missed, its
    latest period end and how many months that is behind `period` (staleness). A month counts
    as sent when the practice sent figures for any indicator."""
    columns = [
        "practice_code", "practice_name", "pcn_name", "periods_sent", "periods_missing",
        "missing_period_ends", "latest_period_end", "months_behind", "data_note",
    ]  # fmt: skip
    if scored is None or scored.empty:
        return _empty(columns)
    pcns = pcn_membership(orgs) if pcns is None else pcns
    codes = practices_in(orgs, pcns, level, org_code)
    rows = scored[(scored["level"] == "practice") & scored["org_code"].isin(codes)]
    if period is not None:
        rows = rows[pd.to_datetime(rows["period_end"]) <= pd.Timestamp(period)]
        latest = pd.Timestamp(period)
    else:
        latest = pd.to_datetime(scored["period_end"]).max()
    if rows.empty:
        return _empty(columns)
    per_month = (
        rows.groupby(["org_code", "org_name", "period_end"], as_index=False)["practices_with_data"]
        .max()
    )  # fmt: skip
    table = signals.completeness(per_month)
    found = set(table["practice_code"])
    names = dict(zip(orgs["practice_code"], orgs["practice_name"], strict=True))
    periods = per_month["period_end"].nunique()
    extra = [
        {"practice_code": c, "practice_name": names.get(c, c), "periods_sent": 0,
         "periods_missing": periods, "missing_period_ends": "every month",
         "latest_period_end": None}
        for c in codes if c not in found
    ]  # fmt: skip
    if extra:
        table = pd.concat([table, pd.DataFrame(extra)], ignore_index=True)
    pcn_names = dict(zip(orgs["practice_code"], orgs["pcn_name"], strict=True))
    table["pcn_name"] = table["practice_code"].map(pcn_names)
    table["months_behind"] = [
        None if _date(p) is None else signals.months_to_year_end(_date(p), latest.date())
        for p in table["latest_period_end"]
    ]
    table["data_note"] = [_data_note(row) for row in table.to_dict("records")]
    table = table.sort_values(
        ["periods_missing", "practice_name"], ascending=[False, True]
    ).reset_index(drop=True)
    return table[columns]


def _data_note(row: dict) -> str:
    if not row["periods_sent"]:
        return "Sent nothing this year"
    behind = row["months_behind"] or 0
    if behind > 0:
        return f"Behind: nothing since {_day(row['latest_period_end'])}"
    if row["periods_missing"]:
        return f"Missed {row['periods_missing']} month" + (
            "s" if row["periods_missing"] > 1 else ""
        )
    return "Complete"


def completeness_summary(table: pd.DataFrame) -> str:
    """One sentence over the completeness table: everyone complete, or who is missing what."""
    if table.empty:
        return "No member practices are known for this organisation."
    gaps = table[table["periods_missing"] > 0]
    total = len(table)
    if gaps.empty:
        return f"All {total:,} member practices sent figures for every month so far."
    behind = int((table["months_behind"].fillna(1) > 0).sum())
    text = f"{len(gaps):,} of {total:,} member practices missed at least one month"
    if not behind:
        return text + "."
    verb = "has" if behind == 1 else "have"
    return text + f"; {behind:,} of them {verb} sent nothing for the latest month."


def _day(value) -> str:
    value = pd.Timestamp(value)
    return f"{value.day} {value:%b %Y}"


def _and(words: list[str]) -> str:
    return words[0] if len(words) == 1 else ", ".join(words[:-1]) + " and " + words[-1]


# --- Signal or noise: funnel plots ------------------------------------------------------------

# Where a member sits in the funnel, in words, best first; the chart's colours and shapes follow
# this order, and a flag never rests on colour alone.
FUNNEL_FLAGS = (
    "Better: beyond the 99.8% limit",
    "Better: beyond the 95% limit",
    "Inside the limits",
    "Worse: beyond the 95% limit",
    "Worse: beyond the 99.8% limit",
    "Small denominator: not judged",
)
NAMED_OUTSIDE = 4  # members outside the limits named in the sentence; more are counted
FUNNEL_COLUMNS = (
    "org_code", "org_name", "numerator", "denominator", "achievement", "interval_low",
    "interval_high", "lower_95", "upper_95", "lower_99.8", "upper_99.8", "position", "judgement",
    "flag", "side", "small_denominator", "comparator", "chosen",
)  # fmt: skip


@dataclass
class Funnel:
    """Members of an organisation in a funnel around its pooled achievement for one indicator."""

    points: pd.DataFrame  # one row per member with a denominator (FUNNEL_COLUMNS)
    curve: pd.DataFrame  # the limit lines over the denominators (signals.funnel_curve)
    comparator: float | None  # the organisation's pooled achievement, in the indicator's unit
    comparator_name: str
    comparator_level: str  # "PCN", "place", "ICB": the organisation as a noun
    member_level: str | None
    unit: str
    direction: str
    message: str | None = None  # why there is no funnel, in words

    @property
    def flagged(self) -> pd.DataFrame:
        """Members outside a limit (and not small), furthest out first."""
        out = self.points[self.points["judgement"].notna()].copy()
        out["_far"] = out["position"].str.endswith("99.8")
        return out.sort_values(["_far", "org_name"], ascending=[False, True]).drop(columns="_far")

    @property
    def small(self) -> pd.DataFrame:
        return self.points[self.points["small_denominator"]]


def funnel(view: Variation, indicator: Indicator) -> Funnel:
    """The funnel plot behind a Variation: each member's achievement against its denominator,
    with 95% and 99.8% limits around the organisation's pooled achievement (iif_core.stats:
    exact binomial limits with interpolation, Poisson for rates), and each member's flag."""
    parent = view.parent or {}
    level = LEVEL_NOUNS.get(parent.get("level"), "network")
    name = str(parent.get("org_name") or parent.get("org_code") or level)
    comparator = _num(parent.get("achievement"))
    empty = Funnel(_empty(FUNNEL_COLUMNS), pd.DataFrame(), comparator, name, level,
                   view.member_level, indicator.unit, indicator.direction)  # fmt: skip
    if view.message:
        empty.message = view.message
        return empty
    if comparator is None:
        empty.message = f"{name} has no pooled achievement for this indicator and period."
        return empty
    members = view.members.dropna(subset=["numerator", "denominator"])
    members = members[["org_code", "org_name", "numerator", "denominator", "achievement"]]
    members = members.astype({"numerator": float, "denominator": float, "achievement": float})
    table = signals.funnel_table(members, comparator, indicator)
    if table.empty:
        empty.message = "None of the members has a denominator for this indicator and period."
        return empty
    intervals = [
        wilson_interval(n, d) if indicator.unit == "percent" else (math.nan, math.nan)
        for n, d in zip(table["numerator"], table["denominator"], strict=True)
    ]
    table["interval_low"] = [low * indicator.scale for low, _ in intervals]
    table["interval_high"] = [high * indicator.scale for _, high in intervals]
    table["flag"] = [
        _funnel_flag(p, j) for p, j in zip(table["position"], table["judgement"], strict=True)
    ]
    table["side"] = [
        p.split("_")[0] if p.startswith(("above", "below")) else None for p in table["position"]
    ]
    table["chosen"] = table["org_code"] == view.highlight if view.highlight else False
    curve = signals.funnel_curve(comparator, indicator, float(table["denominator"].max()))
    return Funnel(table[list(FUNNEL_COLUMNS)], curve, comparator, name, level,
                  view.member_level, indicator.unit, indicator.direction)  # fmt: skip


def _funnel_flag(position: str, judgement: str | None) -> str:
    if position == "small":
        return FUNNEL_FLAGS[5]
    if judgement is None or pd.isna(judgement):
        return FUNNEL_FLAGS[2]
    far = position.endswith("99.8")
    if judgement == "better":
        return FUNNEL_FLAGS[0] if far else FUNNEL_FLAGS[1]
    return FUNNEL_FLAGS[4] if far else FUNNEL_FLAGS[3]


def funnel_explanation(view: Funnel) -> dict[str, str]:
    """What the funnel shows in plain words: 'reading' (how to read it), 'finding' (what it
    finds here), 'small' (the small denominators, or '') and 'method'."""
    members = {"practice": "practices", "pcn": "PCNs"}.get(view.member_level, "members")
    member = members[:-1]
    whose = f"the {view.comparator_level}'s"
    rate = _threshold_words(round(view.comparator, 1), view.unit) if view.comparator else "–"
    reading = (
        f"{members[0].upper() + members[1:]} inside the funnel differ from the "
        f"{view.comparator_level} by no more than chance would explain. If every {member} had "
        f"{whose} own rate ({rate}), about 19 in 20 would land inside the dashed 95% lines and "
        "499 in 500 inside the solid 99.8% lines. The lines narrow to the right because a "
        f"bigger {member}'s figure moves less by chance."
    )
    flagged, judged = view.flagged, int((~view.points["small_denominator"]).sum())
    better = "higher" if view.direction == "higher" else "lower"
    if flagged.empty:
        finding = (
            f"No {member} is outside the limits: the differences between the {members} are "
            "within what chance would explain, so none should be singled out on these figures."
        )
    else:
        far = flagged["position"].str.endswith("99.8")
        parts = [
            f"{row.org_name} ({row.judgement}, beyond the {row.position.split('_')[1]}% limit)"
            for row in flagged.itertuples()
        ]
        if len(flagged) <= NAMED_OUTSIDE:
            finding = f"Outside the limits ({better} is better): {_and(parts)}. "
        else:
            counts = flagged["judgement"].value_counts()
            finding = (
                f"{len(flagged)} of {judged} {members} are outside the limits ({better} is "
                f"better): {int(counts.get('better', 0))} better and "
                f"{int(counts.get('worse', 0))} worse, {int(far.sum())} of them beyond the 99.8% "
                f"lines; the table below lists them. With so many outside, the {members} really "
                "do differ, by more than chance would make them. "
            )
        if far.any():
            finding += (
                "Beyond the 99.8% lines is very unlikely to be chance (1 in 500): worth finding "
                "out what is being done differently there. "
            )
        if (~far).any():
            chance = 1 - FUNNEL_COVERAGES[0] ** judged  # at least one of them beyond 95%
            finding += (
                "Beyond only the 95% lines happens by chance to 1 in 20: with "
                f"{judged} {members}, the chance that at least one lands there by chance alone "
                f"is {chance:.0%}. A reason to look, not a verdict."
            )
    small = ""
    if not view.small.empty:
        count = len(view.small)
        noun = member if count == 1 else members
        small = (
            f"{count} {noun} with a denominator under {SMALL_DENOMINATOR} "
            f"{'is' if count == 1 else 'are'} drawn hollow and not judged: at that size a few "
            "patients move the figure by more than the limits allow."
        )
    distribution = (
        "exact binomial limits" if view.unit == "percent" else "exact Poisson limits (a rate)"
    )
    method = (
        f"Method: {distribution} around {whose} pooled achievement at 95% and 99.8% (about 2 and "
        "3 standard deviations), with Spiegelhalter's interpolation so that the lines are "
        "smooth (Spiegelhalter 2005); better or worse follows the indicator's direction. Each "
        f"{member}'s own 95% interval (in the table) is the Wilson score interval."
    )
    chosen = view.points[view.points["chosen"].astype(bool)]
    if not chosen.empty:
        row = chosen.iloc[0]
        where = row["flag"][0].lower() + row["flag"][1:]
        finding = f"{row['org_name']} (ringed): {where}. {finding}"
    return {"reading": reading, "finding": finding.strip(), "small": small, "method": method}


# --- Signal or noise: statistical process control ---------------------------------------------

NOBODY_SENT = {
    "practice": "The practice sent no figures.",
    "pcn": "No member practice sent figures for this month.",
}
SPC_TYPES = {  # Making Data Count's point types, in words
    "common_cause": "Common cause",
    "special_cause_improvement": "Special cause: improvement",
    "special_cause_concern": "Special cause: concern",
    "special_cause_neutral": "Special cause: neither better nor worse",
}
SPC_RULES = {  # the rules a point breaks, in words
    "outside": "outside the process limits",
    "shift": "a shift: 7 or more in a row on one side of the mean",
    "trend": "a trend: 7 or more in a row rising or falling",
    "two_of_three": "2 of 3 in a row close to a limit (beyond 2 sigma)",
}
# Making Data Count's icons, as a letter and words: (letter, words).
VARIATION_ICONS = {
    "common_cause": ("~", "Common cause: no sign of real change"),
    "improvement_high": ("H", "Special cause improvement: higher"),
    "improvement_low": ("L", "Special cause improvement: lower"),
    "concern_high": ("H", "Special cause concern: higher"),
    "concern_low": ("L", "Special cause concern: lower"),
    "neutral_high": ("H", "Special cause: higher, neither better nor worse"),
    "neutral_low": ("L", "Special cause: lower, neither better nor worse"),
}
ASSURANCE_ICONS = {
    "consistently_passing": ("P", "Consistently passing the pace needed"),
    "consistently_failing": ("F", "Consistently failing the pace needed"),
    "inconsistent": ("?", "Hit and miss against the pace needed"),
}
ASSURANCE_WORDS = {
    "consistently_passing": (
        "Every month the process can be expected to give is above the pace needed: on course, "
        "if nothing changes."
    ),
    "consistently_failing": (
        "Every month the process can be expected to give is below the pace needed: the upper "
        "threshold will be missed unless the pace picks up."
    ),
    "inconsistent": (
        "The pace needed is inside the process limits: some months will reach it and some will "
        "not, so reaching the upper threshold is not assured."
    ),
}


@dataclass
class Spc:
    """The monthly activity behind a cumulative indicator as an XmR chart."""

    table: pd.DataFrame  # one row per month plotted (signals.spc_series, with words)
    variation: str | None = None  # VARIATION_ICONS key of the latest point
    assurance: str | None = None  # ASSURANCE_ICONS key against the pace needed
    pace_needed: float | None = None
    provisional: bool = False
    left_out: pd.DataFrame = field(default_factory=pd.DataFrame)  # months left out, and why
    message: str | None = None  # why there is no chart, in words


def spc(
    scored: pd.DataFrame,
    orgs: pd.DataFrame,
    pcns: pd.DataFrame | None,
    scheme: Scheme,
    level: str,
    org_code: str,
    indicator_code: str,
    period=None,
    pace_needed: float | None = None,
) -> Spc:
    """Monthly activity (this month's numerator less last month's) up to `period` as an XmR chart
    with Making Data Count's rules, the variation icon of the latest month and the assurance icon
    against `pace_needed` (patients a month to reach the upper threshold). Months in which a
    member practice sent nothing are left out (`left_out` names who)."""
    indicator = scheme.indicator(indicator_code)
    rows = _rows(scored, level, org_code)
    rows = rows[rows["indicator_code"] == indicator.code]
    if period is not None:
        rows = rows[pd.to_datetime(rows["period_end"]) <= pd.Timestamp(period)]
    incomplete = rows[
        rows["numerator"].isna() | (rows["practices_with_data"] < rows["member_practices"])
    ]
    left_out = pd.DataFrame(
        {
            "period_end": pd.to_datetime(incomplete["period_end"]).tolist(),
            "who": [
                missing_text(
                    missing_practices(scored, orgs, pcns, level, org_code, p, indicator.code),
                    level,
                )
                or NOBODY_SENT.get(level, NOBODY_SENT["pcn"])
                for p in incomplete["period_end"]
            ],
        }
    )
    result = signals.spc_series(rows, indicator)
    if result is None:
        complete = len(rows) - len(incomplete)
        return Spc(
            _empty(["period_end", "activity"]),
            left_out=left_out,
            message=(
                "A chart of the monthly activity needs at least "
                f"{signals.MIN_SPC_POINTS} months in which every member practice sent figures; "
                f"there {'is' if complete == 1 else 'are'} {complete} so far. It appears as the "
                "months are uploaded."
            ),
        )
    table, chart = result
    table = table.copy()
    table["period_end"] = pd.to_datetime(table["period_end"])
    table["type_label"] = table["point_type"].map(SPC_TYPES)
    table["rule_words"] = [
        "; ".join(SPC_RULES[r] for r in rules.split(", ")) if rules else "none"
        for rules in table["rules"]
    ]
    assurance = (
        chart.assurance(pace_needed, indicator.direction) if pace_needed is not None else None
    )
    return Spc(
        table,
        variation=chart.variation,
        assurance=assurance,
        pace_needed=pace_needed,
        provisional=chart.provisional,
        left_out=left_out,
    )


# --- Year-end projection ----------------------------------------------------------------------

PROJECTION_METHODS = {"last_year_shape": "last year's shape", "recent_pace": "recent pace"}
BACKTEST_HOW = {"recent pace": "at the recent pace", "last year's shape": "by last year's shape"}
PROJECTION_COLUMNS = (
    "indicator_code", "name", "unit", "direction", "lower_threshold", "upper_threshold",
    "method", "method_label", "method_words", "from_period", "achievement_from", "months_left",
    "year_end", "achievement", "achievement_low", "achievement_high", "numerator",
    "denominator", "status", "status_label", "pcn_status_text", "points_available", "points",
    "points_low", "points_high", "payment", "payment_low", "payment_high", "points_now",
    "payment_now", "pace_needed", "pace_so_far", "backtest_from", "backtest_method",
    "backtest_achievement", "backtest_low", "backtest_high", "backtest_actual",
    "backtest_within", "message",
)  # fmt: skip


def measurement_start(scored: pd.DataFrame, scheme: Scheme, indicator_code: str) -> date:
    """The month an indicator's cumulative counts start: the scheme's first day, unless the
    indicator's figures begin later than the other indicators' in the same year (flu counts from
    1 September), when it is the first day of its first month with figures."""
    start = scheme.start_date or date(int(scheme.year[:4]), 4, 1)
    if scored is None or scored.empty:
        return start
    with_data = scored[scored["practices_with_data"].fillna(0) > 0]
    own = with_data[with_data["indicator_code"] == indicator_code]
    if own.empty:
        return start
    first_any = pd.to_datetime(with_data["period_end"]).min()
    first_own = pd.to_datetime(own["period_end"]).min()
    return first_own.date().replace(day=1) if first_own > first_any else start


def _complete_rows(rows: pd.DataFrame) -> pd.DataFrame:
    """Months with every member practice's figures, in order: a missing upload is not a fall."""
    if rows is None or rows.empty:
        return _empty(["period_end", "numerator", "denominator"])
    kept = rows.dropna(subset=["numerator", "denominator"])
    kept = kept[kept["practices_with_data"] >= kept["member_practices"]]
    return kept.sort_values("period_end")


def projections(
    scored: pd.DataFrame,
    scheme: Scheme,
    orgs: pd.DataFrame,
    pcns: pd.DataFrame | None,
    level: str,
    org_code: str,
    period,
    last_year: pd.DataFrame | None = None,
    last_scheme: Scheme | None = None,
    year_before: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """Per indicator of the scheme, the projected position at the year end as at `period`.

    Achievement with its 95% band (signals.project: last year's shape when `last_year` has this
    month and the year end, else the recent pace), from the latest month with every member's
    figures; the status, points and £ of the projected counts by the real scoring pipeline
    (`score_projected`; for a place or ICB each PCN projected and scored on its own, and summed);
    the patients a month needed to reach the upper threshold; and how the same method did on
    last year (signals.backtest, from the same month).
    """
    pcns = pcn_membership(orgs) if pcns is None and level in ("place", "icb") else pcns
    year_end = signals.scheme_end(scheme)
    pays = level != "practice"
    now = _at_period(_rows(scored, level, org_code), period).set_index("indicator_code")
    records, stand_ins = [], []
    for code, indicator in scheme.indicators.items():
        record = {
            "indicator_code": code, "name": indicator.name, "unit": indicator.unit,
            "direction": indicator.direction, "year_end": year_end,
            "lower_threshold": float(indicator.lower_threshold),
            "upper_threshold": float(indicator.upper_threshold),
            "points_available": (
                _num(now.loc[code, "points_available"]) if pays and code in now.index else None
            ),
            "points_now": _num(now.loc[code, "points_achieved"]) if code in now.index else None,
            "payment_now": _num(now.loc[code, "payment_achieved"]) if code in now.index else None,
        }  # fmt: skip
        start = measurement_start(scored, scheme, code)
        own = _projection_input(scored, level, org_code, code, period)
        before = _projection_input(last_year, level, org_code, code)
        projected = _project_one(own, indicator, scheme, start, before)
        if projected is None:
            sent = _num(now.loc[code, "practices_with_data"]) if code in now.index else None
            record["message"] = _no_projection_message(own, bool(sent), year_end)
            records.append(record)
            continue
        latest = own.iloc[-1]
        record.update(_projection_fields(projected, latest, indicator, start, year_end))
        if level in ("place", "icb"):
            for pcn in _member_pcns(pcns, level, org_code):
                pcn_rows = _projection_input(scored, "pcn", pcn, code, period)
                pcn_before = _projection_input(last_year, "pcn", pcn, code)
                pcn_projection = _project_one(pcn_rows, indicator, scheme, start, pcn_before)
                if pcn_projection is not None:
                    stand_ins += _stand_ins(("member", pcn), pcn_projection,
                                            pcn_rows.iloc[-1], indicator)  # fmt: skip
        stand_ins += _stand_ins(("own", org_code), projected, latest, indicator)
        record.update(
            _backtest_fields(last_year, last_scheme, year_before, level, org_code, indicator,
                             pd.Timestamp(latest["period_end"]).month)
        )  # fmt: skip
        records.append(record)
    scores = score_projected(scheme, pd.DataFrame(stand_ins), year_end)
    frame = pd.DataFrame.from_records([_with_scores(r, scores, level, pays) for r in records])
    for column in PROJECTION_COLUMNS:
        if column not in frame.columns:
            frame[column] = None
    return frame[list(PROJECTION_COLUMNS)]


def projection_totals(frame: pd.DataFrame) -> dict:
    """The projections summed over the indicators: points and £ (with the sums of the bands'
    ends) and the count of indicators projected at each status."""
    totals = {
        key: _sum(frame[key]) if key in frame else None
        for key in ("points", "points_low", "points_high", "payment", "payment_low",
                    "payment_high", "points_available", "payment_now")
    }  # fmt: skip
    statuses = frame["status"].value_counts() if "status" in frame else pd.Series(dtype=int)
    totals.update({f"{s}_count": int(statuses.get(s, 0)) for s in STATUS_ORDER})
    totals["projected"] = int(frame["method"].notna().sum()) if "method" in frame else 0
    return totals


def projection_for(frame: pd.DataFrame, indicator_code: str) -> dict:
    """One indicator's row of `projections` as a plain dict, missing values as None."""
    rows = frame[frame["indicator_code"] == indicator_code] if frame is not None else frame
    if rows is None or rows.empty:
        return {**dict.fromkeys(PROJECTION_COLUMNS), "indicator_code": indicator_code,
                "message": "Nothing to project for this indicator."}  # fmt: skip
    return {key: (None if _missing(value) else value) for key, value in rows.iloc[0].items()}


def _missing(value) -> bool:
    try:
        return value is None or bool(pd.isna(value))
    except (TypeError, ValueError):
        return False


def _projection_input(scored, level, org_code, indicator_code, period=None) -> pd.DataFrame:
    if scored is None or scored.empty:
        return _complete_rows(None)
    rows = _rows(scored, level, org_code)
    rows = rows[rows["indicator_code"] == indicator_code]
    if period is not None:
        rows = rows[pd.to_datetime(rows["period_end"]) <= pd.Timestamp(period)]
    return _complete_rows(rows)


def _project_one(rows, indicator, scheme, start, before) -> dict | None:
    if rows.empty or not (rows["denominator"].iloc[-1] > 0):
        return None
    latest = pd.Timestamp(rows["period_end"].iloc[-1]).date()
    if signals.months_to_year_end(latest, signals.scheme_end(scheme)) <= 0:
        return None
    return signals.project(rows, indicator, scheme, start, before if len(before) else None)


def _no_projection_message(own: pd.DataFrame, has_figures: bool, year_end: date) -> str:
    if own.empty and not has_figures:
        return "No figures for this indicator yet, so nothing to project."
    if own.empty:
        return "No month yet with figures from every member practice, so nothing to project."
    latest = pd.Timestamp(own["period_end"].iloc[-1]).date()
    if signals.months_to_year_end(latest, year_end) <= 0:
        return f"The year has ended: the figures at {_day(year_end)} are final."
    return "No denominator yet, so nothing to project."


def _projection_fields(projected, latest, indicator, start, year_end) -> dict:
    from_period = pd.Timestamp(latest["period_end"]).date()
    months_so_far = signals.months_to_year_end(start, from_period) + 1
    numerator = float(latest["numerator"])
    words = {
        "last_year_shape": (
            f"this year's counts grown as last year's grew from {from_period:%B} to "
            f"{year_end.day} {year_end:%B}"
        ),
        "recent_pace": (
            f"the average monthly increase so far carried on to {year_end.day} {year_end:%B}. "
            "It assumes the rest of the year goes like the months so far, so it over-shoots "
            "work done early in the year (flu in the autumn) and under-shoots work left until "
            "the end (health checks before March); last year's shape allows for that once last "
            "year is stored"
        ),
    }[projected["method"]]
    return {
        "method": projected["method"],
        "method_label": PROJECTION_METHODS[projected["method"]],
        "method_words": words,
        "from_period": from_period,
        "achievement_from": _num(latest.get("achievement")),
        "months_left": projected["months_left"],
        "achievement": projected["achievement"],
        "achievement_low": projected["achievement_low"],
        "achievement_high": projected["achievement_high"],
        "numerator": projected["numerator"],
        "denominator": projected["denominator"],
        "pace_needed": signals.pace_needed(latest, indicator, year_end, projected["denominator"]),
        "pace_so_far": numerator / months_so_far if months_so_far > 0 else None,
    }


def _member_pcns(pcns: pd.DataFrame | None, level: str, org_code: str) -> list[str]:
    if pcns is None or pcns.empty:
        return []
    column = "place_code" if level == "place" else "icb_code"
    return sorted(pcns.loc[pcns[column] == org_code, "pcn_code"])


def _stand_ins(key: tuple, projected: dict, latest: pd.Series, indicator: Indicator) -> list[dict]:
    """Projected pooled counts (central, low and high) as rows for `score_projected`: the
    numerator at each end of the band, the projected denominator, PCAs grown with it."""
    denominator = projected["denominator"]
    grown = denominator / float(latest["denominator"]) if latest["denominator"] else 1.0
    pca = _num(latest.get("pca_count")) or 0.0
    return [
        {"kind": key[0], "indicator_code": indicator.code, "org_code": key[1], "variant": variant,
         "list_size": _num(latest.get("list_size")),
         "numerator": projected[column] * denominator / indicator.scale,
         "denominator": denominator, "pca_count": pca * grown}
        for variant, column in (("central", "achievement"), ("low", "achievement_low"),
                                ("high", "achievement_high"))
    ]  # fmt: skip


def score_projected(scheme: Scheme, counts: pd.DataFrame, period_end: date) -> pd.DataFrame:
    """Status, points and £ of projected pooled counts by the real scoring pipeline.

    Each row of `counts` (indicator_code, list_size, numerator, denominator, pca_count, with any
    other columns kept) becomes a stand-in network of one practice with the network's list size,
    scored at `period_end`; counts are rounded to whole patients first, as an extract holds them.
    Adds status, points_achieved and payment_achieved."""
    if counts is None or counts.empty:
        return pd.DataFrame(columns=["status", "points_achieved", "payment_achieved"])
    counts = counts.reset_index(drop=True)
    pcn_codes = [f"U{i:05d}" for i in range(1, len(counts) + 1)]
    practice_codes = [f"Z{i:05d}" for i in range(1, len(counts) + 1)]
    stand_in_orgs = pd.DataFrame(
        {
            "practice_code": practice_codes,
            "practice_name": practice_codes,
            "pcn_code": pcn_codes,
            "pcn_name": pcn_codes,
            "list_size": [
                None if _num(s) is None else round(float(s)) for s in counts["list_size"]
            ],
        }
    )
    numerators = [max(0, round(float(n))) for n in counts["numerator"]]
    denominators = [max(0, round(float(d))) for d in counts["denominator"]]
    extract = pd.DataFrame(
        {
            "practice_code": practice_codes,
            "indicator_code": counts["indicator_code"],
            "period_end": period_end.isoformat(),
            "numerator": [min(n, d) for n, d in zip(numerators, denominators, strict=True)],
            "denominator": denominators,
            "pca_count": [max(0, round(float(p or 0))) for p in counts["pca_count"]],
        }
    )
    scored = score(scheme, stand_in_orgs, extract, level="pcn", period=period_end)
    scored = scored.set_index(["org_code", "indicator_code"])
    keys = list(zip(pcn_codes, counts["indicator_code"], strict=True))
    found = scored.reindex(keys)
    return counts.assign(
        status=found["status"].to_numpy(),
        points_achieved=found["points_achieved"].to_numpy(),
        payment_achieved=found["payment_achieved"].to_numpy(),
    )


def _with_scores(record: dict, scores: pd.DataFrame, level: str, pays: bool) -> dict:
    code = record["indicator_code"]
    if scores.empty or record.get("method") is None:
        return {**record, "status": "no_data", "status_label": status_label("no_data")}
    mine = scores[scores["indicator_code"] == code]
    own = mine[mine["kind"] == "own"].set_index("variant")
    status = own.loc["central", "status"] if "central" in own.index else "no_data"
    record = {**record, "status": status, "status_label": status_label(status)}
    if not pays:
        return record
    payers = mine[mine["kind"] == ("member" if level in ("place", "icb") else "own")]
    by_variant = {
        variant: (
            _sum(payers.loc[payers["variant"] == variant, "points_achieved"]),
            _sum(payers.loc[payers["variant"] == variant, "payment_achieved"]),
        )
        for variant in ("central", "low", "high")
    }
    points = [by_variant[v][0] for v in ("low", "high") if by_variant[v][0] is not None]
    money = [by_variant[v][1] for v in ("low", "high") if by_variant[v][1] is not None]
    record.update(
        points=by_variant["central"][0],
        payment=by_variant["central"][1],
        points_low=min(points) if points else None,
        points_high=max(points) if points else None,
        payment_low=min(money) if money else None,
        payment_high=max(money) if money else None,
    )
    if level in ("place", "icb"):
        central = payers[payers["variant"] == "central"]["status"].value_counts()
        record["pcn_status_text"] = "PCNs projected: " + " · ".join(
            f"{STATUS_SYMBOLS[s]} {int(central.get(s, 0))}" for s in ("green", "amber", "red")
        )
    return record


def _backtest_fields(last_year, last_scheme, year_before, level, org_code, indicator, month):
    """How the method would have done last year, projected from the same month."""
    if last_year is None or last_year.empty or last_scheme is None:
        return {}
    rows = _projection_input(last_year, level, org_code, indicator.code)
    if rows.empty:
        return {}
    year_end = signals.scheme_end(last_scheme)
    final = pd.Timestamp(rows["period_end"].iloc[-1]).date()
    if (final.year, final.month) != (year_end.year, year_end.month):
        return {}  # last year is not complete to its year end: nothing to compare with
    old_indicator = last_scheme.indicators.get(indicator.code, indicator)
    before = _projection_input(year_before, level, org_code, indicator.code)
    result = signals.backtest(
        rows, old_indicator, last_scheme, month,
        measurement_start(last_year, last_scheme, indicator.code),
        before if len(before) else None,
    )  # fmt: skip
    if result is None:
        return {}
    months = pd.to_datetime(rows["period_end"])
    return {
        "backtest_from": months[months.dt.month == month].iloc[0].date(),
        "backtest_method": PROJECTION_METHODS[result["method"]],
        "backtest_achievement": result["achievement"],
        "backtest_low": result["achievement_low"],
        "backtest_high": result["achievement_high"],
        "backtest_actual": result["actual"],
        "backtest_within": bool(result["within_band"]),
    }


def backtest_text(row: dict) -> str | None:
    """'Projected from October 2025 at the recent pace, this method said 61.9% (95% band 55.0% to
    68.8%); the year ended at 64.8%, inside the band.' with a warning when it missed."""
    if row.get("backtest_from") is None or pd.isna(row.get("backtest_actual")):
        return None
    unit = row["unit"]
    said = _achievement_words(row["backtest_achievement"], unit)
    low = _achievement_words(row["backtest_low"], unit)
    high = _achievement_words(row["backtest_high"], unit)
    actual = _achievement_words(row["backtest_actual"], unit)
    when = pd.Timestamp(row["backtest_from"])
    how = BACKTEST_HOW.get(row["backtest_method"], row["backtest_method"])
    text = (
        f"Checked on last year: projected from {when:%B %Y} {how}, this method said {said} "
        f"(95% band {low} to {high}); the year ended at {actual}"
    )
    error = float(row["backtest_actual"]) - float(row["backtest_achievement"])
    if row["backtest_within"]:
        return text + ", inside the band."
    direction = "under-shot" if error > 0 else "over-shot"
    text += f": it {direction} by {abs(error):.1f} points, outside its band."
    if error > 0:
        text += (
            " Last year was back-loaded: more was done in its last months than the pace up to "
            f"{when:%B} suggested, so a projection at the recent pace is likely to be too low "
            "again this year."
        )
    else:
        text += (
            f" Last year slowed down after {when:%B}, so a projection at the recent pace is "
            "likely to be too high again this year."
        )
    if row.get("method") == "last_year_shape" and row["backtest_method"] != "last year's shape":
        text += (
            " This year's projection uses last year's shape, which allows for that; it cannot be "
            "checked the same way without the year before last."
        )
    return text


def _achievement_words(value, unit: str) -> str:
    if value is None or pd.isna(value):
        return "–"
    return {"percent": f"{float(value):.1f}%", "per_1000": f"{float(value):.1f} per 1,000"}.get(
        unit, f"{float(value):.2f}"
    )


def projection_path(row: dict) -> pd.DataFrame:
    """The projection as a chart draws it: from the latest month used (no band) to the year end
    (the 95% band), with `shown_at` the period end of each."""
    columns = ["shown_at", "achievement", "low", "high", "label"]
    if row is None or row.get("method") is None or pd.isna(row.get("achievement_from")):
        return _empty(columns)
    unit = row["unit"]
    label = (
        f"Projected {_day(row['year_end'])}: {_achievement_words(row['achievement'], unit)} "
        f"(95% band {_achievement_words(row['achievement_low'], unit)} to "
        f"{_achievement_words(row['achievement_high'], unit)}), {row['method_label']}"
    )
    return pd.DataFrame(
        {
            "shown_at": pd.to_datetime([row["from_period"], row["year_end"]]),
            "achievement": [row["achievement_from"], row["achievement"]],
            "low": [row["achievement_from"], row["achievement_low"]],
            "high": [row["achievement_from"], row["achievement_high"]],
            "label": [label, label],
        }
    )


# --- Uploads ----------------------------------------------------------------------------------

PREVIEW_ROWS = 10  # rows of an upload shown before it is stored


def upload_preview(path, name: str, sheet: str | None = None, rows: int = PREVIEW_ROWS):
    """The first rows of an uploaded table as the person wrote them (headers included), read
    the way the ingest reads it (encoding, separator, header row, sheet); an empty frame when
    the file is not a table (a scheme, or unreadable). Never raises for a bad file."""
    import csv
    import itertools
    from pathlib import Path

    from iif_core.problems import InputError
    from iif_core.staging.files import find_table, open_workbook, sheet_rows

    try:
        table = find_table(Path(path), name, sheet)
        if table.kind not in ("text", "excel") or not table.headers:
            return pd.DataFrame()
        width = len(table.headers)
        records = []
        if table.kind == "excel":
            with open_workbook(table) as workbook:
                for number, values in sheet_rows(workbook, table.sheet):
                    if number > table.header_row and any(v.strip() for v in values):
                        records.append([number, *(values + [""] * width)[:width]])
                    if len(records) >= rows:
                        break
        else:
            with open(path, encoding=table.encoding, newline="", errors="replace") as handle:
                reader = csv.reader(handle, delimiter=table.delimiter)
                body = itertools.islice(reader, table.header_lines, table.header_lines + rows)
                for offset, values in enumerate(body, start=1):
                    records.append([table.header_row + offset, *(values + [""] * width)[:width]])
    except (InputError, OSError, UnicodeError, csv.Error, ValueError, KeyError):
        return pd.DataFrame()
    labels = []
    for position in range(width):
        label = table.label(position)
        while label in labels or label == "row":
            label += " "
        labels.append(label)
    return pd.DataFrame(records, columns=["row", *labels])
