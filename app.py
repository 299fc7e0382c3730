"""The IIF monitoring app: sign-in when hosted, page navigation and the shared sidebar, nothing else."""

import streamlit as st

from ui import inbox, navigation, run_end, sidebar, sign_in, uploads

sidebar.configure_page()
uploads.start_sweeping()  # once per server: copies of uploads never outlive their session
inbox.start()  # once per server, when the settings name an inbox folder
user = sign_in.require_user()  # hosted: only a signed-in user gets past this line
scope = sign_in.scope(user)
if user is not None and scope.org_codes == ():
    sign_in.no_access_page(user)

page = st.navigation(navigation.pages(scope))
chosen = sidebar.render(scope)
inbox.follow_store(chosen.version)  # with an inbox, new figures appear without a click
if user is not None:
    sign_in.sign_out_button()
else:
    st.sidebar.caption("Running locally: one user, no sign-in (docs/hosting.md to host it).")
page.run()
run_end.mark_finished()
