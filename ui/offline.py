"""Nothing leaves the machine: Streamlit's server never asks an outside host for its address.

A WebSocket opened from another origin (any web page a user visits can try one against
localhost:8501) makes Streamlit's origin check ask checkip.amazonaws.com for the machine's
external address, and open a socket towards 8.8.8.8 for its internal one, before it refuses the
connection; no setting stops it (browser.serverAddress is checked first, but an attacker's origin
never matches it). Both lookups answer "unknown" instead, so such an origin is refused without
them; the app's own origin (the same host as the request's) and localhost are allowed as before.
"""

from streamlit import net_util


def _unknown() -> None:
    return None


def no_address_lookups() -> None:
    """Replace Streamlit's two address lookups, for the rest of the server's life."""
    net_util.get_external_ip = _unknown
    net_util.get_internal_ip = _unknown
