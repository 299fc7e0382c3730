"""Session keys, the data store of this process, and cached reads that refresh on every upload."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from datetime import date

import pandas as pd
import streamlit as st
from streamlit.runtime.pages_manager import PagesManager

from iif_core import report
from iif_core.problems import InputError
from iif_core.schemes import Scheme, bundled_scheme_years, previous_scheme_year
from iif_core.store import DEFAULT_PATH, PATH_VARIABLE, Store
from iif_core.vocabulary import COUNT_SHAPES

# Session-state keys: the sidebar's choices carry across pages under these names.
YEAR = "scheme_year"
LEVEL = "level"
ORG_PREFIX = "org_"  # one key per level ("org_pcn"), so each level remembers its own choice
PERIOD = "period_end"
INDICATOR = "indicator"  # the indicator widget on Variation, Trends and Patients
INDICATOR_MEMORY = "indicator_chosen"  # its value, kept while the widget is off the page
WHO = "who"  # the name kept in the upload history
SELECTION = "selection"  # the Selection the sidebar made on this run
DEFAULT_LEVEL = "pcn"
CACHE_ENTRIES = 32  # frames kept per process: years × data versions
# Large frames are cached as resources: shared by every session without a copy per rerun, so
# nothing in ui/ or iif_core/report/ may modify a frame it is given (they copy first).


def store_path() -> str:
    """Where the store is: $IIF_DB, else data/iif.duckdb beside the app."""
    return os.environ.get(PATH_VARIABLE) or str(DEFAULT_PATH)


@st.cache_resource(show_spinner=False)
def _store(path: str) -> Store:
    return Store(path)


def store() -> Store:
    """The one Store of this process for the configured file, shared by every session."""
    return _store(store_path())


def data_version(current: Store | None = None) -> tuple[int, int]:
    """Changes whenever anything is stored or undone (by any session): the latest batch id and
    the number of undone batches. Every cached read is keyed on it."""
    return (current or store()).version()


@st.cache_data(show_spinner=False, max_entries=CACHE_ENTRIES)
def batches(path: str, version: tuple) -> pd.DataFrame:
    return _store(path).batches()


@st.cache_data(show_spinner=False, max_entries=CACHE_ENTRIES)
def scheme(path: str, year: str, version: tuple) -> Scheme:
    return _store(path).scheme(year)


@st.cache_resource(show_spinner="Scoring…", max_entries=CACHE_ENTRIES)
def scored(path: str, year: str, version: tuple) -> pd.DataFrame:
    """Every organisation × indicator × period end of a year, all levels at once."""
    return _store(path).score(year)


@st.cache_resource(show_spinner=False, max_entries=CACHE_ENTRIES)
def orgs(path: str, version: tuple) -> pd.DataFrame:
    return _store(path).orgs()


@st.cache_data(show_spinner=False, max_entries=CACHE_ENTRIES)
def orgs_source(path: str, version: tuple) -> str:
    return _store(path).orgs_source()


@st.cache_resource(show_spinner=False, max_entries=CACHE_ENTRIES)
def pcns(path: str, version: tuple) -> pd.DataFrame:
    """PCN → place and ICB, by the core's rule."""
    return report.pcn_membership(orgs(path, version))


@st.cache_resource(show_spinner="Reading the patient lists…", max_entries=8)
def patients(path: str, year: str, version: tuple) -> pd.DataFrame:
    """The patient-level rows in use for a year, prepared for filtering."""
    rows = _store(path).patients(year=year)
    return report.prepare_patients(rows, orgs(path, version))


@st.cache_data(show_spinner=False, max_entries=CACHE_ENTRIES)
def years_with_data(path: str, version: tuple) -> list[str]:
    return _store(path).years()


def scheme_years(path: str, version: tuple) -> list[str]:
    """Every year the app can show: the bundled schemes and those with data, newest first."""
    return sorted(set(bundled_scheme_years()) | set(years_with_data(path, version)), reverse=True)


def previous_year(year: str) -> str:
    """'2026/27' -> '2025/26'."""
    return previous_scheme_year(year)


def demo_in_use(batch_table: pd.DataFrame) -> bool:
    """Whether any batch loaded as the demo still provides figures."""
    if batch_table.empty:
        return False
    demo = batch_table[(batch_table["who"] == "demo") & ~batch_table["undone"]]
    return bool((demo["status"] != "replaced").any())


@dataclass
class Selection:
    """What the sidebar chose, and what every page needs to draw it."""

    path: str
    version: tuple
    year: str
    level: str
    org_code: str | None
    org_name: str | None
    period: date | None
    scheme: Scheme | None
    scored: pd.DataFrame
    orgs: pd.DataFrame
    pcns: pd.DataFrame
    demo: bool = False
    problem: str | None = None  # why the figures could not be read, in words
    periods: list[date] = field(default_factory=list)

    @property
    def has_data(self) -> bool:
        return self.org_code is not None and not self.scored.empty

    @property
    def org_label(self) -> str:
        if self.org_code is None:
            return "no organisation"
        if self.org_name and self.org_name != self.org_code:
            return f"{self.org_name} ({self.org_code})"
        return self.org_code

    @property
    def level_label(self) -> str:
        return report.LEVEL_LABELS[self.level]

    def context(self) -> report.OrgContext:
        return report.org_context(self.orgs, self.level, self.org_code, self.org_name)


def selection() -> Selection:
    """The sidebar's selection of this run, taken once by the page.

    app.py draws the sidebar before every page. But Streamlit runs a file of `pages/` on its own
    when a fresh server's first request is for that page: it takes a folder named pages/ for
    its legacy multipage mode until some session has called st.navigation (AppTest's
    switch_page does the same on every run). Then the page leaves that mode as st.navigation
    itself does and, in a new session, runs again through app.py, which finds the same page by
    its URL; otherwise it draws the sidebar itself.
    """
    chosen = st.session_state.pop(SELECTION, None)
    if chosen is None and PagesManager.uses_pages_directory:
        PagesManager.uses_pages_directory = False  # what st.navigation sets on its first call
        if not list(st.session_state.keys()):  # a new session: a rerun loses no click
            st.rerun()
    if chosen is None:  # a rerun would lose this run's clicks: draw the sidebar here
        from ui import sidebar

        sidebar.configure_page()
        chosen = sidebar.render()
        st.session_state.pop(SELECTION, None)
    return chosen


def prepare_indicator(codes: list[str]) -> None:
    """Before the indicator widget is drawn: bring back the indicator chosen on another page
    (Streamlit forgets a widget's value when a page without it runs), or the first offered."""
    if st.session_state.get(INDICATOR) in codes:
        return
    remembered = st.session_state.get(INDICATOR_MEMORY)
    st.session_state[INDICATOR] = remembered if remembered in codes else codes[0]


def remember_indicator() -> None:
    """The indicator widget's on_change: keep its value for the other pages."""
    st.session_state[INDICATOR_MEMORY] = st.session_state.get(INDICATOR)


# --- Uploads ----------------------------------------------------------------------------------

UPLOAD_ROUND = "upload_round"  # bumped to empty the file uploader after storing or cancelling
UPLOAD_CHECKS = "upload_checks"  # the checks of this session's uploads, by file and data version
UPLOAD_DIR = "upload_dir"
MESSAGES = "data_messages"  # what the last store or undo said, shown once after the rerun
SAFE_NAME_CHARACTERS = "-_."


@dataclass
class UploadCheck:
    """One uploaded file, checked by the store without storing anything."""

    name: str  # as the person's computer called it
    path: str  # the copy on this machine that the store reads
    staged: object | None  # the StagedFile (shape, rows, valid_rows, problems, detail, ok)
    rejected: pd.DataFrame  # the rows that would be left out, with a `reason`
    problems: list[str]
    preview: pd.DataFrame = field(default_factory=pd.DataFrame)  # its first rows, as written

    @property
    def ok(self) -> bool:
        return self.staged is not None and bool(getattr(self.staged, "ok", False))

    @property
    def shape(self) -> str | None:
        return getattr(self.staged, "shape", None)

    @property
    def rows(self) -> int:
        return int(getattr(self.staged, "rows", 0) or 0)

    @property
    def valid_rows(self) -> int:
        return int(getattr(self.staged, "valid_rows", 0) or 0)

    @property
    def partly_valid(self) -> bool:
        return not self.ok and self.shape in COUNT_SHAPES and (0 < self.valid_rows)


def upload_dir() -> str:
    """This session's folder for the copies of its uploads (removed when they are stored)."""
    import tempfile

    folder = st.session_state.get(UPLOAD_DIR)
    if not folder or not os.path.isdir(folder):
        folder = tempfile.mkdtemp(prefix="iif-upload-")
        st.session_state[UPLOAD_DIR] = folder
    return folder


def _safe_name(name: str) -> str:
    base = os.path.basename(name.replace("\\", "/")) or "upload"
    return "".join(c if c.isalnum() or c in SAFE_NAME_CHARACTERS else "_" for c in base)


def check_upload(uploaded, period_end: date | None = None) -> UploadCheck:
    """Check one uploaded file with the store (nothing is stored), once per file, data version
    and period end given; the rows it would leave out come with the reason."""
    current = store()
    version = data_version(current)
    checks = st.session_state.setdefault(UPLOAD_CHECKS, {})
    key = (uploaded.file_id, version, period_end)
    if key in checks:
        return checks[key]
    path = os.path.join(upload_dir(), f"{uploaded.file_id[:8]}-{_safe_name(uploaded.name)}")
    with open(path, "wb") as handle:
        handle.write(uploaded.getvalue())
    options = {"display_name": uploaded.name, "period_end": period_end}
    rejected = pd.DataFrame()
    try:
        staged, rejected = current.check(path, **options)
        problems = [str(p) for p in staged.problems]
    except InputError as error:
        staged, problems = None, [str(p) for p in error.problems] or [str(error)]
    preview = report.upload_preview(path, uploaded.name, getattr(staged, "sheet", None))
    checks[key] = UploadCheck(uploaded.name, path, staged, rejected, problems, preview)
    return checks[key]


def store_uploads(checks: list[UploadCheck], who: str | None, accept_valid: bool,
                  period_end: date | None = None) -> list[tuple[str, str]]:  # fmt: skip
    """Store the checked files; return (kind, sentence) for each: success, warning or error."""
    current = store()
    said = []
    for check in checks:
        try:
            result = current.ingest(
                check.path,
                display_name=check.name,
                who=who or None,
                accept_valid=accept_valid,
                period_end=period_end,
            )
        except InputError as error:
            said.append(("error", f"{check.name}: {error}"))
            continue
        kind = "success" if result.batch_id is not None else (
            "info" if result.duplicate_of is not None else "error"
        )  # fmt: skip
        said.append((kind, result.message))
    forget_uploads()
    return said


def forget_uploads() -> None:
    """Empty the uploader and remove the copies of the uploaded files."""
    import shutil

    folder = st.session_state.pop(UPLOAD_DIR, None)
    if folder:
        shutil.rmtree(folder, ignore_errors=True)
    st.session_state[UPLOAD_CHECKS] = {}
    st.session_state[UPLOAD_ROUND] = st.session_state.get(UPLOAD_ROUND, 0) + 1


# --- Signal or noise: projections, funnels, completeness (cached per data version) -------------


def scored_or_none(path: str, year: str, version: tuple) -> pd.DataFrame | None:
    """A year's scored figures when any are stored, else None (last year's, say)."""
    if year not in years_with_data(path, version):
        return None
    try:
        return scored(path, year, version)
    except InputError:
        return None


@st.cache_data(show_spinner=False, max_entries=CACHE_ENTRIES * 4)
def projections(path: str, year: str, version: tuple, level: str, org_code: str, period):
    """Each indicator's projected year end as at `period` (iif_core.report.projections), with
    last year's shape and back-test when last year is stored."""
    before = previous_year(year)
    last_year = scored_or_none(path, before, version)
    last_scheme = year_before = None
    if last_year is not None:
        try:
            last_scheme = scheme(path, before, version)
        except InputError:  # no scheme for last year: no shape, no back-test
            last_year = None
        year_before = scored_or_none(path, previous_year(before), version)
    return report.projections(
        scored(path, year, version), scheme(path, year, version), orgs(path, version),
        pcns(path, version), level, org_code, period, last_year, last_scheme, year_before,
    )  # fmt: skip


@st.cache_data(show_spinner=False, max_entries=CACHE_ENTRIES * 4)
def funnel(path: str, year: str, version: tuple, level: str, org_code: str, code: str, period):
    """The funnel plot of the members of an organisation for one indicator and period end."""
    current = scheme(path, year, version)
    view = report.practice_variation(
        scored(path, year, version), orgs(path, version), current, level, org_code, code,
        period, pcns(path, version),
    )  # fmt: skip
    return report.funnel(view, current.indicator(code))


@st.cache_data(show_spinner=False, max_entries=CACHE_ENTRIES * 4)
def data_completeness(path: str, year: str, version: tuple, level: str, org_code: str, period):
    """Per member practice, the months sent and missed up to `period`, and how far behind."""
    return report.data_completeness(
        scored(path, year, version), orgs(path, version), pcns(path, version), level, org_code,
        period,
    )  # fmt: skip
