"""Two sources compared, in Chromium: the Data page lists the planted differences of
tests/core/test_reconcile.py; a screenshot in test-artifacts/screenshots/."""

import sys
from pathlib import Path

import pytest
from browsing import (
    CHROMIUM,
    RUN_SECONDS,
    VIEWPORT,
    open_page,
    screenshot,
    start_server,
    stop_server,
)

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "core"))

from test_reconcile import plant  # noqa: E402

from iif_core.store import Store  # noqa: E402
from ui.demo import load_demo  # noqa: E402

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    if not Path(CHROMIUM).exists():
        pytest.skip("Debian's chromium is not installed (make browser)")
    folder = tmp_path_factory.mktemp("reconcile-app")
    store = Store(folder / "iif.duckdb")
    load_demo(store)
    plant(store, folder)
    store.close()
    process, url = start_server(folder, {"IIF_DB": str(folder / "iif.duckdb"), "IIF_DEMO": "0"})
    try:
        yield url
    finally:
        stop_server(process)


def test_the_data_page_shows_where_the_two_sources_differ(server, browser):
    context = browser.new_context(viewport=VIEWPORT)
    page = context.new_page()
    try:
        open_page(page, f"{server}/data", "Data")
        main = page.locator('[data-testid="stMain"]')
        heading = main.get_by_role("heading", name="Two sources compared")
        heading.wait_for(timeout=RUN_SECONDS * 1000)
        assert "differ on 9 figures (of 1,256 compared)" in main.inner_text()
        heading.scroll_into_view_if_needed()
        screenshot(page, "sources-compared")
    finally:
        context.close()
