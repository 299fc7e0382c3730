"""Access: who may see which organisations (grants), and the audit trail; for admins, when hosted."""

import pandas as pd
import streamlit as st

from iif_core.access import checked_grant
from iif_core.problems import InputError
from iif_core.vocabulary import (
    AUDIT_ACTIONS,
    LEVEL_NOUNS,
    ROLE_LEVELS,
    ROLE_SEES_PATIENTS,
    ROLE_WORDS,
    ROLES,
)
from ui import format, reads, run_end, session, sidebar, widgets

GRANT_LABELS = {
    "grant_id": "Grant", "email": "Email", "role": "Role", "org_code": "Organisation",
    "org_name": "Name", "patient_lists": "Patient lists", "granted_at_utc": "Given (UTC)",
    "granted_by": "Given by", "revoked_at_utc": "Revoked (UTC)", "revoked_by": "Revoked by",
}  # fmt: skip
AUDIT_LABELS = {
    "event_id": "Line", "at_utc": "When (UTC)", "who": "Who", "action": "What",
    "org_code": "Organisation", "detail": "Detail",
}  # fmt: skip
AUDIT_HEIGHT = 420


def when(frame: pd.DataFrame) -> pd.DataFrame:
    """The times of a table as people read them: 3 Dec 2026 15:54."""
    shown = frame.copy()
    for column in [c for c in shown.columns if c.endswith("_utc")]:
        shown[column] = shown[column].dt.strftime("%-d %b %Y %H:%M").fillna("")
    return shown


def organisations(orgs: pd.DataFrame, role: str) -> dict[str, str]:
    """The organisations a role can be granted on: code -> 'Name (code)', by level."""
    labels = {}
    for level in ROLE_LEVELS[role]:
        pairs = orgs[[f"{level}_code", f"{level}_name"]].dropna().drop_duplicates()
        for code, name in sorted(pairs.itertuples(index=False), key=lambda pair: str(pair[1])):
            labels[code] = f"{name} ({code}, {LEVEL_NOUNS[level]})"
    return labels


def render_grants(grants: pd.DataFrame, names: dict) -> None:
    st.subheader("Who has access")
    if grants.empty:
        st.info("No grants yet.")
        return
    shown = when(grants.assign(org_name=grants["org_code"].map(names)))
    widgets.show_table(shown, [c for c in GRANT_LABELS if c in shown], key="access_grants",
                       labels=GRANT_LABELS)  # fmt: skip


def render_new_grant(chosen, orgs: pd.DataFrame) -> None:
    st.subheader("Give access")
    role = st.selectbox("Role", ROLES, format_func=ROLE_WORDS.get, key="access_role")
    labels = organisations(orgs, role)
    with st.form("access_grant_form", clear_on_submit=True, border=True):
        email = st.text_input("Email address they sign in with", key="access_email")
        org_code = None
        if ROLE_LEVELS[role]:
            org_code = st.selectbox(
                "Organisation", list(labels), format_func=labels.get, key="access_org",
                filter_mode="contains", index=None, placeholder="Type a name or code",
            )  # fmt: skip
        lists = st.checkbox(
            "With the patient lists of its practices", value=ROLE_SEES_PATIENTS[role],
            disabled=role == "admin", key=f"access_lists_{role}",
        )  # fmt: skip
        given = st.form_submit_button("Give access", type="primary")
    if given:
        try:
            grant = checked_grant(email, role, org_code, orgs, lists)
            number = reads.store().add_grant(grant, who=chosen.scope.user)
        except InputError as error:
            st.session_state[session.MESSAGES] = [("error", f"Nothing was given: {error}")]
        else:
            on = f" on {labels.get(grant.org_code, grant.org_code)}" if grant.org_code else ""
            said = f"Grant {number}: {grant.email} is {grant.role}{on}."
            st.session_state[session.MESSAGES] = [("success", said)]
        st.rerun()


def render_revoke(chosen, grants: pd.DataFrame) -> None:
    st.subheader("Take access away")
    if grants.empty:
        return
    described = {
        int(row.grant_id): f"{row.grant_id}: {row.email}, {row.role}"
        + (f" on {row.org_code}" if isinstance(row.org_code, str) else "")
        for row in grants.itertuples()
    }
    grant_id = st.selectbox("Grant", list(described), format_func=described.get, index=None,
                            key="access_revoke_choice", placeholder="Choose a grant")  # fmt: skip
    if grant_id is None:
        return
    if grant_id in set(grants.loc[grants["email"] == chosen.scope.user, "grant_id"]):
        st.caption("This is one of your own grants: you may lose this page by revoking it.")
    sure = st.checkbox(f"Yes, revoke grant {grant_id}", key=f"access_revoke_sure_{grant_id}")
    if st.button("Revoke", disabled=not sure, key="access_revoke_button"):
        try:
            said = reads.store().revoke_grant(grant_id, who=chosen.scope.user)
            st.session_state[session.MESSAGES] = [("success", said)]
        except InputError as error:
            st.session_state[session.MESSAGES] = [("error", str(error))]
        st.rerun()


def render_audit() -> None:
    st.subheader("Audit trail")
    st.caption(
        "Every sign-in, view and download of a patient list, upload, undo, restore, scheme "
        "change and change of access, newest first."
    )
    action = st.selectbox("What", [None, *AUDIT_ACTIONS], key="access_audit_action",
                          format_func=lambda a: "Everything" if a is None else a)  # fmt: skip
    trail = reads.store().audit(action=action)
    widgets.show_table(when(trail), list(AUDIT_LABELS), key="access_audit", height=AUDIT_HEIGHT,
                       labels=AUDIT_LABELS)  # fmt: skip
    widgets.download_buttons(
        trail, "iif-audit", key="access_audit_download", label="audit trail", chosen=chosen
    )


chosen = sidebar.manager_selection("Access")
st.title("Access")
if chosen.problem:
    st.error(f"The data store cannot be read: {format.escape_markdown(chosen.problem)}")
    run_end.stop()
if chosen.scope.user is None:
    st.info("Running locally: there is no sign-in, so no access to manage (docs/hosting.md).")
    run_end.stop()
for kind, message in st.session_state.pop(session.MESSAGES, []):
    getattr(st, kind)(format.escape_markdown(message))
every_org = reads.organisation_file(chosen.path, chosen.version)
grants = reads.store().grants()
names = {code: name for level in ("practice", "pcn", "place", "icb")
         for code, name in zip(every_org[f"{level}_code"], every_org[f"{level}_name"],
                               strict=True)}  # fmt: skip
render_grants(grants, names)
left, right = st.columns(2)
with left:
    render_new_grant(chosen, every_org)
with right:
    render_revoke(chosen, grants)
render_audit()
