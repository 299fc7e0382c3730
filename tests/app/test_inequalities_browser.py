"""The Inequalities page in a real browser, on the demo with a second month of lists for Sorrelby
PCN: what a person sees at 1400 and 800 pixels wide, with screenshots in
test-artifacts/screenshots/, and a chart's tooltip named."""

import re
from pathlib import Path

import pytest
from browsing import (
    CHROMIUM,
    RUN_SECONDS,
    choose_in_selectbox,
    click_level,
    open_page,
    rerun_after,
    screenshot,
    start_server,
    stop_server,
)
from test_inequalities_page import SORRELBY, members, november_lists

from iif_core.store import Store
from ui.demo import load_demo

pytestmark = pytest.mark.browser
ORGANISATION, PERIOD = 1, 2  # the sidebar's selectboxes: the organisation, the period end
WAIT_MS = RUN_SECONDS * 1000


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    """The app on a free port with the demo and a November list for Sorrelby PCN's practices."""
    if not Path(CHROMIUM).exists():
        pytest.skip("Debian's chromium is not installed (make browser)")
    folder = tmp_path_factory.mktemp("inequalities")
    path = folder / "iif.duckdb"
    store = Store(path)
    load_demo(store)
    store.ingest(november_lists(folder, members(path, SORRELBY)), who="Test Manager")
    store.close()
    process, url = start_server(folder, {"IIF_DB": str(path), "IIF_DEMO": "0"})
    try:
        yield url
    finally:
        stop_server(process)


@pytest.fixture
def page(browser):
    from browsing import VIEWPORT

    context = browser.new_context(viewport=VIEWPORT)
    yield context.new_page()
    context.close()


def test_the_inequalities_page_of_a_pcn_at_two_widths(server, page):
    open_page(page, f"{server}/inequalities", "Inequalities")
    level = page.locator('[data-testid="stSidebar"]').get_by_role("radio", name="PCN")
    if not level.is_checked():
        click_level(page, "PCN")
    choose_in_selectbox(page, ORGANISATION, "Sorrelby")
    choose_in_selectbox(page, PERIOD, "30 Nov 2026")
    main = page.locator('[data-testid="stMain"]')
    indicator = main.get_by_role("radio", name=re.compile("CAN-04"))
    if indicator.get_attribute("aria-checked") != "true":
        rerun_after(page, indicator.click, "choosing CAN-04")
    main.get_by_text("in the most deprived fifth of areas have achieved CAN-04").wait_for(
        timeout=WAIT_MS
    )
    assert main.get_by_text("(2 period ends with lists)").count() == 1
    for heading in ("Deprivation (IMD quintile)", "Ethnic group", "Age band", "Sex",
                    "The gap by month"):  # fmt: skip
        assert main.locator("h3", has_text=heading).count() == 1, heading
    assert main.locator('[data-testid="stVegaLiteChart"]').count() == 5
    screenshot(page, "inequalities-pcn-1400")
    screenshot(page, "inequalities-pcn-800", width=800)
    # a group's mark, pointed at, names its group and figures
    chart = main.locator('[data-testid="stVegaLiteChart"]').first
    chart.scroll_into_view_if_needed()
    box = chart.locator("canvas, svg").first.bounding_box()
    tooltip = page.locator("#vg-tooltip-element")
    found = ""
    for step in range(1, 400):  # along the first group's row, until its mark's tooltip shows
        page.mouse.move(box["x"] + box["width"] * step / 400, box["y"] + 15)
        found = tooltip.inner_text() if tooltip.count() and tooltip.is_visible() else ""
        if "Eligible patients" in found:
            break
    assert "1 (most deprived)" in found and "95% interval: low (%)" in found, found
