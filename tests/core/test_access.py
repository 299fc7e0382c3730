"""Scopes against the rules of access (decisions.md D37), grants and the audit trail in the store,
and what makes a hosted configuration unsafe."""

import dataclasses
from decimal import Decimal
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from iif_core import hosting
from iif_core.access import EVERYTHING, Grant, checked_grant, nothing, scope_for
from iif_core.problems import AccessError, StoreError
from iif_core.store import Store

SAMPLE = Path(__file__).resolve().parents[2] / "sample_data"
YEAR = "2026/27"


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    """The demo ICB's organisations, figures and patient lists in a store of its own."""
    store = Store(tmp_path_factory.mktemp("access") / "iif.duckdb")
    for name in ("orgs.csv", "extract_2026-27.csv", "patients_2026-10-31.csv"):
        assert store.ingest(SAMPLE / name, who="test").accepted
    orgs = store.orgs()
    return {"store": store, "orgs": orgs, "scored": store.score(YEAR),
            "patients": store.patients(year=YEAR)}  # fmt: skip


def reference_visible(orgs, grants) -> tuple[set[str], set[str]]:
    """What the grants let a user see, worked out row by row from the organisation file: an
    organisation is visible when a grant is on it or on an organisation it sits inside."""
    visible, patients = set(), set()
    for row in orgs.itertuples():
        chain = {"practice": row.practice_code, "pcn": row.pcn_code, "place": row.place_code,
                 "icb": row.icb_code}  # fmt: skip
        for grant in grants:
            if grant.role == "admin":
                continue
            held = [level for level, code in chain.items() if code == grant.org_code]
            if not held:
                continue
            # the grant's organisation and everything below it on this practice's chain
            order = ["practice", "pcn", "place", "icb"]
            top = max(order.index(level) for level in held)
            visible.update(chain[level] for level in order[: top + 1])
            if grant.patient_lists:
                patients.add(row.practice_code)
    return visible, patients


def grants_strategy(orgs):
    codes = {
        "practice": sorted(set(orgs["practice_code"].dropna())),
        "pcn": sorted(set(orgs["pcn_code"].dropna())),
        "area": sorted(set(orgs["place_code"].dropna()) | set(orgs["icb_code"].dropna())),
    }
    one = st.sampled_from(["practice", "pcn", "area"]).flatmap(
        lambda role: st.builds(
            Grant,
            st.just("user@nhs.net"),
            st.just(role),
            st.sampled_from(codes[role]),
            st.booleans(),
        )  # fmt: skip
    )
    return st.lists(one, min_size=0, max_size=4)


def test_a_pcn_manager_sees_their_pcn_and_its_practices_only(demo):
    orgs = demo["orgs"]
    members = set(orgs.loc[orgs["pcn_code"] == "U54335", "practice_code"])
    scope = scope_for("pm@nhs.net", [Grant("pm@nhs.net", "pcn", "U54335", True)], orgs)
    rows = scope.restrict(demo["scored"])
    assert set(rows["org_code"]) == members | {"U54335"}
    assert set(rows["level"]) == {"practice", "pcn"}
    assert set(scope.patient_codes()) == members
    assert not scope.can_manage
    # a practice of another PCN, asked for by name, is not given
    other = orgs.loc[orgs["pcn_code"] != "U54335", "practice_code"].iloc[0]
    assert scope.patient_codes([other]) == []
    assert not scope.sees(other)


def test_an_area_analyst_sees_the_area_without_patient_lists_unless_granted(demo):
    orgs = demo["orgs"]
    scope = scope_for("an@nhs.net", [checked_grant("an@nhs.net", "area", "98B", orgs)], orgs)
    inside = orgs[orgs["place_code"] == "98B"]
    expected = set(inside["practice_code"]) | set(inside["pcn_code"]) | {"98B"}
    assert set(scope.restrict(demo["scored"])["org_code"]) == expected
    assert scope.patient_codes() == []
    with_lists = checked_grant("an@nhs.net", "area", "98B", orgs, patient_lists=True)
    assert set(scope_for("an@nhs.net", [with_lists], orgs).patient_codes()) == set(
        inside["practice_code"]
    )


def test_an_admin_and_the_local_user_see_everything_and_no_grant_sees_nothing(demo):
    orgs, scored = demo["orgs"], demo["scored"]
    admin = scope_for("boss@nhs.net", [checked_grant("boss@nhs.net", "admin", None, orgs)], orgs)
    assert admin.can_manage and len(admin.restrict(scored)) == len(scored)
    assert EVERYTHING.patient_codes() is None and len(EVERYTHING.restrict(scored)) == len(scored)
    none = scope_for("new@nhs.net", [], orgs)
    assert none == nothing("new@nhs.net")
    assert none.restrict(scored).empty and none.patient_codes() == []


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(data=st.data())
def test_no_row_outside_the_grants_comes_back_and_none_inside_is_lost(demo, data):
    orgs, scored, patients = demo["orgs"], demo["scored"], demo["patients"]
    grants = data.draw(grants_strategy(orgs))
    scope = scope_for("user@nhs.net", grants, orgs)
    visible, with_lists = reference_visible(orgs, grants)
    rows = scope.restrict(scored)
    assert set(rows["org_code"]) == visible & set(scored["org_code"])
    assert len(rows) == scored["org_code"].isin(visible).sum()
    assert set(scope.restrict(orgs, "practice_code")["practice_code"]) == visible & set(
        orgs["practice_code"]
    )
    # the patient lists read through the store with the scope's codes
    read = demo["store"].patients(year=YEAR, practice_codes=scope.patient_codes())
    assert set(read["practice_code"]) == with_lists & set(patients["practice_code"])


def test_a_grant_is_checked_against_the_organisation_file(demo):
    orgs = demo["orgs"]
    pcn = orgs["pcn_code"].iloc[0]
    with pytest.raises(AccessError, match="not a practice"):
        checked_grant("a@nhs.net", "practice", pcn, orgs)
    with pytest.raises(AccessError, match="needs the code"):
        checked_grant("a@nhs.net", "pcn", None, orgs)
    with pytest.raises(AccessError, match="not an email"):
        checked_grant("not an email", "pcn", pcn, orgs)
    with pytest.raises(AccessError, match="no role"):
        checked_grant("a@nhs.net", "superuser", pcn, orgs)
    grant = checked_grant("  A@NHS.net ", "pcn", pcn.lower(), orgs)
    assert (grant.email, grant.org_code, grant.patient_lists) == ("a@nhs.net", pcn, True)


def test_grants_are_kept_revoked_and_audited(tmp_path):
    store = Store(tmp_path / "iif.duckdb")
    assert store.ingest(SAMPLE / "orgs.csv", who="first@nhs.net").accepted
    number = store.add_grant(Grant("pm@nhs.net", "pcn", "U54335", True), who="boss@nhs.net")
    with pytest.raises(StoreError, match="already has"):
        store.add_grant(Grant("pm@nhs.net", "pcn", "U54335", False), who="boss@nhs.net")
    assert store.grants_of("pm@nhs.net") == [Grant("pm@nhs.net", "pcn", "U54335", True)]
    assert "revoked" in store.revoke_grant(number, who="boss@nhs.net")
    assert store.grants_of("pm@nhs.net") == []
    with pytest.raises(StoreError, match="no grant"):
        store.revoke_grant(number, who="boss@nhs.net")
    history = store.grants(with_revoked=True)
    assert history.loc[0, "revoked_by"] == "boss@nhs.net"
    store.record("pm@nhs.net", "view_patients", "U54335", "HI-03, 12 patients")
    trail = store.audit()
    assert list(trail["action"]) == ["view_patients", "revoke", "grant", "upload"]
    assert trail.iloc[-1]["who"] == "first@nhs.net"  # the upload, in its own transaction
    assert list(store.audit(who="pm@nhs.net")["action"]) == ["view_patients"]
    with pytest.raises(ValueError):
        store.record("pm@nhs.net", "looked around")


def test_undo_restore_and_a_scheme_change_are_audited_with_who(tmp_path):
    store = Store(tmp_path / "iif.duckdb")
    batch = store.ingest(SAMPLE / "orgs.csv", who="a@nhs.net").batch_id
    store.undo(batch, who="b@nhs.net")
    store.restore(batch, who="c@nhs.net")
    store.save_scheme(
        dataclasses.replace(store.scheme(YEAR), value_per_point=Decimal("250")), who="d@nhs.net"
    )
    trail = store.audit()
    assert list(zip(trail["action"], trail["who"], strict=True)) == [
        ("scheme_change", "d@nhs.net"), ("restore", "c@nhs.net"), ("undo", "b@nhs.net"),
        ("upload", "a@nhs.net"),
    ]  # fmt: skip


# ----- hosted configuration ---------------------------------------------------------------------

GOOD_AUTH = {
    "redirect_uri": "https://iif.example.nhs.uk/oauth2callback",
    "cookie_secret": "0123456789abcdef0123456789abcdef",
    "client_id": "iif",
    "client_secret": "secret",
    "server_metadata_url": "https://login.example.nhs.uk/.well-known/openid-configuration",
}
GOOD_OPTIONS = {"server.enableXsrfProtection": True, "browser.gatherUsageStats": False}


def test_local_mode_needs_nothing_and_hosted_mode_needs_everything():
    assert hosting.mode({}, None) == "local"
    assert hosting.problems({}, None, {}) == []
    assert hosting.mode({"IIF_MODE": "hosted"}, None) == "hosted"
    assert hosting.mode({}, GOOD_AUTH) == "hosted"  # sign-in configured: never open access
    assert hosting.mode({"IIF_MODE": "hostd"}, None) == "hosted"  # a typo is not open access
    assert hosting.problems({"IIF_MODE": "hosted"}, GOOD_AUTH, GOOD_OPTIONS) == []
    assert any("no [auth]" in p for p in hosting.problems({"IIF_MODE": "hosted"}, None, {}))
    assert any(
        "'hostd'" in p for p in hosting.problems({"IIF_MODE": "hostd"}, GOOD_AUTH, GOOD_OPTIONS)
    )


@pytest.mark.parametrize(
    ("change", "words"),
    [
        ({"cookie_secret": "short"}, "at least 32"),
        ({"cookie_secret": ""}, "no cookie_secret"),
        ({"client_secret": ""}, "no client_secret"),
        ({"redirect_uri": "http://iif.example.nhs.uk/oauth2callback"}, "must be https"),
        ({"redirect_uri": "https://iif.example.nhs.uk/"}, "ending in /oauth2callback"),
    ],
)
def test_a_hosted_configuration_with_a_gap_is_refused(change, words):
    found = hosting.problems({}, {**GOOD_AUTH, **change}, GOOD_OPTIONS)
    assert any(words in p for p in found), found


def test_xsrf_and_usage_statistics_and_the_session_length_are_checked():
    found = hosting.problems({"IIF_SESSION_HOURS": "soon"}, GOOD_AUTH,
                             {"server.enableXsrfProtection": False,
                              "browser.gatherUsageStats": True})  # fmt: skip
    assert any("enableXsrfProtection" in p for p in found)
    assert any("gatherUsageStats" in p for p in found)
    assert any("IIF_SESSION_HOURS" in p for p in found)
    loopback = {**GOOD_AUTH, "redirect_uri": "http://127.0.0.1:8501/oauth2callback"}
    assert hosting.problems({}, loopback, GOOD_OPTIONS) == []
    named = {k: v for k, v in GOOD_AUTH.items() if k in hosting.SHARED_KEYS}
    named["nhs"] = {k: GOOD_AUTH[k] for k in hosting.PROVIDER_KEYS}
    assert hosting.provider(named) == "nhs" and hosting.problems({}, named, GOOD_OPTIONS) == []
