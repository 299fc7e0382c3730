"""Trends: monthly achievement of one indicator for the organisation and its members."""

import streamlit as st

from iif_core import report
from iif_core.problems import InputError
from ui import charts, format, sidebar, state

TABLE_COLUMNS = [
    "series", "kind", "period_end", "achievement", "numerator", "denominator", "status_label",
]  # fmt: skip
MEMBER_WORDS = {
    "practice": "its PCN",
    "pcn": "its practices",
    "place": "its PCNs",
    "icb": "its PCNs",
}


def last_year_scored(chosen: state.Selection):
    """Last year's scored figures when any are stored, else None."""
    before = state.previous_year(chosen.year)
    if before not in state.years_with_data(chosen.path, chosen.version):
        return None
    try:
        return state.scored(chosen.path, before, chosen.version)
    except InputError:
        return None


chosen = state.selection()
sidebar.page_header("Trends", chosen)
if not chosen.has_data:
    sidebar.no_data_message(chosen)
    st.stop()

code = sidebar.indicator_picker(chosen.scheme)
indicator = chosen.scheme.indicator(code)
series = report.trend(
    chosen.scored, chosen.orgs, chosen.level, chosen.org_code, code,
    last_year=last_year_scored(chosen), pcns=chosen.pcns,
)  # fmt: skip
months = report.trend_months(series)
if not months["months"]:
    st.info(
        f"No monthly figures for {code} for {sidebar.escape_markdown(chosen.org_label)} yet. "
        "Each extract you upload adds a month; the line appears from the first one."
    )
    st.stop()

st.subheader(f"{indicator.code}: month by month")
format.show_chart(
    charts.trend_chart(
        series, float(indicator.lower_threshold), float(indicator.upper_threshold), indicator.unit
    ),
)
notes = [
    f"Thick line: {sidebar.escape_markdown(chosen.org_label)}; thin lines: "
    f"{MEMBER_WORDS[chosen.level]}; dashed lines: the lower (LT) and upper (UT) thresholds.",
    "Extracts are cumulative from 1 April, so the line usually climbs through the year; what "
    "counts is the position at 31 March.",
]
if months["last_year"]:
    notes.append("Blue dashed line: the same month last year.")
else:
    notes.append("Last year's figures appear here once an extract of last year is uploaded.")
if months["months"] == 1:
    notes.append("Only one month is stored so far: the trend builds up with each upload.")
st.caption(" ".join(notes))
# Year-end projection and statistical process control (iif_core.stats) go here.

with st.expander("The figures as a table"):
    format.show_table(series, TABLE_COLUMNS, key="trend_table")
    format.download_buttons(
        series[TABLE_COLUMNS],
        format.file_stem("iif-trend", chosen.org_code, code, chosen.year),
        key="trend_download",
    )
