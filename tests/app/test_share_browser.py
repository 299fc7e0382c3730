"""Shareable views in a real browser (decisions.md D65, D66): a view chosen in one browser, its
address opened in another (a new browser context: no cookie, no session) shows the same view,
read from the page; a link with a bad value says so; screenshots in test-artifacts/screenshots/."""

from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest
from browsing import (
    CHROMIUM,
    RUN_SECONDS,
    VIEWPORT,
    assert_no_exception,
    choose_in_selectbox,
    click_level,
    open_page,
    rerun_after,
    screenshot,
    start_server,
    stop_server,
)

pytestmark = pytest.mark.browser
YEAR, ORGANISATION, PERIOD = 0, 1, 2  # the sidebar's selectboxes
WAIT_MS = RUN_SECONDS * 1000
VIEW = {"year": "2025/26", "level": "place", "org": "98C", "period": "2026-01-31",
        "indicator": "CAN-04"}  # fmt: skip


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    """The app on a free port with an empty store of its own, so it loads the demo at start."""
    if not Path(CHROMIUM).exists():
        pytest.skip("Debian's chromium is not installed (make browser)")
    folder = tmp_path_factory.mktemp("share")
    process, url = start_server(folder, {"IIF_DB": str(folder / "iif.duckdb"), "IIF_DEMO": "1"})
    try:
        yield url
    finally:
        stop_server(process)


@pytest.fixture
def new_browser(browser):
    """A function giving a page in a new browser context each time it is called, as if
    someone else opened the link; every context is closed at the end."""
    contexts = []

    def open_one():
        contexts.append(browser.new_context(viewport=VIEWPORT))
        return contexts[-1].new_page()

    yield open_one
    for context in contexts:
        context.close()


def url_view(page) -> dict[str, str]:
    """The view the address bar holds."""
    return url_view_of(page.url)


def url_view_of(address: str) -> dict[str, str]:
    return {key: values[0] for key, values in parse_qs(urlsplit(address.strip()).query).items()}


def shown(page) -> dict[str, str]:
    """What the page shows: the sidebar's choices and the indicator chosen, as words."""
    sidebar = page.locator('[data-testid="stSidebar"]')
    boxes = sidebar.locator('[data-testid="stSelectbox"]')
    level = sidebar.locator('[data-testid="stButtonGroup"]').get_by_role("radio", checked=True)
    main = page.locator('[data-testid="stMain"]')
    indicator = main.locator('[data-testid="stButtonGroup"]').get_by_role("radio", checked=True)
    return {
        "year": boxes.nth(YEAR).locator("input").input_value(),
        "level": level.inner_text().strip(),
        "org": boxes.nth(ORGANISATION).locator("input").input_value(),
        "period": boxes.nth(PERIOD).locator("input").input_value(),
        "indicator": indicator.inner_text().strip() if indicator.count() else "",
        "title": page.locator("h1").first.inner_text(),
    }


def choose_indicator(page, code: str) -> None:
    main = page.locator('[data-testid="stMain"]')
    button = main.locator('[data-testid="stButtonGroup"]').get_by_role("radio", name=code)
    rerun_after(page, lambda: button.first.click(), f"choosing the indicator {code}")


def wait_for_url(page, view: dict[str, str]) -> None:
    """Wait until the address bar holds `view` (the app writes it as each run goes)."""
    wanted = sorted(view.items())
    page.wait_for_function(
        """(wanted) => {
          const now = new URLSearchParams(window.location.search);
          return wanted.every(([key, value]) => now.get(key) === value);
        }""",
        arg=wanted,
        timeout=WAIT_MS,
    )


def test_a_view_opened_in_another_browser_is_the_same_view(server, new_browser):
    page = new_browser()
    open_page(page, f"{server}/variation", "Variation")
    choose_in_selectbox(page, YEAR, "2025/26")
    click_level(page, "Place")
    choose_in_selectbox(page, ORGANISATION, "Fellsey Vale")
    choose_in_selectbox(page, PERIOD, "31 Jan 2026")
    choose_indicator(page, "CAN-04")
    wait_for_url(page, VIEW)
    assert url_view(page) == VIEW
    before = shown(page)
    assert before["year"] == "2025/26" and before["level"] == "Place"
    assert "Fellsey Vale" in before["org"] and before["period"] == "31 Jan 2026"
    assert before["indicator"].startswith("CAN-04")
    screenshot(page, "share-view-chosen")

    # switching page keeps the view, in the sidebar and in the address bar
    sidebar = page.locator('[data-testid="stSidebar"]')
    link = sidebar.locator('[data-testid="stSidebarNav"]').get_by_role("link", name="Trends")
    rerun_after(page, link.click, "opening Trends")
    page.locator("h1", has_text="Trends").wait_for(timeout=WAIT_MS)
    wait_for_url(page, VIEW)
    assert url_view(page) == VIEW
    assert {**shown(page), "title": "Variation"} == before
    address = page.url

    other = new_browser()  # someone else, with the address sent to them
    open_page(other, address, "Trends")
    assert_no_exception(other)
    assert shown(other) == {**before, "title": "Trends"}
    assert other.get_by_text("The link asked for").count() == 0
    heading = other.locator('[data-testid="stMain"] h3').first.inner_text()
    assert heading.startswith("CAN-04")
    wait_for_url(other, VIEW)
    screenshot(other, "share-view-opened-elsewhere")

    # the sidebar says where the link is, and shows it to copy (opening it makes no run)
    expanders = other.locator('[data-testid="stSidebar"] [data-testid="stExpander"]')
    expander = expanders.filter(has_text="Copy a link to this view")
    expander.locator("summary").click()
    code = expander.locator("code")
    code.wait_for(timeout=WAIT_MS)
    assert url_view_of(code.inner_text()) == VIEW
    screenshot(other, "share-link-in-the-sidebar")


def test_a_link_with_a_bad_value_says_so_and_shows_a_sensible_view(server, new_browser):
    page = new_browser()
    open_page(page, f"{server}/?year=2026/27&level=pcn&org=U99999&period=soon", "Overview")
    note = page.get_by_text("The link asked for an organisation you cannot see and a period end")
    assert note.count() == 1
    now = shown(page)
    assert now["level"] == "PCN" and now["org"] and now["period"]
    wait_for_url(page, {"level": "pcn"})
    assert url_view(page)["org"] != "U99999"
    screenshot(page, "share-bad-link")
