"""Local or hosted: which mode a configuration asks for, and what is wrong with a hosted one."""

from __future__ import annotations

from collections.abc import Mapping
from urllib.parse import urlparse

MODE_VARIABLE = "IIF_MODE"  # "hosted" signs users in; unset (or "local") is one person, no sign-in
MODES = ("local", "hosted")
SESSION_HOURS_VARIABLE = "IIF_SESSION_HOURS"  # how long a sign-in lasts before signing in again
SESSION_HOURS = 8.0  # a working day
# What OpenID Connect sign-in needs, in [auth] of .streamlit/secrets.toml (or one [auth.NAME]).
PROVIDER_KEYS = ("client_id", "client_secret", "server_metadata_url")
SHARED_KEYS = ("redirect_uri", "cookie_secret")
COOKIE_SECRET_LENGTH = (
    32  # characters, at the least: `python -c "import secrets; print(secrets.token_hex(32))"`
)
LOOPBACK = ("localhost", "127.0.0.1", "::1")
# Streamlit options a hosted app must have, with the value it must have and why.
REQUIRED_OPTIONS = {
    "server.enableXsrfProtection": (True, "so that another site cannot post uploads as a user"),
    "browser.gatherUsageStats": (False, "so that nothing about its use leaves the machine"),
}


def mode(environment: Mapping[str, str], auth: Mapping | None) -> str:
    """'hosted' when IIF_MODE says so or sign-in is configured, else 'local'; an unknown IIF_MODE
    is treated as hosted, so that a typo never opens the data to everyone."""
    asked = environment.get(MODE_VARIABLE, "").strip().lower()
    if asked == "hosted" or auth:
        return "hosted"
    return "local" if asked in ("", "local") else "hosted"


def provider(auth: Mapping) -> str | None:
    """The provider to sign in with: None for the settings in [auth] itself, else the one
    [auth.NAME] section."""
    if all(key in auth for key in PROVIDER_KEYS):
        return None
    named = [name for name, value in auth.items() if isinstance(value, Mapping)]
    return named[0] if len(named) == 1 else None


def session_hours(environment: Mapping[str, str]) -> float:
    text = environment.get(SESSION_HOURS_VARIABLE, "").strip()
    return float(text) if text else SESSION_HOURS


def problems(
    environment: Mapping[str, str], auth: Mapping | None, options: Mapping[str, object]
) -> list[str]:
    """What stops the app being hosted safely, in words; empty when nothing does (and always
    empty in local mode)."""
    asked = environment.get(MODE_VARIABLE, "").strip().lower()
    if mode(environment, auth) == "local":
        return []
    found = []
    if asked not in ("", *MODES):
        found.append(f"{MODE_VARIABLE} is {asked!r}; it must be 'hosted' or 'local'.")
    if not auth:
        return [*found, "Sign-in is not configured: .streamlit/secrets.toml has no [auth] section "
                "(see docs/hosting.md)."]  # fmt: skip
    found += [f"[auth] has no {key}." for key in SHARED_KEYS if not auth.get(key)]
    chosen = provider(auth)
    settings = auth if chosen is None else auth[chosen]
    section = "[auth]" if chosen is None else f"[auth.{chosen}]"
    if chosen is None and not all(key in auth for key in PROVIDER_KEYS):
        named = [name for name, value in auth.items() if isinstance(value, Mapping)]
        if len(named) > 1:
            found.append(f"[auth] names {len(named)} providers; the app signs in with one.")
    found += [f"{section} has no {key}." for key in PROVIDER_KEYS if not settings.get(key)]
    secret = str(auth.get("cookie_secret") or "")
    if secret and len(secret) < COOKIE_SECRET_LENGTH:
        found.append(
            f"[auth] cookie_secret is {len(secret)} characters; it must be a random secret of "
            f"at least {COOKIE_SECRET_LENGTH}."
        )
    redirect = urlparse(str(auth.get("redirect_uri") or ""))
    if auth.get("redirect_uri") and not redirect.path.endswith("/oauth2callback"):
        found.append("[auth] redirect_uri must be the app's address ending in /oauth2callback.")
    if redirect.scheme == "http" and redirect.hostname not in LOOPBACK:
        found.append(
            "[auth] redirect_uri must be https (TLS in front of the app) off this machine."
        )
    for option, (wanted, why) in REQUIRED_OPTIONS.items():
        if options.get(option) != wanted:
            found.append(f"The Streamlit option {option} must be {str(wanted).lower()}, {why}.")
    try:
        if session_hours(environment) <= 0:
            found.append(f"{SESSION_HOURS_VARIABLE} must be a number of hours above 0.")
    except ValueError:
        found.append(f"{SESSION_HOURS_VARIABLE} must be a number of hours, such as 8.")
    return found
