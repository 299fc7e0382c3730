"""The shared sidebar (scheme year, level, organisation, period end) and each page's header."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pandas as pd
import streamlit as st

from iif_core import report
from iif_core.access import EVERYTHING, Scope
from iif_core.problems import InputError
from iif_core.schemes import scheme_year_for_date
from ui import demo, format, legacy_pages, reads, run_end, session, share, sign_in
from ui.session import Selection

NO_DATA_PAGE = "pages/data.py"
UNADJUSTED_HELP = (
    "The scheme has no national average list size, or a prevalence-adjusted indicator has no "
    "national prevalence, so payments are not adjusted for list size or prevalence: they are "
    "estimates (iif-rules.md section 5). Add the national averages on the Scheme page."
)
UNCONFIRMED_HELP = (
    "Some values of this scheme are not confirmed by a published NHS England source (see the "
    "Scheme page for each value's source). Figures that use them may change."
)
PARTIAL_HELP = (
    "Not every member practice has sent figures for this period end yet: the network's figures "
    "count only the practices that have. The period end chosen at first is the latest one with "
    "every practice's figures."
)


PAGE_CONFIG = {
    "page_title": "IIF monitor",
    # A file of the app's, served by the app: a Material icon here would make every browser
    # fetch it from a Google font server (nothing may leave the machine).
    "page_icon": str(Path(__file__).resolve().parent / "assets" / "icon.png"),
    "layout": "wide",
    "initial_sidebar_state": "expanded",
}


def configure_page() -> None:
    """The browser tab's title and icon, a wide layout and the sidebar open."""
    st.set_page_config(**PAGE_CONFIG)


def selection() -> Selection:
    """The sidebar's selection of this run, taken once by the page. app.py draws the sidebar
    before every page; a page that finds none was run on its own (ui/legacy_pages.py)."""
    chosen = st.session_state.pop(session.SELECTION, None)
    if chosen is None:
        legacy_pages.run_through_app()
    return chosen


def manager_selection(title: str) -> Selection:
    """The selection, for a page that changes what is stored (Data, Scheme, Access): a
    signed-in user who is not an admin gets a refusal, in the audit trail, and nothing else."""
    chosen = selection()
    if not chosen.scope.can_manage:
        st.title(title)
        st.error("Only an admin can use this page. Ask your ICB's admin if you need to.")
        sign_in.record(chosen.scope, "refused", detail=f"{title} page")
        run_end.stop()
    return chosen


def who_input(chosen: Selection, label: str, key: str) -> str | None:
    """Who is changing the store: the signed-in user, or (locally) the name typed in."""
    if chosen.scope.user is not None:
        st.caption(f"Kept in the history as {format.escape_markdown(chosen.scope.user)}.")
        return chosen.scope.user
    return st.text_input(label, key=key, max_chars=80) or None


def render(scope: Scope = EVERYTHING) -> Selection:
    """Draw the sidebar and return (and remember) what it chose, within what `scope` may see."""
    path = reads.store_path()
    problem = None
    share.read_link()
    try:
        demo.ensure_demo(path)
        version = reads.data_version()
    except InputError as error:  # the store is busy, not a store, or too new
        problem, version = str(error), (0, 0)
    sidebar = st.sidebar
    years = reads.scheme_years(path, version) if problem is None else []
    with_data = reads.years_with_data(path, version) if problem is None else []
    if not years:
        years = [scheme_year_for_date(date.today())]
    _choose_default(session.YEAR, years, _default_year(years, with_data))
    _put(session.YEAR, share.take(share.YEAR, years))
    year = sidebar.selectbox(
        "Scheme year",
        years,
        key=session.YEAR,
        format_func=lambda y: y if y in with_data else f"{y} (no data)",
        help="The IIF financial year, 1 April to 31 March.",
    )
    scheme, scored_orgs, orgs, pcns = None, pd.DataFrame(), pd.DataFrame(), pd.DataFrame()
    period_ends = []
    if problem is None:
        try:
            scheme = reads.scheme(path, year, version)
            if year in with_data:
                scored_orgs = reads.scored_orgs(path, year, version, scope)
                period_ends = reads.scored_period_ends(path, year, version)
            orgs = reads.orgs(path, version, scope)
            pcns = reads.pcns(path, version, scope)
        except InputError as error:
            problem = str(error)
    if scheme is not None:
        _put(session.INDICATOR_MEMORY, share.take(share.INDICATOR, list(scheme.indicators)))

    levels = _levels(scored_orgs, scope)
    if st.session_state.get(session.LEVEL) not in levels:
        default = session.DEFAULT_LEVEL
        st.session_state[session.LEVEL] = default if default in levels else levels[0]
    _put(session.LEVEL, share.take(share.LEVEL, levels, str.lower))
    level = sidebar.segmented_control(
        "Level",
        levels,
        key=session.LEVEL,
        format_func=report.LEVEL_LABELS.get,
        required=True,
        help="Practice, Primary Care Network, Place (sub-ICB location) or ICB.",
    )
    level = level if level in levels else levels[0]

    org_code = org_name = None
    choices = (
        reads.org_choices(path, year, version, scope, level) if not scored_orgs.empty else None
    )
    if choices is not None and choices.codes:
        key = session.ORG_PREFIX + level
        codes, labels = list(choices.codes), choices.labels
        _put(key, share.take(share.ORG, codes, str.upper))
        trail = st.session_state.get(session.ORG_TRAIL) or {}
        if st.session_state.get(key) not in codes:  # arriving at this level: which to show
            st.session_state[key] = report.org_to_show(orgs, pcns, trail, level, codes)
        org_code = sidebar.selectbox(
            "Organisation",
            codes,
            key=key,
            format_func=lambda c: labels.get(c, c),
            filter_mode="contains",
            help="Type part of a name or a code to search.",
        )
        org_name = choices.names.get(org_code)
        if trail.get(level) != org_code:
            st.session_state[session.ORG_TRAIL] = report.org_trail(
                orgs, pcns, trail, level, org_code
            )

    scored = pd.DataFrame()
    if org_code is not None:
        try:
            scored = reads.scored(path, year, version, scope, level, org_code)
        except InputError as error:
            problem = str(error)
    periods = sorted(period_ends, reverse=True) if not scored.empty else []
    period = note = None
    completeness = pd.DataFrame()
    if periods:
        if org_code is not None and level != "practice":
            completeness = reads.period_completeness(path, year, version, scope, level, org_code)
        latest = report.default_period(scored, level, org_code, completeness)
        note = report.period_note(completeness, latest)
        _put(session.PERIOD, share.take(share.PERIOD, periods, date.fromisoformat))
        # Someone who kept the default follows it to a new month (once every practice sent it).
        if st.session_state.get(session.PERIOD) == st.session_state.get(session.PERIOD_DEFAULT):
            st.session_state[session.PERIOD] = latest
        st.session_state[session.PERIOD_DEFAULT] = latest
        _choose_default(session.PERIOD, periods, latest)
        # A keyed selectbox whose labels change (another network: partial 1/89, not 1/5) keeps
        # showing the old label of its value in the browser until its value is set again.
        period_words = {p: _period_label(p, completeness) for p in periods}
        period_labels = list(period_words.values())
        if st.session_state.get(session.PERIOD_LABELS) != period_labels:
            st.session_state[session.PERIOD] = st.session_state[session.PERIOD]
        st.session_state[session.PERIOD_LABELS] = period_labels
        period = sidebar.selectbox(
            "Period end",
            periods,
            key=session.PERIOD,
            format_func=lambda p: period_words.get(p) or _period_label(p, completeness),
            help="The achievement date of the extract (cumulative from 1 April). For a PCN, "
            "place or ICB, the latest period end for which every member practice has sent "
            "figures is chosen at first; a newer one is marked partial with how many of the "
            "member practices have sent it (partial 1/5: 1 of 5). For a practice, its latest "
            "period end.",
        )
        if note is not None:
            sidebar.caption(note.default)

    # the demo's batches are looked at only when there are some (counting what every batch
    # provides is 0.2 s on an England store, on the first page)
    with_demo = problem is None and reads.uploaded_by(path, version, demo.DEMO_WHO)
    batch_table = reads.batches(path, version) if with_demo else pd.DataFrame()
    partial = None
    words = report.partial_words(completeness, period)
    if words:
        partial = (
            f"**Partial period.** Only {words} have sent figures for "
            f"{format.long_day(period)}, so these figures count only those practices."
        )
    chosen = Selection(
        path=path,
        version=version,
        year=year,
        level=level,
        org_code=org_code,
        org_name=org_name,
        period=period,
        scheme=scheme,
        scored=scored,
        orgs=orgs,
        pcns=pcns,
        demo=demo.demo_in_use(batch_table),
        problem=problem,
        periods=periods,
        partial=partial,
        period_completeness=completeness,
        scope=scope,
    )
    chosen.link_note = share.note(chosen)
    view = share.view_of(chosen)
    share.keep(view)
    st.session_state[session.SELECTION] = chosen
    _render_status(sidebar, chosen, path, version)
    _render_link(sidebar, view)
    return chosen


def _put(key: str, value) -> None:
    """Put a value a link asked for in place, before its widget is drawn (None: nothing to put)."""
    if value is not None:
        st.session_state[key] = value


def _render_link(sidebar, view: dict[str, str]) -> None:
    """The address of this view, to copy and send: it opens the same view for anyone who may
    see this organisation."""
    address = share.link(view)
    with sidebar.expander("Copy a link to this view", icon=":material/link:"):
        st.caption(
            "Your browser's address bar holds this view: the same scheme year, level, "
            "organisation, period end and indicator, on this page. Copy it to come back to it "
            "or to send it to a colleague, who sees it only if they may see this organisation."
        )
        if address is not None:  # as inline code, not st.code: that loads 1.5 MB of script
            st.markdown(f"`{address.replace('`', '%60')}`")  # into each new session (D80)


def _levels(scored_orgs: pd.DataFrame, scope: Scope) -> list[str]:
    """The levels to offer: all of them locally; for a signed-in user, those at which they see
    an organisation (a practice user has Practice only)."""
    if scope.everything or scored_orgs.empty:
        return list(report.LEVELS)
    present = set(scored_orgs["level"])
    return [level for level in report.LEVELS if level in present] or list(report.LEVELS)


def _period_label(period, completeness) -> str:
    """'30 Nov 2026', or '30 Nov 2026 · partial 1/5' when 1 of a network's 5 member practices
    sent it: short enough for the sidebar (the caption under it says it in words)."""
    counts = report.partial_counts(completeness, period)
    if counts is None:
        return format.day(period)
    return f"{format.day(period)} · partial {format.count(counts[0])}/{format.count(counts[1])}"


def _default_year(years: list[str], with_data: list[str]) -> str:
    if with_data:
        return with_data[-1]
    today = scheme_year_for_date(date.today())
    return today if today in years else years[0]


def _choose_default(key: str, options: list, default) -> None:
    """Put the default in place when nothing valid is chosen yet (before the widget is drawn)."""
    if st.session_state.get(key) not in options:
        st.session_state[key] = default if default in options else options[0]


def _render_status(sidebar, chosen: Selection, path: str, version: tuple) -> None:
    """As-at date, completeness and the labels that apply, always in view."""
    sidebar.divider()
    if chosen.problem:
        sidebar.error(format.escape_markdown(chosen.problem))
        return
    if chosen.demo:
        sidebar.badge("Demo data", icon=":material/science:", color="violet")
    if not chosen.has_data:
        sidebar.caption("No figures for this choice yet.")
    elif chosen.period is not None:
        completeness = reads.derived(chosen, "completeness_text", lambda: _completeness(chosen))
        sidebar.caption(f"**As at** {format.long_day(chosen.period)}")
        sidebar.caption(f"**Completeness:** {completeness}")
    sidebar.caption(
        f"**Organisations:** {format.escape_markdown(reads.orgs_source(path, version))}"
    )


def _completeness(chosen: Selection) -> str:
    """How many member practices the figures of the period chosen count, in words."""
    rows = report.indicator_rows(
        chosen.scored, chosen.scheme, chosen.level, chosen.org_code, chosen.period
    )
    totals = {
        "practices_with_data_min": rows["practices_with_data"].min(),
        "practices_with_data_max": rows["practices_with_data"].max(),
        "member_practices": rows["member_practices"].max(),
    }
    return report.scheme_completeness_text(totals, chosen.level)


def page_header(
    title: str, chosen: Selection, money: bool = False, org: bool = True, labels: bool = True
) -> None:
    """The page's title, what it shows, and every label that applies to its figures (`money`:
    the page shows £; `org`: the page is about the organisation chosen in the sidebar;
    `labels`: the scheme's unconfirmed values matter on the page)."""
    st.title(title)
    if chosen.link_note:
        st.info(chosen.link_note, icon=":material/link_off:")
    if chosen.problem:
        st.error(f"The data store cannot be read: {format.escape_markdown(chosen.problem)}")
        return
    if chosen.demo:
        upload = (
            " Upload your own files on the Data page; remove the demo there with one click."
            if chosen.scope.can_manage
            else ""
        )
        st.info(
            "**Demo data.** These figures are invented for an imaginary ICB so that every page "
            f"shows something.{upload}",
            icon=":material/science:",
        )
    if not org or not chosen.has_data:
        if labels and chosen.scheme is not None and report.unconfirmed_values(chosen.scheme):
            st.badge("Unconfirmed values", color="orange", help=UNCONFIRMED_HELP)
        return
    parts = [
        f"**{chosen.org_label}**",
        chosen.level_label,
        f"{chosen.year} scheme",
        f"as at {format.long_day(chosen.period)}",
    ]
    st.markdown(" · ".join(format.escape_markdown_keeping_bold(p) for p in parts))
    labels = []
    if chosen.partial:
        labels.append(("Partial period", "red", PARTIAL_HELP))
    if chosen.scheme is not None and report.unconfirmed_values(chosen.scheme):
        labels.append(("Unconfirmed values", "orange", UNCONFIRMED_HELP))
    if money and chosen.scheme is not None and chosen.level != "practice":
        if report.is_unadjusted(chosen.scheme):
            labels.append(("Unadjusted estimate", "red", UNADJUSTED_HELP))
    if labels:
        row = st.container(horizontal=True)
        for label, colour, help_text in labels:
            row.badge(label, color=colour, help=help_text)
    if chosen.partial:
        st.warning(chosen.partial, icon=":material/hourglass_top:")


def partial_mark(chosen: Selection, what: str = "the figures below") -> None:
    """Where a page's figures are, a line saying that the period chosen is partial, when it is."""
    words = chosen.partial_words
    if words:
        st.caption(
            f":red-badge[:material/hourglass_top: Partial period] Only {words} have sent "
            f"figures for {format.day(chosen.period)}: {what} count only theirs."
        )


def indicator_picker(scheme, codes: list[str] | None = None) -> str:
    """The indicator to show, chosen once for Variation, Trends, Patients and Inequalities: a
    button per code (a dozen names would not fit a narrow window; D75) and the chosen one's
    name written in full below."""
    codes = codes or list(scheme.indicators)
    session.prepare_indicator(codes)
    chosen = st.segmented_control(
        "Indicator",
        codes,
        key=session.INDICATOR,
        required=True,
        format_func=format.escape_markdown,
        on_change=session.remember_indicator,
        help="Each indicator by its code; the chosen one's name is below.",
    )
    chosen = chosen if chosen in codes else codes[0]
    if chosen in scheme.indicators:
        st.caption(format.escape_markdown(f"{chosen} · {scheme.indicators[chosen].name}"))
    st.session_state[session.INDICATOR_MEMORY] = chosen
    share.keep_indicator(chosen)
    return chosen


def stop_without_data(chosen: Selection) -> None:
    """End the page, saying what to do, when there are no figures to show yet."""
    if not chosen.has_data:
        no_data_message(chosen)
        run_end.stop()


def no_data_message(chosen: Selection) -> None:
    """What to do when there is nothing to show yet."""
    if chosen.problem:
        return
    if not chosen.scope.can_manage:
        st.info(
            f"There are no achievement figures for the {chosen.year} scheme yet for the "
            "organisations you can see. Choose another scheme year in the sidebar, or ask your "
            "ICB's admin when the figures will be uploaded.",
            icon=":material/hourglass_empty:",
        )
        return
    st.info(
        f"There are no achievement figures for the {chosen.year} scheme yet. Upload an extract "
        "on the Data page (CSV or Excel, from EMIS, SystmOne or NHS Digital), or choose another "
        "scheme year in the sidebar.",
        icon=":material/upload_file:",
    )
    st.page_link(NO_DATA_PAGE, label="Go to the Data page", icon=":material/upload_file:")
