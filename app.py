"""The IIF monitoring app: navigation and the shared sidebar (pages arrive in pages/)."""

import streamlit as st

st.set_page_config(page_title="IIF monitor", page_icon=":bar_chart:", layout="wide")
st.title("IIF monitor")
st.info(
    "The scoring core is ready from the command line (`python -m iif_core score --help`). "
    "The pages of the app are being built."
)
