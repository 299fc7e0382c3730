"""The board report's buttons on the Overview at every level (AppTest), and in hosted mode the
report made from the signed-in user's scoped reads only (ui/board_download.py, decisions.md D71)."""

import sys
from datetime import date
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))

from test_access_pages import outside  # noqa: E402
from test_pages import no_exception, open_app  # noqa: E402

from iif_core.access import EVERYTHING, Grant, scope_for  # noqa: E402
from iif_core.store import Store  # noqa: E402
from iif_core.vocabulary import LEVELS  # noqa: E402
from ui import board_download, reads  # noqa: E402

YEAR = "2026/27"
PERIOD = date(2026, 10, 31)
BRACKENFORD_TOWN = "U54335"  # five practices in place 98B


def test_the_overview_offers_the_board_report_at_every_level(demo_db):
    at = open_app("overview")
    for level in LEVELS:
        at.segmented_control(key="level").set_value(level).run()
        no_exception(at)
        labels = {button.proto.label for button in at.get("download_button")}
        assert {"Board report (PDF)", "Board report (print page)"} <= labels, level
        assert any("who is being reached" in c.value for c in at.caption), level


def report_as(demo_db, grant: Grant, level: str, org_code: str) -> str:
    """The board report's HTML page as `grant`'s holder gets it from the Overview's button."""
    path = str(demo_db)
    scope = scope_for(grant.email, [grant], Store(demo_db).orgs())
    version = reads.data_version(reads.store_at(path))
    page, pdf = board_download.files(
        path, YEAR, version, scope, level, org_code, PERIOD, None, date(2026, 11, 9)
    )
    assert pdf is None or pdf.startswith(b"%PDF-")
    return page


def names_outside(demo_db, codes: set[str], page: str) -> set[str]:
    """The names and codes outside `codes` that the page holds; a practice's own PCN's name is
    shown as context, as on every page (tests/app/test_access_pages.py)."""
    orgs = Store(demo_db).orgs()
    forbidden = outside(orgs, codes)
    if codes == {PRACTICE}:
        forbidden.discard(orgs.set_index("practice_code").loc[PRACTICE, "pcn_name"])
    return {word for word in forbidden if word in page}


PRACTICE = "X44647"  # Hobbleton Hill Surgery, in Brackenford Town
ROLES = {
    "pcn manager": (Grant("pm@nhs.net", "pcn", BRACKENFORD_TOWN, True), "pcn", BRACKENFORD_TOWN),
    "practice user": (Grant("gp@nhs.net", "practice", PRACTICE, True), "practice", PRACTICE),
    "place analyst": (Grant("an@nhs.net", "area", "98B", False), "place", "98B"),
}


def codes_of(demo_db, role: str) -> set[str]:
    """The practices and PCNs the role may see."""
    orgs = Store(demo_db).orgs()
    if role == "pcn manager":
        ours = orgs[orgs["pcn_code"] == BRACKENFORD_TOWN]
    elif role == "practice user":
        return {PRACTICE}
    else:
        ours = orgs[orgs["place_code"] == "98B"]
    return set(ours["practice_code"]) | set(ours["pcn_code"].dropna())


@pytest.mark.parametrize("role", list(ROLES))
def test_a_hosted_report_names_only_the_users_organisations(demo_db, role):
    grant, level, org_code = ROLES[role]
    page = report_as(demo_db, grant, level, org_code)
    assert "Headline" in page or level == "practice"
    assert "<h1>" in page and "There are no figures" not in page
    assert not names_outside(demo_db, codes_of(demo_db, role), page), role
    # The check can fail: the ICB's report for a session that sees everything names them.
    version = reads.data_version(reads.store_at(str(demo_db)))
    whole, _ = board_download.files(
        str(demo_db), YEAR, version, EVERYTHING, "icb", "QZW", PERIOD, None, date(2026, 11, 9)
    )
    assert names_outside(demo_db, codes_of(demo_db, role), whole)


def test_a_pcn_manager_s_report_has_the_inequalities_of_their_lists(demo_db):
    grant, level, org_code = ROLES["pcn manager"]
    page = report_as(demo_db, grant, level, org_code)
    assert "Brackenford Town PCN" in page and "Top actions" in page
    assert "Inequalities: who is being reached" in page and "most deprived fifth" in page


def test_without_access_to_patient_lists_the_report_says_so(demo_db):
    grant = ROLES["place analyst"][0]  # figures, but no patient lists
    page = report_as(demo_db, grant, "pcn", BRACKENFORD_TOWN)
    assert "Your access does not include the patient lists" in page
    assert "most deprived fifth" not in page
