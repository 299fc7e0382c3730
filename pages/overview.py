"""Overview: one card per indicator against its thresholds, with the scheme's totals on top."""

import streamlit as st

from iif_core import report
from iif_core.vocabulary import PLAN_LEVELS, STATUS_SYMBOLS, STATUS_WORDS, STATUSES_WITH_DATA
from ui import board_download, charts, format, reads, sidebar, what_if, widgets

CARD_WIDTH = 430  # pixels: two cards a row at 1400 px, one in a narrower window
TABLE_COLUMNS = [
    "indicator_code", "name", "status_label", "achievement", "lower_threshold",
    "upper_threshold", "numerator", "denominator", "pca_count", "points_achieved",
    "points_available", "payment_achieved", "payment_available", "payment_outstanding",
    "patients_to_lower", "patients_to_upper", "practices_with_data", "member_practices",
]  # fmt: skip
AREA_STATUS_HELP = (
    "The first mark is the area's pooled achievement against the thresholds; the second counts "
    f"its PCNs at full points ({STATUS_SYMBOLS['green']}), earning ({STATUS_SYMBOLS['amber']}) "
    f"and with no points yet ({STATUS_SYMBOLS['red']}). The area's points and £ are the sums of "
    "its PCNs'."
)
COMPLETENESS_COLUMNS = [
    "practice_name", "pcn_name", "data_note", "periods_sent", "periods_missing",
    "missing_period_ends", "latest_period_end", "months_behind", "practice_code",
]  # fmt: skip
STATUS_BADGE_COLOURS = {
    "green": "green", "amber": "orange", "red": "red", "no_data": "gray", "not_in_scheme": "gray",
}  # fmt: skip


def status_counts(totals: dict) -> str:
    """'✔ 3  ◐ 2  ✖ 0': how many indicators are at each status."""
    return "  ".join(f"{STATUS_SYMBOLS[s]} {totals[f'{s}_count']}" for s in STATUSES_WITH_DATA)


def status_help(totals: dict) -> str:
    """'✔ full points · ◐ earning · ✖ no points yet', and '– no data: 2' if any have none."""
    parts = [f"{STATUS_SYMBOLS[s]} {STATUS_WORDS[s].lower()}" for s in STATUSES_WITH_DATA]
    for status in ("no_data", "not_in_scheme"):
        if totals[f"{status}_count"]:
            words = f"{STATUS_SYMBOLS[status]} {STATUS_WORDS[status].lower()}"
            parts.append(f"{words}: {totals[f'{status}_count']}")
    return " · ".join(parts)


def render_totals(view: report.Overview, context: report.OrgContext, partial: str | None) -> None:
    """The scheme's totals as tiles; `partial` ('1 of 5 practices') marks them partial."""
    totals = view.totals
    row = widgets.tiles(4 if view.pays else 3)
    if view.pays:
        widgets.metric(
            row[0],
            "Points earned",
            f"{format.count(totals['points_achieved'])} of {format.count(totals['points_available'])}",
            help=f"{format.points(totals['points_achieved'])} of "
            f"{format.points(totals['points_available'])} points",
            partial=partial,
        )
        widgets.metric(
            row[1],
            "£ earned so far",
            format.money(totals["payment_achieved"]),
            help=f"of {format.money(totals['payment_available'])} available",
            partial=partial,
        )
        widgets.metric(
            row[2],
            "£ still to earn",
            format.money(totals["payment_outstanding"]),
            help="Reaching every upper threshold earns this much more.",
            partial=partial,
        )
    else:
        widgets.metric(
            row[0],
            "Indicators with data",
            f"{sum(totals[f'{s}_count'] for s in STATUSES_WITH_DATA)} of {totals['indicators']}",
            partial=partial,
        )
        widgets.metric(
            row[1],
            "Patients to the upper thresholds",
            format.count(totals["patients_to_upper"]),
            partial=partial,
        )
    widgets.metric(
        row[-1],
        "Indicators" if view.cards.get("pcn_status_text") is None else "Pooled status",
        status_counts(totals),
        help=status_help(totals),
        partial=partial,
    )
    if context.payment_note:
        st.info(format.escape_markdown(context.payment_note), icon=":material/info:")


def render_projection_totals(projection, pays: bool) -> None:
    """One line under the totals: where the year is heading if it carries on as it is going."""
    totals = report.projection_totals(projection)
    if not totals["projected"]:
        return
    year_end = format.long_day(projection["year_end"].iloc[0])
    statuses = status_counts(totals)
    if pays:
        st.markdown(
            f"**Projected at {year_end}:** {format.money(totals['payment'], pence=False)} "
            f"({format.points(totals['points'])} points; 95% bands add up to "
            f"{format.money_range(totals['payment_low'], totals['payment_high'])}) · "
            f"indicators {statuses}. Each card says how; the Trends page shows the projection."
        )
    else:
        st.markdown(f"**Projected at {year_end}:** indicators {statuses}.")


def render_card_projection(projected: dict, pays: bool, period) -> None:
    if projected["message"]:
        st.caption(f"Projection: {projected['message']}")
        return
    band = format.band(
        projected["achievement"],
        projected["achievement_low"],
        projected["achievement_high"],
        projected["unit"],
    )
    money = (
        f" · {format.points(projected['points'])} points, "
        f"{format.money(projected['payment'], pence=False)}"
        if pays
        else ""
    )
    st.markdown(
        f"**Projected {format.day(projected['year_end'])}:** {band} · "
        f"{projected['status_label']}{money}"
    )
    start = (
        f", from {format.day(projected['from_period'])} (the latest month with every practice)"
        if projected["from_period"] != period
        else ""
    )
    st.caption(
        f"{format.plural(projected['pace_needed'], 'patient')} a month needed to end at UT "
        f"({format.count(projected['pace_so_far'])} a month so far) · method: "
        f"{projected['method_label']}{start}"
    )


def unconfirmed_text(card: dict) -> str:
    """' · unconfirmed: upper threshold, points' when a source confirms not every value."""
    words = card.get("unconfirmed") or []
    return f" · unconfirmed: {', '.join(words)}" if words else ""


def card_parts(view: report.Overview, projection, chosen) -> list[tuple]:
    """Each indicator's card as render_card draws it: its row, its threshold bar, its projection
    and who is missing from its figures."""
    parts = []
    for index in range(len(view.cards)):
        frame = view.cards.iloc[[index]]
        code = frame["indicator_code"].iloc[0]
        missing = reads.missing_words(
            chosen.path, chosen.year, chosen.version, chosen.scope, chosen.level,
            chosen.org_code, chosen.period, code,
        )  # fmt: skip
        bar = charts.threshold_bar_spec(frame)  # written out as a dict: quick (D53)
        parts.append(
            (frame.iloc[0].to_dict(), bar, report.projection_for(projection, code), missing)
        )
    return parts


def render_card(
    card: dict, bar: dict, pays: bool, level: str, projected: dict, missing: str | None, period,
    partial,
):  # fmt: skip
    """One indicator's card (`card_parts`); `partial` ('1 of 5 practices') marks it partial. A
    PCN's or a practice's card that pays links to the what-if on Payment."""
    with st.container(border=True, width=CARD_WIDTH):
        st.markdown(f"**{card['indicator_code']}** · {format.escape_markdown(card['name'])}")
        badges = st.container(horizontal=True)
        badges.badge(
            card["status_label"],
            color=STATUS_BADGE_COLOURS.get(card["status"], "gray"),
            help=None if not card.get("pcn_status_text") else AREA_STATUS_HELP,
        )
        if card.get("pcn_status_text"):
            badges.badge(card["pcn_status_text"], color="gray", help=AREA_STATUS_HELP)
        if partial:
            badges.badge(
                f"Partial: {partial}",
                color="orange",
                icon=":material/hourglass_top:",
                help=f"Only {partial} have sent figures for {format.day(period)}, so this "
                "card counts only theirs.",
            )
        if card.get("dates_note"):
            st.caption(f":material/event_busy: {format.escape_markdown(card['dates_note'])}")
        if card["status"] == "not_in_scheme":
            # Outside its dates: nothing is scored or paid, so no thresholds, points or £.
            return
        widgets.show_spec(
            bar,
            alt=f"{card['indicator_code']}: achievement as a bar against the lower and upper "
            "thresholds",
        )
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
        render_card_projection(projected, pays, period)
        st.caption(
            report.completeness_text(card["practices_with_data"], card["member_practices"], level)
            + unconfirmed_text(card)
        )
        if missing:
            st.markdown(
                f":orange-badge[:material/warning: Incomplete] {format.escape_markdown(missing)}"
            )
        if pays and level in PLAN_LEVELS and card["status"] != "no_data":
            what_if.link(card["indicator_code"])


chosen = sidebar.selection()
sidebar.page_header("Overview", chosen, money=True)
sidebar.stop_without_data(chosen)

view = reads.derived(chosen, "overview", lambda: report.overview(
    chosen.scored, chosen.scheme, chosen.level, chosen.org_code, chosen.period, chosen.pcns
))  # fmt: skip
context = chosen.context()
projection = reads.projections(
    chosen.path,
    chosen.year,
    chosen.version,
    chosen.scope,
    chosen.level,
    chosen.org_code,
    chosen.period,
)
render_totals(view, context, chosen.partial_words)
render_projection_totals(projection, view.pays and context.earns_iif)
board_download.buttons(chosen)
st.caption(
    f"{report.scheme_completeness_text(view.totals, chosen.level)}. On each card, To LT and To "
    "UT are the patients still needed to reach the lower and upper thresholds."
)
cards = st.container(horizontal=True, wrap=True)  # two a row; one in a narrow window (D75)
for card, bar, projected, missing in reads.derived(
    chosen, "overview_cards", lambda: card_parts(view, projection, chosen)
):
    with cards:
        render_card(
            card, bar, view.pays and context.earns_iif, chosen.level, projected, missing,
            chosen.period, chosen.partial_words,
        )  # fmt: skip

with st.expander("All indicators as a table"):
    widgets.show_table(view.cards, TABLE_COLUMNS, key="overview_table")
    widgets.download_buttons(
        report.mark_partial(view.cards[TABLE_COLUMNS], chosen.period_completeness, chosen.period),
        format.file_stem("iif-overview", chosen.org_code, chosen.period),
        key="overview_download",
        title="All indicators",
        chosen=chosen,
    )

completeness = reads.data_completeness(
    chosen.path,
    chosen.year,
    chosen.version,
    chosen.scope,
    chosen.level,
    chosen.org_code,
    chosen.period,
)
with st.expander(f"Data completeness by practice: {report.completeness_summary(completeness)}"):
    st.caption(
        "Per member practice: the months it sent figures for up to the period end chosen, the "
        "months it missed, and its latest period end. A practice that missed a month is left "
        "out of its PCN's figures for that month, which are then lower than the truth."
    )
    widgets.show_table(completeness, COMPLETENESS_COLUMNS, key="completeness_table")
    widgets.download_buttons(
        report.mark_partial(
            completeness[COMPLETENESS_COLUMNS], chosen.period_completeness, chosen.period
        ),
        format.file_stem("iif-completeness", chosen.org_code, chosen.period),
        key="completeness_download",
        title="Data completeness by practice",
        chosen=chosen,
    )
