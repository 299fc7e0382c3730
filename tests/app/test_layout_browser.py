"""Every page at 1400 and 800 px wide in headless Chromium: nothing cut off (headline tiles,
labels, charts, tables, the page itself), with screenshots in test-artifacts/screenshots/."""

from pathlib import Path

import pytest
from browsing import (
    CHROMIUM,
    VIEWPORT,
    choose_in_selectbox,
    click_level,
    open_page,
    screenshot,
    start_server,
    stop_server,
)

pytestmark = pytest.mark.browser
ORGANISATION = 1  # the sidebar's second selectbox: the organisation
PCN_NAME = "Brackenford Town"
PAGES = {  # URL path -> the page's title
    "": "Overview",
    "variation": "Variation",
    "patients": "Patients",
    "inequalities": "Inequalities",
    "trends": "Trends",
    "payment": "Payment",
    "plan": "Plan",
    "data": "Data",
    "scheme": "Scheme",
}
WIDTHS = (1400, 800)
WIDE = 1400  # at this width these pages' tables fit their frame; narrower, they scroll inside it
FITTING_TABLES = ("payment", "variation", "data")

# Every text the main part of the page shows cut off: an element whose text is wider than the
# element (an ellipsis or a clipped end), among headline tiles, labels, captions and the
# indicator's buttons; a chart
# drawn wider than its frame; anything reaching past the right edge of the main column.
CUT_OFF = """() => {
  const cut = [];
  const main = document.querySelector('[data-testid="stMain"]');
  const edge = main.getBoundingClientRect().right + 1;
  const words = (e) => (e.innerText || e.getAttribute('aria-label') || e.tagName).slice(0, 60);
  const texts = main.querySelectorAll(
    '[data-testid="stMetric"] *, [data-testid="stWidgetLabel"] *, [data-testid="stCaptionContainer"] *, '
    + '[data-testid="stButtonGroup"] *');
  for (const e of texts) {
    // wider than its box: cut off with an ellipsis, clipped, or spilling out of its tile
    if (e.children.length === 0 && e.innerText && (e.scrollWidth > e.clientWidth + 1
        || e.innerText.trim().endsWith('…'))) cut.push('text: ' + words(e));
  }
  // a tile's text reaching past the tile, clipped or not: measured on the text itself
  for (const tile of main.querySelectorAll('[data-testid="stMetric"]')) {
    const right = tile.getBoundingClientRect().right + 1;
    for (const e of tile.querySelectorAll('*')) {
      if (e.children.length !== 0 || !e.innerText) continue;
      const text = document.createRange();
      text.selectNodeContents(e);
      if (text.getBoundingClientRect().right > right) cut.push('tile: ' + words(e));
    }
  }
  // a table written in words (a card's figures) wider than the text around it
  for (const table of main.querySelectorAll('[data-testid="stMarkdownContainer"] table')) {
    const frame = table.closest('[data-testid="stMarkdownContainer"]').getBoundingClientRect();
    if (table.getBoundingClientRect().right > frame.right + 1) cut.push('table: ' + words(table));
  }
  for (const chart of main.querySelectorAll('[data-testid="stVegaLiteChart"]')) {
    const drawn = chart.querySelector('canvas, svg');
    if (drawn && drawn.getBoundingClientRect().width > chart.getBoundingClientRect().width + 1)
      cut.push('chart: ' + words(chart));
  }
  for (const e of main.querySelectorAll('[data-testid="stElementContainer"]')) {
    const box = e.getBoundingClientRect();
    if (box.width > 0 && box.right > edge) cut.push('past the edge: ' + words(e));
  }
  return cut;
}"""
# Each table wider than its frame (its grid scrolls sideways): its first column's header.
TABLES_TOO_WIDE = """() => [...document.querySelectorAll('[data-testid="stMain"] [data-testid="stDataFrame"]')]
  .filter((table) => { const grid = table.querySelector('.dvn-scroller');
                       return grid && grid.scrollWidth > grid.clientWidth + 1; })
  .map((table) => {
    const grid = table.querySelector('.dvn-scroller');
    const name = table.closest('[class*="st-key-"]')?.className.match(/st-key-\\S+/)?.[0];
    const header = table.querySelector('[role=columnheader]')?.innerText;
    return `${name || header || 'a table'}: ${grid.scrollWidth} px wide in ${grid.clientWidth} px`;
  })"""


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    """The app on a free port with an empty store of its own, so it loads the demo at start."""
    if not Path(CHROMIUM).exists():
        pytest.skip("Debian's chromium is not installed (make browser)")
    folder = tmp_path_factory.mktemp("layout")
    process, url = start_server(folder, {"IIF_DB": str(folder / "iif.duckdb"), "IIF_DEMO": "1"})
    try:
        yield url
    finally:
        stop_server(process)


@pytest.fixture(params=WIDTHS, ids=lambda width: f"{width}px")
def page(browser, request):
    context = browser.new_context(viewport={"width": request.param, "height": VIEWPORT["height"]})
    yield context.new_page()
    context.close()


@pytest.mark.parametrize("path", list(PAGES))
def test_nothing_is_cut_off(server, page, path):
    title = PAGES[path]
    open_page(page, f"{server}/{path}", title)
    level = page.locator('[data-testid="stSidebar"]').get_by_role("radio", name="PCN")
    if level.count() and not level.is_checked():
        click_level(page, "PCN")
    if level.count():
        choose_in_selectbox(page, ORGANISATION, PCN_NAME)
    width = page.viewport_size["width"]  # at 800 px the sidebar stays open, as Streamlit shows it
    screenshot(page, f"layout-{path or 'overview'}-{width}")
    cut = page.evaluate(CUT_OFF)
    assert not cut, cut
    if width >= WIDE and path in FITTING_TABLES:
        too_wide = page.evaluate(TABLES_TOO_WIDE)
        assert not too_wide, too_wide
