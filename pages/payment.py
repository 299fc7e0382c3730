"""Payment: £ earned, available and outstanding per indicator, ranked by the value of the work."""

import streamlit as st

from iif_core import report
from iif_core.vocabulary import AREA_LEVELS
from ui import charts, format, reads, run_end, sidebar, what_if, widgets
from ui.payment_split import render_split
from ui.session import Selection

TABLE_COLUMNS = [
    "rank", "indicator_code", "status_label", "achievement", "payment_achieved",
    "payment_available", "payment_outstanding", "patients_to_lower", "patients_to_upper",
    "value_per_patient", "marginal_value",
]  # fmt: skip
# On screen, what fits 1400 px: the achievement and £ available are in the tiles and the download.
SHOWN_COLUMNS = [c for c in TABLE_COLUMNS if c not in ("achievement", "payment_available")]
WORK_COLUMNS = list(report.WORK_COLUMNS)
PROJECTION_COLUMNS = [
    "indicator_code", "status_label", "achievement", "achievement_low", "achievement_high",
    "points", "payment", "payment_now", "pace_needed",
]  # fmt: skip
PROJECTION_LABELS = {
    "status_label": "Projected status",
    "achievement": "Projected",
    "payment_now": "£ so far",
    "pace_needed": "A month for UT",
}
PRACTICE_COLUMNS = [
    "indicator_code", "name", "status_label", "achievement", "lower_threshold",
    "upper_threshold", "patients_to_lower", "patients_to_upper",
]  # fmt: skip


def render_practice(chosen: Selection) -> None:
    """A practice earns no £ itself: say why, and show the patients it needs instead."""
    st.info(format.escape_markdown(chosen.context().payment_note), icon=":material/info:")
    cards = report.indicator_rows(
        chosen.scored, chosen.scheme, chosen.level, chosen.org_code, chosen.period
    )
    st.subheader("Patients this practice needs for each threshold")
    widgets.show_table(cards, PRACTICE_COLUMNS, key="payment_practice_table")
    widgets.download_buttons(
        report.mark_partial(cards[PRACTICE_COLUMNS], chosen.period_completeness, chosen.period),
        format.file_stem("iif-patients-needed", chosen.org_code, chosen.period),
        key="payment_practice_download",
        title="Patients needed per indicator",
        chosen=chosen,
    )


def render_totals(ranking, projected: dict, partial: str | None) -> None:
    """The £ as tiles; `partial` ('1 of 5 practices') marks those of the period chosen partial
    (the projection is made from the latest month every member practice sent)."""
    earned = ranking["payment_achieved"].sum(min_count=1)
    available = ranking["payment_available"].sum(min_count=1)
    outstanding = ranking["payment_outstanding"].sum(min_count=1)
    row = widgets.tiles(4)
    widgets.metric(row[0], "£ earned so far", format.money(earned), partial=partial)
    widgets.metric(row[1], "£ available", format.money(available), partial=partial)
    widgets.metric(row[2], "£ still to earn", format.money(outstanding), partial=partial)
    from_complete = (
        " It is made from the latest month every member practice has sent, so it is not partial."
        if partial
        else ""
    )
    widgets.metric(
        row[3],
        "£ projected by 31 March",
        format.money(projected["payment"], pence=False),
        help="If the year carries on as it is going (see below); the 95% bands add up to "
        f"{format.money_range(projected['payment_low'], projected['payment_high'])}."
        + from_complete,
    )


def render_projection(projection, chosen: Selection, stem: str) -> None:
    """What each indicator is projected to earn by the year end, and how the projection is made."""
    year_end = format.long_day(projection["year_end"].iloc[0])
    st.subheader(f"If the year carries on as it is going: {year_end}")
    st.markdown(
        "Each indicator's projected achievement, status, points and £ at the year end, with the "
        "95% band, and the patients a month needed from now on to end the year at the upper "
        "threshold."
    )
    widgets.show_table(
        projection, PROJECTION_COLUMNS, key="projection_table", labels=PROJECTION_LABELS
    )
    widgets.download_buttons(
        report.mark_partial(projection, chosen.period_completeness, chosen.period),
        stem,
        key="projection_download",
        label="projection",
        chosen=chosen,
        labels=PROJECTION_LABELS,
        columns=PROJECTION_COLUMNS,
    )
    notes = [
        "Points and £ are those the scoring rules give the projected counts (rounded to whole "
        "patients), list size and prevalence adjustments included."
    ]
    if chosen.level in AREA_LEVELS:
        notes.append(
            "For a place or ICB each PCN is projected and paid on its own and the PCNs' points "
            "and £ are added up; the ends of their bands are added up too, so the band is wide."
        )
    st.caption(" ".join(notes))
    with st.expander("How the projection is made, and how it did on last year"):
        for row in projection.itertuples():
            one = report.projection_for(projection, row.indicator_code)
            if one["message"]:
                st.markdown(f"**{one['indicator_code']}**: {one['message']}")
                continue
            checked = report.backtest_text(one) or (
                "Not checked: last year's figures to 31 March are not stored."
            )
            st.markdown(
                f"**{one['indicator_code']}**: {one['method_label']}, {one['method_words']}. "
                f"{checked}"
            )


def render_explanations(ranking) -> None:
    st.subheader("What each indicator's thresholds mean now")
    for row in ranking.itertuples():
        st.markdown(
            f"**{row.rank}. {row.indicator_code}** ({row.status_label}): "
            f"{format.escape_markdown(row.explanation)}"
        )
    st.caption(
        "The lower threshold is a cliff: at or below it an indicator earns nothing, however close "
        "it is. Between the thresholds every patient earns a share of the points; at the upper "
        "threshold all of them. £ per patient to UT is the money still to earn divided by the "
        "patients needed to reach the upper threshold; £ per extra patient is what one more "
        "patient earns between the thresholds."
    )


chosen = sidebar.selection()
sidebar.page_header("Payment", chosen, money=True)
what_if.pointer()
sidebar.stop_without_data(chosen)
pcn_code = reads.plan_pcn(chosen.scope, chosen.orgs, chosen.level, chosen.org_code)
if chosen.level == "practice":
    render_practice(chosen)
    what_if.render(chosen, pcn_code)
    run_end.stop()

ranking = reads.derived(chosen, "payment_ranking", lambda: report.payment_ranking(
    chosen.scored, chosen.scheme, chosen.level, chosen.org_code, chosen.period
))  # fmt: skip
projection = reads.projections(
    chosen.path,
    chosen.year,
    chosen.version,
    chosen.scope,
    chosen.level,
    chosen.org_code,
    chosen.period,
)
render_totals(ranking, report.projection_totals(projection), chosen.partial_words)
for note in reads.incomplete_notes(
    chosen.path, chosen.year, chosen.version, chosen.scope, chosen.level, chosen.org_code,
    chosen.period,
):  # fmt: skip
    st.warning(format.escape_markdown(note), icon=":material/warning:")
if report.is_unadjusted(chosen.scheme):
    st.warning(sidebar.UNADJUSTED_HELP, icon=":material/warning:")
st.subheader("Indicators ranked by the £ their remaining work is worth")
sidebar.partial_mark(chosen, "the £ below")
widgets.show_spec(
    reads.derived(
        chosen, "payment_chart", lambda: widgets.chart_spec(charts.payment_chart(ranking))
    ),
    alt="£ earned and £ still available for each indicator, as bars, most work first",
)
columns = SHOWN_COLUMNS if chosen.level == "pcn" else SHOWN_COLUMNS[:-1]  # no marginal £
widgets.show_table(ranking, columns, key="payment_table")
widgets.download_buttons(
    report.mark_partial(
        ranking[[*TABLE_COLUMNS, "name", "explanation"]], chosen.period_completeness, chosen.period
    ),
    format.file_stem("iif-payment", chosen.org_code, chosen.period),
    key="payment_download",
    title="Payment per indicator",
    chosen=chosen,
)
if chosen.level != "pcn":
    st.caption(
        "£ per extra patient is shown for a PCN only: each PCN has its own list size and "
        "prevalence adjustments."
    )
what_if.render(chosen, pcn_code)
render_explanations(ranking)
render_projection(
    projection, chosen, format.file_stem("iif-projection", chosen.org_code, chosen.period)
)
render_split(chosen)

work = reads.derived(chosen, "work_ranking", lambda: report.work_ranking(
    chosen.scored, chosen.scheme, chosen.orgs, chosen.level, chosen.org_code, chosen.period,
    chosen.pcns,
))  # fmt: skip
who = "practice" if chosen.level == "pcn" else "PCN"
st.subheader(f"Where the work is worth most: {who} × indicator")
if work.empty:
    st.info(f"No {who} has patients still to reach an upper threshold.")
else:
    if chosen.level == "pcn":
        st.caption(
            "An estimate: each practice's own patients short of the upper threshold, valued at "
            "the network's £ per patient for that indicator (the IIF pays the network on its "
            "pooled figure)."
        )
    sidebar.partial_mark(chosen, "the patients and £ below")
    widgets.show_table(work, WORK_COLUMNS, key="work_table")
    widgets.download_buttons(
        report.mark_partial(work, chosen.period_completeness, chosen.period),
        format.file_stem("iif-work-ranking", chosen.org_code, chosen.period),
        key="work_download",
        title="Where the work is worth most",
        chosen=chosen,
    )
