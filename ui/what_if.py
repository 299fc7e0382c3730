"""The what-if section: several "N more patients at practice X on indicator I", scored together."""

from __future__ import annotations

import streamlit as st

from iif_core import report
from ui import format, reads, widgets
from ui.session import Selection

CHANGES = "what_if_changes"  # session state: {"about": (year, pcn, period), "changes": [...]}
ASKED = "what_if"  # URL parameter: the indicator an Overview card's "What if…" link asks about
PRACTICE_SEEN = "what_if_practice_seen"  # session state: the practice chosen last run
NOTHING_ADDED = "what_if_nothing_added"  # session state: "Add" was pressed with 0 patients
ANCHOR = "what-if"
TABLE_COLUMNS = [
    "indicator_code", "patients", "numerator_now", "numerator_after", "denominator",
    "achievement_now", "achievement_after", "status_now", "status_after", "points_now",
    "points_after", "payment_now", "payment_after", "payment_difference",
]  # fmt: skip
LABELS = {"patients": "Patients added", "payment_now": "£ now"}
METHOD = """
Each change adds patients to one practice's numerator, its denominator unchanged: patients who
are already eligible now count. For an indicator where lower is better it means that many
fewer events. A practice can never count more patients than it has in the indicator, nor fewer
than none; when fewer can count than you asked, the sentence says so.

The network is then scored again by the same rules as every other figure in the app: the
practices' figures are pooled, compared with the thresholds exactly, and the list size and
prevalence adjustments applied. The totals score all the changes together. Each change's
sentence scores that change by itself: because nothing is earned until the lower threshold,
the £ of separate changes need not add up to the £ of all of them together.

Nothing is stored: the figures on the other pages stay as they are.
"""


def link(indicator_code: str) -> None:
    """The "What if…" link of an indicator's card: the Payment page's what-if, this indicator
    chosen."""
    st.page_link(
        "pages/payment.py",
        label="What if…",
        icon=":material/calculate:",
        query_params={ASKED: indicator_code},
        help=f"Try more patients on {indicator_code} at a practice and see the £ it would make.",
    )


def pointer() -> None:
    """At the top of the Payment page, when a card's link asked for a what-if: where it is."""
    if st.query_params.get(ASKED):
        st.info(
            f"The what-if for {format.escape_markdown(st.query_params[ASKED])} is further down "
            f"this page: [go to it](#{ANCHOR}).",
            icon=":material/calculate:",
        )


def render(chosen: Selection, pcn_code: str | None) -> None:
    """The what-if section for `pcn_code` (the PCN chosen, or a practice's own PCN)."""
    st.subheader("What if…", anchor=ANCHOR)
    if pcn_code is None:
        st.info(
            "A what-if is worked out for one PCN: choose a PCN (or one of its practices) in "
            "the sidebar.",
            icon=":material/info:",
        )
        return
    if chosen.period is None:
        st.info("Choose a period end in the sidebar to try a what-if.", icon=":material/info:")
        return
    about = (chosen.year, pcn_code, str(chosen.period))
    state = st.session_state.get(CHANGES)
    if not state or state.get("about") != about:
        state = st.session_state[CHANGES] = {"about": about, "changes": []}
    today = _read(chosen, pcn_code, ())
    in_force = today.indicators[today.indicators["status_now"] != "not_in_scheme"]
    members = chosen.orgs[chosen.orgs["pcn_code"] == pcn_code].sort_values("practice_name")
    names = dict(zip(members["practice_code"], members["practice_name"], strict=True))
    if in_force.empty or not names:
        st.info("No indicator is in the scheme at this period end.", icon=":material/info:")
        return
    st.markdown(
        "Try *“if this practice completes this many more patients on this indicator”*: add as "
        "many changes as you like and see the network's achievement, status, points and £ with "
        "all of them. Nothing is stored."
    )
    _render_form(chosen, names, list(in_force["indicator_code"]), in_force)
    if not state["changes"]:
        return
    _render_changes(state, names)
    result = _read(chosen, pcn_code, tuple(tuple(c) for c in state["changes"]))
    _render_result(result)


def _read(chosen: Selection, pcn_code: str, changes: tuple) -> report.WhatIf:
    return reads.what_if(
        chosen.path, chosen.year, chosen.version, chosen.scope, pcn_code, chosen.period, changes
    )


def _render_form(chosen, names: dict, codes: list[str], in_force) -> None:
    wanted = st.query_params.get(ASKED)
    if wanted is not None:  # from an Overview card's "What if…" link: chosen once
        del st.query_params[ASKED]
        if wanted in codes:
            st.session_state["what_if_indicator_choice"] = wanted
    for key, offered in (("what_if_indicator_choice", codes), ("what_if_practice", names)):
        if key in st.session_state and st.session_state[key] not in offered:
            del st.session_state[key]  # another PCN or year: start from the first offered
    if chosen.level == "practice" and st.session_state.get(PRACTICE_SEEN) != chosen.org_code:
        st.session_state["what_if_practice"] = chosen.org_code  # a practice chosen: it, first
    st.session_state[PRACTICE_SEEN] = chosen.org_code if chosen.level == "practice" else None
    titles = dict(zip(in_force["indicator_code"], in_force["name"], strict=True))
    with st.container(border=True):
        row = st.columns([3, 3, 2])  # "More patients" whole at 800 px
        row[0].selectbox(
            "Practice",
            list(names),
            format_func=lambda code: f"{names[code]} ({code})",
            key="what_if_practice",
        )
        row[1].selectbox(
            "Indicator",
            codes,
            format_func=lambda code: f"{code} · {titles[code]}",
            key="what_if_indicator_choice",
        )
        row[2].number_input(
            "More patients",
            min_value=-100_000,
            max_value=100_000,
            value=10,
            step=1,
            key="what_if_patients",
            help="Patients completed on top of today's figures (negative: fewer). For an "
            "indicator where lower is better, that many fewer events.",
        )
        st.button("Add this change", key="what_if_add", icon=":material/add:", on_click=_add)
        if st.session_state.pop(NOTHING_ADDED, False):
            st.warning("0 more patients changes nothing: give a number of patients.")


def _add() -> None:
    """The "Add this change" button: the change chosen joins the list (a callback, so the list
    drawn below already holds it)."""
    patients = int(st.session_state["what_if_patients"])
    if patients == 0:
        st.session_state[NOTHING_ADDED] = True
        return
    chosen = [st.session_state["what_if_practice"], st.session_state["what_if_indicator_choice"]]
    st.session_state[CHANGES]["changes"].append([*chosen, patients])


def _render_changes(state, names: dict) -> None:
    st.markdown(f"**{format.plural(len(state['changes']), 'change')} tried:**")
    for number, (practice, indicator, patients) in enumerate(list(state["changes"])):
        row = st.columns([6, 1], vertical_alignment="center")
        more = "more" if patients > 0 else "fewer"
        row[0].markdown(
            format.escape_markdown(
                f"{abs(patients):,} {more} patient{'s' if abs(patients) != 1 else ''} at "
                f"{names.get(practice, practice)} on {indicator}"
            )
        )
        row[1].button(
            "Remove",
            key=f"what_if_remove_{number}",
            icon=":material/close:",
            on_click=_remove,
            args=(number,),
        )
    st.button(
        "Reset: back to today's figures",
        key="what_if_reset",
        icon=":material/restart_alt:",
        on_click=_reset,
    )


def _remove(number: int) -> None:
    del st.session_state[CHANGES]["changes"][number]


def _reset() -> None:
    st.session_state[CHANGES]["changes"] = []


def _render_result(result: report.WhatIf) -> None:
    st.success(format.escape_markdown(result.summary), icon=":material/calculate:")
    for sentence in result.sentences:
        st.markdown(f"- {format.escape_markdown(sentence)}")
    row = st.columns(3)
    row[0].metric(
        "Points with the changes",
        format.points(result.points_after),
        delta=format.points(result.points_difference),
    )
    row[1].metric(
        "£ with the changes",
        format.money(result.payment_after),
        delta=format.money(result.payment_difference),
    )
    row[2].metric("£ today", format.money(result.payment_now))
    shown = result.indicators.assign(
        status_now=result.indicators["status_now"].map(report.status_label),
        status_after=result.indicators["status_after"].map(report.status_label),
    )
    widgets.show_table(shown, TABLE_COLUMNS, key="what_if_table", labels=LABELS)
    with st.expander("How a what-if is worked out"):
        st.markdown(METHOD)
