"""Every page of app.py through Streamlit's AppTest: each level, key content, real uploads.

Each test has its own store file (IIF_DB in a temporary folder): a copy of the demo store, or an
empty one. Widgets are found by their keys, never by position.
"""

import csv
from datetime import date
from pathlib import Path

import pandas as pd
import pytest
from extract_2024_25 import write_extract_2024_25
from streamlit.testing.v1 import AppTest

from iif_core.schemes import load_bundled_scheme
from iif_core.store import Store
from iif_core.vocabulary import LEVELS
from ui import format, widgets

ROOT = Path(__file__).resolve().parents[2]
APP = str(ROOT / "app.py")
TIMEOUT = 180  # a guard for one run on a busy machine (AppTest returns when the run ends)
PAGES = {
    "overview": "Overview",
    "variation": "Variation",
    "patients": "Patients",
    "inequalities": "Inequalities",
    "trends": "Trends",
    "payment": "Payment",
    "plan": "Plan",
    "data": "Data",
    "scheme": "Scheme",
}
PRACTICE_IN_NO_PCN = "X98334"  # sample_data/orgs.csv: Emberhithe Health Centre has no PCN
BRACKENFORD_TOWN = "U54335"  # sample_data/orgs.csv: five practices
HOBBLETON_LANE = "X45501"  # one of them; its November list is a test fixture
NOVEMBER_LIST = ROOT / "tests" / "fixtures" / "uploads" / "patients_november_one_practice.csv"
OCTOBER_LISTS = ROOT / "sample_data" / "patients_2026-10-31.csv"
GOOD_CSV = (
    b"practice_code,indicator_code,period_end,numerator,denominator,pca_count\n"
    b"X10010,HI-03,2026-11-30,30,40,1\n"
    b"X11772,HI03,2026-11-30,20,25,0\n"
)
BAD_CSV = (
    b"practice_code,indicator_code,period_end,numerator,denominator\n"
    b"Z99999,HI-03,2026-11-30,5,10\n"
    b"X10010,HI-03,2026-11-30,50,10\n"
)
CORRECTION_CSV = (
    b"practice_code,indicator_code,period_end,numerator,denominator,pca_count\n"
    b"X10010,HI-03,2026-10-31,12,35,2\n"
)
RECALL_CSV = b"practice_code,indicator_code,period_end,patient_id,achieved,pca\n" + b"".join(
    f"X10010,HI-03,2026-10-31,RECALL-{i},{'Y' if i < 3 else 'N'},N\n".encode() for i in range(8)
)
# One of Brackenford Town PCN's five practices (Hobbleton Hill Surgery) sends November first.
BRACKENFORD_NOVEMBER = (
    b"practice_code,indicator_code,period_end,numerator,denominator,pca_count\n"
    b"X44647,HI-03,2026-11-30,26,59,2\n"
    b"X44647,CAN-04,2026-11-30,75,82,5\n"
)
PARTLY_BAD_CSV = (
    b"practice_code,indicator_code,period_end,numerator,denominator\n"
    b"X10010,HI-03,2026-11-30,5,10\n"
    b"X10010,CAN-04,2026-11-30,50,10\n"
)


def keyed(widgets, prefix: str):
    """The one widget whose key starts with `prefix` (keys that end with a version)."""
    found = [w for w in widgets if w.key and w.key.startswith(prefix)]
    assert len(found) == 1, [w.key for w in widgets]
    return found[0]


def open_app(page: str | None = None, level: str | None = None) -> AppTest:
    """The app after its first run, on `page`, at `level`."""
    at = AppTest.from_file(APP, default_timeout=TIMEOUT)
    at.run()
    if page:
        at.switch_page(f"pages/{page}.py").run()
    if level:
        at.segmented_control(key="level").set_value(level).run()
    return at


def texts(at: AppTest) -> str:
    """Everything written on the page (main area and sidebar), as one string to search."""
    parts = []
    for kind in ("title", "subheader", "markdown", "caption", "info", "warning", "error",
                 "success", "code", "text"):  # fmt: skip
        parts += [str(element.value) for element in getattr(at, kind)]
    parts += [f"{m.label} {m.value}" for m in at.metric]
    parts += [e.label for e in at.expander]
    return plain("\n".join(parts))


def plain(text: str) -> str:
    """Text as the browser shows it: without the backslashes that escape Markdown."""
    return text.replace("\\", "")


def table_with(at: AppTest, column: str):
    """The one table on the page with this column (read-only tables carry no key in AppTest)."""
    found = [t.value for t in at.dataframe if column in t.value.columns]
    assert len(found) == 1, [list(t.value.columns) for t in at.dataframe]
    return found[0]


def no_exception(at: AppTest) -> None:
    assert not at.exception, [e.value for e in at.exception]


def store_dump(path: Path) -> tuple:
    store = Store(path)
    return (
        store.batches().drop(columns=["loaded_at_utc"]).to_dict("records"),
        store.counts().to_dict("records"),
    )


# --- every page at every level ----------------------------------------------------------------


@pytest.mark.parametrize("page", list(PAGES))
def test_every_page_draws_at_every_level(demo_db, page):
    at = open_app(page)
    for level in LEVELS:
        at.segmented_control(key="level").set_value(level).run()
        no_exception(at)
        assert at.title[0].value == PAGES[page]
        assert at.session_state["level"] == level
        assert "Demo data" in texts(at)
        assert at.selectbox(key=f"org_{level}").value is not None


def test_overview_cards_and_totals(demo_db):
    at = open_app("overview", "pcn")
    written = texts(at)
    for code in ("HI-03", "CAN-04"):
        assert f"**{code}**" in written
    assert "Points earned" in written and "£ earned so far" in written
    assert "As at" in written and "Completeness" in written
    assert "2026/27 scheme" in written and "31 October 2026" in written
    assert "Unconfirmed values" in written
    labels = {"✔ Full points", "◐ Earning", "✖ No points yet", "– No data"}
    assert any(label in written for label in labels)


def test_a_practice_shows_no_money_and_says_why(demo_db):
    at = open_app("overview", "practice")
    written = texts(at)
    assert "pays Primary Care Networks, not practices" in written
    assert "£ earned so far" not in written
    at.switch_page("pages/payment.py").run()
    no_exception(at)
    assert "pays Primary Care Networks, not practices" in texts(at)
    assert "Patients this practice needs" in texts(at)


def test_a_practice_in_no_pcn_earns_no_iif(demo_db):
    at = open_app("overview", "practice")
    at.selectbox(key="org_practice").set_value(PRACTICE_IN_NO_PCN).run()
    no_exception(at)
    assert "is in no Primary Care Network, so it earns no IIF" in texts(at)
    at.switch_page("pages/variation.py").run()
    no_exception(at)
    assert "no other practices to compare it with" in texts(at)


def test_the_choice_carries_across_pages(demo_db):
    at = open_app("overview", "pcn")
    codes = at.selectbox(key="org_pcn").options
    at.selectbox(key="org_pcn").select_index(len(codes) - 1).run()
    chosen = at.selectbox(key="org_pcn").value
    earliest = at.selectbox(key="period_end").options[-1]
    at.selectbox(key="period_end").select_index(len(at.selectbox(key="period_end").options) - 1)
    at.run()
    for page in ("variation", "trends", "payment"):
        at.switch_page(f"pages/{page}.py").run()
        no_exception(at)
        assert at.selectbox(key="org_pcn").value == chosen
        assert at.selectbox(key="period_end").value.strftime("%-d %b %Y") == earliest
        assert f"({chosen})" in texts(at)
    at.segmented_control(key="level").set_value("practice").run()
    practice = at.selectbox(key="org_practice").value
    orgs = Store(demo_db).orgs().set_index("practice_code")
    assert orgs.loc[practice, "pcn_code"] == chosen  # a practice of the PCN chosen before


def test_variation_places_compare_pcns(demo_db):
    at = open_app("variation", "place")
    no_exception(at)
    assert "PCNs side by side" in texts(at)
    at.segmented_control(key="level").set_value("pcn").run()
    assert "practices side by side" in texts(at)
    assert table_with(at, "gap_share")["org_code"].str.startswith("X").all()
    at.segmented_control(key="indicator").set_value("CAN-04").run()
    assert "CAN-04: practices side by side" in texts(at)


def test_trends_show_last_year(demo_db):
    at = open_app("trends", "pcn")
    assert "HI-03: month by month" in texts(at)
    assert "the same month last year" in texts(at)


def test_payment_ranks_the_work(demo_db):
    at = open_app("payment", "pcn")
    written = texts(at)
    assert "Indicators ranked by the £ their remaining work is worth" in written
    assert "Where the work is worth most: practice × indicator" in written
    ranking = table_with(at, "rank")
    assert ranking["rank"].tolist() == list(range(1, len(ranking) + 1))
    at.segmented_control(key="level").set_value("icb").run()
    assert "Where the work is worth most: PCN × indicator" in texts(at)


def test_patients_filters_and_downloads(demo_db):
    at = open_app("patients", "pcn")
    no_exception(at)
    total = int(at.metric[0].value.replace(",", ""))
    assert total > 0
    at.multiselect(key="patients_sexes").set_value(["F"]).run()
    fewer = int(at.metric[0].value.replace(",", ""))
    assert 0 < fewer < total
    worklist = table_with(at, "patient_id")
    assert set(worklist["sex"]) == {"F"}
    assert at.download_button(key="patients_download_csv") is not None
    assert at.download_button(key="patients_download_xlsx") is not None


def still_to_do(path: Path, practices: set[str], indicator: str) -> dict[str, int]:
    """Per practice, the patients of a patient-list file not achieved and without a PCA."""
    counts = dict.fromkeys(practices, 0)
    with open(path, newline="", encoding="utf-8") as handle:
        for row in csv.DictReader(handle):
            wanted = row["practice_code"] in practices and row["indicator_code"] == indicator
            if wanted and row["achieved"] == "N" and row["pca"] == "N":
                counts[row["practice_code"]] += 1
    return counts


def open_brackenford_town_hi03() -> AppTest:
    at = open_app("patients", "pcn")
    at.selectbox(key="org_pcn").set_value(BRACKENFORD_TOWN).run()
    at.segmented_control(key="indicator").set_value("HI-03").run()
    no_exception(at)
    return at


def test_patients_keep_every_practices_latest_list(demo_db):
    """Issue 14: one practice's November list never hides the others' October lists
    (decisions.md D23). Expected counts come from the files, not from the app."""
    orgs = Store(demo_db).orgs()
    members = set(orgs.loc[orgs["pcn_code"] == BRACKENFORD_TOWN, "practice_code"])
    names = dict(zip(orgs["practice_code"], orgs["practice_name"], strict=True))
    october = still_to_do(OCTOBER_LISTS, members, "HI-03")
    november = still_to_do(NOVEMBER_LIST, {HOBBLETON_LANE}, "HI-03")
    Store(demo_db).ingest(NOVEMBER_LIST, who="Test Manager")

    at = open_brackenford_town_hi03()
    assert at.selectbox(key="period_end").value == date(2026, 10, 31)  # D22: every practice sent
    assert at.metric[0].value == str(sum(october.values()))
    assert "no list for" not in texts(at)

    at.selectbox(key="period_end").set_value(date(2026, 11, 30)).run()
    no_exception(at)
    expected = sum(october.values()) - october[HOBBLETON_LANE] + november[HOBBLETON_LANE]
    assert at.metric[0].value == str(expected)
    older = sorted((names[code], code) for code in members - {HOBBLETON_LANE})
    assert (
        "4 practices' lists are from 31 Oct 2026 (no list for 30 Nov 2026 yet): "
        + ", ".join(f"{name} ({code})" for name, code in older[:-1])
        + f" and {older[-1][0]} ({older[-1][1]})."
    ) in texts(at)
    assert "Each practice's patients here come from its latest list" in texts(at)

    worklist = table_with(at, "patient_id")
    dates = worklist.groupby("practice_code")["list_period_end"].unique()
    assert {code: [pd.Timestamp(d).date() for d in ends] for code, ends in dates.items()} == {
        code: [date(2026, 11, 30) if code == HOBBLETON_LANE else date(2026, 10, 31)]
        for code in members
    }
    assert worklist["practice_code"].value_counts().to_dict() == {
        code: (november if code == HOBBLETON_LANE else october)[code] for code in members
    }
    listed = table_with(at, "list_note").set_index("practice_code")
    assert listed.loc[HOBBLETON_LANE, "list_note"] == "the list for 30 Nov 2026"
    assert at.download_button(key="patients_download_csv") is not None


def test_patients_name_a_member_practice_without_a_list(demo_db, tmp_path):
    """A sixth practice joins Brackenford Town PCN in a new organisation file, with a name that
    holds Markdown; it has no patient list, so the page names it."""
    reference = (ROOT / "sample_data" / "orgs.csv").read_text(encoding="utf-8")
    hobbleton = next(line for line in reference.splitlines() if line.startswith(HOBBLETON_LANE))
    new_member = hobbleton.replace(HOBBLETON_LANE, "X49999").replace(
        "Hobbleton Lane Family Practice", "Wren *Lane*"
    )
    orgs_file = tmp_path / "orgs.csv"
    orgs_file.write_text(reference.rstrip("\n") + "\n" + new_member + "\n", encoding="utf-8")
    Store(demo_db).ingest(orgs_file, who="Test Manager")

    at = open_brackenford_town_hi03()
    assert "No HI-03 patient list stored up to 31 Oct 2026 for: Wren *Lane* (X49999)." in texts(at)
    shown_as_written = format.escape_markdown("Wren *Lane* (X49999)")
    assert any(shown_as_written in w.value for w in at.warning)
    listed = table_with(at, "list_note").set_index("practice_code")
    assert listed.loc["X49999", "list_note"] == "no list stored up to 31 Oct 2026"
    members = {code for code in listed.index if code != "X49999"}
    assert len(members) == 5
    assert at.metric[0].value == str(sum(still_to_do(OCTOBER_LISTS, members, "HI-03").values()))


def test_patients_never_show_a_list_after_the_period_chosen(demo_db):
    at = open_brackenford_town_hi03()
    at.selectbox(key="period_end").set_value(date(2026, 8, 31)).run()
    no_exception(at)
    assert "start on 31 October 2026, after the period end chosen" in texts(at)
    assert not at.metric and not at.dataframe


def test_patients_page_explains_how_to_provide_lists(demo_db):
    at = open_app("patients")
    at.selectbox(key="scheme_year").set_value("2025/26").run()
    no_exception(at)
    assert "No patient-level list is stored for the 2025/26 scheme" in texts(at)


# --- uploads ----------------------------------------------------------------------------------


def test_an_upload_reaches_the_store(demo_db):
    at = open_app("data")
    before = len(Store(demo_db).batches())
    at.file_uploader(key="uploader_0").set_value(("november.csv", GOOD_CSV, "text/csv")).run()
    no_exception(at)
    assert any("november.csv: ready to store" in plain(e.label) for e in at.expander)
    assert "achievement counts" in texts(at)
    at.text_input(key="who").set_value("Test Manager").run()
    at.button(key="store_0").click().run()
    no_exception(at)
    batches = Store(demo_db).batches()
    assert len(batches) == before + 1
    newest = batches.iloc[0]
    assert (newest["file_name"], newest["who"], newest["stored_rows"]) == (
        "november.csv", "Test Manager", 2,
    )  # fmt: skip
    assert any("Stored november.csv" in plain(s.value) for s in at.success)
    # The new month is in use at once: the sidebar offers it, marked partial, and no network
    # moves to it while some of its practices have not sent it (decisions.md D22).
    at.switch_page("pages/overview.py").run()
    assert at.selectbox(key="period_end").options[0] == "30 Nov 2026 · partial 0/5"
    assert at.selectbox(key="period_end").value.isoformat() == "2026-10-31"
    at.selectbox(key="org_pcn").set_value("U22888").run()  # Hartmouth Central: X10010, X11772
    assert at.selectbox(key="period_end").options[0] == "30 Nov 2026 · partial 2/6"
    assert at.selectbox(key="period_end").value.isoformat() == "2026-10-31"
    assert "Partial period" not in texts(at)
    at.selectbox(key="period_end").set_value(date(2026, 11, 30)).run()
    assert "Only 2 of 6 practices have sent figures for 30 November 2026" in texts(at)
    assert "2 of 6 member practices have data" in texts(at)
    # A practice's own view goes to its own latest period end.
    at.segmented_control(key="level").set_value("practice").run()
    at.selectbox(key="org_practice").set_value("X10010").run()
    assert at.selectbox(key="period_end").value.isoformat() == "2026-11-30"
    assert "Partial period" not in texts(at)


def test_a_partial_period_is_marked_wherever_its_figures_are(demo_db, tmp_path, monkeypatch):
    """One of Brackenford Town PCN's 5 practices has sent 30 November 2026: chosen, that period
    is marked partial on the tiles, cards, Payment, Variation and Trends, and every download of
    its figures says so in a column (decisions.md D22)."""
    upload = tmp_path / "november.csv"
    upload.write_bytes(BRACKENFORD_NOVEMBER)
    store = Store(demo_db)
    assert store.ingest(upload, who="Test Manager").batch_id is not None
    store.close()
    downloads = {}
    original = widgets.download_buttons

    def keep(frame, stem, key, label="table", **more):
        downloads[key] = frame
        original(frame, stem, key, label, **more)

    monkeypatch.setattr(widgets, "download_buttons", keep)
    at = open_app("overview", "pcn")
    at.selectbox(key="org_pcn").set_value("U54335").run()
    assert at.selectbox(key="period_end").options[0] == "30 Nov 2026 · partial 1/5"
    assert at.selectbox(key="period_end").value.isoformat() == "2026-10-31"
    # The complete month the PCN opens on is marked nowhere.
    assert not [m.label for m in at.metric if "partial" in m.label]
    assert not downloads["overview_download"]["period_partial"].any()
    assert set(downloads["overview_download"]["period_practices_with_data"]) == {5}

    at.selectbox(key="period_end").set_value(date(2026, 11, 30)).run()
    no_exception(at)
    tiles = {m.label: m for m in at.metric}
    assert set(tiles) == {
        "Points earned (partial)", "£ earned so far (partial)", "£ still to earn (partial)",
        "Indicators (partial)",
    }  # fmt: skip
    assert all("only 1 of 5 practices have sent figures" in m.help for m in tiles.values())
    cards = [m.value for m in at.markdown if "Partial: 1 of 5 practices" in m.value]
    assert len(cards) == 2  # one badge on each indicator's card: HI-03, CAN-04
    overview = downloads["overview_download"]
    assert overview["period_partial"].all()
    assert set(overview["period_practices_with_data"]) == {1}
    assert set(overview["period_member_practices"]) == {5}
    assert b"period_partial" in format.csv_bytes(overview)
    assert downloads["completeness_download"]["period_partial"].all()

    at.switch_page("pages/payment.py").run()
    no_exception(at)
    tiles = [m.label for m in at.metric]
    assert tiles[:3] == ["£ earned so far (partial)", "£ available (partial)",
                         "£ still to earn (partial)"]  # fmt: skip
    assert tiles[3] == "£ projected by 31 March"  # projected from October, every practice's
    assert "Only 1 of 5 practices have sent figures for 30 Nov 2026: the £ below" in texts(at)
    for key in ("payment_download", "projection_download", "work_download"):
        assert downloads[key]["period_partial"].all(), key

    at.switch_page("pages/variation.py").run()
    no_exception(at)
    assert "Only 1 of 5 practices have sent figures for 30 Nov 2026: the figures below" in (
        texts(at)
    )
    assert "the ranking above and its shares of the gap count only theirs" in texts(at)
    assert downloads["variation_download"]["period_partial"].all()

    at.switch_page("pages/trends.py").run()
    no_exception(at)
    written = texts(at)
    assert "Hollow point marked partial (30 Nov 2026: only 1 of 5 practices so far)" in written
    assert "The latest month charted, 31 Oct 2026, is" in written
    assert "30 Nov 2026 is left out of the activity chart" in written
    trend = downloads["trend_download"]
    own = trend[trend["kind"] == "this year"].set_index("period_end")["period_partial"]
    assert own[pd.Timestamp("2026-11-30")] and not own[pd.Timestamp("2026-10-31")]
    assert not own.drop(pd.Timestamp("2026-11-30")).any()

    # Hobbleton Hill Surgery's own view: its own latest month, never partial.
    at.segmented_control(key="level").set_value("practice").run()
    at.selectbox(key="org_practice").set_value("X44647").run()
    assert at.selectbox(key="period_end").value.isoformat() == "2026-11-30"
    assert at.selectbox(key="period_end").options[0] == "30 Nov 2026"
    assert "partial" not in texts(at).lower()
    assert not downloads["trend_download"]["period_partial"].any()
    at.switch_page("pages/overview.py").run()
    assert not [m.label for m in at.metric if "partial" in m.label]
    assert not downloads["overview_download"]["period_partial"].any()


def test_a_bad_upload_shows_its_report_and_changes_nothing(demo_db):
    before = store_dump(demo_db)
    at = open_app("data")
    at.file_uploader(key="uploader_0").set_value(("bad.csv", BAD_CSV, "text/csv")).run()
    no_exception(at)
    report = "\n".join(c.value for c in at.code)
    assert "row 2" in report and "not in the organisation data" in report
    assert "row 3" in report and "greater than the denominator" in report
    assert any("bad.csv: cannot be stored" in plain(e.label) for e in at.expander)
    assert at.button(key="store_0").disabled
    at.button(key="cancel_0").click().run()
    no_exception(at)
    assert any("nothing was stored" in i.value for i in at.info)
    assert store_dump(demo_db) == before


def test_valid_rows_are_stored_only_when_accepted(demo_db):
    before = store_dump(demo_db)
    at = open_app("data")
    at.file_uploader(key="uploader_0").set_value(("mixed.csv", PARTLY_BAD_CSV, "text/csv")).run()
    no_exception(at)
    assert any("1 of 2 rows have problems" in e.label for e in at.expander)
    rejected = at.dataframe[0].value if len(at.dataframe) else None
    assert rejected is not None
    assert at.button(key="store_0").disabled
    assert store_dump(demo_db) == before
    at.checkbox(key="accept_valid_0").check().run()
    at.button(key="store_0").click().run()
    no_exception(at)
    newest = Store(demo_db).batches().iloc[0]
    assert (newest["file_name"], newest["stored_rows"], newest["rejected_rows"]) == (
        "mixed.csv", 1, 1,
    )  # fmt: skip


def test_an_unreadable_file_is_reported(demo_db):
    before = store_dump(demo_db)
    at = open_app("data")
    at.file_uploader(key="uploader_0").set_value(
        ("photo.xlsx", b"\x89PNG not a spreadsheet at all", "application/octet-stream")
    ).run()
    no_exception(at)
    assert any("cannot be stored" in e.label for e in at.expander)
    assert store_dump(demo_db) == before


def test_undo_asks_first_names_what_comes_back_and_can_be_restored(demo_db):
    at = open_app("data")
    at.file_uploader(key="uploader_0").set_value(("correction.csv", CORRECTION_CSV, "text/csv"))
    at.run()
    keyed(at.checkbox, "confirm_replace_0").check().run()
    at.button(key="store_0").click().run()
    newest = int(Store(demo_db).batches().iloc[0]["batch_id"])
    assert keyed(at.selectbox, "undo_batch_").value == newest  # the newest is offered first
    change = table_with(at, "after_from")  # what undoing it would bring back, before it is done
    row = change.set_index("practice").loc["Elverby Hill Medical Centre (X10010)"]
    assert (row["what"], row["now"], row["after"]) == ("Figures", "12 of 35", "10 of 35")
    assert (
        "patients_2026-10-31.csv" in row["after_from"]
    )  # the demo list that counted it  # the demo list that counted it
    assert at.button(key="undo_button").disabled  # not until confirmed
    keyed(at.checkbox, "undo_sure_").check().run()
    at.button(key="undo_button").click().run()
    no_exception(at)
    assert bool(Store(demo_db).batches().set_index("batch_id").loc[newest, "undone"])
    assert any(f"Batch {newest}" in s.value for s in at.success)
    assert counts_of(demo_db, "X10010") == (10, 35)
    # It can be put back.
    assert keyed(at.selectbox, "restore_batch_").value == newest
    assert at.button(key="restore_button").disabled
    keyed(at.checkbox, "restore_sure_").check().run()
    at.button(key="restore_button").click().run()
    no_exception(at)
    assert not bool(Store(demo_db).batches().set_index("batch_id").loc[newest, "undone"])
    assert counts_of(demo_db, "X10010") == (12, 35)


def counts_of(path: Path, practice: str, indicator: str = "HI-03", period: str = "2026-10-31"):
    counts = Store(path).counts()
    row = counts[
        (counts.practice_code == practice)
        & (counts.indicator_code == indicator)
        & (counts.period_end.astype(str) == period)
    ].iloc[0]
    return (int(row.numerator), int(row.denominator))


def test_a_correction_shows_the_figures_it_replaces_and_needs_a_tick(demo_db):
    at = open_app("data")
    at.file_uploader(key="uploader_0").set_value(("correction.csv", CORRECTION_CSV, "text/csv"))
    at.run()
    no_exception(at)
    replaced = table_with(at, "stored_now")
    assert replaced[["practice", "stored_now", "this_file"]].values.tolist() == [
        [
            "Elverby Hill Medical Centre (X10010)",
            "10 of 35",
            "12 of 35",
        ]  # sample_data's October figure beside the file's
    ]
    assert "It would replace 1 stored entry" in texts(at)
    assert at.button(key="store_0").disabled
    keyed(at.checkbox, "confirm_replace_0").check().run()
    assert not at.button(key="store_0").disabled
    at.button(key="store_0").click().run()
    assert counts_of(demo_db, "X10010") == (12, 35)


def test_a_recall_list_is_asked_about_and_changes_no_counts(demo_db):
    """Issue 14, scenario 2: an 8-row HI-03 list, 3 of them achieved, for a practice whose
    stored October figure is 10 of 35 (37 patients with the PCAs)."""
    before = counts_of(demo_db, "X10010")
    at = open_app("data")
    at.file_uploader(key="uploader_0").set_value(("recall.csv", RECALL_CSV, "text/csv")).run()
    no_exception(at)
    question = keyed(at.radio, "list_kind_0_")
    assert question.value is None  # unclear from the file, so nothing is chosen for the person
    assert "Unclear from the file" in texts(at) and "8 patients for X10010 HI-03" in texts(at)
    assert at.button(key="store_0").disabled
    question.set_value("outstanding").run()
    replaced = table_with(at, "stored_now")
    assert replaced["what"].tolist() == ["Patient list"]  # its lists only, never the counts
    assert at.button(key="store_0").disabled  # the list it replaces needs a tick
    keyed(at.checkbox, "confirm_replace_0").check().run()
    at.button(key="store_0").click().run()
    no_exception(at)
    assert counts_of(demo_db, "X10010") == before
    assert Store(demo_db).batches().iloc[0]["list_kind"] == "outstanding"
    assert "changes no counts" in texts(at)


def test_removing_the_demo_leaves_explanations_not_errors(demo_db):
    at = open_app("data")
    at.button(key="remove_demo").click().run()
    no_exception(at)
    assert Store(demo_db).batches()["undone"].all()
    for page in PAGES:
        at.switch_page(f"pages/{page}.py").run()
        no_exception(at)
        assert "Demo data." not in texts(at)
    at.switch_page("pages/overview.py").run()
    assert "no achievement figures for the" in texts(at)


# --- the scheme -------------------------------------------------------------------------------


def test_a_scheme_edit_is_saved_as_a_new_version(demo_db):
    at = open_app("scheme")
    assert "✖ Unconfirmed" not in texts(at)  # the marks are checkboxes in the table
    assert at.download_button(key="scheme_download") is not None
    keyed(at.number_input, "scheme_value_per_point_").set_value(250.0)
    keyed(at.button, "scheme_save_").click().run()
    no_exception(at)
    assert float(Store(demo_db).scheme("2026/27").value_per_point) == 250
    assert any("Saved the 2026/27 scheme" in plain(s.value) for s in at.success)
    at.switch_page("pages/overview.py").run()
    no_exception(at)


def test_a_bad_scheme_edit_is_refused_with_the_reason(demo_db):
    before = store_dump(demo_db)
    at = open_app("scheme")
    keyed(at.number_input, "scheme_average_list_size_").set_value(0.0)
    keyed(at.button, "scheme_save_").click().run()
    no_exception(at)
    assert any("national_average_list_size (0) must be more than 0" in plain(e.value)
               for e in at.error)  # fmt: skip
    assert store_dump(demo_db) == before


# --- first start --------------------------------------------------------------------------------


def test_the_first_start_loads_the_demo_once(empty_db, monkeypatch):
    monkeypatch.setenv("IIF_DEMO", "1")
    at = open_app()
    no_exception(at)
    assert "Demo data." in texts(at)
    batches = Store(empty_db).batches()
    assert set(batches["who"]) == {"demo"} and len(batches) >= 4
    open_app()
    assert len(Store(empty_db).batches()) == len(batches)


def test_an_empty_store_explains_itself_on_every_page(empty_db):
    at = open_app()
    for page in PAGES:
        at.switch_page(f"pages/{page}.py").run()
        no_exception(at)
    at.switch_page("pages/overview.py").run()
    assert "no achievement figures for the" in texts(at)
    at.switch_page("pages/data.py").run()
    assert "Nothing has been stored yet." in texts(at)


# --- signal or noise --------------------------------------------------------------------------

KESTRELFORD = "U65157"  # sample_data: its practice X61454 sent nothing for 31 August 2026
TARNWICK = "U93250"  # HI-03 was back-loaded last year: the recent pace under-shot by 26 points


def test_variation_shows_the_funnel_plot(demo_db):
    at = open_app("variation", "pcn")
    written = texts(at)
    assert "Signal or noise: the funnel plot" in written
    assert "inside the funnel differ from the PCN by no more than chance would explain" in written
    assert "exact binomial limits" in written and "Spiegelhalter" in written
    assert "drawn hollow and not judged" in written  # Brackenford Town has small registers
    at.segmented_control(key="level").set_value("place").run()
    no_exception(at)
    written = texts(at)
    assert "PCNs inside the funnel differ from the place" in written
    flagged, every_point = [t.value for t in at.dataframe if "flag" in t.value.columns]
    assert not flagged.empty and flagged["flag"].str.contains("beyond the").all()
    # the funnel's every point as a table too, its members named, the flagged among them
    assert len(every_point) > len(flagged) and every_point["org_name"].notna().all()
    assert set(flagged["org_code"]) < set(every_point["org_code"])
    assert at.download_button(key="funnel_download_csv") is not None


def test_trends_show_the_projection_and_spc(demo_db):
    at = open_app("trends", "pcn")
    written = texts(at)
    assert "Projected position at 31 March 2027" in written
    assert "Method: last year's shape" in written
    assert "Checked on last year: projected from October 2025 at the recent pace" in written
    assert "Monthly activity: signal or noise" in written
    assert "Variation (~): Common cause" in written and "Assurance (" in written
    assert "Provisional limits" in written
    at.selectbox(key="org_pcn").set_value(TARNWICK).run()
    written = texts(at)
    assert "under-shot by 25.8 points" in written and "back-loaded" in written
    at.segmented_control(key="level").set_value("place").run()
    no_exception(at)
    assert "Projected £" in texts(at)


def test_trends_explain_a_chart_they_cannot_draw_yet(demo_db):
    at = open_app("trends", "pcn")
    at.selectbox(key="period_end").set_value(date(2026, 5, 31)).run()
    no_exception(at)
    assert "needs at least 3 months in which every member practice sent figures" in texts(at)


def test_overview_projects_and_names_the_missing_practices(demo_db):
    at = open_app("overview", "pcn")
    written = texts(at)
    assert "Projected at 31 March 2027" in written and "Projected 31 Mar 2027" in written
    assert "method: last year's shape" in written
    assert "Data completeness by practice: All 5 member practices sent figures" in written
    at.selectbox(key="org_pcn").set_value(KESTRELFORD).run()
    at.selectbox(key="period_end").set_value(date(2026, 8, 31)).run()
    no_exception(at)
    written = texts(at)
    assert "Incomplete" in written
    assert "No figures from Ashwendle Bridge Family Practice (X61454) for 31 Aug 2026" in written
    assert "from 31 Jul 2026 (the latest month with every practice)" in written
    completeness = table_with(at, "data_note").set_index("practice_code")
    assert completeness.loc["X61454", "periods_missing"] == 1


def test_payment_shows_the_projected_money(demo_db):
    at = open_app("payment", "pcn")
    written = texts(at)
    assert "£ projected by 31 March" in written
    assert "If the year carries on as it is going: 31 March 2027" in written
    projection = table_with(at, "pace_needed")
    assert projection["indicator_code"].tolist() == ["HI-03", "CAN-04"]
    at.segmented_control(key="level").set_value("place").run()
    no_exception(at)
    assert "each PCN is projected and paid on its own" in texts(at)
    at.selectbox(key="period_end").set_value(date(2026, 8, 31)).run()
    assert "Ashwendle Bridge Family Practice (X61454, Kestrelford PCN)" in texts(at)


# --- scheme truth: dates and per-value confirmation (decisions.md D27, D28) --------------------


def store_2024_25(path: Path, folder: Path) -> None:
    assert Store(path).ingest(write_extract_2024_25(folder), who="test").accepted


def test_the_scheme_page_marks_unconfirmed_values_and_dates(demo_db, tmp_path):
    store_2024_25(demo_db, tmp_path)
    at = open_app("scheme")
    at.selectbox(key="scheme_year").set_value("2024/25").run()
    no_exception(at)
    written = texts(at)
    assert "11 of 14 values unconfirmed" in written
    assert "Withdrawn after 30 Sep 2024: scored until then, not paid at the year end." in written
    assert "Starts 1 Oct 2024: scored from then on." in written
    indicators = table_with(at, "dates").set_index("indicator_code")
    assert indicators.loc["CAN-02", "dates"] == "until 30 Sep 2024"
    assert indicators.loc["CAN-04", "dates"] == "from 1 Oct 2024"
    assert indicators.loc["HI-03", "unconfirmed"] == (
        "lower threshold, upper threshold, points, national prevalence"
    )
    values = table_with(at, "confirmed_label").set_index(["indicator_code", "value"])
    assert values.loc[("Scheme", "value_per_point"), "confirmed_label"] == "✔ Confirmed"
    assert values.loc[("CAN-04", "start_date"), "confirmed_label"] == "✔ Confirmed"
    assert values.loc[("CAN-04", "points"), "confirmed_label"] == "✖ Unconfirmed"
    assert values.loc[("CAN-04", "points"), "source"].startswith("Not confirmed")


def test_an_edit_keeps_each_values_source(demo_db):
    at = open_app("scheme")
    assert "9 of 9 values unconfirmed" in texts(at)
    keyed(at.number_input, "scheme_value_per_point_").set_value(250.0)
    keyed(at.button, "scheme_save_").click().run()
    no_exception(at)
    saved = Store(demo_db).scheme("2026/27")
    bundled = load_bundled_scheme("2026/27")
    assert saved.value_per_point == 250
    assert saved.indicator("HI-03").sources == bundled.indicator("HI-03").sources
    assert saved.sources == bundled.sources


def test_a_withdrawn_indicator_says_why_it_is_not_paid(demo_db, tmp_path):
    store_2024_25(demo_db, tmp_path)
    at = open_app("overview", "pcn")
    at.selectbox(key="scheme_year").set_value("2024/25").run()
    no_exception(at)
    written = texts(at)
    assert at.selectbox(key="period_end").value == date(2024, 10, 31)
    assert "Withdrawn after 30 Sep 2024: not scored or paid for later period ends." in written
    assert "⊘ Not in the scheme on this date" in written
    at.selectbox(key="period_end").set_value(date(2024, 9, 30)).run()
    no_exception(at)
    written = texts(at)
    assert "Starts 1 Oct 2024: not scored or paid before then." in written
    assert "Withdrawn after 30 Sep 2024: scored until then, not paid at the year end." in written
    at.switch_page("pages/payment.py").run()
    at.selectbox(key="period_end").set_value(date(2024, 10, 31)).run()
    no_exception(at)
    written = texts(at)
    # The ranking says why CAN-02 earns nothing; the projection does not count it at the year end.
    assert "Withdrawn after 30 Sep 2024: not scored or paid for later period ends." in written
    assert "not paid at the year end. Nothing to project." in written
