"""The board report's content for one organisation and period end: figures, never words or HTML."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

import pandas as pd

from iif_core.report.completeness import completeness_summary, data_completeness
from iif_core.report.inequalities import Inequalities, inequalities
from iif_core.report.levels import practices_in
from iif_core.report.organisations import (
    OrgContext,
    org_context,
    partial_words,
    period_completeness,
)
from iif_core.report.overview_cards import Overview, overview
from iif_core.report.plan import Plan
from iif_core.report.process_control import Spc, spc
from iif_core.report.projection import projection_for, projection_totals
from iif_core.report.scheme_editing import scheme_values
from iif_core.report.trends import trend
from iif_core.report.variation import Variation, practice_variation
from iif_core.schemes import Scheme
from iif_core.vocabulary import STATUSES_WITH_DATA

# Why a board report has no inequality section's figures (the drawing puts each in words).
NO_LIST_ACCESS = "no_access"  # the session may not read these practices' patient lists
NO_LISTS = "no_lists"  # no patient list in use at the period end for these practices
ONLY_RECALL_LISTS = "recall_only"  # only lists of patients still to do: who achieved is unknown


@dataclass
class IndicatorPart:
    """One indicator's page of the board report: its card, trend, projection and SPC."""

    card: dict  # the Overview card's row (overview_cards.CARD_COLUMNS)
    trend: pd.DataFrame  # report.trend: the organisation, its members, last year
    projection: dict  # report.projection_for
    spc: Spc | None  # None when the indicator is outside the scheme's dates or has no data
    members: Variation | None  # the members side by side (None for a practice outside a PCN)


@dataclass
class BoardReport:
    """What a board report holds for one organisation and period end."""

    org_code: str
    org_name: str
    level: str
    year: str
    period: date
    made_on: date  # the day the report is made (its as-at date is `period`)
    context: OrgContext
    overview: Overview
    projection_totals: dict
    year_end: date | None
    partial: str | None  # '3 of 5 practices' when the period is partial, else None
    completeness: pd.DataFrame  # data_completeness: one row per member practice
    completeness_summary: str
    indicators: list[IndicatorPart]
    plan: Plan | None  # the effort plan for a PCN's contacts (None: no plan for this level)
    scheme_values: pd.DataFrame  # scheme_values: every value a source can confirm
    unconfirmed: list[str]  # the scheme's unconfirmed values, in words
    inequalities: Inequalities | None = None  # report.inequalities of the members' lists
    inequalities_missing: str | None = None  # why there are none: NO_LIST_ACCESS, NO_LISTS, ...
    notes: list[str] = field(default_factory=list)
    month_notes: list[str] = field(default_factory=list)  # months late or partial (D77), in words

    @property
    def pays(self) -> bool:
        """Whether the report shows points and £ (a PCN, place or ICB; a practice is not paid)."""
        return self.overview.pays and self.context.earns_iif

    @property
    def has_data(self) -> bool:
        return self.overview.has_data

    @property
    def incomplete(self) -> pd.DataFrame:
        """The member practices that missed a month or are behind (the completeness rows)."""
        table = self.completeness
        if table.empty:
            return table
        behind = pd.to_numeric(table["months_behind"], errors="coerce").fillna(0) > 0
        return table[(table["periods_missing"] > 0) | behind]


def board_report(
    scored: pd.DataFrame,
    scheme: Scheme,
    orgs: pd.DataFrame,
    pcns: pd.DataFrame,
    level: str,
    org_code: str,
    period,
    projection: pd.DataFrame,
    *,
    year: str,
    org_name: str | None = None,
    last_year: pd.DataFrame | None = None,
    plan: Plan | None = None,
    patients: pd.DataFrame | None = None,
    patient_history: pd.DataFrame | None = None,
    made_on: date | None = None,
    month_notes: list[str] | None = None,
) -> BoardReport:
    """Everything the board report shows, from the same reports the pages use: the Overview's
    cards and totals, `projection` (report.projections at `period`), each indicator's trend,
    SPC and members side by side, the completeness of the members' data, the effort `plan` if
    one is given, the scheme's values and which are unconfirmed, and the inequalities of the
    members' `patients` (report.prepare_patients of the lists in use at `period`; None when the
    session may not read them), by month from `patient_history` (every list up to `period`), and
    the `month_notes` of months that came late or partial (report.month_notes, in words)."""
    as_at = pd.Timestamp(period).date()
    view = overview(scored, scheme, level, org_code, as_at, pcns)
    members = practices_in(orgs, pcns, level, org_code)
    completeness = period_completeness(scored, members)
    table = data_completeness(scored, orgs, pcns, level, org_code, as_at)
    parts = []
    for card in view.cards.to_dict("records"):
        code = card["indicator_code"]
        projected = projection_for(projection, code)
        scored_here = card["status"] in STATUSES_WITH_DATA
        parts.append(
            IndicatorPart(
                card=card,
                trend=trend(scored, orgs, level, org_code, code, last_year=last_year, pcns=pcns),
                projection=projected,
                spc=(
                    spc(
                        scored,
                        orgs,
                        pcns,
                        scheme,
                        level,
                        org_code,
                        code,
                        as_at,
                        projected.get("pace_needed"),
                    )
                    if scored_here
                    else None
                ),  # fmt: skip
                members=(
                    practice_variation(scored, orgs, scheme, level, org_code, code, as_at, pcns)
                    if scored_here
                    else None
                ),  # fmt: skip
            )
        )
    name = org_name or _name(scored, level, org_code)
    found, missing = _inequalities(patients, patient_history, as_at, name, scheme)
    year_ends = projection["year_end"].dropna() if "year_end" in projection else pd.Series()
    return BoardReport(
        org_code=org_code,
        org_name=name,
        level=level,
        year=year,
        period=as_at,
        made_on=made_on or date.today(),
        context=org_context(orgs, level, org_code, name),
        overview=view,
        projection_totals=projection_totals(projection),
        year_end=pd.Timestamp(year_ends.iloc[0]).date() if len(year_ends) else None,
        partial=partial_words(completeness, as_at),
        completeness=table,
        completeness_summary=completeness_summary(table),
        indicators=parts,
        plan=plan,
        scheme_values=scheme_values(scheme),
        unconfirmed=view.unconfirmed,
        inequalities=found,
        inequalities_missing=missing,
        month_notes=list(month_notes or []),
    )


def _inequalities(
    patients: pd.DataFrame | None, history: pd.DataFrame | None, as_at: date, name: str,
    scheme: Scheme,
) -> tuple[Inequalities | None, str | None]:  # fmt: skip
    """The members' inequalities at `as_at`, or None and why there are none."""
    if patients is None:
        return None, NO_LIST_ACCESS
    if patients.empty:
        return None, NO_LISTS
    found = inequalities(
        patients, period=as_at, history=history, organisation=name,
        indicators=list(scheme.indicators),
    )  # fmt: skip
    if not found.indicators:
        return None, ONLY_RECALL_LISTS
    return found, None


def _name(scored: pd.DataFrame, level: str, org_code: str) -> str:
    rows = scored[(scored["level"] == level) & (scored["org_code"] == org_code)]
    names = rows["org_name"].dropna() if "org_name" in rows else pd.Series()
    return str(names.iloc[0]) if len(names) else org_code
