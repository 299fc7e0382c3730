"""The IIF scoring core: schemes, organisations, extracts and network scoring, without Streamlit."""
