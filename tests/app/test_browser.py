"""The running app in a real browser: `streamlit run app.py` driven by headless Chromium.

Uses Debian's Chromium (`make browser` installs it); the tests never download a browser. Each
page is visited, any exception Streamlit shows fails the test, one file is uploaded through the
Data page, and screenshots are kept in test-artifacts/screenshots/.
"""

import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from iif_core.store import Store

pytestmark = pytest.mark.browser

ROOT = Path(__file__).resolve().parents[2]
SCREENSHOTS = ROOT / "test-artifacts" / "screenshots"
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser") or "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--disable-background-networking",
    "--disable-component-update", "--no-first-run", "--disable-sync",
]  # fmt: skip
VIEWPORT = {"width": 1400, "height": 900}
START_SECONDS = 60  # for the server to answer its health check
RUN_SECONDS = 60  # for a page's script run to finish
SETTLE_SECONDS = 1.0  # for charts to draw after the run has finished
PAGES = {  # URL path -> the page's title
    "": "Overview",
    "variation": "Variation",
    "patients": "Patients",
    "trends": "Trends",
    "payment": "Payment",
    "data": "Data",
    "scheme": "Scheme",
}
EXCEPTION = '[data-testid="stException"]'
RUNNING = '[data-testid="stStatusWidget"]'
UPLOAD = (
    "practice_code,indicator_code,period_end,numerator,denominator,pca_count\n"
    "X10010,HI-03,2026-11-30,30,40,1\n"
    "X11772,CAN-04,2026-11-30,20,25,0\n"
)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    """The app on a free port with an empty store of its own, so it loads the demo at start."""
    if not Path(CHROMIUM).exists():
        pytest.skip("Debian's chromium is not installed (make browser)")
    folder = tmp_path_factory.mktemp("browser")
    database = folder / "iif.duckdb"
    port = free_port()
    environment = {**os.environ, "IIF_DB": str(database), "IIF_DEMO": "1"}
    log = open(folder / "server.log", "w")  # noqa: SIM115 - closed below
    process = subprocess.Popen(
        [sys.executable, "-m", "streamlit", "run", "app.py", "--server.headless", "true",
         "--server.port", str(port), "--browser.gatherUsageStats", "false"],
        cwd=ROOT, env=environment, stdout=log, stderr=subprocess.STDOUT,
    )  # fmt: skip
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + START_SECONDS
        while True:
            try:
                with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as answer:
                    if answer.status == 200:
                        break
            except OSError:
                pass
            if process.poll() is not None or time.monotonic() > deadline:
                pytest.fail(f"the app did not start: {(folder / 'server.log').read_text()}")
            time.sleep(0.3)
        yield {"url": url, "database": database}
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
        log.close()


@pytest.fixture(scope="module")
def browser():
    playwright_api = pytest.importorskip("playwright.sync_api")
    with playwright_api.sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture
def page(browser):
    context = browser.new_context(viewport=VIEWPORT)
    yield context.new_page()
    context.close()


def settle(page, title: str) -> None:
    """Wait until the page's title shows and the script run has finished."""
    page.locator("h1", has_text=title).first.wait_for(timeout=RUN_SECONDS * 1000)
    deadline = time.monotonic() + RUN_SECONDS
    while page.locator(RUNNING).count() and time.monotonic() < deadline:
        time.sleep(0.2)
    time.sleep(SETTLE_SECONDS)


def assert_no_exception(page) -> None:
    shown = page.locator(EXCEPTION)
    assert shown.count() == 0, shown.first.inner_text()
    assert "Traceback" not in page.locator("body").inner_text()


def screenshot(page, name: str) -> None:
    """The whole page: the window made as tall as the page's content first."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    height = page.evaluate(
        "() => { const e = document.querySelector('[data-testid=stMainBlockContainer]');"
        " return e ? e.scrollHeight : 900; }"
    )
    page.set_viewport_size({"width": VIEWPORT["width"], "height": max(900, int(height) + 80)})
    time.sleep(SETTLE_SECONDS / 2)
    page.screenshot(path=str(SCREENSHOTS / f"{name}.png"))
    page.set_viewport_size(VIEWPORT)


def test_a_fresh_servers_first_request_may_be_any_page(server, page):
    """The first request is for /payment: Streamlit would run pages/payment.py alone (its legacy
    pages-folder mode); the app shows the page with its sidebar and navigation all the same."""
    page.goto(f"{server['url']}/payment")
    settle(page, "Payment")
    assert_no_exception(page)
    navigation = page.locator('[data-testid="stSidebarNav"]').inner_text()
    assert "Overview" in navigation and "Set-up" in navigation
    assert page.get_by_text("Scheme year").count()
    screenshot(page, "payment-first-request")


@pytest.mark.parametrize("path", list(PAGES))
def test_every_page_draws_without_an_error(server, page, path):
    page.goto(f"{server['url']}/{path}")
    settle(page, PAGES[path])
    assert_no_exception(page)
    assert page.get_by_text("Demo data.").count()  # the banner while the demo is in use
    screenshot(page, path or "overview")


@pytest.mark.parametrize("path", ["", "payment", "variation"])
def test_pages_at_practice_level(server, page, path):
    page.goto(f"{server['url']}/{path}")
    settle(page, PAGES[path])
    page.locator('[data-testid="stSidebar"]').get_by_role("radio", name="Practice").click()
    time.sleep(0.5)
    settle(page, PAGES[path])
    assert_no_exception(page)
    screenshot(page, f"{path or 'overview'}-practice")


def test_an_upload_through_the_data_page(server, page, tmp_path):
    upload = tmp_path / "november.csv"
    upload.write_text(UPLOAD, encoding="utf-8")
    before = len(Store(server["database"]).batches())
    page.goto(f"{server['url']}/data")
    settle(page, "Data")
    page.locator('[data-testid="stFileUploaderDropzoneInput"]').set_input_files(str(upload))
    page.get_by_text("november.csv: ready to store").wait_for(timeout=RUN_SECONDS * 1000)
    settle(page, "Data")
    screenshot(page, "data-upload-checked")
    page.get_by_role("button", name="Store 1 file(s)").click()
    page.get_by_text("Stored november.csv as batch").wait_for(timeout=RUN_SECONDS * 1000)
    settle(page, "Data")
    assert_no_exception(page)
    screenshot(page, "data-upload-stored")
    batches = Store(server["database"]).batches()
    assert len(batches) == before + 1 and batches.iloc[0]["file_name"] == "november.csv"


CHART = '[data-testid="stVegaLiteChart"]'


def chart_screenshot(page, heading: str, name: str) -> None:
    """The first chart after a heading, on its own: what a person sees of that view."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    section = page.locator(f"h3:has-text('{heading}')").first
    section.wait_for(timeout=RUN_SECONDS * 1000)
    chart = page.locator(f"h3:has-text('{heading}') ~ * {CHART}, {CHART}").filter(
        has=page.locator("canvas, svg")
    )
    chart.first.wait_for(timeout=RUN_SECONDS * 1000)
    below = [c for c in chart.all() if c.bounding_box()["y"] > section.bounding_box()["y"]]
    below[0].scroll_into_view_if_needed()
    time.sleep(SETTLE_SECONDS / 2)
    below[0].screenshot(path=str(SCREENSHOTS / f"{name}.png"))


def choose_organisation(page, words: str, title: str) -> None:
    sidebar = page.locator('[data-testid="stSidebar"]')
    sidebar.locator('[data-testid="stSelectbox"]').nth(1).click()
    page.keyboard.type(words)
    time.sleep(0.5)
    page.keyboard.press("Enter")
    time.sleep(0.5)
    settle(page, title)


def test_signal_or_noise_views(server, page):
    """The funnel plot (PCN and place), the year-end projection and the SPC chart, drawn by the
    browser, with screenshots of each chart and of the pages."""
    page.goto(f"{server['url']}/variation")
    settle(page, "Variation")
    assert_no_exception(page)
    assert page.get_by_text("inside the funnel differ from the PCN").count()
    chart_screenshot(page, "Signal or noise: the funnel plot", "chart-funnel-pcn")
    page.locator('[data-testid="stSidebar"]').get_by_role("radio", name="Place").click()
    time.sleep(0.5)
    settle(page, "Variation")
    assert_no_exception(page)
    chart_screenshot(page, "Signal or noise: the funnel plot", "chart-funnel-place")
    screenshot(page, "variation-funnel-place")

    page.goto(f"{server['url']}/trends")
    settle(page, "Trends")
    page.locator('[data-testid="stSidebar"]').get_by_role("radio", name="PCN").click()
    time.sleep(0.5)
    settle(page, "Trends")
    choose_organisation(page, "Tarnwick", "Trends")
    assert_no_exception(page)
    assert page.get_by_text("Method: last year's shape").count()
    assert page.get_by_text("under-shot by").count()  # last year's back-loaded health checks
    chart_screenshot(page, "HI-03: month by month", "chart-trend-projection")
    chart_screenshot(page, "Monthly activity: signal or noise", "chart-spc")
    screenshot(page, "trends-projection-spc")

    page.goto(f"{server['url']}/")
    settle(page, "Overview")
    choose_organisation(page, "Kestrelford", "Overview")
    sidebar = page.locator('[data-testid="stSidebar"]')
    sidebar.locator('[data-testid="stSelectbox"]').nth(2).click()
    page.keyboard.type("31 Aug")
    page.keyboard.press("Enter")
    time.sleep(0.5)
    settle(page, "Overview")
    assert_no_exception(page)
    assert page.get_by_text("No figures from Ashwendle Bridge Family Practice").count()
    screenshot(page, "overview-projection-incomplete")
