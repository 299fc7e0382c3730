"""The inbox in a real browser: a month's file saved to the folder shows on the open page with no
click, and a bad file's rejection shows on the Data page; screenshots in test-artifacts/screenshots/."""

import csv
from pathlib import Path

import pytest
from browsing import (
    CHROMIUM,
    RUN_SECONDS,
    VIEWPORT,
    choose_in_selectbox,
    click_level,
    open_page,
    screenshot,
    start_server,
    stop_server,
    wait_for_run,
)

pytestmark = pytest.mark.browser
ROOT = Path(__file__).resolve().parents[2]
ORGANISATION = 1  # the sidebar's second selectbox: the organisation
PCN_NAME = "Brackenford Town"
WAIT_MS = RUN_SECONDS * 1000


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    """The app with the demo in a store of its own and an inbox folder it watches."""
    if not Path(CHROMIUM).exists():
        pytest.skip("Debian's chromium is not installed (make browser)")
    folder = tmp_path_factory.mktemp("inbox-app")
    inbox = folder / "inbox"
    inbox.mkdir()
    environment = {"IIF_DB": str(folder / "iif.duckdb"), "IIF_DEMO": "1", "IIF_INBOX": str(inbox)}
    process, url = start_server(folder, environment)
    try:
        yield url, inbox
    finally:
        stop_server(process)


@pytest.fixture
def page(browser):
    context = browser.new_context(viewport=VIEWPORT)
    yield context.new_page()
    context.close()


def november_extract(path: Path) -> Path:
    """The demo's October counts carried to 30 November, a few more patients seen at each
    practice: the month's file a clinical system would save."""
    with open(ROOT / "sample_data" / "extract_2026-27.csv", newline="", encoding="utf-8") as f:
        october = [row for row in csv.DictReader(f) if row["period_end"] == "2026-10-31"]
    assert october
    for row in october:
        row["period_end"] = "2026-11-30"
        more = min(3, int(row["denominator"]) - int(row["numerator"]))
        row["numerator"] = str(int(row["numerator"]) + more)
    partial = path.with_name("." + path.name)  # written under a hidden name, then named
    with open(partial, "w", newline="", encoding="utf-8") as f:
        writer = csv.DictWriter(f, fieldnames=list(october[0]))
        writer.writeheader()
        writer.writerows(october)
    partial.rename(path)
    return path


def test_a_month_saved_to_the_inbox_shows_on_the_open_page_without_a_click(server, page):
    url, inbox = server
    open_page(page, f"{url}/overview", "Overview")
    level = page.locator('[data-testid="stSidebar"]').get_by_role("radio", name="PCN")
    if not level.is_checked():
        click_level(page, "PCN")
    choose_in_selectbox(page, ORGANISATION, PCN_NAME)
    sidebar = page.locator('[data-testid="stSidebar"]')
    assert "As at 31 October 2026" in sidebar.inner_text()
    before = wait_for_run(page, 0, "the Overview")

    november_extract(inbox / "iif-extract-november.csv")
    # no click, no key: the page runs again by itself once the inbox has stored the file
    page.wait_for_function(
        "() => document.querySelector('[data-testid=stSidebar]').innerText"
        ".includes('As at 30 November 2026')",
        timeout=WAIT_MS,
    )
    wait_for_run(page, before, "the Overview after the inbox stored November")
    screenshot(page, "inbox-overview-november")
    assert (inbox / "accepted" / "iif-extract-november.csv").exists()


def test_a_bad_file_saved_to_the_inbox_shows_as_rejected_on_the_data_page(server, page):
    url, inbox = server
    open_page(page, f"{url}/data", "Data")
    main = page.locator('[data-testid="stMain"]')
    main.get_by_role("heading", name="Inbox").wait_for(timeout=WAIT_MS)
    before = wait_for_run(page, 0, "the Data page")

    bad = inbox / ".practice-search.csv"
    bad.write_text(
        "practice_code,indicator_code,period_end,numerator,denominator\n"
        "X10010,HI-03,2026-11-30,twelve,20\n",
        encoding="utf-8",
    )
    bad.rename(inbox / "practice-search.csv")
    page.wait_for_function(
        "() => document.querySelector('[data-testid=stMain]').innerText"
        ".includes('Last file: practice-search.csv, rejected')",
        timeout=WAIT_MS,
    )
    wait_for_run(page, before, "the Data page after the inbox rejected a file")
    text = main.inner_text()
    assert "Nothing was stored from practice-search.csv" in text
    assert (inbox / "rejected" / "practice-search.csv.report.txt").exists()
    report = (inbox / "rejected" / "practice-search.csv.report.txt").read_text(encoding="utf-8")
    assert "row 2, column 'numerator': the numerator is not a number (found 'twelve')" in report
    main.get_by_role("heading", name="Inbox").scroll_into_view_if_needed()
    screenshot(page, "inbox-data-page")
