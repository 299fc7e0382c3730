"""`make hosted-demo`: the app in hosted mode on the demo store, signing in through a test provider.

It starts an OpenID Connect test provider (oidc-provider-mock, from the package registry) on
loopback with one demo user per role, gives each its grant in a copy of the demo store, writes the
sign-in settings to data/hosted-demo/secrets.toml (never .streamlit/secrets.toml, so that
`make run` stays local) and runs the app against them. The browser tests use the same pieces.
"""

from __future__ import annotations

import json
import os
import secrets
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from iif_core.access import Grant  # noqa: E402
from iif_core.store import Store  # noqa: E402

FOLDER = ROOT / "data" / "hosted-demo"
START_SECONDS = 60
# One demo user per role, on the demo ICB (sample_data/orgs.csv): email -> (role, organisation,
# patient lists).
DEMO_USERS = {
    "admin@demo.nhs.net": ("admin", None, True),
    "pcn.manager@demo.nhs.net": ("pcn", "U54335", True),  # Brackenford Town PCN
    "practice.user@demo.nhs.net": ("practice", "X44647", True),  # Hobbleton Hill Surgery
    "place.analyst@demo.nhs.net": ("area", "98B", False),  # Brackenford place, no patient lists
}


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def give_demo_grants(store: Store) -> None:
    """Each demo user's grant, once."""
    held = store.grants()
    for email, (role, org_code, patient_lists) in DEMO_USERS.items():
        if not ((held["email"] == email) & (held["role"] == role)).any():
            store.add_grant(Grant(email, role, org_code, patient_lists), who="hosted-demo")


def start_provider(port: int, users: dict, log: Path) -> subprocess.Popen:
    """The test OpenID Connect provider on 127.0.0.1:`port`, offering each user to click."""
    claims = [
        json.dumps({"sub": email, "email": email, "name": email.split("@")[0]}) for email in users
    ]
    arguments = [sys.executable, "-m", "oidc_provider_mock", "-H", "127.0.0.1", "-p", str(port)]
    for claim in claims:
        arguments += ["--user-claims", claim]
    with open(log, "w") as out:
        process = subprocess.Popen(arguments, stdout=out, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}/.well-known/openid-configuration"
    deadline = time.monotonic() + START_SECONDS
    while True:
        try:
            with urllib.request.urlopen(url, timeout=2) as answer:
                if answer.status == 200:
                    return process
        except OSError:
            pass
        if process.poll() is not None or time.monotonic() > deadline:
            process.kill()
            raise RuntimeError(f"the test identity provider did not start: {log.read_text()}")
        try:
            process.wait(timeout=0.2)
        except subprocess.TimeoutExpired:
            pass


def write_secrets(path: Path, app_port: int, provider_port: int) -> Path:
    """The [auth] settings for signing in through the test provider."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(
        "[auth]\n"
        f'redirect_uri = "http://127.0.0.1:{app_port}/oauth2callback"\n'
        f'cookie_secret = "{secrets.token_hex(32)}"\n'
        'client_id = "iif-monitor"\n'
        'client_secret = "test-secret"\n'
        f'server_metadata_url = "http://127.0.0.1:{provider_port}/.well-known/openid-configuration"\n',
        encoding="utf-8",
    )
    path.chmod(0o600)
    return path


def main() -> int:
    from ui.demo import load_demo

    FOLDER.mkdir(parents=True, exist_ok=True)
    database = FOLDER / "iif.duckdb"
    store = Store(database)
    if store.batches().empty:
        load_demo(store)
    give_demo_grants(store)
    store.close()
    app_port = int(os.environ.get("PORT", "8501"))
    provider_port = free_port()
    provider = start_provider(provider_port, DEMO_USERS, FOLDER / "provider.log")
    secrets_file = write_secrets(FOLDER / "secrets.toml", app_port, provider_port)
    print(f"Test identity provider on http://127.0.0.1:{provider_port}; sign in as one of:")
    for email, (role, org_code, _) in DEMO_USERS.items():
        print(f"  {email}: {role}{' on ' + org_code if org_code else ''}")
    print(f"Open http://127.0.0.1:{app_port} (use 127.0.0.1, not localhost: the cookie is for it).")
    environment = {**os.environ, "IIF_MODE": "hosted", "IIF_DB": str(database), "IIF_DEMO": "0"}
    try:
        return subprocess.call(
            [sys.executable, "-m", "streamlit", "run", "app.py", "--server.port", str(app_port),
             "--server.address", "127.0.0.1", "--server.headless", "true",
             "--secrets.files", str(secrets_file)],
            cwd=ROOT, env=environment,
        )  # fmt: skip
    finally:
        provider.terminate()


if __name__ == "__main__":
    sys.exit(main())
