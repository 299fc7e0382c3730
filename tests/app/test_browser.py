"""The running app in a real browser: `streamlit run app.py` driven by headless Chromium.

Uses Debian's Chromium (`make browser` installs it); the tests never download a browser. Each
page is visited, any exception Streamlit shows fails the test, one file is uploaded through the
Data page, and screenshots are kept in test-artifacts/screenshots/.
"""

import shutil
from pathlib import Path

import pytest
from browsing import (
    VIEWPORT,
    chart_screenshot,
    choose_in_selectbox,
    click_level,
    open_page,
    rerun_after,
    screenshot,
    start_server,
    stop_server,
    wait_for_run,
)
from extract_2024_25 import write_extract_2024_25

from iif_core.store import Store

pytestmark = pytest.mark.browser

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser") or "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--disable-background-networking",
    "--disable-component-update", "--no-first-run", "--disable-sync",
]  # fmt: skip
PAGES = {  # URL path -> the page's title
    "": "Overview",
    "variation": "Variation",
    "patients": "Patients",
    "trends": "Trends",
    "payment": "Payment",
    "data": "Data",
    "scheme": "Scheme",
}
UPLOAD = (
    "practice_code,indicator_code,period_end,numerator,denominator,pca_count\n"
    "X10010,HI-03,2026-11-30,30,40,1\n"
    "X11772,CAN-04,2026-11-30,20,25,0\n"
)
WAIT_MS = 120_000  # for a text that a finished run shows


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    """The app on a free port with an empty store of its own, so it loads the demo at start."""
    if not Path(CHROMIUM).exists():
        pytest.skip("Debian's chromium is not installed (make browser)")
    folder = tmp_path_factory.mktemp("browser")
    database = folder / "iif.duckdb"
    process, url = start_server(folder, {"IIF_DB": str(database), "IIF_DEMO": "1"})
    try:
        yield {"url": url, "database": database}
    finally:
        stop_server(process)


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


def test_a_fresh_servers_first_request_may_be_any_page(server, page):
    """The first request is for /payment: Streamlit would run pages/payment.py alone (its legacy
    pages-folder mode); the app shows the page with its sidebar and navigation all the same."""
    open_page(page, f"{server['url']}/payment", "Payment")
    navigation = page.locator('[data-testid="stSidebarNav"]').inner_text()
    assert "Overview" in navigation and "Set-up" in navigation
    assert page.get_by_text("Scheme year").count()
    screenshot(page, "payment-first-request")


@pytest.mark.parametrize("path", list(PAGES))
def test_every_page_draws_without_an_error(server, page, path):
    open_page(page, f"{server['url']}/{path}", PAGES[path])
    assert page.get_by_text("Demo data.").count()  # the banner while the demo is in use
    screenshot(page, path or "overview")


@pytest.mark.parametrize("path", ["", "payment", "variation"])
def test_pages_at_practice_level(server, page, path):
    open_page(page, f"{server['url']}/{path}", PAGES[path])
    click_level(page, "Practice")
    assert page.locator("h1", has_text=PAGES[path]).count()
    assert page.get_by_text("Practice · ").count()  # the header names the level
    screenshot(page, f"{path or 'overview'}-practice")


def test_an_upload_through_the_data_page(server, page, tmp_path):
    upload = tmp_path / "november.csv"
    upload.write_text(UPLOAD, encoding="utf-8")
    before = len(Store(server["database"]).batches())
    open_page(page, f"{server['url']}/data", "Data")
    dropzone = page.locator('[data-testid="stFileUploaderDropzoneInput"]')
    rerun_after(page, lambda: dropzone.set_input_files(str(upload)), "checking the upload")
    page.get_by_text("november.csv: ready to store").wait_for(timeout=WAIT_MS)
    screenshot(page, "data-upload-checked")
    store_button = page.get_by_role("button", name="Store 1 file(s)")
    rerun_after(page, store_button.click, "storing the upload")
    page.get_by_text("Stored november.csv as batch").wait_for(timeout=WAIT_MS)
    screenshot(page, "data-upload-stored")
    batches = Store(server["database"]).batches()
    assert len(batches) == before + 1 and batches.iloc[0]["file_name"] == "november.csv"


YEAR, ORGANISATION, PERIOD = (
    0,
    1,
    2,
)  # the sidebar's selectboxes: scheme year, organisation, period end


def test_signal_or_noise_views(server, page):
    """The funnel plot (PCN and place), the year-end projection and the SPC chart, drawn by the
    browser, with screenshots of each chart and of the pages."""
    open_page(page, f"{server['url']}/variation", "Variation")
    assert page.get_by_text("inside the funnel differ from the PCN").count()
    chart_screenshot(page, "Signal or noise: the funnel plot", "chart-funnel-pcn")
    click_level(page, "Place")
    assert page.get_by_text("inside the funnel differ from the place").count()
    chart_screenshot(page, "Signal or noise: the funnel plot", "chart-funnel-place")
    screenshot(page, "variation-funnel-place")

    open_page(page, f"{server['url']}/trends", "Trends")  # a new session: at PCN level
    choose_in_selectbox(page, ORGANISATION, "Tarnwick")
    assert page.get_by_text("Method: last year's shape").count()
    assert page.get_by_text("under-shot by").count()  # last year's back-loaded health checks
    chart_screenshot(page, "HI-03: month by month", "chart-trend-projection")
    chart_screenshot(page, "Monthly activity: signal or noise", "chart-spc")
    screenshot(page, "trends-projection-spc")

    open_page(page, f"{server['url']}/", "Overview")
    choose_in_selectbox(page, ORGANISATION, "Kestrelford")
    choose_in_selectbox(page, PERIOD, "31 Aug")
    assert page.get_by_text("No figures from Ashwendle Bridge Family Practice").count()
    screenshot(page, "overview-projection-incomplete")


def test_the_run_mark_waits_for_a_run_that_really_finished(server, page):
    """The signal the tests rely on: each finished run draws the next count, exactly once."""
    open_page(page, f"{server['url']}/variation", "Variation")
    first = wait_for_run(page, 0)
    click_level(page, "ICB")
    assert wait_for_run(page, first) > first
    assert page.locator("[data-iif-run]").count() == 1


def test_the_scheme_page_marks_unconfirmed_values_and_a_withdrawn_indicator_says_why(
    server, page, tmp_path
):
    """2024/25, when CAN-02 gave way to CAN-04 on 1 October 2024 (decisions.md D23, D24)."""
    open_page(page, f"{server['url']}/", "Overview")  # the demo is in the store first
    assert Store(server["database"]).ingest(write_extract_2024_25(tmp_path), who="test").accepted

    open_page(page, f"{server['url']}/scheme", "Scheme")
    choose_in_selectbox(page, YEAR, "2024/25")
    assert page.get_by_text("11 of 14 values unconfirmed").count()
    assert page.get_by_text(
        "Withdrawn after 30 Sep 2024: scored until then, not paid at the"
    ).count()
    assert page.get_by_text("Each value and its source").count()
    screenshot(page, "scheme-2024-25-values-and-dates")

    open_page(page, f"{server['url']}/", "Overview")
    choose_in_selectbox(page, YEAR, "2024/25")
    assert page.get_by_text("Withdrawn after 30 Sep 2024: not scored or paid for later").count()
    assert page.get_by_text("Not in the scheme on this date").count()
    screenshot(page, "overview-2024-25-october-can02-withdrawn")
    choose_in_selectbox(page, PERIOD, "30 Sep 2024")
    assert page.get_by_text("Starts 1 Oct 2024: not scored or paid before then.").count()
    screenshot(page, "overview-2024-25-september-can04-not-started")

    open_page(page, f"{server['url']}/payment", "Payment")
    choose_in_selectbox(page, YEAR, "2024/25")
    assert page.get_by_text("Withdrawn after 30 Sep 2024: not scored or paid for later").count()
    screenshot(page, "payment-2024-25-october")
