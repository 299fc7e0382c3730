"""Page-shaped queries for the app: pure functions over scored DataFrames, never Streamlit."""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

import duckdb
import pandas as pd

from iif_core.orgs import load_orgs_frame
from iif_core.schemes import Indicator, Scheme, scheme_from_rows
from iif_core.score import SQL_DIR

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
