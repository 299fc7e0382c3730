"""The one workaround for Streamlit's legacy pages-folder mode, which a folder named pages/ turns on.

Until some session has called st.navigation, Streamlit takes pages/ for its old multipage mode
and, when a fresh server's first request is for a page (/payment, say), runs that file alone:
without app.py, so without the sidebar and navigation. st.navigation leaves that mode by setting
this flag; a page run on its own does the same here and runs again, now through app.py. The
project's layout (app.py beside pages/) is fixed, so the flag stays; this is the only place that
touches it. AppTest turns the mode on before every run; tests/app/conftest.py makes it run app.py.
"""

import streamlit as st
from streamlit.runtime.pages_manager import PagesManager


def run_through_app() -> None:
    """Called by a page that finds no sidebar drawn: leave the legacy mode and run again through
    app.py. Only a session's first run gets here, so the rerun loses no click."""
    PagesManager.uses_pages_directory = False  # what st.navigation sets on its first call
    st.rerun()
