"""Hosted mode through AppTest: the sign-in page, each role's scope on every page (also when the
session state is edited), the audit trail, the Access page and session timeout (decisions.md D37,
D38). AppTest seeds the signed-in user; tests/app/test_sign_in.py signs in for real."""

import time
from pathlib import Path

import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

from iif_core.access import Grant
from iif_core.store import Store
from iif_core.vocabulary import LEVELS

ROOT = Path(__file__).resolve().parents[2]
APP = str(ROOT / "app.py")
TIMEOUT = 180
AUTH = {  # a complete hosted configuration; AppTest never calls the provider
    "redirect_uri": "http://127.0.0.1:8501/oauth2callback",
    "cookie_secret": "test-cookie-secret-of-at-least-32-characters",
    "client_id": "iif",
    "client_secret": "secret",
    "server_metadata_url": "http://127.0.0.1:9/.well-known/openid-configuration",
}
BRACKENFORD_TOWN = "U54335"  # sample_data/orgs.csv: a PCN of five practices in place 98B
ADMIN, PCN_MANAGER, PRACTICE_USER = "boss@nhs.net", "pm@nhs.net", "gp@nhs.net"
ANALYST, NOBODY = "analyst@nhs.net", "new@nhs.net"
PERFORMANCE_PAGES = ["overview", "variation", "patients", "inequalities", "trends", "payment",
                     "plan", "scheme"]  # fmt: skip


@pytest.fixture
def hosted(demo_db, monkeypatch):
    """The demo store with a grant for each role, and the app in hosted mode."""
    store = Store(demo_db)
    orgs = store.orgs()
    practice = orgs.loc[orgs["pcn_code"] == BRACKENFORD_TOWN, "practice_code"].iloc[0]
    for grant in (
        Grant(ADMIN, "admin", None, True),
        Grant(PCN_MANAGER, "pcn", BRACKENFORD_TOWN, True),
        Grant(PRACTICE_USER, "practice", practice, True),
        Grant(ANALYST, "area", "98B", False),
    ):
        store.add_grant(grant, who="test")
    store.close()
    monkeypatch.setenv("IIF_MODE", "hosted")
    return {"db": demo_db, "orgs": orgs, "practice": practice}


def app_as(
    email: str | None, signed_in_at: float | None = None, app: AppTest | None = None
) -> AppTest:
    """The app's first run for `email` (None: not signed in); `app`: one set up already."""
    at = app if app is not None else AppTest.from_file(APP, default_timeout=TIMEOUT)
    at.secrets["auth"] = AUTH
    if email is None:
        at.user = {"is_logged_in": False}
    else:
        at.user = {"is_logged_in": True, "email": email, "name": email.split("@")[0],
                   "auth_time": signed_in_at or time.time()}  # fmt: skip
    return at.run()


def outside(orgs: pd.DataFrame, codes: set[str]) -> set[str]:
    """The codes and names of the practices and PCNs not in `codes`: none may appear."""
    others = orgs[~orgs["practice_code"].isin(codes)]
    words = set(others["practice_code"]) | set(others["practice_name"])
    pcns = orgs[~orgs["pcn_code"].isin(codes)].dropna(subset=["pcn_code"])
    return words | set(pcns["pcn_code"]) | set(pcns["pcn_name"])


def shown(at: AppTest) -> str:
    """Every text, table cell and widget option on the page, as one string."""
    parts = []
    for kind in ("title", "subheader", "markdown", "caption", "info", "warning", "error",
                 "success", "text"):  # fmt: skip
        parts += [str(element.value) for element in getattr(at, kind)]
    parts += [f"{m.label} {m.value}" for m in at.metric]
    for table in at.dataframe:
        parts.append(table.value.astype(str).to_csv())
    for box in at.selectbox:
        parts += [str(option) for option in box.options]
    return "\n".join(parts).replace("\\", "")


def assert_nothing_outside(at: AppTest, forbidden: set[str]) -> None:
    assert not at.exception, [e.value for e in at.exception]
    text = shown(at)
    leaked = sorted(word for word in forbidden if word in text)
    assert not leaked, leaked


def test_a_session_not_signed_in_sees_only_the_sign_in_page(hosted):
    at = app_as(None)
    assert [t.value for t in at.title] == ["IIF monitor"]
    assert [b.label for b in at.button] == ["Sign in"]
    assert not at.sidebar.selectbox and not at.dataframe and not at.metric
    assert not at.exception


def test_a_misconfigured_hosted_app_shows_what_is_wrong_and_no_figures(hosted):
    at = AppTest.from_file(APP, default_timeout=TIMEOUT)
    at.secrets["auth"] = {**AUTH, "cookie_secret": "short"}
    at.user = {"is_logged_in": True, "email": ADMIN, "auth_time": time.time()}
    at.run()
    assert "at least 32" in at.error[0].value
    assert not at.dataframe and not at.metric and not at.sidebar.selectbox


def scope_of(hosted, email: str) -> set[str]:
    """The codes a role may see, from the organisation file, row by row."""
    orgs = hosted["orgs"]
    if email == PCN_MANAGER:
        inside = orgs[orgs["pcn_code"] == BRACKENFORD_TOWN]
        return set(inside["practice_code"]) | {BRACKENFORD_TOWN}
    if email == PRACTICE_USER:
        return {hosted["practice"]}
    inside = orgs[orgs["place_code"] == "98B"]
    return set(inside["practice_code"]) | set(inside["pcn_code"]) | {"98B"}


ROLE_LEVELS = {PCN_MANAGER: ["practice", "pcn"], PRACTICE_USER: ["practice"],
               ANALYST: ["practice", "pcn", "place"]}  # fmt: skip


@pytest.mark.parametrize("email", list(ROLE_LEVELS))
@pytest.mark.parametrize("page", PERFORMANCE_PAGES)
def test_each_role_sees_only_its_scope_on_every_page_and_level(hosted, page, email):
    codes = scope_of(hosted, email)
    forbidden = outside(hosted["orgs"], codes) - {"98B"}
    if email == PRACTICE_USER:  # the name of their own PCN is shown as context
        own_pcn = hosted["orgs"].set_index("practice_code").loc[hosted["practice"], "pcn_name"]
        forbidden.discard(own_pcn)
    at = app_as(email)
    levels = ROLE_LEVELS[email]
    assert at.segmented_control(key="level").options == [
        {"practice": "Practice", "pcn": "PCN", "place": "Place"}[level] for level in levels
    ]
    at.switch_page(f"pages/{page}.py").run()
    for level in levels:
        at.segmented_control(key="level").set_value(level).run()
        assert_nothing_outside(at, forbidden)
        assert at.selectbox(key=f"org_{level}").value in codes


def test_editing_the_session_state_shows_nothing_outside_the_scope(hosted):
    orgs = hosted["orgs"]
    members = set(orgs.loc[orgs["pcn_code"] == BRACKENFORD_TOWN, "practice_code"])
    forbidden = outside(orgs, members | {BRACKENFORD_TOWN})
    other_pcn = orgs.loc[orgs["pcn_code"] != BRACKENFORD_TOWN, "pcn_code"].dropna().iloc[0]
    other_practice = orgs.loc[~orgs["practice_code"].isin(members), "practice_code"].iloc[0]
    at = app_as(PCN_MANAGER)
    for page in ("overview", "patients", "inequalities", "variation"):
        at.switch_page(f"pages/{page}.py")
        at.session_state["level"] = "icb"
        at.session_state["org_icb"] = "QZW"
        at.run()
        assert at.session_state["level"] in ("practice", "pcn")
        # set while the widget is not drawn (AppTest cannot send a value it does not offer)
        at.segmented_control(key="level").set_value("practice").run()
        at.session_state["level"] = "pcn"
        at.session_state["org_pcn"] = other_pcn
        at.session_state["org_trail"] = {"pcn": other_pcn}
        at.run()
        assert at.session_state["org_pcn"] == BRACKENFORD_TOWN
        assert_nothing_outside(at, forbidden)
        at.session_state["level"] = "practice"
        at.session_state["org_practice"] = other_practice
        at.run()
        assert at.session_state["org_practice"] in members
        assert_nothing_outside(at, forbidden)


def test_a_practice_user_sees_their_practice_and_its_patients_and_the_view_is_audited(hosted):
    orgs, practice = hosted["orgs"], hosted["practice"]
    forbidden = outside(orgs, {practice})
    at = app_as(PRACTICE_USER)
    assert at.segmented_control(key="level").options == ["Practice"]
    at.switch_page("pages/patients.py").run()
    assert_nothing_outside(at, forbidden)
    patients = [t.value for t in at.dataframe if "patient_id" in t.value.columns]
    assert len(patients) == 1 and len(patients[0]) > 0
    trail = Store(hosted["db"]).audit(who=PRACTICE_USER)
    assert set(trail["action"]) == {"sign_in", "view_patients"}
    viewed = trail[trail["action"] == "view_patients"].iloc[0]
    assert viewed["org_code"] == practice and f"{len(patients[0])} patients" in viewed["detail"]


def test_an_analyst_without_patient_lists_sees_the_area_but_no_patient(hosted):
    orgs = hosted["orgs"]
    inside = orgs[orgs["place_code"] == "98B"]
    forbidden = outside(orgs, set(inside["practice_code"]) | set(inside["pcn_code"]))
    forbidden -= {"98B"}
    at = app_as(ANALYST)
    assert at.segmented_control(key="level").options == ["Practice", "PCN", "Place"]
    at.switch_page("pages/patients.py").run()
    for level in ("practice", "pcn", "place"):
        at.segmented_control(key="level").set_value(level).run()
        assert_nothing_outside(at, forbidden)
        assert any("does not include the patient lists" in i.value for i in at.info)
        assert not [t for t in at.dataframe if "patient_id" in t.value.columns]
    assert "view_patients" not in set(Store(hosted["db"]).audit()["action"])


def test_only_an_admin_gets_the_data_and_access_pages(hosted):
    at = app_as(PCN_MANAGER)
    with pytest.raises(ValueError, match="Could not find a navigation page"):
        at.switch_page("pages/data.py")  # not in this user's navigation at all
    admin = app_as(ADMIN)
    admin.switch_page("pages/data.py").run()
    assert admin.title[0].value == "Data" and not admin.exception
    admin.switch_page("pages/admin.py").run()
    assert admin.title[0].value == "Access" and not admin.exception
    assert set(admin.dataframe[0].value["email"]) == {ADMIN, PCN_MANAGER, PRACTICE_USER, ANALYST}


def test_an_admin_gives_and_revokes_access_on_the_access_page(hosted):
    at = app_as(ADMIN)
    at.switch_page("pages/admin.py").run()
    at.selectbox(key="access_role").set_value("pcn").run()
    at.text_input(key="access_email").input("New.Manager@NHS.net")
    at.selectbox(key="access_org").set_value(BRACKENFORD_TOWN)
    at.button(key="FormSubmitter:access_grant_form-Give access").click().run()
    assert not at.exception and "is pcn on" in at.success[0].value
    grants = Store(hosted["db"]).grants(email="new.manager@nhs.net")
    assert list(grants["org_code"]) == [BRACKENFORD_TOWN] and grants["granted_by"][0] == ADMIN
    number = int(grants["grant_id"][0])
    at.selectbox(key="access_revoke_choice").set_value(number).run()
    at.checkbox(key=f"access_revoke_sure_{number}").check().run()
    at.button(key="access_revoke_button").click().run()
    assert "revoked" in at.success[0].value
    assert Store(hosted["db"]).grants(email="new.manager@nhs.net").empty
    trail = Store(hosted["db"]).audit(who=ADMIN)
    assert {"grant", "revoke", "sign_in"} <= set(trail["action"])


def test_a_user_with_no_grant_is_told_so_and_sees_no_figures(hosted):
    at = app_as(NOBODY)
    assert "no access to any organisation" in at.info[0].value
    assert not at.dataframe and not at.metric and not at.sidebar.selectbox


def test_a_sign_in_older_than_the_session_length_signs_out(hosted, monkeypatch):
    monkeypatch.setenv("IIF_SESSION_HOURS", "8")
    at = app_as(PCN_MANAGER, signed_in_at=time.time() - 9 * 3600)
    assert [b.label for b in at.button] == ["Sign in"]
    assert not at.dataframe and not at.metric
    assert "session_expired" in set(Store(hosted["db"]).audit(who=PCN_MANAGER)["action"])


def test_local_mode_is_unchanged_and_says_so(demo_db):
    at = AppTest.from_file(APP, default_timeout=TIMEOUT).run()
    assert at.segmented_control(key="level").options == [
        {"practice": "Practice", "pcn": "PCN", "place": "Place", "icb": "ICB"}[level]
        for level in LEVELS
    ]
    assert any("Running locally" in c.value for c in at.sidebar.caption)


def test_an_admins_upload_carries_their_email(hosted):
    csv_text = (
        b"practice_code,indicator_code,period_end,numerator,denominator,pca_count\n"
        b"X10010,HI-03,2026-11-30,30,40,1\n"
    )
    at = app_as(ADMIN)
    at.switch_page("pages/data.py").run()
    at.file_uploader(key="uploader_0").set_value(("november.csv", csv_text, "text/csv")).run()
    assert not at.exception
    assert not [w for w in at.text_input if w.key == "who"]  # no name to type: the sign-in says
    assert any(
        "Kept in the history as boss@nhs.net" in c.value.replace("\\", "") for c in at.caption
    )
    at.button(key="store_0").click().run()
    newest = Store(hosted["db"]).batches().iloc[0]
    assert (newest["file_name"], newest["who"]) == ("november.csv", ADMIN)
    trail = Store(hosted["db"]).audit(action="upload")
    assert trail.iloc[0]["who"] == ADMIN and "november.csv" in trail.iloc[0]["detail"]


def test_a_patient_list_download_is_audited_before_it_is_made(hosted):
    """The download buttons make their file when pressed (ui/widgets.py): the audit line is
    written first, and when it cannot be written no file is made."""
    from ui import widgets

    made, recorded = [], []
    frame = pd.DataFrame({"patient_id": ["P1"]})

    def make(rows):
        made.append(len(rows))
        return b"file"

    assert widgets._made(make, frame, "CSV", recorded.append) == b"file"
    assert (recorded, made) == (["CSV"], [1])

    def cannot_record(kind):
        raise OSError("the store is busy")

    with pytest.raises(OSError):
        widgets._made(make, frame, "Excel", cannot_record)
    assert made == [1]  # nothing more was made
