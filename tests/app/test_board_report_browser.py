"""The board report as a PCN manager gets it: one click on the Overview of the demo's PCN gives
the PDF and the print page, read back here (the PDF with Poppler), with a screenshot."""

import os
import shutil
import subprocess
from pathlib import Path

import pytest
from browsing import (
    CHROMIUM,
    RUN_SECONDS,
    SCREENSHOTS,
    VIEWPORT,
    assert_no_exception,
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
WAIT_MS = RUN_SECONDS * 1000


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    """The app on a free port with an empty store of its own, so it loads the demo at start."""
    if not Path(CHROMIUM).exists():
        pytest.skip("Debian's chromium is not installed (make browser)")
    folder = tmp_path_factory.mktemp("board")
    process, url = start_server(folder, {"IIF_DB": str(folder / "iif.duckdb"), "IIF_DEMO": "1"})
    try:
        yield url
    finally:
        stop_server(process)


@pytest.fixture
def page(browser):
    context = browser.new_context(viewport=VIEWPORT, accept_downloads=True)
    yield context.new_page()
    context.close()


def missing(message: str) -> None:
    """What `make pdf-tools` installs is missing: the test fails on CI, else skips."""
    if os.environ.get("CI"):
        pytest.fail(message)
    pytest.skip(message)


def poppler(tool: str) -> str:
    found = shutil.which(tool)
    if found is None:
        missing(f"{tool} is missing: `make pdf-tools` installs Debian's poppler-utils")
    return found


def test_one_click_on_the_overview_gives_the_pcns_board_report(server, page, tmp_path):
    from ui.board_report import pdf_problem

    if pdf_problem():
        missing(pdf_problem())
    open_page(page, f"{server}/overview", "Overview")
    level = page.locator('[data-testid="stSidebar"]').get_by_role("radio", name="PCN")
    if not level.is_checked():
        click_level(page, "PCN")
    choose_in_selectbox(page, ORGANISATION, PCN_NAME)
    main = page.locator('[data-testid="stMain"]')
    pdf_button = main.get_by_role("button", name="Board report (PDF)")
    pdf_button.wait_for(timeout=WAIT_MS)
    screenshot(page, "board-report-overview")
    with page.expect_download(timeout=WAIT_MS) as waiting:
        pdf_button.click()
    download = waiting.value
    assert download.suggested_filename.endswith(".pdf")
    assert "U54335" in download.suggested_filename
    pdf = tmp_path / "board.pdf"
    download.save_as(pdf)
    assert pdf.read_bytes().startswith(b"%PDF-")
    text = subprocess.run([poppler("pdftotext"), "-layout", str(pdf), "-"], capture_output=True,
                          text=True, check=True).stdout  # fmt: skip
    assert "Brackenford Town PCN" in text and "Headline" in text and "Top actions" in text
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    subprocess.run([poppler("pdftoppm"), "-r", "70", "-png", "-f", "1", "-l", "1", str(pdf),
                    str(SCREENSHOTS / "board-report-downloaded")], check=True)  # fmt: skip

    with page.expect_download(timeout=WAIT_MS) as waiting:
        main.get_by_role("button", name="Board report (print page)").click()
    download = waiting.value
    assert download.suggested_filename.endswith(".html")
    printed = Path(download.path()).read_text(encoding="utf-8")
    assert "<h1>Brackenford Town PCN</h1>" in printed
    assert_no_exception(page)
