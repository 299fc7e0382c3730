"""The running app in a real browser: `streamlit run app.py` driven by headless Chromium.

Uses Debian's Chromium (`make browser` installs it); the tests never download a browser. Each
page is visited, any exception Streamlit shows fails the test, one file is uploaded through the
Data page, and screenshots are kept in test-artifacts/screenshots/.
"""

import csv
import re
from pathlib import Path

import pytest
from browsing import (
    CHROMIUM,
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

from iif_core import columns, report
from iif_core.store import Store

pytestmark = pytest.mark.browser

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
# One of Brackenford Town PCN's five practices (Hobbleton Hill Surgery) sends November first.
BRACKENFORD_NOVEMBER = (
    "practice_code,indicator_code,period_end,numerator,denominator,pca_count\n"
    "X44647,HI-03,2026-11-30,26,59,2\n"
    "X44647,CAN-04,2026-11-30,75,82,5\n"
)
WAIT_MS = 120_000  # for a text that a finished run shows
# True when the text of the sidebar's period end box fits in it (nothing cut off).
PERIOD_FITS = """(box) => {
  const input = box.querySelector('input');
  return input.scrollWidth <= input.clientWidth;
}"""


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
    open_page(page, f"{server['url']}/data", "Data")  # the demo is stored by then
    before = len(Store(server["database"]).batches())
    dropzone = page.locator('[data-testid="stFileUploaderDropzoneInput"]')
    rerun_after(page, lambda: dropzone.set_input_files(str(upload)), "checking the upload")
    page.get_by_text("november.csv: ready to store").wait_for(timeout=WAIT_MS)
    screenshot(page, "data-upload-checked")
    store_button = page.get_by_role("button", name="Store 1 file")
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


def store_through_the_data_page(server, page, path: Path, text: str) -> None:
    path.write_text(text, encoding="utf-8")
    open_page(page, f"{server['url']}/data", "Data")
    dropzone = page.locator('[data-testid="stFileUploaderDropzoneInput"]')
    rerun_after(page, lambda: dropzone.set_input_files(str(path)), "checking the upload")
    page.get_by_text(f"{path.name}: ready to store").wait_for(timeout=WAIT_MS)
    store_button = page.get_by_role("button", name="Store 1 file")
    rerun_after(page, store_button.click, "storing the upload")
    page.get_by_text(f"Stored {path.name} as batch").wait_for(timeout=WAIT_MS)


def test_a_partial_period_is_marked_on_every_page(server, page, tmp_path):
    """After one of Brackenford Town PCN's 5 practices has sent November, the PCN still opens on
    October; 30 November chosen, each page marks its figures partial (decisions.md D22), and
    the sidebar's period end fits its box."""
    store_through_the_data_page(
        server, page, tmp_path / "brackenford-november.csv", BRACKENFORD_NOVEMBER
    )
    for path in ("", "payment", "variation", "trends"):
        open_page(page, f"{server['url']}/{path}", PAGES[path])
        choose_in_selectbox(page, ORGANISATION, "Brackenford Town")
        period = page.locator('[data-testid="stSidebar"] [data-testid="stSelectbox"]').nth(PERIOD)
        assert period.locator("input").input_value() == "31 Oct 2026"
        choose_in_selectbox(page, PERIOD, "30 Nov 2026")
        assert period.locator("input").input_value() == "30 Nov 2026 · partial 1/5"
        assert period.evaluate(PERIOD_FITS), "the period end is cut off in the sidebar"
        assert page.get_by_text("Only 1 of 5 practices have sent figures").count()
        screenshot(page, f"partial-{path or 'overview'}")
        if path == "trends":
            assert page.get_by_text("Hollow point marked partial").count()
            chart_screenshot(page, "HI-03: month by month", "chart-trend-partial")
            chart_screenshot(page, "Monthly activity: signal or noise", "chart-spc-partial")
    # The ICB has many more practices: the box shows its own count (not the PCN's, left over
    # from before), and the longer count still fits. (Other tests of this server may have
    # stored November for more of its practices.)
    click_level(page, "ICB")
    store = Store(server["database"])
    orgs = store.orgs()
    icb = report.practices_in(orgs, report.pcn_membership(orgs), "icb", "QZW")
    counts = store.counts("2026/27")
    sent = counts.loc[counts["period_end"] == "2026-11-30", "practice_code"]
    value = period.locator("input").input_value()
    assert value == f"30 Nov 2026 · partial {sent[sent.isin(icb)].nunique()}/{len(icb)}"
    assert period.evaluate(PERIOD_FITS), f"{value!r} is cut off in the sidebar"
    screenshot(page, "partial-trends-icb")


def test_the_run_mark_waits_for_a_run_that_really_finished(server, page):
    """The signal the tests rely on: each finished run draws the next count, exactly once."""
    open_page(page, f"{server['url']}/variation", "Variation")
    first = wait_for_run(page, 0)
    click_level(page, "ICB")
    assert wait_for_run(page, first) > first
    assert page.locator("[data-iif-run]").count() == 1


RECALL = "practice_code,indicator_code,period_end,patient_id,achieved,pca\n" + "".join(
    f"X10010,HI-03,2026-10-31,RECALL-{i},{'Y' if i < 3 else 'N'},N\n" for i in range(8)
)


def test_a_recall_list_then_undo_and_restore(server, page, tmp_path):
    """Issue 14, scenarios 2 and 4: a short list is asked about, stored as a recall list after a
    tick, changes no counts; undo and restore each show what they change and need a tick."""
    upload = tmp_path / "recall.csv"
    upload.write_text(RECALL, encoding="utf-8")
    open_page(page, f"{server['url']}/data", "Data")  # the demo is stored by then
    counts_before = Store(server["database"]).counts()
    dropzone = page.locator('[data-testid="stFileUploaderDropzoneInput"]')
    rerun_after(page, lambda: dropzone.set_input_files(str(upload)), "checking the list")
    page.get_by_text("Unclear from the file").wait_for(timeout=WAIT_MS)
    store_button = page.locator(".st-key-store_0 button")  # "Store 0 files" until answered
    assert store_button.is_disabled()
    screenshot(page, "data-recall-asked")
    rerun_after(
        page,
        lambda: page.get_by_text("Only patients still to do (a recall list)").click(),
        "saying it is a recall list",
    )
    assert page.get_by_text("It would replace 1 stored entry").count()
    assert store_button.is_disabled()
    rerun_after(
        page,
        lambda: page.get_by_text("Replace the 1 stored entry shown above").click(),
        "ticking the replacement",
    )
    screenshot(page, "data-recall-confirmed")
    rerun_after(page, store_button.click, "storing the list")
    page.get_by_text("it changes no counts").first.wait_for(timeout=WAIT_MS)
    store = Store(server["database"])
    assert (
        store.counts()
        .drop(columns="loaded_at_utc")
        .equals(counts_before.drop(columns="loaded_at_utc"))
    )
    newest = int(store.batches().iloc[0]["batch_id"])

    undo_button = page.locator(".st-key-undo_button button")
    assert undo_button.is_disabled()
    assert page.get_by_text(f"Undoing batch {newest} (recall.csv) would change 1 entry").count()
    rerun_after(
        page,
        lambda: page.get_by_text(f"Yes, undo batch {newest} (recall.csv)").click(),
        "confirming the undo",
    )
    screenshot(page, "data-undo-confirm")
    rerun_after(page, undo_button.click, "undoing")
    page.get_by_text(f"Batch {newest} (recall.csv) is undone").wait_for(timeout=WAIT_MS)
    assert bool(Store(server["database"]).batches().iloc[0]["undone"])
    restore_button = page.locator(".st-key-restore_button button")
    rerun_after(
        page,
        lambda: page.get_by_text(f"Yes, restore batch {newest} (recall.csv)").click(),
        "confirming the restore",
    )
    screenshot(page, "data-restore-confirm")
    rerun_after(page, restore_button.click, "restoring")
    page.get_by_text(f"Batch {newest} (recall.csv) is restored").wait_for(timeout=WAIT_MS)
    assert not bool(Store(server["database"]).batches().iloc[0]["undone"])
    screenshot(page, "data-restored")


NOVEMBER_LIST = (
    Path(__file__).resolve().parents[1] / "fixtures/uploads/patients_november_one_practice.csv"
)


def test_patients_page_with_one_practices_newer_list(server, page):
    """Issue 14 in the browser: Hobbleton Lane's November HI-03 list is uploaded; Brackenford
    Town PCN at 30 Nov 2026 still counts its four other practices' October lists (122 still to
    do in October, Hobbleton Lane down from 14 to 5: 113), and the page names them."""
    open_page(page, f"{server['url']}/data", "Data")
    dropzone = page.locator('[data-testid="stFileUploaderDropzoneInput"]')
    rerun_after(page, lambda: dropzone.set_input_files(str(NOVEMBER_LIST)), "checking the list")
    page.get_by_text(f"{NOVEMBER_LIST.name}: ready to store").wait_for(timeout=WAIT_MS)
    store_button = page.get_by_role("button", name="Store 1 file")
    rerun_after(page, store_button.click, "storing the list")
    page.get_by_text(f"Stored {NOVEMBER_LIST.name} as batch").wait_for(timeout=WAIT_MS)

    open_page(page, f"{server['url']}/patients", "Patients")
    choose_in_selectbox(page, ORGANISATION, "Brackenford Town")
    main = page.locator('[data-testid="stMain"]')
    indicator = main.get_by_role("radio", name=re.compile("HI-03"))
    if indicator.get_attribute("aria-checked") != "true":
        rerun_after(page, indicator.click, "choosing HI-03")
    metric = main.locator('[data-testid="stMetricValue"]').first
    assert metric.inner_text() == "122"  # 31 Oct 2026: every practice's October list
    screenshot(page, "patients-october")

    choose_in_selectbox(page, PERIOD, "30 Nov")
    assert metric.inner_text() == "113"
    assert main.get_by_text("4 practices' lists are from 31 Oct 2026").count()
    for name in ("Copperwick Bridge Family Practice (X45126)", "Hobbleton Hill Surgery (X44647)"):
        assert main.get_by_text(name, exact=False).count()
    assert main.get_by_text("Partial period.", exact=False).count()
    screenshot(page, "patients-november-one-practice")

    with page.expect_download(timeout=WAIT_MS) as download:
        main.get_by_role("button", name="Download recall list (CSV)").click()
    with open(download.value.path(), encoding="utf-8-sig", newline="") as handle:
        rows = list(csv.DictReader(handle))
    assert len(rows) == 113
    dates = {(row["Practice code"], row["List date"]) for row in rows}  # labelled for people
    assert dates == {
        ("X45501", "2026-11-30"), ("X45126", "2026-10-31"), ("X48706", "2026-10-31"),
        ("X46168", "2026-10-31"), ("X44647", "2026-10-31"),
    }  # fmt: skip


def test_the_scheme_page_marks_unconfirmed_values_and_a_withdrawn_indicator_says_why(
    server, page, tmp_path
):
    """2024/25, when CAN-02 gave way to CAN-04 on 1 October 2024 (decisions.md D27, D28)."""
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


def test_patients_page_shows_the_first_rows_of_an_icb_and_downloads_every_patient(server, page):
    """At ICB level the demo has more CAN-04 patients still to do than the page lists: it says
    so, lists the first 1,000 and the download holds every one (decisions.md D61)."""
    open_page(page, f"{server['url']}/patients", "Patients")
    click_level(page, "ICB")
    main = page.locator('[data-testid="stMain"]')
    indicator = main.get_by_role("radio", name=re.compile("CAN-04"))
    if indicator.get_attribute("aria-checked") != "true":
        rerun_after(page, indicator.click, "choosing CAN-04")
    total = int(main.locator('[data-testid="stMetricValue"]').first.inner_text().replace(",", ""))
    assert total > 1_000
    assert main.get_by_text(f"The first 1,000 of {total:,} patients", exact=False).count()
    screenshot(page, "patients-icb-first-rows")

    with page.expect_download(timeout=WAIT_MS) as download:
        main.get_by_role("button", name="Download recall list (CSV)").click()
    with open(download.value.path(), encoding="utf-8-sig", newline="") as handle:
        rows = list(csv.DictReader(handle))
    assert len(rows) == total
    assert {row[columns.label("indicator_code")] for row in rows} == {"CAN-04"}  # as on screen
