"""The split of a PCN's £ between its member practices, drawn for the Payment page (D62)."""

from __future__ import annotations

import streamlit as st

from iif_core import report
from ui import charts, format, reads, sidebar, widgets
from ui.session import Selection

SPLIT_COLUMNS = [
    "practice_name", "practice_code", "list_size", "list_size_share", "contribution_share",
    "share", "payment_share", "projected_share",
]  # fmt: skip
WORKING_COLUMNS = [
    "kind", "indicator_code", "practice_name", "numerator", "denominator", "needed_for_lower",
    "contribution", "indicator_payment", "practice_payment", "basis",
]  # fmt: skip
METHOD_LABELS = {
    "list_size": "By list size",
    "contribution": "By contribution",
    "mix": "A mix of the two",
}
METHOD_HELP = (
    "By list size: each practice's share of the network's registered patients. By contribution: "
    "each indicator's £ shared by how far each practice is past its own part of the lower "
    "threshold. A mix: you choose how much of the £ goes by list size, the rest by contribution."
)
DEFAULT_PERCENT = 50  # a mix starts half by list size, half by contribution


def render_split(chosen: Selection) -> None:
    """How the PCN's £ earned so far and projected could be shared between its member practices:
    by list size, by contribution or a mix; a table that adds up to the penny, a chart, the
    downloads and, in an expander, how it is worked out. Drawn at PCN level only."""
    if chosen.level != "pcn" or not chosen.has_data or chosen.period is None:
        return
    st.subheader("Sharing the payment between the practices")
    st.markdown(
        "IIF pays the PCN, not its practices. If the practices share it, this is each one's "
        "share of the £ earned so far and of the £ projected by 31 March."
    )
    method = st.radio(
        "Share the £",
        list(report.SPLIT_METHODS),
        format_func=METHOD_LABELS.get,
        key="split_method",
        horizontal=True,
        help=METHOD_HELP,
    )
    weight = None
    if method == "mix":
        percent = st.slider(
            "Part shared by list size (the rest by contribution)",
            min_value=0,
            max_value=100,
            value=DEFAULT_PERCENT,
            step=5,
            format="%d%%",
            key="split_list_size_percent",
        )
        weight = percent / 100
    projection = reads.projections(
        chosen.path, chosen.year, chosen.version, chosen.scope, chosen.level, chosen.org_code,
        chosen.period,
    )  # fmt: skip
    try:
        split = reads.derived(chosen, "payment_split", lambda: report.payment_split(
            chosen.scored, chosen.scheme, chosen.orgs, chosen.org_code, chosen.period, method,
            weight, projection,
        ), method, weight)  # fmt: skip
    except ValueError as problem:
        st.warning(format.escape_markdown(str(problem)), icon=":material/warning:")
        return
    sidebar.partial_mark(chosen, "the £ earned below")
    practices = format.plural(len(split.practices), "practice")
    projected = (
        f" and **{format.money(split.projected)}** projected by 31 March"
        if split.projected is not None
        else ""
    )
    st.markdown(
        f"**{format.money(split.payment)}** earned so far{projected}, shared between "
        f"{practices} {report.SPLIT_METHOD_WORDS[method]}."
    )
    for note in split.notes:
        st.info(format.escape_markdown(note), icon=":material/info:")
    widgets.show_spec(
        reads.derived(
            chosen,
            "split_chart",
            lambda: widgets.chart_spec(charts.split_chart(split.practices)),
            method,
            weight,
        ),
        alt="Each practice's share of the £ earned so far and of the £ projected, as bars.",
    )
    widgets.show_table(split.table, SPLIT_COLUMNS, key="split_table")
    st.caption(split.rounding_words)
    stem = format.file_stem("iif-payment-split", chosen.org_code, chosen.period, method)
    widgets.download_buttons(
        report.mark_partial(split.table, chosen.period_completeness, chosen.period),
        stem,
        key="split_download",
        title="Split of the PCN's £ between its practices",
        label="split",
        chosen=chosen,
    )
    with st.expander("How the split is worked out"):
        for words in split.method_words:
            st.markdown(format.escape_markdown(words))
        if not split.indicators.empty:
            st.markdown("The working, indicator by indicator:")
            widgets.show_table(split.indicators, WORKING_COLUMNS, key="split_working_table")
            widgets.download_buttons(
                report.mark_partial(split.indicators, chosen.period_completeness),
                f"{stem}-working",
                key="split_working_download",
                title="How the split is worked out",
                label="working",
                chosen=chosen,
            )
