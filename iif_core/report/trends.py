"""Monthly achievement of an organisation, its members and its own last year."""

from __future__ import annotations

import pandas as pd

from iif_core.report.common import _empty, _rows, status_label
from iif_core.report.levels import practices_in
from iif_core.report.organisations import (
    PARTIAL_COLUMNS,
    _practices_words,
    mark_partial,
    members,
    org_context,
    pcn_membership,
    period_completeness,
)

TREND_COLUMNS = (
    "series", "kind", "org_code", "period_end", "shown_at", "achievement", "numerator",
    "denominator", "status", "status_label", *PARTIAL_COLUMNS,
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
    same month of this year (`shown_at`) so that the lines can be compared. Each row says whether
    its period end is partial for the organisation (PARTIAL_COLUMNS, decisions.md D22): a month
    that not every member practice has sent yet; a practice's months never are."""
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
    frame = _mark_partial_months(frame, scored, orgs, pcns, level, org_code, last_year)
    frame = frame.sort_values(["kind", "series", "period_end"], key=_kind_order)
    return frame[list(TREND_COLUMNS)].reset_index(drop=True)


def _mark_partial_months(frame, scored, orgs, pcns, level, org_code, last_year) -> pd.DataFrame:
    """Every row marked by whether the organisation's own month is partial: this year's rows by
    this year's figures, last year's by last year's."""
    this_year = before = None
    if level != "practice":
        pcns = pcn_membership(orgs) if pcns is None and level != "pcn" else pcns
        codes = practices_in(orgs, pcns, level, org_code)
        this_year = period_completeness(scored, codes)
        if last_year is not None and not last_year.empty:
            before = period_completeness(last_year, codes)
    earlier = frame["kind"] == "last year"
    return pd.concat(
        [mark_partial(frame[~earlier], this_year), mark_partial(frame[earlier], before)]
    ).sort_index()


def trend_months(series: pd.DataFrame) -> dict:
    """How much of a trend there is: months with data this year, whether last year shows, and
    the organisation's partial months drawn (`partial`: period end -> '1 of 5 practices')."""
    own = series[(series["kind"] == "this year") & series["achievement"].notna()]
    partial = own[own["period_partial"].astype(bool)] if "period_partial" in own else own.iloc[0:0]
    return {
        "months": int(len(own)),
        "last_year": bool(((series["kind"] == "last year") & series["achievement"].notna()).any()),
        "partial": {
            pd.Timestamp(row.period_end).date(): _practices_words(
                row.period_practices_with_data, row.period_member_practices
            )
            for row in partial.itertuples()
        },
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
