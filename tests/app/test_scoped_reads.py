"""Every read the pages and downloads make (ui/reads.py), as each role, for every organisation it
can choose: no row of an organisation outside the scope comes back (decisions.md D37)."""

import pandas as pd
import pytest

from iif_core.access import EVERYTHING, Grant, scope_for
from iif_core.problems import InputError
from iif_core.store import Store
from ui import reads

YEAR = "2026/27"
GRANTS = {
    "pcn manager": [Grant("pm@nhs.net", "pcn", "U54335", True)],
    "practice user": [Grant("gp@nhs.net", "practice", "X44647", True)],
    "place analyst": [Grant("an@nhs.net", "area", "98B", False)],
    "two grants": [Grant("two@nhs.net", "practice", "X44647", False),
                   Grant("two@nhs.net", "pcn", "U22888", True)],
}  # fmt: skip
CODE_COLUMNS = ("org_code", "practice_code")


def frames(value):
    """The frames inside a read's result (a frame, or an object holding frames)."""
    if isinstance(value, pd.DataFrame):
        return [value]
    return [v for v in vars(value).values() if isinstance(v, pd.DataFrame)]


def codes_in(value) -> set[str]:
    found = set()
    for frame in frames(value):
        for column in CODE_COLUMNS:
            if column in frame:
                found |= set(frame[column].dropna().astype(str))
    return found


@pytest.mark.parametrize("role", list(GRANTS))
def test_no_read_returns_a_row_outside_the_scope(demo_db, role):
    path = str(demo_db)
    store = Store(demo_db)
    orgs = store.orgs()
    scope = scope_for(GRANTS[role][0].email, GRANTS[role], orgs)
    allowed = set(scope.org_codes)
    version = reads.data_version(reads.store_at(path))
    everything = reads.scored_orgs(path, YEAR, version, EVERYTHING)
    scored = reads.scored_orgs(path, YEAR, version, scope)
    assert len(scored) < len(everything)  # not the cached frame of another scope
    assert set(scored["org_code"]) <= allowed
    outside = everything[~everything["org_code"].isin(allowed)]
    for level, org_code in outside[["level", "org_code"]].itertuples(index=False):
        rows = reads.scored(path, YEAR, version, scope, level, org_code)
        assert set(rows["org_code"]) <= allowed - {org_code}, (level, org_code)
    assert codes_in(reads.orgs(path, version, scope)) <= allowed
    assert set(reads.pcns(path, version, scope)["pcn_code"]) <= allowed
    period = max(reads.scored_period_ends(path, YEAR, version))
    indicators = list(reads.scheme(path, YEAR, version).indicators)
    chosen = scored[["level", "org_code"]].drop_duplicates()
    assert len(chosen) > 0
    for level, org_code in chosen.itertuples(index=False):
        results = [
            reads.scored(path, YEAR, version, scope, level, org_code),
            reads.projections(path, YEAR, version, scope, level, org_code, period),
            reads.data_completeness(path, YEAR, version, scope, level, org_code, period),
            reads.period_completeness(path, YEAR, version, scope, level, org_code),
            *[reads.funnel(path, YEAR, version, scope, level, org_code, code, period)
              for code in indicators],
        ]  # fmt: skip
        for result in results:
            assert codes_in(result) <= allowed, (level, org_code)
    lists = reads.patient_lists(path, YEAR, version, scope, None, None)
    assert set(lists["practice_code"]) <= set(scope.patient_practices)
    # asking for the lists of every practice by code gives no more
    asked = tuple(orgs["practice_code"])
    assert set(reads.patient_lists(path, YEAR, version, scope, None, asked)["practice_code"]) <= (
        set(scope.patient_practices)
    )
    if not scope.patient_practices:
        assert lists.empty
    # the Patients page's reads counted in the store (decisions.md D61), asked for every practice
    everyone = reads.patient_worklist(path, YEAR, version, EVERYTHING, period,
                                      {"practice_codes": list(asked)}, 10)  # fmt: skip
    assert everyone.total > 0 and codes_in(everyone) - set(scope.patient_practices)
    for codes in (None, asked):
        summary = reads.patient_list_summary(path, YEAR, version, scope, period, codes)
        assert codes_in(summary) <= set(scope.patient_practices)
        assert summary.empty == (not scope.patient_practices)
    for filters in ({}, {"practice_codes": list(asked)}, {"indicator_code": "CAN-04"}):
        view = reads.patient_worklist(path, YEAR, version, scope, period, filters, 10)
        assert codes_in(view) <= set(scope.patient_practices), filters
        download = reads.patient_worklist_rows(path, YEAR, scope, period, filters)
        assert set(download["practice_code"]) <= set(scope.patient_practices), filters
        assert len(download) == view.total
        if not scope.patient_practices:
            assert view.total == 0
    # every month's lists (the Inequalities page's gap by month): the same practices, no more
    history = reads.patient_list_history(path, YEAR, version, scope, period, asked)
    assert set(history["practice_code"]) == set(lists["practice_code"])


@pytest.mark.parametrize("role", list(GRANTS))
def test_interventions_are_read_in_scope_and_marked_only_by_who_can_upload(demo_db, role):
    """Marked on one organisation of every level inside and outside the scope: the read gives
    only those in scope, whatever codes it is asked for, and a user who cannot upload marks and
    removes none, not even in scope (decisions.md D63)."""
    path = str(demo_db)
    store = Store(demo_db)
    orgs = store.orgs()
    scope = scope_for(GRANTS[role][0].email, GRANTS[role], orgs)
    allowed = set(scope.org_codes)
    every = sorted({code for level in ("practice", "pcn", "place", "icb")
                    for code in orgs[f"{level}_code"].dropna()})  # fmt: skip
    for code in every:
        store.add_intervention(code, pd.Timestamp("2026-10-15").date(), f"note on {code}")
    found = reads.interventions(path, YEAR, scope, every, None)
    assert set(found["org_code"]) == allowed & set(every)  # all in scope, none outside
    assert set(reads.interventions(path, YEAR, EVERYTHING, every, None)["org_code"]) == set(every)
    numbers = dict(zip(store.interventions()["org_code"], store.interventions()["intervention_id"],
                       strict=True))  # fmt: skip
    inside, outside = sorted(allowed & set(every))[0], sorted(set(every) - allowed)[0]
    for code in (inside, outside):
        with pytest.raises(InputError, match="Only someone who can upload figures"):
            reads.add_intervention(path, scope, "x", code, pd.Timestamp("2026-10-16").date(),
                                   "mine", None)  # fmt: skip
    with pytest.raises(InputError, match="Only someone who can upload figures"):
        reads.remove_intervention(path, scope, "x", numbers[inside])
    with pytest.raises(InputError, match=f"There is no intervention {numbers[outside]}"):
        reads.remove_intervention(path, scope, "x", numbers[outside])  # not even named
    assert len(store.interventions()) == len(every)  # nothing added or removed
    assert reads.remove_intervention(path, EVERYTHING, "admin", numbers[outside])
