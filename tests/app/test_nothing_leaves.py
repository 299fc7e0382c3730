"""Nothing leaves the machine: every request the browser makes on every page goes to the app, the
server opens no connection off loopback, and names from files holding Markdown or HTML (an image
on an outside host, say) are shown as text, never fetched."""

import base64
import csv
import dataclasses
import http.client
import os
import shutil
import textwrap

import pytest
from browsing import (
    ROOT,
    VIEWPORT,
    assert_no_exception,
    choose_in_selectbox,
    click_level,
    open_page,
    refuse_outside,
    screenshot,
    start_server,
    stop_server,
)

from iif_core.store import Store

pytestmark = pytest.mark.browser

SAMPLE_ORGS = ROOT / "sample_data" / "orgs.csv"
PAGES = {"": "Overview", "variation": "Variation", "patients": "Patients",
         "inequalities": "Inequalities", "trends": "Trends", "payment": "Payment", "plan": "Plan",
         "data": "Data", "scheme": "Scheme"}  # fmt: skip
# Names as an uploaded file might hold them; each would fetch from (or link to) an outside host
# if it were read as Markdown or HTML. 192.0.2.x is an address for documentation only.
# Streamlit's own Markdown as well: an icon, an emoji, a colour and an HTML entity are shown as
# the characters written, never as what they stand for.
STREAMLIT_MARKDOWN = ":material/home: :smile: :red[red] &amp; 1. Q&A"
PRACTICE_NAME = f"![t](http://192.0.2.1/practice.png) Surgery {STREAMLIT_MARKDOWN}"
PCN_NAME = f'<img src="http://192.0.2.2/pcn.png"> PCN **bold** {STREAMLIT_MARKDOWN}'
PLACE_NAME = "[Place](http://192.0.2.3/)"
INDICATOR_NAME = "![i](http://192.0.2.4/indicator.png) health checks"
PRACTICE, PCN = "X44647", "U54335"  # sample_data/orgs.csv: Hobbleton Hill Surgery, its PCN
# Loaded first in the server's Python: every connection it opens or name it looks up off
# loopback is written down, so that the test can fail on it.
CONNECTION_LOGGER = """
import os, socket
_log = os.environ["IIF_TEST_CONNECTIONS"]
_LOOPBACK = ("127.0.0.1", "::1", "localhost", "0.0.0.0", "")

def _note(host):
    host = str(host)
    if host not in _LOOPBACK and not host.startswith("127.") and not host.startswith("/"):
        with open(_log, "a") as out:
            out.write(host + "\\n")

_getaddrinfo = socket.getaddrinfo
def getaddrinfo(host, *args, **kwargs):
    _note(host)
    return _getaddrinfo(host, *args, **kwargs)
socket.getaddrinfo = getaddrinfo

_connect = socket.socket.connect
def connect(self, address):
    if isinstance(address, tuple):
        _note(address[0])
    return _connect(self, address)
socket.socket.connect = connect
"""


def write_orgs(path) -> None:
    """The demo organisation file with one practice, its PCN and its place renamed."""
    with open(SAMPLE_ORGS, newline="", encoding="utf-8") as source:
        rows = list(csv.DictReader(source))
    for row in rows:
        if row["practice_code"] == PRACTICE:
            row["practice_name"] = PRACTICE_NAME
        if row["pcn_code"] == PCN:
            row["pcn_name"] = PCN_NAME
            row["place_name"] = PLACE_NAME
        if row["place_code"] == rows[0]["place_code"] and row["pcn_code"] == PCN:
            row["place_name"] = PLACE_NAME
    with open(path, "w", newline="", encoding="utf-8") as out:
        writer = csv.DictWriter(out, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)


@pytest.fixture(scope="module")
def server(tmp_path_factory, demo_template):
    """The app on the demo store, with hostile names stored, and its connections logged."""
    folder = tmp_path_factory.mktemp("offline")
    for source in [p for p in demo_template.parent.iterdir() if p.is_file()]:
        shutil.copy(source, folder / source.name)
    database = folder / demo_template.name
    store = Store(database)
    orgs_file = folder / "hostile-orgs.csv"
    write_orgs(orgs_file)
    assert store.ingest(orgs_file, who="test").accepted
    scheme = store.scheme("2026/27")
    first = next(iter(scheme.indicators))
    indicators = dict(scheme.indicators)
    indicators[first] = dataclasses.replace(indicators[first], name=INDICATOR_NAME)
    store.save_scheme(dataclasses.replace(scheme, indicators=indicators), who="test")
    store.close()
    hooks = folder / "hooks"
    hooks.mkdir()
    (hooks / "sitecustomize.py").write_text(textwrap.dedent(CONNECTION_LOGGER))
    log = folder / "connections.log"
    log.write_text("")
    process, url = start_server(folder, {
        "IIF_DB": str(database), "IIF_DEMO": "0", "PYTHONPATH": str(hooks),
        "IIF_TEST_CONNECTIONS": str(log),
    })  # fmt: skip
    try:
        yield {"url": url, "log": log}
    finally:
        stop_server(process)
    assert log.read_text() == "", f"the server connected off this machine: {log.read_text()}"


@pytest.fixture
def page(browser, server):
    """A page whose every request is recorded; any to another host fails the test."""
    context = browser.new_context(viewport=VIEWPORT)
    outside = refuse_outside(context, (server["url"],))
    yield context.new_page()
    context.close()
    assert not outside, f"the page asked for outside addresses: {outside}"


@pytest.mark.parametrize("path", list(PAGES))
def test_every_page_asks_only_the_app(server, page, path):
    open_page(page, f"{server['url']}/{path}", PAGES[path])
    assert_no_exception(page)


@pytest.mark.parametrize(
    "path", ["", "variation", "patients", "inequalities", "trends", "payment", "plan"]
)
def test_hostile_names_are_shown_as_text(server, page, path):
    open_page(page, f"{server['url']}/{path}", PAGES[path])
    choose_in_selectbox(page, 1, PCN)
    assert f"PCN **bold** {STREAMLIT_MARKDOWN}" in page.locator("body").inner_text()
    screenshot(page, f"hostile-names-{path or 'overview'}-pcn")
    click_level(page, "Practice")
    choose_in_selectbox(page, 1, PRACTICE)
    shown = page.locator("body").inner_text().replace("\u2060", "")  # the invisible joiner
    assert PRACTICE_NAME in shown
    main = page.locator('[data-testid="stMain"]')
    assert main.locator('a[href^="http://192.0.2"]').count() == 0  # not even made a link
    screenshot(page, f"hostile-names-{path or 'overview'}-practice")


def test_a_websocket_from_another_origin_makes_the_server_look_up_nothing(server, page):
    """Any web page a user visits may try the app's WebSocket from its own origin. Streamlit
    refuses it, but without ui/offline.py it first asks checkip.amazonaws.com for the machine's
    address (and opens a socket towards 8.8.8.8)."""
    open_page(page, server["url"], "Overview")  # the app has run once: ui is imported
    connection = http.client.HTTPConnection(server["url"].removeprefix("http://"), timeout=30)
    connection.request("GET", "/_stcore/stream", headers={
        "Connection": "Upgrade", "Upgrade": "websocket", "Sec-WebSocket-Version": "13",
        "Sec-WebSocket-Key": base64.b64encode(os.urandom(16)).decode(),
        "Origin": "http://attacker.example",
    })  # fmt: skip
    assert connection.getresponse().status == 403
    connection.close()
    assert server["log"].read_text() == "", (
        f"the server connected off this machine: {server['log'].read_text()}"
    )


def test_a_server_started_as_make_run_does_looks_up_no_outside_host(tmp_path, demo_template):
    """Headless on every interface, Streamlit asks an outside host for the machine's external
    address unless browser.serverAddress is set (.streamlit/config.toml sets it)."""
    hooks = tmp_path / "hooks"
    hooks.mkdir()
    (hooks / "sitecustomize.py").write_text(textwrap.dedent(CONNECTION_LOGGER))
    log = tmp_path / "connections.log"
    log.write_text("")
    shutil.copy(demo_template, tmp_path / "iif.duckdb")
    process, _ = start_server(tmp_path, {
        "IIF_DB": str(tmp_path / "iif.duckdb"), "IIF_DEMO": "0", "PYTHONPATH": str(hooks),
        "IIF_TEST_CONNECTIONS": str(log),
    }, loopback=False)  # fmt: skip
    stop_server(process)  # the lookup happens while it starts, before it answers
    assert "Local URL" not in (tmp_path / "server.log").read_text()
    assert log.read_text() == ""


def test_the_configuration_keeps_usage_statistics_off():
    import tomllib

    with open(ROOT / ".streamlit" / "config.toml", "rb") as handle:
        config = tomllib.load(handle)
    assert config["browser"]["gatherUsageStats"] is False
    assert config["browser"]["serverAddress"]
