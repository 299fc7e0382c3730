"""Hosted mode in a real browser: sign-in through a real OpenID Connect provider on loopback
(oidc-provider-mock, started here), each role's Overview and Patients page, the URL of a page a
role may not have, signing out, the audit trail, and no request from the app to anywhere else."""

import shutil

import pytest
from browsing import (
    VIEWPORT,
    assert_no_exception,
    free_port,
    refuse_outside,
    screenshot,
    start_server,
    stop_server,
    wait_for_run,
)

from iif_core.access import within
from iif_core.store import Store
from scripts.hosted_demo import DEMO_USERS, give_demo_grants, start_provider, write_secrets

pytestmark = pytest.mark.browser

ADMIN, PCN_MANAGER = "admin@demo.nhs.net", "pcn.manager@demo.nhs.net"
PRACTICE_USER, ANALYST = "practice.user@demo.nhs.net", "place.analyst@demo.nhs.net"
WAIT_MS = 120_000
LEVELS_SEEN = {  # the levels each role is offered in the sidebar
    ADMIN: ["Practice", "PCN", "Place", "ICB"],
    PCN_MANAGER: ["Practice", "PCN"],
    PRACTICE_USER: ["Practice"],
    ANALYST: ["Practice", "PCN", "Place"],
}


@pytest.fixture(scope="module")
def hosted(tmp_path_factory, demo_template):
    """The test provider and the app in hosted mode on a copy of the demo store with the demo
    users' grants."""
    folder = tmp_path_factory.mktemp("hosted")
    for source in [p for p in demo_template.parent.iterdir() if p.is_file()]:
        shutil.copy(source, folder / source.name)
    database = folder / demo_template.name
    store = Store(database)
    give_demo_grants(store)
    orgs = store.orgs()
    store.close()
    provider_port, app_port = free_port(), free_port()
    provider = start_provider(provider_port, DEMO_USERS, folder / "provider.log")
    secrets_file = write_secrets(folder / "secrets.toml", app_port, provider_port)
    try:
        process, url = start_server(
            folder, {"IIF_MODE": "hosted", "IIF_DB": str(database), "IIF_DEMO": "0"},
            ("--secrets.files", str(secrets_file)), port=app_port,
        )  # fmt: skip
    except BaseException:
        provider.terminate()
        raise
    try:
        yield {"url": url, "provider": f"http://127.0.0.1:{provider_port}", "db": database,
               "orgs": orgs}  # fmt: skip
    finally:
        stop_server(process)
        provider.terminate()
        provider.wait(timeout=20)


@pytest.fixture
def visit(browser, hosted):
    """A new browser (no cookie) whose every request is recorded: a request of the app's pages
    to anywhere but the app fails the test; the provider's own page may ask for its stylesheet
    (refused here: the machine has no outside network)."""
    context = browser.new_context(viewport=VIEWPORT)
    outside = refuse_outside(context, (hosted["url"], hosted["provider"]),
                             lambda request: not request.frame.url.startswith(hosted["provider"]))  # fmt: skip
    yield context.new_page()
    context.close()
    assert not outside, f"the app's pages asked for outside addresses: {outside}"


def sign_in(page, hosted, email: str) -> None:
    """Through the real redirect flow: the app's sign-in button, the provider's page, back."""
    page.goto(hosted["url"])
    wait_for_run(page, 0, "the sign-in page")
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(f"{hosted['provider']}/**", timeout=WAIT_MS)
    page.get_by_role("button", name=email, exact=True).click()
    back = hosted["url"]
    page.wait_for_url(lambda url: url.startswith(back) and "oauth2callback" not in url,
                      wait_until="commit", timeout=WAIT_MS)  # fmt: skip
    wait_for_run(page, 0, f"the app after {email} signed in")
    assert_no_exception(page)


def visible_words(page) -> str:
    return page.locator("body").inner_text()


def outside_names(orgs, codes: set[str]) -> set[str]:
    """Names of practices outside `codes`, and of PCNs none of whose practices is in `codes`:
    none may be on the page (a practice user sees the name of their own PCN)."""
    others = orgs[~orgs["practice_code"].isin(codes)]
    own_pcns = set(orgs.loc[orgs["practice_code"].isin(codes), "pcn_code"])
    pcns = orgs[~orgs["pcn_code"].isin(own_pcns)].dropna(subset=["pcn_code"])
    return set(others["practice_name"]) | set(pcns["pcn_name"])


def scope_codes(orgs, email: str) -> set[str] | None:
    role, org_code, _ = DEMO_USERS[email]
    if role == "admin":
        return None
    level = {"practice": "practice", "pcn": "pcn"}.get(role, "place")
    return within(orgs, level, org_code)


def test_a_browser_not_signed_in_sees_the_sign_in_page_only(hosted, visit):
    visit.goto(f"{hosted['url']}/patients")
    wait_for_run(visit, 0, "the sign-in page")
    words = visible_words(visit)
    assert "Sign in with your NHS account" in words
    assert not outside_names(hosted["orgs"], set()) & set(words.splitlines())
    assert visit.locator('[data-testid="stSidebarNav"]').count() == 0
    screenshot(visit, "hosted-sign-in")


@pytest.mark.parametrize("email", [PCN_MANAGER, PRACTICE_USER, ANALYST, ADMIN])
def test_each_role_sees_its_scope_on_overview_and_patients(hosted, visit, email):
    sign_in(visit, hosted, email)
    sidebar = visit.locator('[data-testid="stSidebar"]')
    levels = [r.inner_text() for r in sidebar.get_by_role("radio").all()]
    assert levels == LEVELS_SEEN[email]
    assert f"Signed in as {email}" in sidebar.inner_text()
    assert visit.locator('[data-testid="stSidebarNav"]').count() == 1
    codes = scope_codes(hosted["orgs"], email)
    name = email.split("@")[0].replace(".", "-")
    for path, title in (("", "Overview"), ("patients", "Patients")):
        if path:
            visit.goto(f"{hosted['url']}/{path}")  # a new session: the sign-in cookie carries it
            wait_for_run(visit, 0, f"the {title} page")
        assert_no_exception(visit)
        assert visit.locator("h1", has_text=title).count()
        if codes is not None:
            shown = visible_words(visit)
            leaked = sorted(n for n in outside_names(hosted["orgs"], codes) if n in shown)
            assert not leaked, leaked
        screenshot(visit, f"hosted-{name}-{title.lower()}")
    patients_table = visit.locator('[data-testid="stDataFrame"]').count()
    if email == ANALYST:
        assert "does not include the patient lists" in visible_words(visit)
    else:
        assert patients_table >= 1 and "The recall list" in visible_words(visit)
        viewed = Store(hosted["db"]).audit(action="view_patients", who=email)
        assert len(viewed) >= 1
    navigation = visit.locator('[data-testid="stSidebarNav"]').inner_text()
    assert ("Data" in navigation and "Access" in navigation) == (email == ADMIN)
    if email == ADMIN:
        visit.goto(f"{hosted['url']}/admin")
        wait_for_run(visit, 0, "the Access page")
        assert_no_exception(visit)
        words = visible_words(visit)
        assert "Who has access" in words and "Audit trail" in words
        screenshot(visit, "hosted-admin-access")


def test_the_url_of_a_page_a_role_does_not_have_shows_no_upload(hosted, visit):
    sign_in(visit, hosted, PCN_MANAGER)
    visit.goto(f"{hosted['url']}/data")
    wait_for_run(visit, 0, "the app at /data")
    assert visit.locator('[data-testid="stFileUploader"]').count() == 0
    assert visit.locator("h1", has_text="Data").count() == 0


def test_signing_out_leaves_only_the_sign_in_page_and_is_audited(hosted, visit):
    sign_in(visit, hosted, PRACTICE_USER)
    visit.locator('[data-testid="stSidebar"]').get_by_role("button", name="Sign out").click()
    # the provider asks to end its session too, then sends the browser back to the app
    visit.wait_for_url(f"{hosted['provider']}/**", timeout=WAIT_MS)
    visit.get_by_role("button", name="End session").click()
    visit.wait_for_url(f"{hosted['url']}/**", timeout=WAIT_MS)
    visit.goto(hosted["url"])
    wait_for_run(visit, 0, "the app after signing out")
    assert visit.get_by_role("button", name="Sign in").count() == 1
    actions = set(Store(hosted["db"]).audit(who=PRACTICE_USER)["action"])
    assert {"sign_in", "sign_out"} <= actions
