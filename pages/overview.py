"""Overview: one card per indicator against its thresholds, with the scheme's totals on top."""

import streamlit as st

from iif_core import report
from ui import charts, format, sidebar, state

CARDS_PER_ROW = 2
TABLE_COLUMNS = [
    "indicator_code", "name", "status_label", "achievement", "lower_threshold",
    "upper_threshold", "numerator", "denominator", "pca_count", "points_achieved",
    "points_available", "payment_achieved", "payment_available", "payment_outstanding",
    "patients_to_lower", "patients_to_upper", "practices_with_data", "member_practices",
]  # fmt: skip
AREA_STATUS_HELP = (
    "The first mark is the area's pooled achievement against the thresholds; the second counts "
    "its PCNs at full points (✔), earning (◐) and with no points yet (✖). The area's points and "
    "£ are the sums of its PCNs'."
)
STATUS_BADGE_COLOURS = {"green": "green", "amber": "orange", "red": "red", "no_data": "gray"}


def render_totals(view: report.Overview, context: report.OrgContext) -> None:
    totals = view.totals
    row = st.columns(4 if view.pays else 3)
    if view.pays:
        row[0].metric(
            "Points earned",
            f"{format.count(totals['points_achieved'])} of {format.count(totals['points_available'])}",
            help=f"{format.points(totals['points_achieved'])} of "
            f"{format.points(totals['points_available'])} points",
            border=True,
        )
        row[1].metric(
            "£ earned so far",
            format.money(totals["payment_achieved"]),
            help=f"of {format.money(totals['payment_available'])} available",
            border=True,
        )
        row[2].metric(
            "£ still to earn",
            format.money(totals["payment_outstanding"]),
            help="Reaching every upper threshold earns this much more.",
            border=True,
        )
    else:
        row[0].metric(
            "Indicators with data",
            f"{view.totals['indicators'] - view.totals['no_data_count']} of {view.totals['indicators']}",
            border=True,
        )
        row[1].metric(
            "Patients to the upper thresholds",
            format.count(totals["patients_to_upper"]),
            border=True,
        )
    row[-1].metric(
        "Indicators" if view.cards.get("pcn_status_text") is None else "Pooled status",
        f"✔ {totals['green_count']}  ◐ {totals['amber_count']}  ✖ {totals['red_count']}",
        help="✔ full points · ◐ earning · ✖ no points yet"
        + (f" · – no data: {totals['no_data_count']}" if totals["no_data_count"] else ""),
        border=True,
    )
    if context.payment_note:
        st.info(context.payment_note, icon=":material/info:")


def render_card(frame, pays: bool, level: str) -> None:
    card = frame.iloc[0].to_dict()
    with st.container(border=True):
        st.markdown(f"**{card['indicator_code']}** · {sidebar.escape_markdown(card['name'])}")
        badges = st.container(horizontal=True)
        badges.badge(
            card["status_label"],
            color=STATUS_BADGE_COLOURS.get(card["status"], "gray"),
            help=None if not card.get("pcn_status_text") else AREA_STATUS_HELP,
        )
        if card.get("pcn_status_text"):
            badges.badge(card["pcn_status_text"], color="gray", help=AREA_STATUS_HELP)
        format.show_chart(charts.threshold_bar_chart(frame))
        unit = card["unit"]
        if card["status"] == "no_data":
            st.caption(
                "No data for this period: no member practice sent figures for this indicator."
            )
        else:
            st.markdown(
                f"**{format.achievement(card['achievement'], unit)}** "
                f"({format.count(card['numerator'])} of {format.count(card['denominator'])}; "
                f"{format.count(card['pca_count'])} PCAs) · lower threshold "
                f"{format.threshold(card['lower_threshold'], unit)} · upper threshold "
                f"{format.threshold(card['upper_threshold'], unit)}"
            )
        patients = (
            f"{format.count(card['patients_to_lower'])} | {format.count(card['patients_to_upper'])}"
        )
        if pays:
            st.markdown(
                "| Points | £ earned | £ available | To LT | To UT |\n"
                "|---|---|---|---|---|\n"
                f"| {format.points(card['points_achieved'])} of "
                f"{format.points(card['points_available'])} | "
                f"{format.money(card['payment_achieved'])} | "
                f"{format.money(card['payment_available'])} | {patients} |"
            )
        else:
            st.markdown(f"| To LT | To UT |\n|---|---|\n| {patients} |")
        st.caption(
            report.completeness_text(card["practices_with_data"], card["member_practices"], level)
            + ("" if card["confirmed"] else " · thresholds and points unconfirmed")
        )


chosen = state.selection()
sidebar.page_header("Overview", chosen, money=True)
if not chosen.has_data:
    sidebar.no_data_message(chosen)
    st.stop()

view = report.overview(
    chosen.scored, chosen.scheme, chosen.level, chosen.org_code, chosen.period, chosen.pcns
)
context = chosen.context()
render_totals(view, context)
st.caption(
    f"{report.scheme_completeness_text(view.totals, chosen.level)}. On each card, To LT and To "
    "UT are the patients still needed to reach the lower and upper thresholds."
)
for start in range(0, len(view.cards), CARDS_PER_ROW):
    columns = st.columns(CARDS_PER_ROW)
    for offset, column in enumerate(columns):
        if start + offset < len(view.cards):
            with column:
                render_card(
                    view.cards.iloc[[start + offset]], view.pays and context.earns_iif, chosen.level
                )

with st.expander("All indicators as a table"):
    format.show_table(view.cards, TABLE_COLUMNS, key="overview_table")
    format.download_buttons(
        view.cards[TABLE_COLUMNS],
        format.file_stem("iif-overview", chosen.org_code, chosen.period),
        key="overview_download",
    )
