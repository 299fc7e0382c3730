"""Scheme: the year's indicators with their sources, editable, saved as a new version."""

import streamlit as st

from iif_core import report
from iif_core.problems import InputError
from iif_core.schemes import scheme_to_toml
from iif_core.vocabulary import STATUS_SYMBOLS
from ui import format, reads, run_end, session, sidebar, widgets
from ui.session import Selection

EDITABLE = ["lower_threshold", "upper_threshold", "points", "national_prevalence"]
VALUES_EDITABLE = ["confirmed", "source"]
EDITOR_CONFIG = {
    "indicator_code": st.column_config.TextColumn("Indicator"),
    "name": st.column_config.TextColumn("Name", width="medium"),
    "unit": st.column_config.TextColumn("Unit"),
    "direction": st.column_config.TextColumn("Better is"),
    "lower_threshold": st.column_config.NumberColumn("LT", min_value=0, format="%g"),
    "upper_threshold": st.column_config.NumberColumn("UT", min_value=0, format="%g"),
    "points": st.column_config.NumberColumn("Points", min_value=0, format="%g"),
    "prevalence_adjusted": st.column_config.CheckboxColumn("Prevalence adjusted"),
    "national_prevalence": st.column_config.NumberColumn(
        "National prevalence",
        min_value=0.0,
        max_value=1.0,
        format="%.6f",
        help="A fraction: 0.005341 is 0.53% of registered patients.",
    ),
    "dates": st.column_config.TextColumn(
        "In the scheme", help="The period ends at which the indicator is scored and paid."
    ),
    "unconfirmed": st.column_config.TextColumn(
        "Unconfirmed values", help="Values no published source states; see each value's source."
    ),
    "area": st.column_config.TextColumn("Area"),
    "source": st.column_config.TextColumn("Source", width="large"),
}
SHOWN_ORDER = [
    "indicator_code", "name", "dates", "unconfirmed", "lower_threshold", "upper_threshold",
    "points", "national_prevalence", "prevalence_adjusted", "unit", "direction", "area", "source",
]  # fmt: skip
VALUES_CONFIG = {
    "indicator_code": st.column_config.TextColumn("Indicator"),
    "value_words": st.column_config.TextColumn("Value"),
    "figure": st.column_config.TextColumn("As scored"),
    "confirmed_label": st.column_config.TextColumn("Confirmed?"),
    "confirmed": st.column_config.CheckboxColumn(
        "Confirmed", help="Stated in a published source, named in the source column."
    ),
    "source": st.column_config.TextColumn("Source", width="large"),
}
VALUES_SHOWN = ["indicator_code", "value_words", "figure", "confirmed_label", "source"]
VALUES_EDITED = ["indicator_code", "value_words", "figure", "confirmed", "source"]
RULES = """
- **Achievement** is pooled: the PCN's numerator is the sum of its practices' numerators, and the
  same for denominators; never a mean of practice percentages.
- **Points** slide: at or worse than the lower threshold (LT) nothing; at or better than the upper
  threshold (UT) all; in between a straight-line share.
- **Payment** = points earned × value of a point × list size adjustment (PCN list size ÷ national
  average) × prevalence adjustment (PCN prevalence ÷ national prevalence, for prevalence-adjusted
  indicators). Without a national average the payment is labelled an *unadjusted estimate*.
- **Patients to a threshold** are counted exactly (86% of 7,200 is 6,192, never 6,193).

Conventions where NHS England's rules are silent (they may change when official wording is found):

- Only figures for the period end chosen count; nothing is carried forward from an earlier month.
  Completeness is the share of member practices with figures for that period.
- PCN prevalence counts the eligible population before personalised care adjustments
  (denominator + PCAs) ÷ PCN list size.
- A PCN belongs to the one place and ICB holding the largest share of its list size.
- A practice in no PCN earns no IIF; it is shown at practice level only.
- An indicator is scored and paid only at period ends within its dates. One withdrawn before 31
  March (2022/23's October changes, CAN-02 in 2024/25) is shown until then but not paid at the
  year end; one that starts later (CAN-04 from 1 October 2024) is not scored before it starts.
"""


def render_values(scheme) -> None:
    row = widgets.tiles(3)
    row[0].metric("Value of a point", format.money(scheme.value_per_point), border=True)
    row[1].metric(
        "National average PCN list size",
        format.count(scheme.national_average_list_size)
        if scheme.national_average_list_size is not None
        else "Not set",
        border=True,
    )
    row[2].metric("Indicators", len(scheme.indicators), border=True)
    # Confirmed or not is marked as full points and no points are.
    counted = report.unconfirmed_count_text(scheme)
    if not report.unconfirmed_values(scheme):
        st.badge(counted, color="green", icon=STATUS_SYMBOLS["green"])
    else:
        st.badge(counted, color="orange", icon=STATUS_SYMBOLS["red"])
    if scheme.source:
        with st.expander("Where these values come from"):
            st.text(scheme.source)


def render_indicators(scheme) -> None:
    st.dataframe(
        report.scheme_table(scheme),
        hide_index=True,
        column_config=EDITOR_CONFIG,
        column_order=SHOWN_ORDER,
        key="scheme_table",
        placeholder=format.MISSING,
    )
    for code in scheme.indicators:
        note = scheme.dates_note(code)
        if note:
            st.caption(f"**{code}**: {format.escape_markdown(note)}")
    st.subheader("Each value and its source")
    st.caption(
        "A value is confirmed only where a published source states it; the others are the "
        "project's best estimates, and the source column says where each comes from."
    )
    st.dataframe(
        report.scheme_values(scheme),
        hide_index=True,
        column_config=VALUES_CONFIG,
        column_order=VALUES_SHOWN,
        key="scheme_values",
    )
    with st.expander("Each indicator's description and source"):
        for code, indicator in scheme.indicators.items():
            st.markdown(f"**{code}: {format.escape_markdown(indicator.name)}**")
            if indicator.description:
                st.text(indicator.description)
            st.caption(f"Source: {format.escape_markdown(indicator.source or 'not given')}")


def render_editor(scheme, chosen: Selection) -> None:
    st.subheader("Change the values")
    st.markdown(
        "When NHS England publishes a value, or your ICB uses another, change it here. The "
        "change is checked, saved as a new version of the scheme and used from then on for every "
        "page; undo it on the Data page."
    )
    table = report.scheme_table(scheme, editing=True)
    # Keys end with the year and data version, so that a saved or undone version shows afresh.
    suffix = f"{chosen.year}_{chosen.version[0]}_{chosen.version[1]}"
    with st.form(f"scheme_form_{suffix}"):
        row = st.columns(2)
        value_per_point = row[0].number_input(
            "Value of a point (£)",
            value=float(scheme.value_per_point),
            min_value=0.0,
            step=1.0,
            format="%.2f",
            key=f"scheme_value_per_point_{suffix}",
        )
        average = row[1].number_input(
            "National average PCN list size",
            value=(
                float(scheme.national_average_list_size)
                if scheme.national_average_list_size is not None
                else None
            ),
            min_value=0.0,
            step=1.0,
            format="%.0f",
            help="Leave empty if unknown: payments are then labelled unadjusted estimates.",
            key=f"scheme_average_list_size_{suffix}",
        )
        edited = st.data_editor(
            table,
            hide_index=True,
            column_config=EDITOR_CONFIG,
            disabled=[c for c in table.columns if c not in EDITABLE],
            column_order=[c for c in SHOWN_ORDER if c in table.columns],
            key=f"scheme_editor_{suffix}",
        )
        st.markdown("Which values a published source confirms, and each one's source:")
        values = st.data_editor(
            report.scheme_values(scheme, editing=True),
            hide_index=True,
            column_config=VALUES_CONFIG,
            disabled=[c for c in VALUES_EDITED if c not in VALUES_EDITABLE],
            column_order=VALUES_EDITED,
            key=f"scheme_values_editor_{suffix}",
        )
        who = sidebar.who_input(chosen, "Your name or initials (kept in the history)", "scheme_who")
        saved = st.form_submit_button(
            "Save as a new version", type="primary", key=f"scheme_save_{suffix}"
        )
    if saved:
        try:
            changed = report.scheme_from_table(
                edited, scheme, value_per_point, average, values=values
            )
        except InputError as error:
            st.error("Nothing was saved. Please fix:\n\n" + "\n".join(
                f"- {format.escape_markdown(p)}" for p in error.problems
            ))  # fmt: skip
            return
        if changed == scheme:
            st.info("Nothing was changed, so nothing was saved.")
            return
        try:
            batch = reads.store().save_scheme(changed, who=who or None)
        except InputError as error:
            st.error(f"Nothing was saved: {format.escape_markdown(error)}")
            return
        st.session_state[session.MESSAGES] = [
            ("success", f"Saved the {scheme.year} scheme as batch {batch}; it is in use now.")
        ]
        st.rerun()


chosen = sidebar.selection()
sidebar.page_header("Scheme", chosen, org=False)
if chosen.scheme is None:
    run_end.stop()
for kind, message in st.session_state.pop(session.MESSAGES, []):
    getattr(st, kind)(format.escape_markdown(message))
scheme = chosen.scheme
st.markdown(f"The **{scheme.year}** Investment and Impact Fund, as this app scores it.")
render_values(scheme)
render_indicators(scheme)
st.download_button(
    "Download the scheme (TOML)",
    data=scheme_to_toml(scheme),
    file_name=f"iif-scheme-{scheme.year.replace('/', '-')}.toml",
    mime="application/toml",
    key="scheme_download",
    icon=":material/download:",
    on_click="ignore",
)
if chosen.scope.can_manage:
    render_editor(scheme, chosen)
else:
    st.caption("Only an admin can edit the scheme.")
with st.expander("How the figures are calculated"):
    st.markdown(RULES)
