"""The mark every finished script run draws last, so that a browser can tell the page is complete."""

import streamlit as st

RUNS_FINISHED = "runs_finished"  # session key: how many of this session's runs have finished
MARK_ATTRIBUTE = "data-iif-run"  # <span data-iif-run="7" hidden>: the browser tests wait for it


def mark_finished() -> None:
    """Draw the mark with this session's count of finished runs. Call it last: app.py does after
    the page, and `stop` does for a page that ends early. A run cut short by a rerun or an error
    draws none, so a test that waits for a higher count waits for a run that really finished."""
    count = st.session_state.get(RUNS_FINISHED, 0) + 1
    st.session_state[RUNS_FINISHED] = count
    st.html(f'<span {MARK_ATTRIBUTE}="{count}" hidden></span>')


def stop() -> None:
    """End the page here (st.stop), with the mark drawn first: every early end of a page uses it."""
    mark_finished()
    st.stop()
