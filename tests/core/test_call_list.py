"""Who to call first (iif_core.report.call_list, D64): by hand, by property, and on the demo."""

from collections import Counter
from datetime import date

import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from iif_core import report
from iif_core.report.plan import ALLOCATION_COLUMNS, PLAN_INDICATOR_COLUMNS, Plan

PERIOD = date(2026, 10, 31)


def patient(practice, indicator, patient_id, achieved="N", pca="N", last=None):
    return {
        "practice_code": practice, "practice_name": f"{practice} Surgery",
        "indicator_code": indicator, "patient_id": patient_id, "achieved": achieved == "Y",
        "pca": pca == "Y", "last_activity_date": last,
    }  # fmt: skip


def plan_of(allocation: list[tuple[str, str, int, float]], notes=None) -> Plan:
    """A plan sending `patients` contacts at (practice, indicator), expecting `£` from them."""
    rows = [
        {"indicator_code": code, "name": code, "practice_code": practice,
         "practice_name": f"{practice} Surgery", "patients": patients, "outstanding": patients,
         "payment_expected": money}
        for practice, code, patients, money in allocation
    ]  # fmt: skip
    codes = sorted({code for _, code, _, _ in allocation} | set(notes or {}))
    by_indicator = pd.DataFrame(
        [{"indicator_code": code, "patients": sum(a[2] for a in allocation if a[1] == code),
          "note": (notes or {}).get(code)} for code in codes],
    ).reindex(columns=list(PLAN_INDICATOR_COLUMNS))  # fmt: skip
    gain = sum(money for *_, money in allocation)
    used = sum(patients for _, _, patients, _ in allocation)
    return Plan(
        allocation=pd.DataFrame(rows, columns=list(ALLOCATION_COLUMNS)),
        by_indicator=by_indicator, contacts=used, patients=used, payment_gain=gain,
        payment_per_contact=gain / used if used else None, method="by hand", proven_best=True,
        notes=[],
    )  # fmt: skip


# --- worked by hand ---------------------------------------------------------------------------

LISTS = pd.DataFrame(
    [
        patient("A", "HI-03", "p1", last="2026-10-01"),  # 30 days
        patient("A", "HI-03", "p2", last="2026-04-01"),  # 213 days: longest, first
        patient("A", "HI-03", "p3", last=None),  # no activity recorded: before p2
        patient("A", "HI-03", "p4", achieved="Y", last="2026-01-01"),  # done: never listed
        patient("A", "HI-03", "p5", pca="Y", last="2026-01-01"),  # exception: never listed
        patient("A", "CAN-04", "p1", last="2026-10-01"),  # p1 is to do on both
        patient("A", "CAN-04", "p6", last="2026-09-30"),
        patient("B", "HI-03", "q1", last="2026-10-30"),
    ]
)


def test_the_plans_patients_come_first_each_worth_its_pound_per_patient():
    plan = plan_of([("A", "HI-03", 2, 100.0), ("A", "CAN-04", 1, 30.0)])
    calls = report.call_list(LISTS, plan, PERIOD)
    assert list(calls.columns) == list(report.CALL_LIST_COLUMNS)
    assert set(calls["patient_id"]) == {"p1", "p2", "p3", "p6", "q1"}  # p4 done, p5 excepted
    value = dict(zip(calls["patient_id"], calls["payment_expected"], strict=True))
    # HI-03 at A: 2 contacts, £50 each. p1 is to do on both planned indicators, so it is reached
    # first on each; then the longest since activity (none recorded) is p3. p2 is a reserve.
    assert value == {"p1": 80.0, "p3": 50.0, "p2": 0.0, "p6": 0.0, "q1": 0.0}
    assert calls["patient_id"].tolist()[:2] == ["p1", "p3"]
    a = calls[calls["practice_code"] == "A"]
    assert a["call_order"].tolist() == [1, 2, 3, 4]
    assert a["patient_id"].tolist() == ["p1", "p3", "p2", "p6"]  # the £0s: longest since first
    assert dict(zip(calls["patient_id"], calls["in_plan"], strict=True))["p2"] == "reserve"
    assert calls.loc[calls["patient_id"] == "p1", "indicators"].item() == "CAN-04, HI-03"
    assert sum(value.values()) == plan.payment_gain


def test_each_patient_says_why_they_are_on_the_list():
    plan = plan_of(
        [("A", "HI-03", 2, 100.0)],
        notes={"CAN-04": "the upper threshold is reached: nothing more to earn."},
    )
    calls = report.call_list(LISTS, plan, PERIOD).set_index("patient_id")["reason"]
    assert calls["p3"] == (
        "HI-03 still to do: one of the plan's 2 here, about £50.00 each; no activity recorded."
    )
    assert calls["p2"] == (
        "HI-03 still to do: one of the plan's 2 here, about £50.00 each; last activity 213 days "
        "before 31 Oct 2026."
    )
    assert calls["p1"] == (  # to do on both; the plan's 2 on HI-03 are p3 and p2
        "CAN-04 still to do: the plan sends no contacts for it here (the upper threshold is "
        "reached: nothing more to earn); HI-03 still to do: a reserve, after the plan's 2 here; "
        "last activity 30 days before 31 Oct 2026."
    )
    assert calls["p6"] == (
        "CAN-04 still to do: the plan sends no contacts for it here (the upper threshold is "
        "reached: nothing more to earn); last activity 31 days before 31 Oct 2026."
    )
    assert calls["q1"].endswith("last activity 1 day before 31 Oct 2026.")


def test_a_practices_list_and_its_recall_download():
    plan = plan_of([("A", "HI-03", 2, 100.0), ("B", "HI-03", 1, 50.0)])
    calls = report.call_list(LISTS, plan, PERIOD, practice_codes=["B"])
    assert calls["patient_id"].tolist() == ["q1"] and calls["payment_expected"].tolist() == [50.0]
    every = report.call_list(LISTS, plan, PERIOD)
    recall = report.recall_list(every, "A")
    assert list(recall.columns) == list(report.RECALL_COLUMNS)
    assert "payment_expected" not in recall and "reason" not in recall  # identifiers, what to do
    assert recall["call_order"].tolist() == [1, 2, 3, 4]
    assert set(recall["practice_code"]) == {"A"}


def test_plan_patients_that_no_list_names_are_counted_apart():
    plan = plan_of([("A", "HI-03", 5, 100.0), ("C", "HI-03", 2, 40.0)])
    unnamed = report.unnamed_plan(LISTS, plan)
    # A lists 3 still to do on HI-03, so 2 of its 5 cannot be named; C sent no list at all.
    assert unnamed[["practice_code", "patients", "payment_expected"]].values.tolist() == [
        ["A", 2, 40.0],
        ["C", 2, 40.0],
    ]
    named = report.call_list(LISTS, plan, PERIOD)["payment_expected"].sum()
    assert named + unnamed["payment_expected"].sum() == pytest.approx(plan.payment_gain)


def test_no_lists_no_calls():
    plan = plan_of([("A", "HI-03", 2, 100.0)])
    assert report.call_list(LISTS.iloc[0:0], plan, PERIOD).empty
    assert report.call_list(LISTS[LISTS["achieved"]], plan, PERIOD).empty


# --- properties -------------------------------------------------------------------------------


@st.composite
def cases(draw):
    rows, allocation = [], []
    for practice in ("A", "B", "C"):
        for code in ("HI-03", "CAN-04"):
            for _ in range(draw(st.integers(0, 6))):
                rows.append(
                    patient(practice, code, f"{practice}{draw(st.integers(0, 8))}",
                            achieved=draw(st.sampled_from("NNY")), pca=draw(st.sampled_from("NNNY")),
                            last=draw(st.one_of(st.none(), st.dates(date(2026, 1, 1), PERIOD).map(str)))))  # fmt: skip
            if draw(st.booleans()):
                allocation.append((practice, code, draw(st.integers(1, 7)), float(draw(st.integers(1, 900)))))  # fmt: skip
    frame = pd.DataFrame(rows, columns=list(patient("A", "HI-03", "x")))
    return frame, plan_of(allocation)


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(cases())
def test_property_the_list_spends_exactly_the_plan_on_the_patients_it_names(case):
    lists, plan = case
    calls = report.call_list(lists, plan, PERIOD)
    to_do = lists[~lists["achieved"] & ~lists["pca"]].drop_duplicates(
        ["practice_code", "indicator_code", "patient_id"]
    )
    listed = Counter(zip(to_do["practice_code"], to_do["indicator_code"], strict=True))
    expected = 0.0
    for row in plan.allocation.to_dict("records"):
        key = (row["practice_code"], row["indicator_code"])
        expected += row["payment_expected"] / row["patients"] * min(row["patients"], listed[key])
    assert calls["payment_expected"].sum() == pytest.approx(expected)
    # Each patient still to do is on the list once; nobody done or excepted is.
    people = set(zip(to_do["practice_code"], to_do["patient_id"], strict=True))
    assert set(zip(calls["practice_code"], calls["patient_id"], strict=True)) == people
    assert len(calls) == len(people)
    # Ordered by £, most first; each practice numbered 1, 2, ... in that order.
    assert calls["payment_expected"].is_monotonic_decreasing
    for _, mine in calls.groupby("practice_code"):
        assert mine["call_order"].tolist() == list(range(1, len(mine) + 1))
    assert (calls["payment_expected"] >= 0).all()
    assert set(calls.loc[calls["payment_expected"] > 0, "in_plan"]) <= {"in the plan"}


# --- on the demo -------------------------------------------------------------------------------


def test_the_demo_pcns_call_list_names_the_whole_plan(tmp_path):
    from iif_core.report.patients import prepare_patients
    from iif_core.store import Store
    from ui.demo import load_demo

    store = Store(tmp_path / "iif.duckdb")
    load_demo(store)
    year, pcn = store.years()[-1], "U54335"
    orgs = store.orgs()
    members = orgs.loc[orgs["pcn_code"] == pcn, "practice_code"].tolist()
    lists = store.patients(year=year, as_at=PERIOD, practice_codes=members)
    outstanding = report.outstanding_from_patients(lists)
    plan = report.best_plan(
        store.scored(year, "pcn", pcn), store.scheme(year), pcn, PERIOD, 150,
        outstanding=outstanding, orgs=orgs,
    )  # fmt: skip
    assert plan.payment_gain > 0
    calls = report.call_list(prepare_patients(lists, orgs), plan, PERIOD)
    assert report.unnamed_plan(prepare_patients(lists, orgs), plan).empty
    assert calls["payment_expected"].sum() == pytest.approx(plan.payment_gain)
    assert (calls["in_plan"] == "in the plan").sum() == plan.patients
    assert len(calls) == sum(outstanding.values())  # the demo's patients are on one list each
