"""The app's pages, in the order and sections the sidebar shows them, by what the user may do."""

from __future__ import annotations

import streamlit as st

from iif_core.access import Scope

PERFORMANCE = (  # file, title, icon: every user has these
    ("pages/overview.py", "Overview", ":material/dashboard:"),
    ("pages/variation.py", "Variation", ":material/bar_chart:"),
    ("pages/patients.py", "Patients", ":material/group:"),
    ("pages/inequalities.py", "Inequalities", ":material/diversity_3:"),
    ("pages/trends.py", "Trends", ":material/show_chart:"),
    ("pages/payment.py", "Payment", ":material/payments:"),
    ("pages/plan.py", "Plan", ":material/route:"),
)
SCHEME = ("pages/scheme.py", "Scheme", ":material/rule:")
DATA = ("pages/data.py", "Data", ":material/upload_file:")  # uploads and undo: who can manage
ACCESS = ("pages/admin.py", "Access", ":material/admin_panel_settings:")  # hosted admins only


def _page(entry: tuple[str, str, str], default: bool = False) -> st.Page:
    path, title, icon = entry
    return st.Page(path, title=title, icon=icon, default=default)


def pages(scope: Scope) -> dict[str, list[st.Page]]:
    """The sections of pages this user may open; a page left out cannot be opened by its URL."""
    performance = [_page(PERFORMANCE[0], default=True)] + [_page(e) for e in PERFORMANCE[1:]]
    setup = [_page(SCHEME)]
    if scope.can_manage:
        setup.insert(0, _page(DATA))
        if scope.user is not None:
            setup.append(_page(ACCESS))
    return {"Performance": performance, "Set-up": setup}


def hide_pages() -> None:
    """For the sign-in page: take over from the list of files in pages/ that Streamlit shows
    before app.py calls st.navigation, showing no page at all (none is run)."""
    every = [_page(PERFORMANCE[0], default=True)]
    every += [_page(e) for e in (*PERFORMANCE[1:], SCHEME, DATA, ACCESS)]
    st.navigation(every, position="hidden")
