"""Trends: monthly achievement of one indicator, its projection to 31 March, and its monthly
activity as a statistical process control chart."""

import streamlit as st

from iif_core import report
from iif_core.schemes import previous_scheme_year
from ui import charts, format, interventions, reads, run_end, sidebar, widgets

TABLE_COLUMNS = [
    "series", "kind", "period_end", "achievement", "numerator", "denominator", "status_label",
    "period_partial",
]  # fmt: skip
MEMBER_WORDS = {
    "practice": "its PCN",
    "pcn": "its practices",
    "place": "its PCNs",
    "icb": "its PCNs",
}


# Making Data Count's icons as badges: a colour, a symbol and the icon's letter and words.
VARIATION_BADGES = {
    "common_cause": ("gray", ":material/trending_flat:"),
    "improvement_high": ("blue", ":material/arrow_upward:"),
    "improvement_low": ("blue", ":material/arrow_downward:"),
    "concern_high": ("orange", ":material/arrow_upward:"),
    "concern_low": ("orange", ":material/arrow_downward:"),
    "neutral_high": ("violet", ":material/arrow_upward:"),
    "neutral_low": ("violet", ":material/arrow_downward:"),
}
ASSURANCE_BADGES = {
    "consistently_passing": ("blue", ":material/check_circle:"),
    "consistently_failing": ("orange", ":material/cancel:"),
    "inconsistent": ("gray", ":material/help:"),
}
SPC_HELP = (
    "Making Data Count's XmR chart: the mean, and process limits at the mean ± 2.66 × the mean "
    "moving range. Months between the limits with no pattern are common cause variation. A "
    "point is a signal (special cause) when it is outside the limits, in a run of 7 on one side "
    "of the mean, in a run of 7 rising or falling, or 2 of 3 close to a limit."
)


def render_projection(row: dict, pays: bool, period) -> None:
    """Where the indicator is heading: the projected year end, its band, status, points and £,
    the pace needed, the method and how it did on last year."""
    st.subheader(f"Projected position at {format.long_day(row['year_end'])}")
    if row["message"]:
        st.info(row["message"], icon=":material/info:")
        return
    unit = row["unit"]
    low, high = row["achievement_low"], row["achievement_high"]
    cells = widgets.tiles(4)
    cells[0].metric(
        "Projected achievement",
        format.achievement(row["achievement"], unit),
        help=f"95% band {format.achievement(low, unit)} to {format.achievement(high, unit)}",
        border=True,
    )
    cells[1].metric("Projected status", row["status_label"], border=True)
    if pays:
        cells[2].metric(
            "Projected £",
            format.money(row["payment"], pence=False),
            help=f"{format.points(row['points'])} of {format.points(row['points_available'])} "
            f"points; 95% band {format.money_range(row['payment_low'], row['payment_high'])}",
            border=True,
        )
    else:
        cells[2].metric(
            "Projected £", "PCN only", help="The IIF pays Primary Care Networks.", border=True
        )
    cells[3].metric(
        "Needed a month",
        format.plural(row["pace_needed"], "patient") if row["pace_needed"] is not None else "–",
        help="From now on, to end the year at the upper threshold; "
        f"{format.count(row['pace_so_far'])} a month on average so far.",
        border=True,
    )
    money = ""
    if pays:
        money = (
            f" {format.points(row['points'])} of {format.points(row['points_available'])} points, "
            f"{format.money(row['payment'], pence=False)} (95% band "
            f"{format.money_range(row['payment_low'], row['payment_high'])})."
        )
    st.markdown(
        f"95% band {format.achievement(low, unit)} to {format.achievement(high, unit)}.{money} "
        f"**Method: {row['method_label']}**: {row['method_words']}. "
        f"{format.plural(row['pace_so_far'], 'patient')} a month so far; "
        f"{format.count(row['pace_needed'])} a month from now on end the year at the upper "
        "threshold."
    )
    if row["from_period"] != period:
        st.caption(
            f"Projected from {format.day(row['from_period'])}, the latest month in which every "
            "member practice sent figures."
        )
    checked = report.backtest_text(row)
    if checked is None:
        st.caption("Not checked against last year: last year's figures to 31 March are not stored.")
    elif row["backtest_within"]:
        st.caption(checked)
    else:
        st.warning(checked, icon=":material/warning:")


def render_spc(view: report.Spc, period, chart_spec) -> None:
    """The monthly activity as an XmR chart with its variation and assurance icons; `chart_spec`
    gives the chart (widgets.chart_spec), made only when there is one to draw."""
    st.subheader("Monthly activity: signal or noise")
    st.markdown(
        "Each month's new patients achieved (this month's numerator less last month's), with "
        "their average and the dashed lines the usual ups and downs stay between. A month "
        "between the lines with no pattern is nothing to act on (grey); a month that breaks a "
        "rule is a real change: blue for better, orange for worse."
    )
    with st.expander("How a real change is found"):
        st.caption(SPC_HELP)
    if view.message:
        st.info(view.message, icon=":material/info:")
        render_left_out(view)
        return
    badges = st.container(horizontal=True)
    letter, words = report.VARIATION_ICONS[view.variation]
    colour, icon = VARIATION_BADGES[view.variation]
    badges.badge(f"Variation ({letter}): {words}", color=colour, icon=icon, help=SPC_HELP)
    if view.assurance is not None:
        letter, words = report.ASSURANCE_ICONS[view.assurance]
        colour, icon = ASSURANCE_BADGES[view.assurance]
        badges.badge(f"Assurance ({letter}): {words}", color=colour, icon=icon)
    widgets.show_spec(chart_spec(), alt="Monthly activity with its mean and process limits")
    words = report.VARIATION_ICONS[view.variation][1]
    latest = "The latest month"
    if view.latest != period:  # the month chosen is left out: partial, say
        latest = f"The latest month charted, {format.day(view.latest)},"
    notes = [f"{latest} is {words[0].lower()}{words[1:]}."]
    if view.assurance is not None:
        notes.append(
            f"Pace needed (dotted green): {format.count(view.pace_needed)} a month to end the "
            f"year at the upper threshold. {report.ASSURANCE_WORDS[view.assurance]}"
        )
    if view.provisional:
        notes.append(
            f"Provisional limits: {format.plural(len(view.table), 'month')} so far; limits "
            "settle from 12 points, so treat the signals with care."
        )
    st.caption(" ".join(notes))
    render_left_out(view)


def render_left_out(view: report.Spc) -> None:
    for row in view.left_out.itertuples():
        st.caption(
            f"{format.day(row.period_end)} is left out of the activity chart, as its figures "
            f"are incomplete. {format.escape_markdown(row.who)}"
        )


chosen = sidebar.selection()
sidebar.page_header("Trends", chosen)
sidebar.stop_without_data(chosen)

code = sidebar.indicator_picker(chosen.scheme)
indicator = chosen.scheme.indicator(code)
series = reads.derived(chosen, "trend", lambda: report.trend(
    chosen.scored, chosen.orgs, chosen.level, chosen.org_code, code,
    last_year=reads.scored_or_none(chosen.path, previous_scheme_year(chosen.year), chosen.version,
                                   chosen.scope, chosen.level, chosen.org_code),
    pcns=chosen.pcns,
), code)  # fmt: skip
months = report.trend_months(series)
if not months["months"]:
    st.info(
        f"No monthly figures for {code} for {format.escape_markdown(chosen.org_label)} yet. "
        "Each extract you upload adds a month; the line appears from the first one."
    )
    run_end.stop()

projection = reads.projections(
    chosen.path,
    chosen.year,
    chosen.version,
    chosen.scope,
    chosen.level,
    chosen.org_code,
    chosen.period,
)
row = report.projection_for(projection, code)
mark = reads.file_mark(chosen.path)  # interventions are drawn too, and have no data version
marks = interventions.marks(chosen, code, mark)
st.subheader(f"{indicator.code}: month by month")
missing = reads.missing_words(
    chosen.path,
    chosen.year,
    chosen.version,
    chosen.scope,
    chosen.level,
    chosen.org_code,
    chosen.period,
    code,
)
if missing:
    st.warning(format.escape_markdown(missing), icon=":material/warning:")
widgets.show_spec(
    reads.derived(chosen, "trend_chart", lambda: widgets.chart_spec(charts.trend_chart(
        series, float(indicator.lower_threshold), float(indicator.upper_threshold), indicator.unit,
        report.projection_path(row), marks,
    )), code, mark),
    alt=f"Monthly achievement of {code} with its projection to the year end",
)  # fmt: skip
notes = [
    f"Thick line: {format.escape_markdown(chosen.org_label)}; thin lines: "
    f"{MEMBER_WORDS[chosen.level]}; dashed lines: the lower (LT) and upper (UT) thresholds.",
    "Extracts are cumulative from 1 April, so the line usually climbs through the year; what "
    "counts is the position at 31 March.",
]
if months["last_year"]:
    notes.append("Blue dashed line: the same month last year.")
else:
    notes.append("Last year's figures appear here once an extract of last year is uploaded.")
if months["partial"]:
    marked = "; ".join(
        f"{format.day(p)}: only {words} so far" for p, words in sorted(months["partial"].items())
    )
    notes.append(
        f"Hollow point marked partial ({marked}): not every member practice has sent that month "
        "yet, so it counts only those that have; a dip there is not a fall."
    )
if months["months"] == 1:
    notes.append("Only one month is stored so far: the trend builds up with each upload.")
if row["message"] is None:
    notes.append(
        f"Dotted line and shaded band: the projection to {format.day(row['year_end'])} "
        f"({row['method_label']}) with its 95% band."
    )
if not marks.empty:
    notes.append(
        "Purple lines: the interventions marked, numbered as in the list below, each drawn "
        "between the last month's figure before it and the first that can show it."
    )
st.caption(" ".join(notes))
late_or_partial = reads.month_notes(
    chosen.path, chosen.year, chosen.version, chosen.scope, chosen.level, chosen.org_code
)
if late_or_partial:
    st.markdown(
        f"**Months that came late or partial** (late: more than "
        f"{format.plural(report.LATE_DAYS, 'day')} after "
        "the month's first figures from a member practice)\n\n"
        + "\n".join(f"- {format.escape_markdown(note)}" for note in late_or_partial)
    )
interventions.render(chosen, code, marks)
render_projection(row, chosen.level != "practice", chosen.period)
spc = reads.derived(chosen, "spc", lambda: report.spc(
    chosen.scored, chosen.orgs, chosen.pcns, chosen.scheme, chosen.level, chosen.org_code,
    code, chosen.period, row["pace_needed"],
), code)  # fmt: skip
render_spc(
    spc,
    chosen.period,
    lambda: reads.derived(chosen, "spc_chart", lambda: widgets.chart_spec(
        charts.spc_chart(spc.table, spc.pace_needed, interventions=marks)
    ), code, mark),
)  # fmt: skip

with st.expander("The figures as a table"):
    widgets.show_table(series, TABLE_COLUMNS, key="trend_table")
    widgets.download_buttons(
        series[[*TABLE_COLUMNS, *report.PARTIAL_COLUMNS[1:]]],
        format.file_stem("iif-trend", chosen.org_code, code, chosen.year),
        key="trend_download",
        title=f"{code}: the trend",
        chosen=chosen,
    )
