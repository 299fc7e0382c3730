"""Shareable views: the link's keys, the view a link asks for (read on open), the URL kept in step."""

from __future__ import annotations

from urllib.parse import quote, urlencode

import streamlit as st

from ui import format, session
from ui.session import Selection

# The URL's keys, one for each choice a view is made of, in the order the URL shows them:
# ?year=2026/27&level=pcn&org=U54335&period=2026-10-31&indicator=HI-03
YEAR, LEVEL, ORG, PERIOD, INDICATOR = "year", "level", "org", "period", "indicator"
KEYS = (YEAR, LEVEL, ORG, PERIOD, INDICATOR)
LONGEST = 40  # characters read of a value from a link: no value the app offers is longer
ASKED = "link_asked"  # session state: what the link asked for that is not yet put in place
REFUSED = "link_refused"  # session state: the keys whose value the sidebar could not show
READ = "link_read"  # session state: this session's link has been read (on its first run)
# What a link asked for that cannot be shown: in words that say nothing of what exists outside
# the user's scope (an organisation that does not exist and one that is not theirs read alike).
REFUSED_WORDS = {
    YEAR: "a scheme year that is not here",
    LEVEL: "a level you cannot see",
    ORG: "an organisation you cannot see",
    PERIOD: "a period end with no figures for it",
    INDICATOR: "an indicator that is not in the scheme",
}


def read_link() -> None:
    """On a session's first run: keep what its URL asks for (each value cut to LONGEST
    characters), for `take` to put in place as the sidebar offers each choice."""
    if st.session_state.get(READ):
        return
    st.session_state[READ] = True
    asked = {
        key: str(st.query_params[key]).strip()[:LONGEST] for key in KEYS if key in st.query_params
    }
    st.session_state[ASKED] = asked
    st.session_state[REFUSED] = []


def asks_for_a_view() -> bool:
    """Whether the URL asks for a view (the sign-in page says it is lost by signing in)."""
    return any(key in st.query_params for key in KEYS)


def take(key: str, options: list, parse=str):
    """The value the link asked for under `key`, when it is one of `options` (after `parse`,
    which may raise ValueError); None when the link asked for nothing there, or for something
    not offered, which is remembered for `note`. Asked once: a later run gets None."""
    asked = st.session_state.get(ASKED) or {}
    if key not in asked:
        return None
    raw = asked.pop(key)
    try:
        value = parse(raw)
    except ValueError:
        value = None
    if value is not None and value in options:
        return value
    st.session_state.setdefault(REFUSED, []).append(key)
    return None


def note(chosen: Selection) -> str | None:
    """After the sidebar is drawn: a sentence saying what the link asked for that is not shown,
    and what is shown instead (once; None when nothing was refused). What the link asked for
    that the sidebar never offered (an organisation, in a year with no figures) is dropped."""
    st.session_state.pop(ASKED, None)
    refused = st.session_state.pop(REFUSED, None)
    if not refused:
        return None
    instead = {
        YEAR: f"the {chosen.year} scheme",
        LEVEL: f"the {chosen.level_label} level",
        ORG: chosen.org_label if chosen.org_code is not None else None,
        PERIOD: format.long_day(chosen.period) if chosen.period is not None else None,
        INDICATOR: st.session_state.get(session.INDICATOR_MEMORY),
    }
    asked = _and([REFUSED_WORDS[key] for key in KEYS if key in refused])
    shown = [instead[key] for key in KEYS if key in refused and instead[key] is not None]
    if not shown:
        return f"The link asked for {asked}: choose in the sidebar."
    return f"The link asked for {asked}; showing {format.escape_markdown(_and(shown))} instead."


def view_of(chosen: Selection) -> dict[str, str]:
    """The view chosen, as the URL's keys and values."""
    view = {YEAR: chosen.year, LEVEL: chosen.level}
    if chosen.org_code is not None:
        view[ORG] = chosen.org_code
    if chosen.period is not None:
        view[PERIOD] = chosen.period.isoformat()
    indicator = st.session_state.get(session.INDICATOR_MEMORY)
    if chosen.scheme is not None and indicator in chosen.scheme.indicators:
        view[INDICATOR] = indicator
    return view


def keep(view: dict[str, str]) -> None:
    """Put the view in the URL, leaving the URL's other keys (a card's what-if) as they are;
    nothing is sent when the URL shows it already."""
    now = st.query_params.to_dict()
    wanted = {**{k: v for k, v in now.items() if k not in KEYS}, **view}
    if list(now.items()) != list(wanted.items()):
        st.query_params.from_dict(wanted)


def keep_indicator(code: str) -> None:
    """The indicator a page shows, in the URL (it may differ from the one the sidebar kept: a
    page offers only some indicators)."""
    if st.query_params.get(INDICATOR) != code:
        st.query_params[INDICATOR] = code


def link(view: dict[str, str]) -> str | None:
    """The address of this view, to copy: this page's address and the view's keys (None when
    the browser has not said its address)."""
    page = st.context.url
    if not page:
        return None
    return f"{page}?{urlencode(view, safe='/', quote_via=quote)}"


def _and(parts: list[str]) -> str:
    return parts[0] if len(parts) == 1 else ", ".join(parts[:-1]) + " and " + parts[-1]
