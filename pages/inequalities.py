"""Inequalities: achievement and the patients still to do by deprivation, ethnic group, age and sex."""

import dataclasses

import streamlit as st

from iif_core import report
from iif_core.vocabulary import EQUITY_DIMENSION_WORDS, EQUITY_DIMENSIONS
from ui import charts, format, patient_lists, reads, run_end, sidebar, widgets

GROUP_COLUMNS = [
    "group", "patients_shown", "achieved", "outstanding", "achievement", "achievement_lower",
    "achievement_upper", "note",
]  # fmt: skip
GROUP_LABELS = {
    "patients_shown": "Eligible patients",
    "outstanding": "Still to do",
    "achievement": "Achieved (%)",
    "achievement_lower": "95% interval: low",
    "achievement_upper": "95% interval: high",
}
TREND_COLUMNS = [
    "period_end", "most_deprived_achievement", "least_deprived_achievement", "gap_points",
    "gap_lower", "gap_upper",
]  # fmt: skip
TREND_LABELS = {
    "most_deprived_achievement": "Most deprived fifth: achieved (%)",
    "least_deprived_achievement": "Least deprived fifth: achieved (%)",
    "gap_points": "Gap (points)",
    "gap_lower": "95% interval: low",
    "gap_upper": "95% interval: high",
}
DOWNLOAD_COLUMNS = ["indicator_code", "dimension_label", *GROUP_COLUMNS]
PARTIAL = (
    "**Partial period.** Not every member practice has sent figures for {day}. Each practice's "
    "patients here come from its latest list up to that date."
)

chosen = sidebar.selection()
if chosen.partial:  # every practice's latest list counts here, as on the Patients page
    chosen = dataclasses.replace(chosen, partial=PARTIAL.format(day=format.long_day(chosen.period)))
sidebar.page_header("Inequalities", chosen)
members = tuple(report.practices_in(chosen.orgs, chosen.pcns, chosen.level, chosen.org_code))
lists = patient_lists.lists_or_stop(chosen, members)
history = reads.patient_list_history(
    chosen.path, chosen.year, chosen.version, chosen.scope, chosen.period, members
)
found = report.inequalities(
    lists,
    period=chosen.period,
    history=history,
    organisation=chosen.org_label,
    indicators=list(chosen.scheme.indicators),
    indicator_names={code: rule.name for code, rule in chosen.scheme.indicators.items()},
)
for note in found.notes:
    st.caption(format.escape_markdown(note))
if not found.indicators:
    st.info(
        "No breakdown can be shown: the patient lists here hold only patients still to do "
        "(recall lists), which cannot show who achieved.",
        icon=":material/info:",
    )
    run_end.stop()

indicator = sidebar.indicator_picker(chosen.scheme, found.indicators)
gap = found.gaps.set_index("indicator_code").loc[indicator]
sentences = found.sentences[indicator]
st.markdown(f"**{format.escape_markdown(sentences[0])}**")
for sentence in sentences[1:]:
    st.markdown(format.escape_markdown(sentence))

row = st.columns(3)
widgets.metric(
    row[0],
    "Gap (points)",
    format.MISSING if gap.isna()["gap_points"] else f"{gap['gap_points']:+.1f}",
    help="The most deprived fifth's share achieved minus the least deprived fifth's, in "
    "percentage points: below zero, the most deprived achieve less.",
)
widgets.metric(
    row[1],
    "Ratio",
    format.MISSING if gap.isna()["ratio"] else f"{gap['ratio']:.2f}",
    help="The most deprived fifth's share achieved divided by the least deprived fifth's: "
    "below 1, the most deprived achieve less.",
)
widgets.metric(
    row[2],
    "Core20 share",
    format.percent(gap["core20_share_outstanding"], 0),
    help="Of the patients still to do, the part who live in the most deprived fifth of areas "
    "in England (IMD quintile 1, NHS England's Core20).",
)

groups = found.groups[found.groups["indicator_code"] == indicator]
st.caption(
    "In each chart a dot is a group's share of eligible patients who achieved, and the line "
    "through it is its 95% interval: where two groups' lines overlap a lot, the difference may "
    "be chance. The dashed line is the share of every eligible patient. A group too small to "
    "show is written in grey, without figures."
)
for dimension in EQUITY_DIMENSIONS:
    label = EQUITY_DIMENSION_WORDS[dimension]
    words = label[0].lower() + label[1:]  # "deprivation (IMD quintile)"
    ours = groups[groups["dimension"] == dimension]
    st.subheader(label)
    if ours["suppressed"].all():
        st.caption(
            f"Every group is too small to show: {report.SMALL_GROUP_RULE}",
        )
    widgets.show_chart(
        charts.equity_chart(ours, label, overall=gap["achievement"]),
        alt=f"Share of eligible patients who achieved {indicator}, by {words}, with 95% "
        "intervals; the dashed line is every eligible patient's share.",
    )
    with st.expander(f"The figures by {words}"):
        widgets.show_table(
            ours,
            GROUP_COLUMNS,
            key=f"inequalities_{dimension}",
            labels={"group": label} | GROUP_LABELS,
        )

st.subheader("The gap by month")
trend = found.trend[found.trend["indicator_code"] == indicator].dropna(subset=["gap_points"])
if len(trend) >= 2:
    widgets.show_chart(
        charts.gap_trend_chart(trend),
        alt=f"The gap between the most and least deprived fifths for {indicator}, by period end.",
    )
    with st.expander("The gap by month, as a table"):
        widgets.show_table(trend, TREND_COLUMNS, key="inequalities_trend", labels=TREND_LABELS)
else:
    st.caption(found.trend_note(indicator))

widgets.download_buttons(
    found.groups[DOWNLOAD_COLUMNS],
    format.file_stem("iif-inequalities", chosen.org_code, chosen.period),
    key="inequalities_download",
    label="figures by group",
)
with st.expander("How these figures are worked out, and the small-group rule"):
    st.markdown(found.method)
