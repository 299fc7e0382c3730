"""Interventions on the Trends page: those of the organisation shown, their list, and the form."""

from __future__ import annotations

from datetime import date, timedelta

import pandas as pd
import streamlit as st

from iif_core import report
from iif_core.extract import scheme_dates
from iif_core.interventions import DAYS_AHEAD, NOTE_MAX_CHARACTERS
from iif_core.problems import InputError
from ui import format, reads, session, sidebar
from ui.session import Selection

MESSAGE = "intervention_message"  # what the last mark or removal said, shown once
DATE_KEY = "intervention_date"
NOTE_KEY = "intervention_note"
INDICATOR_KEY = "intervention_indicator_"  # one per indicator shown, so it starts on that one
EVERY_INDICATOR = "Every indicator"


def marks(chosen: Selection, code: str, mark) -> pd.DataFrame:
    """The interventions drawn on the organisation's trend of indicator `code`, in scope, as the
    charts and the list show them (iif_core.report.intervention_marks), read again whenever the
    store file's `mark` (reads.file_mark) changes."""

    def make() -> pd.DataFrame:
        org_codes = report.marked_orgs(chosen.orgs, chosen.pcns, chosen.level, chosen.org_code)
        found = reads.interventions(chosen.path, chosen.year, chosen.scope, org_codes, code)
        return report.intervention_marks(
            found, reads.org_names(chosen.path, chosen.version, chosen.scope)
        )

    return reads.derived(chosen, "intervention_marks", make, code, mark)


def render(chosen: Selection, code: str, shown: pd.DataFrame) -> None:
    """The interventions drawn, each with a button to remove it (where the session may), and a
    form to mark one on the organisation shown."""
    said = st.session_state.pop(MESSAGE, None)
    if said is not None:
        kind, words = said
        (st.success if kind == "success" else st.error)(format.escape_markdown(words))
    if shown.empty:
        st.caption(
            "No interventions are marked on this trend yet. Mark one (a date and what was done, "
            "such as 'recall letters sent') to read a change against it."
        )
    for row in shown.itertuples():
        line = st.container(horizontal=True, vertical_alignment="center")
        line.markdown(
            f"**{row.number}.** {row.day}: {format.escape_markdown(row.note)}  \n"
            f":gray[On {format.escape_markdown(row.on)}, "
            f"{format.escape_markdown(row.indicator)}; {_by(row.who)}]",
            width="stretch",
        )
        if chosen.scope.marks(row.org_code):
            line.button(
                "Remove",
                key=f"remove_intervention_{row.intervention_id}",
                icon=":material/delete:",
                on_click=_remove,
                args=(chosen, int(row.intervention_id)),
                help="Takes it off the charts; the store keeps it, marked removed, with who "
                "removed it and when.",
            )
    if not chosen.scope.marks(chosen.org_code):
        st.caption("Interventions are marked by someone who can upload figures (an admin).")
        return
    with st.expander(f"Mark an intervention on {format.escape_markdown(chosen.org_label)}"):
        _form(chosen, code)


def _by(who: str) -> str:
    if who == report.NOT_NAMED:
        return who
    return f"marked by {format.escape_markdown(who)}"


def _form(chosen: Selection, code: str) -> None:
    start, end = scheme_dates(chosen.scheme)
    today = date.today()
    latest = min(end, today + timedelta(days=DAYS_AHEAD))
    if latest < start:
        st.caption("This scheme year starts more than a year from now: nothing can be marked yet.")
        return
    default = min(max(today, start), latest)
    codes = list(chosen.scheme.indicators)
    with st.form("intervention_form", border=False):
        st.date_input(
            "Date",
            value=default,
            min_value=start,
            max_value=latest,
            key=DATE_KEY,
            format="DD/MM/YYYY",
            help="When it happened, or is planned, within the scheme year.",
        )
        st.text_input(
            "What was done",
            key=NOTE_KEY,
            max_chars=NOTE_MAX_CHARACTERS,
            placeholder="Recall letters sent",
        )
        st.selectbox(
            "Indicator",
            [code, *[c for c in codes if c != code], EVERY_INDICATOR],
            key=f"{INDICATOR_KEY}{code}",
            format_func=lambda c: (  # a select box shows its options as text, not Markdown
                f"{c} · {chosen.scheme.indicators[c].name}" if c in chosen.scheme.indicators else c
            ),
        )
        sidebar.who_input(chosen, "Your name or initials (kept with the intervention)", session.WHO)
        st.form_submit_button(
            "Mark it", icon=":material/flag:", on_click=_mark, args=(chosen, code)
        )


def _mark(chosen: Selection, code: str) -> None:
    """The form's button: mark the intervention before the page is drawn again, so that the
    charts of that run show it."""
    state = st.session_state
    indicator = state.get(f"{INDICATOR_KEY}{code}", code)
    who = chosen.scope.user or state.get(session.WHO) or None
    try:
        reads.add_intervention(
            chosen.path, chosen.scope, who, chosen.org_code, state.get(DATE_KEY),
            state.get(NOTE_KEY, ""), None if indicator == EVERY_INDICATOR else indicator,
        )  # fmt: skip
    except InputError as error:
        state[MESSAGE] = ("error", str(error))
        return
    note = state.get(NOTE_KEY, "")
    state[NOTE_KEY] = ""
    state[MESSAGE] = (
        "success",
        f"Marked on {chosen.org_label}: {format.day(state.get(DATE_KEY))}, "
        f"{' '.join(note.split())}.",
    )


def _remove(chosen: Selection, intervention_id: int) -> None:
    who = chosen.scope.user or st.session_state.get(session.WHO) or None
    try:
        said = reads.remove_intervention(chosen.path, chosen.scope, who, intervention_id)
        st.session_state[MESSAGE] = ("success", said)
    except InputError as error:
        st.session_state[MESSAGE] = ("error", str(error))
