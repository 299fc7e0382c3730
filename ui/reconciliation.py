"""Two sources compared, on the Data page: where the national extract and the practices' searches differ."""

from __future__ import annotations

import streamlit as st

from iif_core import reconcile
from ui import format, reads, widgets
from ui.session import Selection

SHOWN_COLUMNS = [
    "practice_name", "indicator_code", "period_end", "payment_effect", "cause",
    "national_numerator", "practice_numerator", "national_denominator", "practice_denominator",
    "national_pca_count", "practice_pca_count", "practice_code",
]  # fmt: skip
LABELS = {"payment_effect": "£ moved for the PCN"}


def render(chosen: Selection) -> None:
    """The section: a sentence, the differing figures side by side with the £ each moves at
    network level and its likely cause, and the table to download."""
    st.subheader("Two sources compared")
    if chosen.year is None:
        return
    compared, found = reads.reconciliation(chosen.path, chosen.year, chosen.version, chosen.scope)
    sentence = reconcile.summary(found, compared)
    if found.empty:
        st.caption(sentence)
        return
    st.warning(sentence, icon=":material/compare_arrows:")
    st.caption(
        "£ moved for the PCN: what the practice's PCN earns for that indicator and month with the "
        "practice's figure, less with the national one, every other practice's figure as in use. "
        "A month missing from one source counts as no figures from that source."
    )
    widgets.show_table(found, SHOWN_COLUMNS, key="reconciliation_table", labels=LABELS)
    widgets.download_buttons(
        found,
        format.file_stem("iif-sources-compared", chosen.year),
        key="reconciliation_download",
        label="comparison",
        title="Where the national extract and the practices' searches differ",
        labels=LABELS,
    )
