"""Turning figures into a plan in a real browser: the what-if, an Overview card's link to it, the
Plan page and its call list, on the demo, with screenshots in test-artifacts/screenshots/."""

from pathlib import Path

import pytest
from browsing import (
    CHROMIUM,
    RUN_SECONDS,
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

pytestmark = pytest.mark.browser
ORGANISATION = 1  # the sidebar's second selectbox: the organisation
PCN_NAME = "Brackenford Town"
WAIT_MS = RUN_SECONDS * 1000


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    """The app on a free port with an empty store of its own, so it loads the demo at start."""
    if not Path(CHROMIUM).exists():
        pytest.skip("Debian's chromium is not installed (make browser)")
    folder = tmp_path_factory.mktemp("planning")
    process, url = start_server(folder, {"IIF_DB": str(folder / "iif.duckdb"), "IIF_DEMO": "1"})
    try:
        yield url
    finally:
        stop_server(process)


@pytest.fixture
def page(browser):
    context = browser.new_context(viewport=VIEWPORT)
    yield context.new_page()
    context.close()


def at_the_pcn(page, url: str, path: str, title: str) -> None:
    open_page(page, f"{url}/{path}", title)
    level = page.locator('[data-testid="stSidebar"]').get_by_role("radio", name="PCN")
    if not level.is_checked():  # choosing the level shown already makes no run to wait for
        click_level(page, "PCN")
    choose_in_selectbox(page, ORGANISATION, PCN_NAME)


def test_a_what_if_of_40_more_health_checks(server, page):
    at_the_pcn(page, server, "payment", "Payment")
    main = page.locator('[data-testid="stMain"]')
    patients = main.get_by_role("spinbutton", name="More patients")
    rerun_after(page, lambda: (patients.fill("40"), patients.press("Enter")), "40 patients")
    rerun_after(page, lambda: main.get_by_role("button", name="Add this change").click(), "add")
    main.get_by_text("40 more patients at").wait_for(timeout=WAIT_MS)
    assert main.get_by_text("£ with the changes").count()
    section = page.locator("h3:has-text('What if')").first
    section.scroll_into_view_if_needed()
    screenshot(page, "payment-what-if-40-more")
    rerun_after(page, lambda: main.get_by_role("button", name="Reset").click(), "reset")
    assert main.get_by_text("40 more patients at").count() == 0


def test_an_overview_card_leads_to_its_what_if(server, page):
    at_the_pcn(page, server, "", "Overview")
    main = page.locator('[data-testid="stMain"]')
    before = wait_for_run(page, 0)
    main.get_by_role("link", name="What if…").nth(1).click()  # the second card: CAN-04
    wait_for_run(page, before, "following the card's link")
    page.locator("h1", has_text="Payment").wait_for(timeout=WAIT_MS)
    main.get_by_text("The what-if for CAN-04 is further down this page").wait_for(timeout=WAIT_MS)
    indicator = main.locator('[data-testid="stSelectbox"]').filter(has_text="Indicator")
    assert "CAN-04" in indicator.locator("input").input_value()
    screenshot(page, "payment-what-if-from-a-card")


def test_150_contacts_make_a_plan_and_a_call_list(server, page):
    at_the_pcn(page, server, "plan", "Plan")
    main = page.locator('[data-testid="stMain"]')
    main.get_by_text("With 150 contacts, the best plan sees").wait_for(timeout=WAIT_MS)
    assert main.get_by_text("Who to call first").count()
    assert main.get_by_role("button", name="Download recall list (CSV)").count()
    screenshot(page, "plan-150-contacts")
    chart_screenshot(page, "Where the contacts earn the most", "plan-chart")
    rerun_after(
        page, lambda: main.get_by_text("Per practice", exact=True).click(), "contacts per practice"
    )
    main.get_by_text("Contacts each practice can make before the year end").wait_for(
        timeout=WAIT_MS
    )
    screenshot(page, "plan-per-practice")
