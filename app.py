"""The IIF monitoring app: sign-in when hosted, page navigation and the shared sidebar, nothing else."""

import streamlit as st

from ui import run_end, sidebar, sign_in

sidebar.configure_page()
user = sign_in.require_user()  # hosted: only a signed-in user gets past this line
scope = sign_in.scope(user)
if user is not None and scope.org_codes == ():
    sign_in.no_access_page(user)

PAGES = {
    "Performance": [
        st.Page("pages/overview.py", title="Overview", icon=":material/dashboard:", default=True),
        st.Page("pages/variation.py", title="Variation", icon=":material/bar_chart:"),
        st.Page("pages/patients.py", title="Patients", icon=":material/group:"),
        st.Page("pages/trends.py", title="Trends", icon=":material/show_chart:"),
        st.Page("pages/payment.py", title="Payment", icon=":material/payments:"),
    ],
    "Set-up": [st.Page("pages/scheme.py", title="Scheme", icon=":material/rule:")],
}
if scope.can_manage:  # uploads, undo, scheme edits, users: an admin's, or the one local user's
    PAGES["Set-up"].insert(0, st.Page("pages/data.py", title="Data", icon=":material/upload_file:"))
    if user is not None:
        PAGES["Set-up"].append(
            st.Page("pages/admin.py", title="Access", icon=":material/admin_panel_settings:")
        )

page = st.navigation(PAGES)
sidebar.render(scope)
if user is not None:
    sign_in.sign_out_button()
else:
    st.sidebar.caption("Running locally: one user, no sign-in (docs/hosting.md to host it).")
page.run()
run_end.mark_finished()
