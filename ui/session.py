"""What a browser session carries from run to run: its keys, and the sidebar's Selection."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

import pandas as pd
import streamlit as st

from iif_core import report
from iif_core.access import EVERYTHING, Scope
from iif_core.schemes import Scheme

# Session-state keys: the sidebar's choices carry across pages under these names.
YEAR = "scheme_year"
LEVEL = "level"
ORG_PREFIX = "org_"  # one widget key per level ("org_pcn"), forgotten while another level shows
ORG_TRAIL = "org_trail"  # {level: org_code} last chosen at each level, one chain (report.org_trail)
PERIOD = "period_end"
PERIOD_DEFAULT = "period_default"  # the default period end of the last run
PERIOD_LABELS = "period_labels"  # the period end widget's labels of the last run
INDICATOR = "indicator"  # the indicator widget on Variation, Trends and Patients
INDICATOR_MEMORY = "indicator_chosen"  # its value, kept while the widget is off the page
WHO = "who"  # the name kept in the upload history
SELECTION = "selection"  # the Selection the sidebar made on this run
MESSAGES = "data_messages"  # what the last store, undo or save said, shown once after the rerun
DEFAULT_LEVEL = "pcn"


@dataclass
class Selection:
    """What the sidebar chose, and what every page needs to draw it."""

    path: str
    version: tuple
    year: str
    level: str
    org_code: str | None
    org_name: str | None
    period: date | None
    scheme: Scheme | None
    scored: pd.DataFrame  # the chosen organisation and everything in it (ui/reads.py scored)
    orgs: pd.DataFrame
    pcns: pd.DataFrame
    demo: bool = False
    problem: str | None = None  # why the figures could not be read, in words
    periods: list[date] = field(default_factory=list)
    partial: str | None = None  # when not every member practice sent the period: it says so
    # per period end, how many member practices of a network sent it (empty for a practice)
    period_completeness: pd.DataFrame = field(default_factory=pd.DataFrame)
    scope: Scope = EVERYTHING  # what this session may see and do (iif_core.access)
    link_note: str | None = None  # what the link opened asked for that is not shown (ui/share.py)

    @property
    def has_data(self) -> bool:
        return self.org_code is not None and not self.scored.empty

    @property
    def partial_words(self) -> str | None:
        """'1 of 5 practices' when the period chosen is partial for the network, else None."""
        return report.partial_words(self.period_completeness, self.period)

    @property
    def org_label(self) -> str:
        if self.org_code is None:
            return "no organisation"
        if self.org_name and self.org_name != self.org_code:
            return f"{self.org_name} ({self.org_code})"
        return self.org_code

    @property
    def level_label(self) -> str:
        return report.LEVEL_LABELS[self.level]

    def context(self) -> report.OrgContext:
        return report.org_context(self.orgs, self.level, self.org_code, self.org_name)


def prepare_indicator(codes: list[str]) -> None:
    """Before the indicator widget is drawn: bring back the indicator chosen on another page
    (Streamlit forgets a widget's value when a page without it runs, and a widget of the same
    key on another page starts afresh), or the first offered."""
    remembered = st.session_state.get(INDICATOR_MEMORY)
    if remembered in codes:
        st.session_state[INDICATOR] = remembered
    elif st.session_state.get(INDICATOR) not in codes:
        st.session_state[INDICATOR] = codes[0]


def remember_indicator() -> None:
    """The indicator widget's on_change: keep its value for the other pages."""
    st.session_state[INDICATOR_MEMORY] = st.session_state.get(INDICATOR)
