"""Who is using the app: one person locally, or a user signed in with st.login, and their scope."""

from __future__ import annotations

import os
import threading
import time

import streamlit as st

from iif_core import access, hosting
from iif_core.access import EVERYTHING, Scope
from iif_core.problems import InputError
from ui import navigation, reads, run_end, share

LOCAL_WHO = "local"  # who the audit trail names when the app runs locally, without sign-in
SIGNED_IN = "signed_in_recorded"  # session state: this session's sign-in is in the audit trail
_SIGN_INS: set[tuple] = set()  # (email, auth_time) of the sign-ins recorded by this process
_SIGN_INS_LOCK = threading.Lock()
SIGN_IN_WORDS = (
    "This is your ICB's Investment and Impact Fund monitor. Sign in with your NHS account to "
    "see the figures and patient lists of the organisations you have access to."
)
LINK_WORDS = (
    "You opened a link to a view of the figures. Signing in opens the first page: open the "
    "link again once you are signed in to see that view."
)
NO_ACCESS_WORDS = (
    "You are signed in as **{email}**, but you have no access to any organisation yet. Ask your "
    "ICB's admin for access to your practice, PCN, place or ICB; this page shows your figures "
    "once it is given."
)


def _auth() -> dict | None:
    """The [auth] section of .streamlit/secrets.toml, or None when there is none."""
    try:
        section = st.secrets.get("auth")
    except (FileNotFoundError, OSError, ValueError):
        return None
    if section is None:
        return None
    return {
        key: (dict(value) if hasattr(value, "keys") else value) for key, value in section.items()
    }


def hosted() -> bool:
    return hosting.mode(os.environ, _auth()) == "hosted"


def configuration_problems() -> list[str]:
    options = {option: st.get_option(option) for option in hosting.REQUIRED_OPTIONS}
    return hosting.problems(os.environ, _auth(), options)


def require_user() -> str | None:
    """Local: None, and the run goes on. Hosted: the signed-in user's email; anyone else sees the
    sign-in page only, and a hosted configuration with a problem shows it and nothing else."""
    if not hosted():
        return None
    problems = configuration_problems()
    if problems:
        st.title("IIF monitor")
        st.error(
            "This app is set up to be hosted, but it is not safe to open yet, so it shows no "
            "figures. Ask whoever runs it to fix:\n\n" + "\n".join(f"- {p}" for p in problems)
        )
        _stop()
    if not st.user.is_logged_in:
        _sign_in_page()
    email = _email()
    if _expired():
        _record(email, "session_expired", detail="signed in too long ago; signed out")
        _sign_out()
    if st.session_state.get(SIGNED_IN) != email:  # a new browser session of this user
        signed_in_at = st.user.get("auth_time") or st.user.get("iat")
        with _SIGN_INS_LOCK:
            new = (email, signed_in_at) not in _SIGN_INS
            _SIGN_INS.add((email, signed_in_at))
        if new:  # one line per sign-in at the provider, not per page opened
            _record(email, "sign_in", detail=str(st.user.get("name") or ""))
        st.session_state[SIGNED_IN] = email
    return email


def scope(user: str | None) -> Scope:
    """What this session may see: everything locally; a signed-in user's grants otherwise (no
    organisation at all when they have none, or the store cannot be read)."""
    if user is None:
        return EVERYTHING
    try:
        path = reads.store_path()
        version = reads.data_version()
        grants = reads.store().grants_of(user)
        return access.scope_for(user, grants, reads.organisation_file(path, version))
    except InputError:
        return access.nothing(user)


def who(scope_in_use: Scope) -> str:
    """The name the upload history and the audit trail keep for this session."""
    return scope_in_use.user or LOCAL_WHO


def record(scope_in_use: Scope, action: str, org_code: str | None = None, detail=None) -> None:
    """Add a line to the audit trail for this session; raises when it cannot be written, so
    that nothing audited (a patient list) is shown unrecorded."""
    reads.store().record(who(scope_in_use), action, org_code, detail)


def sign_out_button() -> None:
    """In the sidebar of a hosted app: who is signed in, and a button to sign out."""
    st.sidebar.caption(f"Signed in as `{_email()}`")
    st.sidebar.button("Sign out", icon=":material/logout:", on_click=_signed_out)


def no_access_page(email: str) -> None:
    st.title("IIF monitor")
    st.info(NO_ACCESS_WORDS.format(email=email.replace("*", r"\*").replace("_", r"\_")))
    st.button("Sign out", on_click=_signed_out)
    _stop()


def _sign_in_page(hidden: bool = False) -> None:
    if not hidden:  # first: st.navigation after st.login (or st.logout) loses its redirect
        navigation.hide_pages()
    st.title("IIF monitor")
    st.write(SIGN_IN_WORDS)
    if share.asks_for_a_view():  # signing in comes back to the app's first page, without it
        st.caption(LINK_WORDS)
    chosen = hosting.provider(_auth() or {})
    if st.button("Sign in", type="primary", icon=":material/login:"):
        st.login(chosen) if chosen else st.login()
    _stop(hidden=True)


def _email() -> str:
    claimed = st.user.get("email") or st.user.get("preferred_username") or ""
    try:
        return access.email_of(claimed)
    except InputError:
        st.title("IIF monitor")
        st.error(
            "Your sign-in did not say your email address, so the app cannot tell what you may "
            "see. Ask whoever runs the app to have the identity provider send the email claim."
        )
        st.button("Sign out", on_click=_signed_out)
        _stop()


def _expired() -> bool:
    """Signed in longer ago than IIF_SESSION_HOURS (from the identity token's auth_time or iat)."""
    signed_in_at = st.user.get("auth_time") or st.user.get("iat")
    if signed_in_at is None:
        return False
    return time.time() - float(signed_in_at) > hosting.session_hours(os.environ) * 3600


def _record(who_: str, action: str, org_code: str | None = None, detail=None) -> None:
    try:
        reads.store().record(who_, action, org_code, detail)
    except InputError:  # the store is busy or unreadable: the page says so elsewhere
        pass


def _signed_out() -> None:
    """A Sign out button's callback (run before the script, so before st.navigation): in the
    audit trail, then signed out; the run that follows shows the sign-in page."""
    claimed = st.user.get("email") or st.user.get("preferred_username") or ""
    _record(str(claimed).strip().lower(), "sign_out")
    st.session_state.pop(SIGNED_IN, None)
    st.logout()


def _sign_out() -> None:
    """Forget an expired sign-in (the browser is sent to sign out) and show the sign-in page."""
    st.session_state.pop(SIGNED_IN, None)
    navigation.hide_pages()
    st.logout()
    _sign_in_page(hidden=True)


def _stop(hidden: bool = False) -> None:
    """End a run that shows no page (sign-in, a refusal): no page list, the run marked done."""
    if not hidden:
        navigation.hide_pages()
    run_end.stop()
