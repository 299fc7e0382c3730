"""What the app tests share: a store with the demo loaded once, copied afresh for each test."""

import shutil
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from iif_core.store import Store  # noqa: E402
from ui.demo import load_demo  # noqa: E402


@pytest.fixture(scope="session")
def demo_template(tmp_path_factory) -> Path:
    """A store file holding the demo batches, made once per test session."""
    path = tmp_path_factory.mktemp("demo-store") / "iif.duckdb"
    store = Store(path)
    load_demo(store)
    store.close()
    return path


@pytest.fixture
def demo_db(tmp_path, demo_template, monkeypatch) -> Path:
    """A fresh copy of the demo store as this test's IIF_DB; the app loads no demo itself."""
    path = tmp_path / "iif.duckdb"
    for source in [p for p in demo_template.parent.iterdir() if p.is_file()]:
        shutil.copy(source, tmp_path / source.name)
    monkeypatch.setenv("IIF_DB", str(path))
    monkeypatch.setenv("IIF_DEMO", "0")
    return path


@pytest.fixture
def empty_db(tmp_path, monkeypatch) -> Path:
    """An empty store as this test's IIF_DB, with the first-start demo switched off."""
    path = tmp_path / "empty.duckdb"
    monkeypatch.setenv("IIF_DB", str(path))
    monkeypatch.setenv("IIF_DEMO", "0")
    return path


@pytest.fixture(autouse=True)
def navigation_as_served(monkeypatch):
    """Run app.py on every AppTest run, as the server does.

    Because the app has a folder named pages/, AppTest turns Streamlit's legacy pages-folder
    mode back on before every run; a page switch then runs the page file alone, without app.py
    and its sidebar (a served app leaves that mode once app.py has called st.navigation). This
    makes the legacy mode run the entry script, so AppTest navigates like the browser.
    """
    import runpy

    from streamlit.runtime.scriptrunner import script_runner

    monkeypatch.setattr(
        script_runner, "_mpa_v1", lambda main: runpy.run_path(main, run_name="__main__")
    )


@pytest.fixture(autouse=True)
def charts_checked_against_the_schema(monkeypatch):
    """Every chart an app test draws is checked against Vega-Lite's schema, as Altair does
    unless told not to: the served app skips the check for speed (ui/charts.py, D80), so a
    chart that breaks the schema fails here instead."""
    from ui import charts

    monkeypatch.setattr(charts, "CHECK_AGAINST_SCHEMA", True)


@pytest.fixture(scope="module")
def browser():
    """Debian's Chromium, driven by Playwright, for a module's browser tests (never a browser
    Playwright downloads)."""
    from browsing import CHROMIUM, CHROMIUM_ARGS

    if not Path(CHROMIUM).exists():
        pytest.skip("Debian's chromium is not installed (make browser)")
    playwright_api = pytest.importorskip("playwright.sync_api")
    with playwright_api.sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()
