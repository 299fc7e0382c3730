"""Cached reads of the one store of this process, keyed on its data version and the reader's scope."""

from __future__ import annotations

import os
import threading
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass

import pandas as pd
import streamlit as st

from iif_core import reconcile, report
from iif_core.access import Scope
from iif_core.extract import scheme_dates
from iif_core.problems import AccessError, InputError, StoreError
from iif_core.schemes import Scheme, bundled_scheme_years, previous_scheme_year
from iif_core.store import DEFAULT_PATH, PATH_VARIABLE, Store

CACHE_ENTRIES = 32  # frames kept per process: years × data versions
DERIVED_ENTRIES = 1024  # what pages work out from a selection (`derived`), kept per process
# Large frames are cached as resources: shared by every session without a copy per rerun, so
# nothing in ui/ or iif_core/report/ may modify a frame it is given (they copy first).
# Every read of figures, organisations and patient lists takes the session's Scope and applies it
# here, below the pages (decisions.md D37): the `_all_` reads are for this module only.


def store_path() -> str:
    """Where the store is: $IIF_DB, else data/iif.duckdb beside the app."""
    return os.environ.get(PATH_VARIABLE) or str(DEFAULT_PATH)


@st.cache_resource(show_spinner=False)
def store_at(path: str) -> Store:
    """The one Store of this process for a store file, shared by every session."""
    return Store(path)


def store() -> Store:
    """The one Store of this process for the configured file, shared by every session."""
    return store_at(store_path())


def data_version(current: Store | None = None) -> tuple[int, int]:
    """Changes whenever anything is stored or undone (by any session): the latest batch id and
    the number of undone batches. Every cached read is keyed on it."""
    return (current or store()).version()


@st.cache_data(show_spinner=False, max_entries=CACHE_ENTRIES)
def batches(path: str, version: tuple) -> pd.DataFrame:
    return store_at(path).batches()


@st.cache_data(show_spinner=False, max_entries=CACHE_ENTRIES)
def uploaded_by(path: str, version: tuple, who: str) -> bool:
    return store_at(path).uploaded_by(who)


@st.cache_resource(show_spinner=False, max_entries=CACHE_ENTRIES)
def batch_change(path: str, version: tuple, batch_id: int):
    """What undoing (or restoring) a batch would change now (Store.change_if_toggled)."""
    return store_at(path).change_if_toggled(batch_id)


@st.cache_data(show_spinner=False, max_entries=CACHE_ENTRIES)
def scheme(path: str, year: str, version: tuple) -> Scheme:
    return store_at(path).scheme(year)


@st.cache_resource(show_spinner=False, max_entries=CACHE_ENTRIES)
def _all_orgs(path: str, version: tuple) -> pd.DataFrame:
    return store_at(path).orgs()


@st.cache_resource(show_spinner=False, max_entries=CACHE_ENTRIES)
def _all_pcns(path: str, version: tuple) -> pd.DataFrame:
    return report.pcn_membership(_all_orgs(path, version))


@st.cache_data(show_spinner="Scoring…", max_entries=CACHE_ENTRIES)
def scored_orgs(path: str, year: str, version: tuple, scope: Scope) -> pd.DataFrame:
    """The organisations scored in a year that are in scope: level, org_code, org_name."""
    return scope.restrict(store_at(path).scored_orgs(year))


@dataclass(frozen=True)
class OrgChoices:
    """The organisations of a level to choose from, by name (report.org_choices)."""

    codes: tuple[str, ...]
    labels: dict[str, str]  # 'Hartmouth Central PCN (U22888)', by code
    names: dict[str, str]


@st.cache_resource(show_spinner=False, max_entries=CACHE_ENTRIES * 4)
def org_choices(path: str, year: str, version: tuple, scope: Scope, level: str) -> OrgChoices:
    """The scored organisations of a level in scope, for the sidebar: made once, not on every
    page view (England has 6,202 practices)."""
    frame = report.org_choices(scored_orgs(path, year, version, scope), level)
    codes = frame["org_code"].tolist()
    return OrgChoices(
        tuple(codes),
        dict(zip(codes, frame["label"].tolist(), strict=True)),
        dict(zip(codes, frame["org_name"].tolist(), strict=True)),
    )


@st.cache_data(show_spinner=False, max_entries=CACHE_ENTRIES)
def scored_period_ends(path: str, year: str, version: tuple) -> list:
    """Every period end scored in a year, earliest first."""
    return store_at(path).scored_period_ends(year)


# An England ICB's slice is about 11 MB (45,000 rows), a PCN's 0.4 MB: 128 slices of a data
# version stay well under a gigabyte however they are chosen (42 ICBs, 106 places).
@st.cache_resource(show_spinner=False, max_entries=CACHE_ENTRIES * 4)
def scored(
    path: str, year: str, version: tuple, scope: Scope, level: str, org_code: str
) -> pd.DataFrame:
    """A year's scores of one organisation and everything in it that its pages show (a
    practice's PCN and the PCN's practices; a PCN's practices; a place's or ICB's PCNs and their
    practices), in scope, read from the scores the store keeps (decisions.md D52)."""
    return scope.restrict(store_at(path).scored(year, level, org_code))


@st.cache_resource(show_spinner=False, max_entries=CACHE_ENTRIES)
def orgs(path: str, version: tuple, scope: Scope) -> pd.DataFrame:
    """The practices in scope, with their PCN, place and ICB."""
    return scope.restrict(_all_orgs(path, version), "practice_code")


@st.cache_resource(show_spinner=False, max_entries=CACHE_ENTRIES)
def org_names(path: str, version: tuple, scope: Scope) -> dict[str, str]:
    """Every organisation in scope's name by its code, at every level (report.org_names)."""
    return report.org_names(orgs(path, version, scope), pcns(path, version, scope))


@st.cache_data(show_spinner=False, max_entries=CACHE_ENTRIES)
def orgs_source(path: str, version: tuple) -> str:
    return store_at(path).orgs_source()


@st.cache_resource(show_spinner=False, max_entries=CACHE_ENTRIES)
def pcns(path: str, version: tuple, scope: Scope) -> pd.DataFrame:
    """The PCNs in scope → place and ICB, by the core's rule (from every member practice, so
    that a PCN's list size and member count are the whole PCN's)."""
    return scope.restrict(_all_pcns(path, version), "pcn_code")


def organisation_file(path: str, version: tuple) -> pd.DataFrame:
    """Every practice of the organisation file in use, to work out scopes and check grants: not
    for the pages' figures."""
    return _all_orgs(path, version)


@st.cache_resource(show_spinner="Reading the patient lists…", max_entries=CACHE_ENTRIES)
def patient_lists(
    path: str, year: str, version: tuple, scope: Scope, as_at,
    practice_codes: tuple[str, ...] | None,
) -> pd.DataFrame:  # fmt: skip
    """The patient lists in use at period end `as_at` (decisions.md D23), the latest of the year
    when None, of these practices (all when None) that the scope lets this session see, prepared
    for filtering."""
    if as_at is None:
        as_at = scheme_dates(scheme(path, year, version))[1]
    codes = scope.patient_codes(practice_codes)
    rows = store_at(path).patients(year=year, as_at=as_at, practice_codes=codes)
    return report.prepare_patients(rows, orgs(path, version, scope))


@dataclass(frozen=True)
class PatientListSummary:
    """The patient lists in use of some practices, before any filter, counted in the store
    (decisions.md D61): one row per practice × indicator (report.list_ends) and each value the
    filters can take (filter, value)."""

    ends: pd.DataFrame
    values: pd.DataFrame

    @property
    def empty(self) -> bool:
        return self.ends.empty


@st.cache_data(show_spinner="Reading the patient lists…", max_entries=CACHE_ENTRIES * 4)
def patient_list_summary(
    path: str, year: str, version: tuple, scope: Scope, as_at,
    practice_codes: tuple[str, ...] | None,
) -> PatientListSummary:  # fmt: skip
    """What the Patients page shows of the lists in use at `as_at` (the latest of the year when
    None) of these practices (all when None) that the scope lets this session see."""
    if as_at is None:
        as_at = scheme_dates(scheme(path, year, version))[1]
    codes = scope.patient_codes(practice_codes)
    ends, values = store_at(path).patient_list_summary(year=year, as_at=as_at, practice_codes=codes)
    return PatientListSummary(ends, values)


@st.cache_data(show_spinner="Counting the patients…", max_entries=CACHE_ENTRIES * 4)
def patient_worklist(
    path: str, year: str, version: tuple, scope: Scope, as_at, filters: dict, limit: int
) -> report.WorklistView:
    """The patients still to do at `as_at` in the lists of `filters["practice_codes"]` that the
    scope lets this session see, narrowed by the other filters: how many, the first `limit` in
    the page's order, per practice and by IMD quintile, counted in the store."""
    total, rows, counts, gaps = store_at(path).patient_worklist(
        year=year, as_at=as_at, practice_codes=_patient_codes(scope, filters), filters=filters,
        limit=limit,
    )  # fmt: skip
    return report.worklist_view(total, rows, counts, gaps)


def patient_worklist_rows(path: str, year: str, scope: Scope, as_at, filters: dict):
    """Every patient of `patient_worklist`, for a download: read when the button is pressed,
    not cached (the largest read of the page; decisions.md D61)."""
    _, rows, counts, gaps = store_at(path).patient_worklist(
        year=year, as_at=as_at, practice_codes=_patient_codes(scope, filters), filters=filters,
        limit=None,
    )  # fmt: skip
    return report.worklist_view(len(rows), rows, counts, gaps).rows


def _patient_codes(scope: Scope, filters: dict) -> list[str] | None:
    asked = filters.get("practice_codes")
    return scope.patient_codes(tuple(asked) if asked else None)


@st.cache_resource(show_spinner="Reading the patient lists…", max_entries=CACHE_ENTRIES)
def patient_list_history(
    path: str, year: str, version: tuple, scope: Scope, up_to,
    practice_codes: tuple[str, ...],
) -> pd.DataFrame:  # fmt: skip
    """Every patient list of the year up to period end `up_to` (every month's, not only those
    in use) of these practices that the scope lets this session see, prepared: the gap by
    month on the Inequalities page comes from it (decisions.md D69)."""
    codes = scope.patient_codes(practice_codes)
    rows = store_at(path).patients(year=year, practice_codes=codes)
    rows = rows[pd.to_datetime(rows["period_end"]) <= pd.Timestamp(up_to)]
    return report.prepare_patients(rows, orgs(path, version, scope))


@st.cache_data(show_spinner=False, max_entries=CACHE_ENTRIES)
def years_with_data(path: str, version: tuple) -> list[str]:
    return store_at(path).years()


def scheme_years(path: str, version: tuple) -> list[str]:
    """Every year the app can show: the bundled schemes and those with data, newest first."""
    return sorted(set(bundled_scheme_years()) | set(years_with_data(path, version)), reverse=True)


@st.cache_data(show_spinner=False, max_entries=CACHE_ENTRIES * 4)
def period_completeness(
    path: str, year: str, version: tuple, scope: Scope, level: str, org_code: str
):
    """Per period end, how many of the organisation's member practices sent figures."""
    members = report.practices_in(
        orgs(path, version, scope), pcns(path, version, scope), level, org_code
    )
    return report.period_completeness(scored(path, year, version, scope, level, org_code), members)


@st.cache_resource(show_spinner=False, max_entries=CACHE_ENTRIES)
def _all_arrivals(path: str, year: str, version: tuple) -> pd.DataFrame:
    return store_at(path).arrivals(year)


@st.cache_data(show_spinner=False, max_entries=CACHE_ENTRIES * 4)
def month_notes(
    path: str, year: str, version: tuple, scope: Scope, level: str, org_code: str, up_to=None
) -> list[str]:
    """A note on each month of the year (up to period end `up_to`, when given) whose figures
    came late or partial, in words."""
    arrivals = scope.restrict(_all_arrivals(path, year, version), "practice_code")
    if up_to is not None:
        arrivals = arrivals[pd.to_datetime(arrivals["period_end"]) <= pd.Timestamp(up_to)]
    notes = report.month_notes(
        arrivals, orgs(path, version, scope), pcns(path, version, scope), level, org_code
    )
    return report.notes_in_words(notes)


@st.cache_resource(show_spinner="Comparing the national extract with the practices' searches…",
                   max_entries=CACHE_ENTRIES)  # fmt: skip
def reconciliation(path: str, year: str, version: tuple, scope: Scope):
    """The figures both sources hold for the year, in scope (how many), and every one where the
    national extract and the practices' own searches differ, with its £ and likely cause."""
    cells = scope.restrict(store_at(path).source_cells(year), "practice_code")
    counts = scope.restrict(store_at(path).counts(year), "practice_code")
    found = reconcile.differences(
        cells, counts, _all_orgs(path, version), scheme(path, year, version)
    )
    return len(cells), found


# --- Signal or noise: projections, funnels, completeness ---------------------------------------


def scored_or_none(
    path: str, year: str, version: tuple, scope: Scope, level: str, org_code: str
) -> pd.DataFrame | None:
    """An organisation's scored figures of a year in scope when any are stored, else None (last
    year's, say)."""
    if year not in years_with_data(path, version):
        return None
    try:
        return scored(path, year, version, scope, level, org_code)
    except InputError:
        return None


@st.cache_data(show_spinner=False, max_entries=CACHE_ENTRIES * 4)
def projections(
    path: str, year: str, version: tuple, scope: Scope, level: str, org_code: str, period
):
    """Each indicator's projected year end as at `period` (iif_core.report.projections), with
    last year's shape and back-test when last year is stored."""
    before = previous_scheme_year(year)
    last_year = scored_or_none(path, before, version, scope, level, org_code)
    last_scheme = year_before = None
    if last_year is not None:
        try:
            last_scheme = scheme(path, before, version)
        except InputError:  # no scheme for last year: no shape, no back-test
            last_year = None
        year_before = scored_or_none(
            path, previous_scheme_year(before), version, scope, level, org_code
        )
    return report.projections(
        scored(path, year, version, scope, level, org_code), scheme(path, year, version),
        orgs(path, version, scope), pcns(path, version, scope), level, org_code, period,
        last_year, last_scheme, year_before,
    )  # fmt: skip


@st.cache_data(show_spinner=False, max_entries=CACHE_ENTRIES * 4)
def funnel(
    path: str, year: str, version: tuple, scope: Scope, level: str, org_code: str, code: str,
    period,
):  # fmt: skip
    """The funnel plot of the members of an organisation for one indicator and period end."""
    current = scheme(path, year, version)
    view = report.practice_variation(
        scored(path, year, version, scope, level, org_code), orgs(path, version, scope), current,
        level,
        org_code, code, period, pcns(path, version, scope),
    )  # fmt: skip
    return report.funnel(view, current.indicator(code))


@st.cache_data(show_spinner=False, max_entries=CACHE_ENTRIES * 32)
def missing_words(
    path: str, year: str, version: tuple, scope: Scope, level: str, org_code: str, period,
    indicator_code: str,
) -> str | None:  # fmt: skip
    """Which member practices sent no figures for the indicator and period, in words (None when
    every one did, or for a practice)."""
    if level is None or org_code is None:
        return None
    return _missing(path, year, version, scope, level, org_code, period).get(indicator_code)


@st.cache_resource(show_spinner=False, max_entries=CACHE_ENTRIES * 4)
def _missing(
    path: str, year: str, version: tuple, scope: Scope, level: str, org_code: str, period
) -> dict[str, str]:
    """missing_words of every indicator with a practice missing, found in one pass (Overview
    asks for each of its cards)."""
    if period is not None:  # the practices' rows at the period are all it reads
        rows = _practice_rows_at(path, year, version, scope, level, org_code, period)
    else:
        rows = scored(path, year, version, scope, level, org_code)
    missing = report.Missing(
        rows, orgs(path, version, scope), pcns(path, version, scope), level, org_code
    )
    codes = [] if rows.empty else rows["indicator_code"].dropna().unique().tolist()
    words = {code: report.missing_text(missing.practices(period, code), level) for code in codes}
    return {code: text for code, text in words.items() if text}


@st.cache_resource(show_spinner=False, max_entries=CACHE_ENTRIES * 4)
def _practice_rows_at(
    path: str, year: str, version: tuple, scope: Scope, level: str, org_code: str, period
) -> pd.DataFrame:
    rows = scored(path, year, version, scope, level, org_code)
    at = (rows["level"] == "practice") & (
        pd.to_datetime(rows["period_end"]) == pd.Timestamp(period)
    )
    return rows[at]


@st.cache_data(show_spinner=False, max_entries=CACHE_ENTRIES * 4)
def incomplete_notes(
    path: str, year: str, version: tuple, scope: Scope, level: str, org_code: str, period
) -> list[str]:
    """Who is missing for the indicators of the year's scheme, in sentences (for a page that
    shows them all)."""
    return report.incomplete_notes(
        scored(path, year, version, scope, level, org_code), orgs(path, version, scope),
        pcns(path, version, scope), level, org_code, period,
        list(scheme(path, year, version).indicators),
    )  # fmt: skip


@st.cache_data(show_spinner=False, max_entries=CACHE_ENTRIES * 4)
def data_completeness(
    path: str, year: str, version: tuple, scope: Scope, level: str, org_code: str, period
):
    """Per member practice, the months sent and missed up to `period`, and how far behind."""
    return report.data_completeness(
        scored(path, year, version, scope, level, org_code), orgs(path, version, scope),
        pcns(path, version, scope), level, org_code, period,
    )  # fmt: skip


# --- Planning: what-if and the best use of contacts (decisions.md D60) --------------------------


def plan_pcn(scope: Scope, orgs_in_use: pd.DataFrame, level: str, org_code: str) -> str | None:
    """The PCN a what-if or plan is about: the PCN chosen, or a practice's own PCN when this
    session may see it (a plan spends the PCN's contacts and earns the PCN's £); else None."""
    if level == "pcn":
        return org_code
    if level != "practice":
        return None
    rows = orgs_in_use[orgs_in_use["practice_code"] == org_code]
    pcn_code = None if rows.empty else rows["pcn_code"].iloc[0]
    return pcn_code if pcn_code is not None and scope.sees(pcn_code) else None


@st.cache_data(show_spinner="Working it out…", max_entries=CACHE_ENTRIES * 4)
def what_if(
    path: str, year: str, version: tuple, scope: Scope, pcn_code: str, period, changes: tuple
) -> report.WhatIf:
    """The PCN re-scored with `changes` ((practice, indicator, patients), ...) at `period`."""
    return report.what_if(
        scored(path, year, version, scope, "pcn", pcn_code), scheme(path, year, version),
        pcn_code, period, list(changes), orgs=orgs(path, version, scope),
    )  # fmt: skip


@st.cache_data(show_spinner=False, max_entries=CACHE_ENTRIES * 4)
def outstanding_in_lists(
    path: str, year: str, version: tuple, scope: Scope, pcn_code: str, period
) -> dict:
    """Patients still to do per (practice, indicator) in the PCN's patient lists in use at
    `period` that this session may read; empty when none are stored."""
    members = orgs(path, version, scope)
    codes = tuple(members.loc[members["pcn_code"] == pcn_code, "practice_code"])
    allowed = scope.patient_codes(codes)
    if not allowed:
        return {}
    rows = store_at(path).patients(year=year, as_at=period, practice_codes=list(allowed))
    return report.outstanding_from_patients(rows)


@st.cache_data(show_spinner="Finding the best plan…", max_entries=CACHE_ENTRIES * 4)
def best_plan(
    path: str, year: str, version: tuple, scope: Scope, pcn_code: str, period, contacts,
    per_practice: tuple | None,
) -> report.Plan:  # fmt: skip
    """The plan that earns the PCN the most £ with `contacts` (overall; None when only per
    practice) or `per_practice` ((practice_code, contacts), ...), patients taken only from
    those outstanding in the counts and, where stored, the patient lists."""
    return report.best_plan(
        scored(path, year, version, scope, "pcn", pcn_code), scheme(path, year, version),
        pcn_code, period, contacts, dict(per_practice) if per_practice is not None else None,
        outstanding_in_lists(path, year, version, scope, pcn_code, period) or None,
        orgs=orgs(path, version, scope),
    )  # fmt: skip


# --- Interventions on the trend (decisions.md D63) ----------------------------------------------
# Not figures: they have no data version, so they are read afresh on each run (a few rows), and
# adding one leaves every cached read of figures as it is.


def interventions(
    path: str, year: str, scope: Scope, org_codes: list[str], indicator_code: str | None
) -> pd.DataFrame:
    """The interventions of a scheme year on these organisations that the scope sees, for one
    indicator (with those on every indicator), earliest first."""
    codes = [code for code in org_codes if scope.sees(code)]
    found = store_at(path).interventions(org_codes=codes, indicator_code=indicator_code, year=year)
    return scope.restrict(found)


def add_intervention(
    path: str, scope: Scope, who: str | None, org_code: str, intervention_date, note: str,
    indicator_code: str | None,
) -> int:  # fmt: skip
    """Mark an intervention, where the scope may (Scope.marks); raises InputError (its words)
    when it may not or the intervention is not right."""
    if not scope.marks(org_code):
        raise AccessError("Only someone who can upload figures can mark interventions here.")
    return store_at(path).add_intervention(
        org_code, intervention_date, note, indicator_code=indicator_code, who=who
    )


def remove_intervention(path: str, scope: Scope, who: str | None, intervention_id: int) -> str:
    """Remove an intervention, where the scope may; a sentence back, or InputError."""
    found = store_at(path).intervention(intervention_id)
    if found is None or not scope.sees(found["org_code"]):
        raise StoreError(f"There is no intervention {intervention_id} to remove.")
    if not scope.marks(found["org_code"]):
        raise AccessError("Only someone who can upload figures can remove interventions.")
    return store_at(path).remove_intervention(intervention_id, who)


# --- What pages work out from a selection (decisions.md D80) ------------------------------------


class _Kept:
    """The most recently used results, up to a number, shared by the threads of every session."""

    def __init__(self, entries: int):
        self.entries = entries
        self.items: OrderedDict = OrderedDict()
        self.lock = threading.Lock()

    def get(self, key: tuple, make: Callable):
        with self.lock:
            if key in self.items:
                self.items.move_to_end(key)
                return self.items[key]
        value = make()  # outside the lock: two sessions may both make it, and get the same
        with self.lock:
            self.items[key] = value
            self.items.move_to_end(key)
            while len(self.items) > self.entries:
                self.items.popitem(last=False)
        return value


@st.cache_resource(show_spinner=False)
def _kept() -> _Kept:
    return _Kept(DERIVED_ENTRIES)


def derived(chosen, what: str, make: Callable, *key):
    """What `make()` works out for the sidebar's selection `chosen` (a ui.session.Selection): made
    once, then shared by every session with the same selection (store, data version, scope,
    year, level, organisation and period end), `what` and `key`. `make` may read only those and
    the store's figures through `chosen`; anything else it reads (an indicator, a file mark)
    belongs in `key`. The result is shared: nothing may modify it."""
    full = (
        chosen.path, chosen.version, chosen.scope, chosen.year, chosen.level, chosen.org_code,
        chosen.period, what, *key,
    )  # fmt: skip
    return _kept().get(full, make)


def file_mark(path: str):
    """Changes whenever the store file may have changed (Store.file_mark): for reads that the
    data version does not follow, such as interventions."""
    return store_at(path).file_mark()
