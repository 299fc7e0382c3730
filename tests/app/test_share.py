"""Shareable views through AppTest (decisions.md D65, D66): the URL holds the year, level,
organisation, period end and indicator; a link opens that view on every page; what a link asks
for that cannot be shown is said in words, and a hosted user's link never widens their scope;
switching levels comes back to the user's own PCN."""

import sys
from pathlib import Path

import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

sys.path.insert(0, str(Path(__file__).resolve().parent))

import test_access_pages  # noqa: E402
from test_access_pages import (  # noqa: E402
    BRACKENFORD_TOWN,
    PCN_MANAGER,
    app_as,
    assert_nothing_outside,
    outside,
)
from test_pages import APP, TIMEOUT, no_exception, texts  # noqa: E402

from iif_core.store import Store  # noqa: E402

OAKHOLLOW = "U61555"  # sample_data/orgs.csv: another PCN of place 98B (Brackenford)
HARTMOUTH = "98A"  # the first place by name and the ICB's largest: not Brackenford Town's
hosted = test_access_pages.hosted  # the demo store, a grant for each role, hosted mode
VIEW_PAGES = ["overview", "variation", "patients", "trends", "payment", "plan", "scheme"]


def periods(path: Path, year: str) -> list[str]:
    """The period ends of a year's figures in the store, newest first."""
    counts = Store(path).counts(year)
    return sorted({str(pd.Timestamp(p).date()) for p in counts["period_end"]}, reverse=True)


def opened(link: dict[str, str], page: str | None = None) -> AppTest:
    """The app opened at a link: a new session whose URL holds `link` (and `page`)."""
    at = AppTest.from_file(APP, default_timeout=TIMEOUT)
    at.query_params.update(link)
    if page:  # the link's page, run on the session's first run as the browser does
        at.switch_page(f"pages/{page}.py")
    at.run()
    no_exception(at)
    return at


def view(at: AppTest) -> dict[str, str]:
    """The view the sidebar shows, read from its widgets (not from the URL)."""
    level = at.segmented_control(key="level").value
    shown = {
        "year": at.selectbox(key="scheme_year").value,
        "level": level,
        "org": at.selectbox(key=f"org_{level}").value,
        "period": str(at.selectbox(key="period_end").value),
    }
    indicator = [w for w in at.segmented_control if w.key == "indicator"]
    if indicator:
        shown["indicator"] = indicator[0].value
    return shown


def link_notes(at: AppTest) -> list[str]:
    return [i.value for i in at.info if "The link asked for" in i.value]


def test_a_link_opens_its_view_on_every_page_and_the_url_follows(demo_db):
    older = periods(demo_db, "2026/27")[1]
    link = {"year": "2026/27", "level": "pcn", "org": OAKHOLLOW, "period": older,
            "indicator": "CAN-04"}  # fmt: skip
    for page in VIEW_PAGES:
        at = opened(link, page)
        shown = view(at)
        if "indicator" not in shown:  # a page without the indicator picker keeps it in the URL
            shown["indicator"] = at.session_state["indicator_chosen"]
        assert shown == link, page
        assert at.query_params == link, page
        assert not link_notes(at)


def test_the_url_follows_each_choice_and_a_page_switch(demo_db):
    at = opened({})
    newest, older = periods(demo_db, "2026/27")[:2]
    assert at.query_params == {"year": "2026/27", "level": "pcn",
                               "org": at.selectbox(key="org_pcn").value, "period": newest}  # fmt: skip
    at.segmented_control(key="level").set_value("place").run()
    at.selectbox(key="org_place").set_value("98C").run()
    at.selectbox(key="period_end").set_value(older).run()
    at.query_params.clear()  # the browser clears the URL's keys when the page is switched
    at.switch_page("pages/variation.py").run()
    at.segmented_control(key="indicator").set_value("CAN-04").run()
    no_exception(at)
    expected = {"year": "2026/27", "level": "place", "org": "98C", "period": older,
                "indicator": "CAN-04"}  # fmt: skip
    assert at.query_params == expected
    at.query_params.clear()
    at.switch_page("pages/trends.py").run()  # the indicator chosen on Variation, and its URL
    assert view(at) == expected and at.query_params == expected


def test_a_link_written_by_hand_is_read_in_any_case(demo_db):
    at = opened({"level": "PCN", "org": OAKHOLLOW.lower(), "year": " 2026/27 "})
    assert view(at)["org"] == OAKHOLLOW and not link_notes(at)


@pytest.mark.parametrize(
    ("asked", "words"),
    [
        ({"year": "1999/00"}, "a scheme year that is not here"),
        ({"level": "nation"}, "a level you cannot see"),
        ({"org": "U99999"}, "an organisation you cannot see"),
        ({"org": "<script>alert(1)</script>" * 20}, "an organisation you cannot see"),
        ({"period": "2026-13-45"}, "a period end with no figures for it"),
        ({"period": "2020-04-30"}, "a period end with no figures for it"),
        ({"indicator": "XX-99"}, "an indicator that is not in the scheme"),
    ],
)
def test_a_bad_value_in_a_link_is_said_in_words_and_a_sensible_view_shown(demo_db, asked, words):
    plain = opened({})
    expected = view(plain)
    at = opened({"level": "pcn", **asked}, "overview")
    notes = link_notes(at)
    assert len(notes) == 1 and words in notes[0], notes
    assert "instead" in notes[0] or "choose in the sidebar" in notes[0]
    assert view(at) == expected  # the view a plain visit opens
    assert "<script>" not in texts(at)
    at.run()  # said once: the next run shows the view without it
    assert not link_notes(at)


def test_several_bad_values_are_said_in_one_sentence(demo_db):
    at = opened({"year": "2026/27", "level": "pcn", "org": "U99999", "period": "never"})
    notes = link_notes(at)
    assert len(notes) == 1
    assert "an organisation you cannot see and a period end with no figures for it" in notes[0]
    shown = view(at)
    assert shown["level"] == "pcn" and shown["period"] == periods(demo_db, "2026/27")[0]


def test_a_year_without_figures_in_a_link_says_so_and_no_traceback(demo_db):
    at = opened({"year": "2021/22", "level": "pcn", "org": OAKHOLLOW})
    assert at.selectbox(key="scheme_year").value == "2021/22"
    assert not at.exception


def test_switching_levels_comes_back_to_the_users_pcn(demo_db):
    at = opened({})
    at.selectbox(key="org_pcn").set_value(BRACKENFORD_TOWN).run()
    for level, expected in (("icb", "QZW"), ("place", "98B"), ("pcn", BRACKENFORD_TOWN)):
        at.segmented_control(key="level").set_value(level).run()
        no_exception(at)
        assert at.selectbox(key=f"org_{level}").value == expected, level
    # and through a practice of it, then the ICB, back to the same PCN
    for level in ("practice", "icb", "pcn"):
        at.segmented_control(key="level").set_value(level).run()
    assert at.selectbox(key="org_pcn").value == BRACKENFORD_TOWN
    # a new place chosen: the PCN shown is one of that place's
    at.segmented_control(key="level").set_value("place").run()
    at.selectbox(key="org_place").set_value(HARTMOUTH).run()
    at.segmented_control(key="level").set_value("pcn").run()
    hartmouth = Store(demo_db).orgs().query("place_code == @HARTMOUTH")["pcn_code"]
    assert at.selectbox(key="org_pcn").value in set(hartmouth)


def test_a_link_never_widens_a_hosted_users_scope(hosted):
    orgs = hosted["orgs"]
    members = set(orgs.loc[orgs["pcn_code"] == BRACKENFORD_TOWN, "practice_code"])
    forbidden = outside(orgs, members | {BRACKENFORD_TOWN})
    stranger = orgs.loc[~orgs["practice_code"].isin(members), "practice_code"].iloc[0]
    for link in (
        {"level": "pcn", "org": OAKHOLLOW},
        {"level": "practice", "org": stranger},
        {"level": "icb", "org": "QZW"},
        {"level": "place", "org": "98B"},
    ):
        at = AppTest.from_file(APP, default_timeout=TIMEOUT)
        at.query_params.update(link)
        at = app_as(PCN_MANAGER, app=at)
        for page in ("overview", "variation", "patients"):
            at.switch_page(f"pages/{page}.py").run()
            assert_nothing_outside(at, forbidden)
        level = at.segmented_control(key="level").value
        assert level in ("practice", "pcn")
        assert at.selectbox(key=f"org_{level}").value in members | {BRACKENFORD_TOWN}
        assert at.query_params["org"] in members | {BRACKENFORD_TOWN}


def test_a_hosted_users_link_says_what_it_cannot_show_without_naming_it(hosted):
    at = AppTest.from_file(APP, default_timeout=TIMEOUT)
    at.query_params.update({"level": "pcn", "org": OAKHOLLOW})
    at = app_as(PCN_MANAGER, app=at)
    notes = link_notes(at)
    assert len(notes) == 1 and "an organisation you cannot see" in notes[0]
    assert "Oakhollow" not in notes[0] and OAKHOLLOW not in notes[0]
    assert at.selectbox(key="org_pcn").value == BRACKENFORD_TOWN


def test_the_sidebar_says_the_address_holds_the_view(demo_db):
    at = opened({})
    assert "Copy a link to this view" in [e.label for e in at.sidebar.expander]
    assert "address bar" in texts(at)


def test_the_sign_in_page_says_a_link_is_opened_again_after_signing_in(hosted):
    at = AppTest.from_file(APP, default_timeout=TIMEOUT)
    at.query_params.update({"level": "pcn", "org": BRACKENFORD_TOWN})
    at = app_as(None, app=at)
    assert any("open the link again once you are signed in" in c.value for c in at.caption)
    assert not app_as(None).caption  # without a link, nothing is said of one
