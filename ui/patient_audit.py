"""Viewing and downloading patient identifiers, put in the audit trail (Patients and Plan pages)."""

from __future__ import annotations

import streamlit as st

from iif_core.problems import InputError
from ui import format, run_end, sign_in
from ui.session import Selection

LAST_VIEW = "patients_last_view"  # session state: the last view put in the audit trail


def record_view(chosen: Selection, seen: str) -> None:
    """Put this view of a patient list in the audit trail (once per list and choice in a
    session), or stop without showing it when that cannot be done."""
    viewed = (chosen.scope.user, chosen.org_code, seen)
    if st.session_state.get(LAST_VIEW) == viewed:
        return
    try:
        sign_in.record(chosen.scope, "view_patients", chosen.org_code, seen)
    except InputError as error:
        st.error(
            "The patient list is not shown: its viewing cannot be recorded "
            f"({format.escape_markdown(error)})."
        )
        run_end.stop()
    st.session_state[LAST_VIEW] = viewed


def record_download(scope, org_code: str | None, seen: str, kind: str) -> None:
    """The `on_download` of a patient list's download buttons: a line in the audit trail."""
    sign_in.record(scope, "download_patients", org_code, f"{seen} ({kind})")
