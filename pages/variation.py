"""Variation: the members of a network (or of a place or ICB) side by side for one indicator."""

import streamlit as st

from iif_core import report
from ui import charts, format, reads, run_end, sidebar, widgets

TABLE_COLUMNS = [
    "org_name", "status_label", "achievement", "numerator", "denominator", "patients_to_upper",
    "gap_contribution", "gap_share", "patients_to_lower", "pca_count", "list_size", "org_code",
]  # fmt: skip
# what fits 1400 px, the key columns first; the gap in patients, PCAs and list size are in the
# download (the share of the gap says the gap on screen)
SHOWN_COLUMNS = [
    "org_name", "status_label", "achievement", "patients_to_upper", "gap_share",
    "patients_to_lower", "numerator", "denominator", "org_code",
]  # fmt: skip
MEMBER_WORDS = {"practice": "practices", "pcn": "PCNs"}
FLAGGED_COLUMNS = [
    "org_name", "flag", "achievement", "numerator", "denominator", "interval_low",
    "interval_high", "lower_95", "upper_95", "org_code",
]  # fmt: skip
FUNNEL_DOWNLOAD = [*FLAGGED_COLUMNS, "lower_99.8", "upper_99.8"]


def render_funnel(funnel: report.Funnel, member_words: str, stem: str, chosen, code: str) -> None:
    """Signal or noise: the funnel plot of indicator `code`, what it shows in words, and the
    members flagged."""
    st.subheader("Signal or noise: the funnel plot")
    if funnel.message:
        st.info(format.escape_markdown(funnel.message), icon=":material/info:")
        return
    words = report.funnel_explanation(funnel)
    st.markdown(words["reading"])
    sidebar.partial_mark(chosen, "its centre line and limits")
    widgets.show_spec(
        reads.derived(
            chosen,
            "funnel_chart",
            lambda: widgets.chart_spec(
                charts.funnel_chart(
                    funnel.points, funnel.curve, funnel.comparator_name, funnel.unit
                )
            ),
            code,
        ),
        alt=f"Funnel plot of the {member_words}' achievement against their denominators",
    )
    st.markdown(format.escape_markdown(words["finding"]))
    if words["small"]:
        st.caption(words["small"])
    flagged = funnel.flagged
    if not flagged.empty:
        st.markdown(f"**{member_words[0].upper()}{member_words[1:]} outside the limits**")
        widgets.show_table(flagged, FLAGGED_COLUMNS, key="funnel_table")
    with st.expander(f"Every point of the funnel plot as a table ({member_words})"):
        widgets.show_table(funnel.points, FLAGGED_COLUMNS, key="funnel_points_table")
    with st.expander("How the limits are worked out"):
        st.caption(words["method"])
    widgets.download_buttons(
        report.mark_partial(
            funnel.points[FUNNEL_DOWNLOAD], chosen.period_completeness, chosen.period
        ),
        stem,
        key="funnel_download",
        label="funnel table",
        chosen=chosen,
    )


def render_summary(view: report.Variation, indicator, member_words: str) -> None:
    parent = view.parent
    unit = indicator.unit
    name = parent.get("org_name") or parent.get("org_code")
    if parent.get("achievement") is None or parent.get("status") in (None, "no_data"):
        st.caption(f"{format.escape_markdown(name)}: no data for this indicator and period.")
        return
    gap = parent.get("patients_to_upper")
    st.markdown(
        f"**{format.escape_markdown(name)}**: {format.achievement(parent['achievement'], unit)} "
        f"({parent['status_label']}) · upper threshold "
        f"{format.threshold(indicator.upper_threshold, unit)} · "
        f"{format.plural(gap, 'patient')} to reach it."
    )
    if view.member_level == "practice":
        st.caption(
            "Share of the gap: how many of those patients each practice accounts for (its "
            "shortfall against the upper threshold). A negative share means the practice is "
            f"beyond the threshold and pulls the network up. The shares of all {member_words} add "
            "up to the network's gap."
        )
    else:
        st.caption(
            "Share of the gap: the patients each PCN still needs to reach the upper threshold; "
            "the area's figure is their sum."
        )


chosen = sidebar.selection()
sidebar.page_header("Variation", chosen)
sidebar.stop_without_data(chosen)
context = chosen.context()
if chosen.level == "practice" and context.pcn_code and not chosen.scope.sees(context.pcn_code):
    st.info(
        f"Variation puts the practices of a PCN side by side. Your access is to "
        f"{format.escape_markdown(chosen.org_label)} only, so there is no other practice to "
        "compare it with here: Overview and Trends show its own figures.",
        icon=":material/lock:",
    )
    run_end.stop()

code = sidebar.indicator_picker(chosen.scheme)
indicator = chosen.scheme.indicator(code)
view = reads.derived(chosen, "variation", lambda: report.practice_variation(
    chosen.scored, chosen.orgs, chosen.scheme, chosen.level, chosen.org_code, code,
    chosen.period, chosen.pcns,
), code)  # fmt: skip
if view.message:
    st.info(format.escape_markdown(view.message), icon=":material/info:")
    run_end.stop()
member_words = MEMBER_WORDS.get(view.member_level, "members")
st.subheader(f"{indicator.code}: {member_words} side by side")
render_summary(view, indicator, member_words)
sidebar.partial_mark(chosen)
missing = reads.missing_words(
    chosen.path, chosen.year, chosen.version, chosen.scope, view.parent.get("level"),
    view.parent.get("org_code"), chosen.period, code,
)  # fmt: skip
if missing:
    st.warning(format.escape_markdown(missing), icon=":material/warning:")
with_data = view.members.dropna(subset=["achievement"])
if with_data.empty:
    st.info(f"None of the {member_words} has data for {code} in this period.")
else:
    widgets.show_spec(
        reads.derived(
            chosen,
            "variation_chart",
            lambda: widgets.chart_spec(
                charts.variation_chart(
                    view.members,
                    float(indicator.lower_threshold),
                    float(indicator.upper_threshold),
                    indicator.unit,
                    parent_achievement=view.parent.get("achievement"),
                    parent_label=report.LEVEL_LABELS.get(view.parent.get("level"), "Network"),
                    highlight=view.highlight,
                )
            ),
            code,
        ),
        alt=f"The {member_words}' achievement on {code} as bars, worst first, with the "
        "thresholds and the network's own achievement as lines",
    )
    st.caption(
        f"Worst first. Dashed lines: the lower (LT) and upper (UT) thresholds; solid line: the "
        f"{report.LEVEL_LABELS.get(view.parent.get('level'), 'network')}'s own achievement, "
        f"pooled from the counts. A small {view.member_level.replace('pcn', 'PCN')}'s percentage "
        "can swing a lot on a few patients."
    )
render_funnel(
    reads.funnel(chosen.path, chosen.year, chosen.version, chosen.scope, chosen.level,
                 chosen.org_code, code, chosen.period),
    member_words,
    format.file_stem("iif-funnel", view.parent.get("org_code"), code, chosen.period),
    chosen,
    code,
)  # fmt: skip

st.subheader("Ranking")
# For PCNs the gap in patients is their own patients to UT, already a column.
columns = [c for c in SHOWN_COLUMNS if view.member_level == "practice" or c != "gap_contribution"]
widgets.show_table(view.members, columns, key="variation_table")
sidebar.partial_mark(chosen, "the ranking above and its shares of the gap")
widgets.download_buttons(
    report.mark_partial(view.members[TABLE_COLUMNS], chosen.period_completeness, chosen.period),
    format.file_stem("iif-variation", view.parent.get("org_code"), code, chosen.period),
    key="variation_download",
    title=f"{code}: {member_words} side by side",
    chosen=chosen,
)
