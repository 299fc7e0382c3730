"""The IIF monitoring app: page navigation and the shared sidebar, nothing else."""

import streamlit as st

from ui import run_end, sidebar

sidebar.configure_page()

PAGES = {
    "Performance": [
        st.Page("pages/overview.py", title="Overview", icon=":material/dashboard:", default=True),
        st.Page("pages/variation.py", title="Variation", icon=":material/bar_chart:"),
        st.Page("pages/patients.py", title="Patients", icon=":material/group:"),
        st.Page("pages/trends.py", title="Trends", icon=":material/show_chart:"),
        st.Page("pages/payment.py", title="Payment", icon=":material/payments:"),
    ],
    "Set-up": [
        st.Page("pages/data.py", title="Data", icon=":material/upload_file:"),
        st.Page("pages/scheme.py", title="Scheme", icon=":material/rule:"),
    ],
}

page = st.navigation(PAGES)
sidebar.render()
page.run()
run_end.mark_finished()
