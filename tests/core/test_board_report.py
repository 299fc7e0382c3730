"""The board report (iif_core.report.board, ui.board_report): its headline worked out here from
the rules (iif-rules.md sections 3-5) on a small hand-made network, a partial month flagged, hostile
names escaped, and the demo PCN's PDF read back page by page with Poppler."""

import html
import os
import shutil
import subprocess
from datetime import date
from fractions import Fraction
from html.parser import HTMLParser
from pathlib import Path

import pandas as pd
import pytest

from iif_core import report
from iif_core.report.board import NO_LIST_ACCESS, NO_LISTS, board_report
from iif_core.schemes import parse_scheme, previous_scheme_year
from iif_core.score import score
from iif_core.store import Store

ROOT = Path(__file__).resolve().parents[2]
PAGES = ROOT / "test-artifacts" / "board-report"  # the PDF's pages as PNG, to look at
PCN = "U54335"  # Brackenford Town PCN: five practices, HI-03 under its lower threshold
PERIOD = date(2026, 10, 31)
MADE_ON = date(2026, 11, 9)
HOSTILE = '<script>alert("x")</script><img src="https://example.invalid/t.png">'


def missing(message: str) -> None:
    """What `make pdf-tools` installs is missing: the test fails on CI, else skips."""
    if os.environ.get("CI"):
        pytest.fail(message)
    pytest.skip(message)


def poppler(tool: str) -> str:
    """Poppler's `tool` (make pdf-tools installs it)."""
    found = shutil.which(tool)
    if found is None:
        missing(f"{tool} is missing: `make pdf-tools` installs Debian's poppler-utils")
    return found


# --- a hand-made network, its £ worked out here from the rules ----------------------------------

SCHEME = parse_scheme(
    """
year = "2021/22"
value_per_point = 200
national_average_list_size = 30000

[indicators."VI-01"]
name = "Flu vaccination, aged 65 and over"
unit = "percent"
direction = "higher"
lower_threshold = 80
upper_threshold = 86
points = 40

[indicators."XX-01"]
name = "Something that should fall"
unit = "percent"
direction = "lower"
lower_threshold = 30
upper_threshold = 20
points = 10
"""
)
NORTH = "U00001"
ORGS = pd.DataFrame(
    [
        ("A00001", "Alder Surgery", NORTH, "North PCN", "01A", "Place A", "QAA", "ICB A", 10000),
        ("A00002", "Birch Practice", NORTH, "North PCN", "01A", "Place A", "QAA", "ICB A", 20000),
        ("A00003", "Cedar Health", NORTH, "North PCN", "01A", "Place A", "QAA", "ICB A", 15000),
    ],
    columns=["practice_code", "practice_name", "pcn_code", "pcn_name", "place_code",
             "place_name", "icb_code", "icb_name", "list_size"],
)  # fmt: skip
SEPTEMBER, AUGUST = date(2021, 9, 30), date(2021, 8, 31)
# (practice, indicator, period end, numerator, denominator): Cedar sent nothing for August.
COUNTS = [
    ("A00001", "VI-01", SEPTEMBER, 1900, 2300), ("A00002", "VI-01", SEPTEMBER, 2600, 3100),
    ("A00003", "VI-01", SEPTEMBER, 1450, 1800), ("A00001", "XX-01", SEPTEMBER, 25, 100),
    ("A00002", "XX-01", SEPTEMBER, 18, 100),
    ("A00001", "VI-01", AUGUST, 1000, 2300), ("A00002", "VI-01", AUGUST, 1300, 3100),
    ("A00001", "XX-01", AUGUST, 40, 100),
]  # fmt: skip


def by_hand(period) -> dict:
    """Each indicator's £ at `period`, from the rules: counts pooled over the PCN (section 3),
    the sliding scale (section 4), × £ a point × PCN list size / national average (section 5)."""
    adjustment = Fraction(10000 + 20000 + 15000, 30000)
    found = {}
    for code, rule in SCHEME.indicators.items():
        rows = [(n, d) for p, c, end, n, d in COUNTS if c == code and end == period]
        achievement = 100 * Fraction(sum(n for n, _ in rows), sum(d for _, d in rows))
        lt, ut = Fraction(rule.lower_threshold), Fraction(rule.upper_threshold)
        share = (achievement - lt) / (ut - lt)  # the same for 'lower': both signs flip
        share = min(max(share, Fraction(0)), Fraction(1))
        points = Fraction(rule.points)
        found[code] = {
            "points": points * share,
            "achieved": points * share * Fraction(SCHEME.value_per_point) * adjustment,
            "available": points * Fraction(SCHEME.value_per_point) * adjustment,
        }
    return found


def north_report(period, **more):
    extract = pd.DataFrame(
        COUNTS,
        columns=["practice_code", "indicator_code", "period_end", "numerator", "denominator"],
    ).assign(pca_count=0)
    scored = score(SCHEME, ORGS, extract)
    pcns = report.pcn_membership(ORGS)
    projection = report.projections(scored, SCHEME, ORGS, pcns, "pcn", NORTH, period)
    return board_report(
        scored, SCHEME, ORGS, pcns, "pcn", NORTH, period, projection, year="2021/22",
        made_on=MADE_ON, **more,
    )  # fmt: skip


def test_the_headline_is_the_sum_of_the_indicators_worked_out_by_hand():
    board = north_report(SEPTEMBER)
    expected = by_hand(SEPTEMBER)
    # VI-01: 5,950 / 7,200 = 82.639%, 17.59 of 40 points; XX-01: 43 / 200 = 21.5%, 8.5 of 10.
    assert float(expected["VI-01"]["points"]) == pytest.approx(17.5926, abs=1e-4)
    assert expected["XX-01"]["points"] == Fraction(17, 2)
    totals = board.overview.totals
    achieved = sum(e["achieved"] for e in expected.values())
    available = sum(e["available"] for e in expected.values())
    assert totals["payment_achieved"] == pytest.approx(float(achieved), abs=1e-6)
    assert totals["payment_available"] == pytest.approx(float(available), abs=1e-6)
    assert totals["payment_outstanding"] == pytest.approx(float(available - achieved), abs=1e-6)
    assert totals["points_achieved"] == pytest.approx(float(sum(e["points"] for e in
                                                                expected.values())))  # fmt: skip
    for part in board.indicators:
        code = part.card["indicator_code"]
        assert part.card["payment_achieved"] == pytest.approx(float(expected[code]["achieved"]))
    assert board.pays and board.partial is None
    assert board.org_name == "North PCN" and board.period == SEPTEMBER


def test_a_month_a_practice_did_not_send_is_flagged_partial():
    board = north_report(AUGUST)
    assert board.partial == "2 of 3 practices"
    from ui.board_report import board_html

    page = board_html(board)
    assert "Partial figures." in page and "2 of 3 practices" in page
    assert "Partial figures." not in board_html(north_report(SEPTEMBER))
    cedar = board.completeness.set_index("practice_code").loc["A00003"]
    assert cedar["periods_missing"] == 1


def test_without_patient_lists_the_inequality_section_says_why():
    from ui.board_report import board_html

    unreadable, none_stored = (
        north_report(SEPTEMBER),
        north_report(SEPTEMBER, patients=pd.DataFrame(columns=["practice_code", "indicator_code"])),
    )
    assert unreadable.inequalities is None and unreadable.inequalities_missing == NO_LIST_ACCESS
    assert none_stored.inequalities is None and none_stored.inequalities_missing == NO_LISTS
    assert "Your access does not include the patient lists" in board_html(unreadable)
    assert "No patient-level list is stored" in board_html(none_stored)


# --- the demo PCN ------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    from ui.demo import load_demo

    store = Store(tmp_path_factory.mktemp("board") / "iif.duckdb")
    load_demo(store)
    yield store
    store.close()


def inputs(demo, level="pcn", code=PCN):
    year = demo.years()[-1]
    before = previous_scheme_year(year)
    scored, scheme, orgs = demo.scored(year, level, code), demo.scheme(year), demo.orgs()
    pcns = report.pcn_membership(orgs)
    last = demo.scored(before, level, code)
    projection = report.projections(
        scored, scheme, orgs, pcns, level, code, PERIOD, last, demo.scheme(before), None
    )
    return year, scored, scheme, orgs, pcns, last, projection


@pytest.fixture(scope="module")
def board(demo):
    year, scored, scheme, orgs, pcns, last, projection = inputs(demo)
    members = orgs.loc[orgs["pcn_code"] == PCN, "practice_code"].tolist()
    lists = demo.patients(year=year, as_at=PERIOD, practice_codes=members)
    plan = report.best_plan(
        scored, scheme, PCN, PERIOD, 150,
        outstanding=report.outstanding_from_patients(lists) or None, orgs=orgs,
    )  # fmt: skip
    history = demo.patients(year=year, practice_codes=members)
    history = history[pd.to_datetime(history["period_end"]) <= pd.Timestamp(PERIOD)]
    return board_report(
        scored, scheme, orgs, pcns, "pcn", PCN, PERIOD, projection, year=year, last_year=last,
        plan=plan, patients=report.prepare_patients(lists, orgs),
        patient_history=report.prepare_patients(history, orgs), made_on=MADE_ON,
    )  # fmt: skip


@pytest.fixture(scope="module")
def pdf(board, tmp_path_factory):
    from ui.board_report import board_pdf, pdf_problem

    if pdf_problem():
        missing(pdf_problem())
    path = tmp_path_factory.mktemp("pdf") / "board.pdf"
    path.write_bytes(board_pdf(board))
    return path


def pcn_rows_at_period(demo) -> pd.DataFrame:
    """The PCN's own scored rows at the period end, straight from the store."""
    rows = demo.score(demo.years()[-1])
    return rows[
        (rows["level"] == "pcn")
        & (rows["org_code"] == PCN)
        & (pd.to_datetime(rows["period_end"]) == pd.Timestamp(PERIOD))
    ]


def test_the_headline_is_the_sum_of_the_pcns_indicators(board, demo):
    rows = pcn_rows_at_period(demo)
    assert len(rows) == len(board.indicators) == len(demo.scheme(demo.years()[-1]).indicators)
    totals = board.overview.totals
    for column in ("payment_achieved", "payment_available", "points_achieved"):
        expected = sum(Fraction(str(v)) for v in rows[column])
        assert totals[column] == pytest.approx(float(expected), abs=1e-9)
    outstanding = sum(Fraction(str(a)) - Fraction(str(b))
                      for a, b in zip(rows["payment_available"], rows["payment_achieved"],
                                      strict=True))  # fmt: skip
    assert totals["payment_outstanding"] == pytest.approx(float(outstanding), abs=1e-6)
    assert board.pays and board.partial is None and board.period == PERIOD


def test_each_indicator_holds_its_own_figures_trend_and_members(board, demo):
    rows = pcn_rows_at_period(demo).set_index("indicator_code")
    members = set(demo.orgs().query("pcn_code == @PCN")["practice_code"])
    assert len(members) == 5
    for part in board.indicators:
        code = part.card["indicator_code"]
        assert part.card["numerator"] == rows.loc[code, "numerator"]
        assert part.card["achievement"] == pytest.approx(rows.loc[code, "achievement"])
        assert part.projection["indicator_code"] == code
        own = part.trend[part.trend["kind"] == "this year"]
        assert pd.to_datetime(own["period_end"]).max() == pd.Timestamp(PERIOD)
        assert set(part.members.members["org_code"]) == members
        assert part.members.members["numerator"].sum() == rows.loc[code, "numerator"]
        assert part.spc is not None and part.spc.latest == PERIOD


def test_the_projection_and_plan_are_the_reports_own(board, demo):
    _, _, _, _, _, _, projection = inputs(demo)
    assert board.projection_totals["payment"] == pytest.approx(projection["payment"].sum())
    assert board.plan.payment_gain == pytest.approx(board.plan.allocation["payment_expected"].sum())
    assert board.year_end == date(2027, 3, 31)


def test_the_scheme_values_and_which_are_unconfirmed(board, demo):
    scheme = demo.scheme(demo.years()[-1])
    values = board.scheme_values
    expected = len(scheme.values) + sum(len(i.values) for i in scheme.indicators.values())
    assert len(values) == expected
    assert board.unconfirmed == report.unconfirmed_values(scheme)


def test_hostile_names_are_text_in_the_page(demo):
    from ui.board_report import board_html

    year, scored, scheme, orgs, pcns, last, projection = inputs(demo)
    scored = scored.copy()
    scored["org_name"] = HOSTILE  # the PCN and every practice
    orgs = orgs.assign(practice_name=HOSTILE, pcn_name=HOSTILE)
    members = orgs.loc[orgs["pcn_code"] == PCN, "practice_code"].tolist()
    lists = report.prepare_patients(
        demo.patients(year=year, as_at=PERIOD, practice_codes=members), orgs
    )
    board = board_report(
        scored, scheme, orgs, pcns, "pcn", PCN, PERIOD, projection, year=year, last_year=last,
        patients=lists, made_on=MADE_ON,
    )  # fmt: skip
    assert board.org_name == HOSTILE and board.inequalities is not None
    page = board_html(board)
    tags = Tags()
    tags.feed(page)
    assert tags.names.isdisjoint({"script", "iframe", "object", "embed", "link"})
    assert tags.sources and all(src.startswith("data:image/png;base64,") for src in tags.sources)
    # the bar, trend and SPC of each indicator and its deprivation chart: no more
    assert len(tags.sources) == 3 * len(board.indicators) + len(board.inequalities.indicators)
    assert HOSTILE not in page and "<img src=" not in page
    escaped = "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;"
    # The title, heading and footer; each practice in the tables; the inequality sentences.
    assert page.count(escaped) >= 3 + 5
    assert f"In {html.escape(HOSTILE)}, " in page


class Tags(HTMLParser):
    """The tags of a page and the sources of its images."""

    def __init__(self):
        super().__init__()
        self.names, self.sources = set(), []

    def handle_starttag(self, tag, attrs):
        self.names.add(tag)
        if tag == "img":
            self.sources.append(dict(attrs)["src"])


def test_the_page_fetches_nothing(board):
    from ui.board_report import board_html

    page = board_html(board)
    assert "http://" not in page and "https://" not in page
    assert "default-src 'none'" in page  # the browser may load nothing but its own images
    tags = Tags()
    tags.feed(page)
    # the bar, trend and SPC of each indicator and its deprivation chart
    assert len(tags.sources) == 3 * len(board.indicators) + len(board.inequalities.indicators)


def test_the_inequality_section_holds_the_share_achieved_by_deprivation(board, demo):
    """The most deprived fifth's share achieved of CAN-04, counted here from the stored lists:
    eligible = achieved, or not achieved without a PCA; the most deprived fifth = IMD deciles 1-2."""
    from ui.board_report import board_html

    members = demo.orgs().query("pcn_code == @PCN")["practice_code"].tolist()
    rows = demo.patients(year=demo.years()[-1], as_at=PERIOD, practice_codes=members)
    rows = rows[rows["indicator_code"] == "CAN-04"]
    achieved = rows["achieved"].astype(str).str.upper().isin(["Y", "TRUE", "1"])
    pca = rows["pca"].astype(str).str.upper().isin(["Y", "TRUE", "1"])
    eligible = rows[achieved | ~pca]
    poorest = eligible[pd.to_numeric(eligible["imd_decile"]).isin([1, 2])]
    share = 100 * poorest["achieved"].astype(str).str.upper().isin(["Y", "TRUE", "1"]).mean()
    assert len(poorest) >= 10  # shown, not hidden by the small-group rule
    gaps = board.inequalities.gaps.set_index("indicator_code")
    assert gaps.loc["CAN-04", "most_deprived_achievement"] == pytest.approx(share)
    assert gaps.loc["CAN-04", "patients"] == len(eligible)
    page = board_html(board)
    assert "Inequalities: who is being reached" in page
    assert f"{share:.0f}%" in page
    for sentence in board.inequalities.sentences["CAN-04"]:
        assert html.escape(sentence) in page


def pdf_text(path: Path, page: int | None = None) -> str:
    pages = ["-f", str(page), "-l", str(page)] if page else []
    done = subprocess.run([poppler("pdftotext"), "-layout", *pages, str(path), "-"],
                          capture_output=True, text=True, check=True)  # fmt: skip
    return done.stdout


def test_the_pdf_reads_page_by_page(board, pdf):
    from ui import format

    info = subprocess.run(
        [poppler("pdfinfo"), str(pdf)], capture_output=True, text=True, check=True
    ).stdout
    pages = int(next(line for line in info.splitlines() if line.startswith("Pages:")).split()[1])
    # The title and headline; one page for each indicator; the members and top actions; the
    # inequalities; the scheme values: nothing spills over onto a page of its own.
    assert pages == 1 + len(board.indicators) + 3
    first = pdf_text(pdf, 1)
    assert "Brackenford Town PCN" in first and "31 October 2026" in first
    assert format.money(board.overview.totals["payment_achieved"]) in first
    assert format.money(board.overview.totals["payment_outstanding"]) in first
    for number, part in enumerate(board.indicators, start=2):
        text = pdf_text(pdf, number)
        assert f"{part.card['indicator_code']}:" in text
        assert "Month by month" in text and "signal or noise" in text
        assert f"Page {number} of {pages}" in text
    assert "Top actions" in pdf_text(pdf, pages - 2)
    assert "Inequalities: who is being reached" in pdf_text(pdf, pages - 1)
    assert "The scheme values used" in pdf_text(pdf, pages)
    assert all("Brackenford Town PCN" in pdf_text(pdf, n) for n in range(1, pages + 1))


def test_the_pdf_renders_to_images(pdf):
    PAGES.mkdir(parents=True, exist_ok=True)
    for old in PAGES.glob("page-*.png"):
        old.unlink()
    subprocess.run([poppler("pdftoppm"), "-r", "80", "-png", str(pdf), str(PAGES / "page")],
                   check=True, capture_output=True)  # fmt: skip
    images = sorted(PAGES.glob("page-*.png"))
    assert images and all(image.stat().st_size > 10_000 for image in images)


def test_a_practice_report_shows_no_money_and_its_pcn(demo):
    from ui.board_report import board_html

    practice = demo.orgs().query("pcn_code == @PCN")["practice_code"].iloc[0]
    year, scored, scheme, orgs, pcns, last, projection = inputs(demo, "practice", practice)
    board = board_report(
        scored, scheme, orgs, pcns, "practice", practice, PERIOD, projection, year=year,
        last_year=last, made_on=MADE_ON,
    )  # fmt: skip
    assert not board.pays and board.plan is None
    page = board_html(board)
    assert "£ earned so far" not in page and "IIF pays Primary Care Networks" in page


def test_the_months_that_came_late_or_partial_are_in_the_report(tmp_path):
    """From the store's own arrival times: November's figures of two practices nine days after
    the first two, and none from the fifth (tests/app/test_month_notes_page.py's month)."""
    import sys

    import duckdb

    from ui.board_report import board_html
    from ui.demo import load_demo

    sys.path.insert(0, str(ROOT / "tests" / "app"))
    from test_month_notes_page import LATE, ON_TIME, november

    path = tmp_path / "iif.duckdb"
    store = Store(path)
    load_demo(store)
    store.ingest(november(tmp_path / "on-time.csv", ON_TIME))
    late = store.ingest(november(tmp_path / "late.csv", LATE))
    store.close()
    with duckdb.connect(str(path)) as con:
        con.execute(
            "UPDATE batches SET loaded_at_utc = loaded_at_utc + INTERVAL 9 DAY WHERE batch_id = ?",
            [late.batch_id],
        )
    store = Store(path)
    year, period = "2026/27", date(2026, 11, 30)
    orgs = store.orgs()
    pcns = report.pcn_membership(orgs)
    notes = report.notes_in_words(report.month_notes(store.arrivals(year), orgs, pcns, "pcn", PCN))
    scored = store.scored(year, "pcn", PCN)
    projection = report.projections(
        scored, store.scheme(year), orgs, pcns, "pcn", PCN, period, None, None, None
    )
    board = board_report(
        scored, store.scheme(year), orgs, pcns, "pcn", PCN, period, projection, year=year,
        made_on=MADE_ON, month_notes=notes,
    )  # fmt: skip
    assert board.month_notes == notes and len(notes) == 1
    page = board_html(board)
    assert html.escape(notes[0]) in page
    assert notes[0].startswith("30 Nov 2026: 2 of 5 practices late (Hobbleton Lane Family")


def test_a_machine_without_pango_is_told_to_print_the_page_instead(monkeypatch):
    """The PDF button is offered only where WeasyPrint's libraries load; found without loading
    WeasyPrint itself (slow), by the libraries it needs."""
    from ui import board_report

    board_report.pdf_problem.cache_clear()
    monkeypatch.setattr(
        board_report, "PANGO_LIBRARIES", (*board_report.PANGO_LIBRARIES, ("libno-such-pango.so",))
    )
    try:
        found = board_report.pdf_problem()
        assert "cannot make PDFs" in found
    finally:
        board_report.pdf_problem.cache_clear()
    assert board_report.pdf_problem() is None or "cannot make PDFs" in board_report.pdf_problem()
