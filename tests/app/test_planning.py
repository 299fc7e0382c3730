"""Turning figures into a plan, as a user meets it: the what-if on Payment and its Overview link."""

import math
import sys
from fractions import Fraction
from pathlib import Path

from streamlit.testing.v1 import AppTest

sys.path.insert(0, str(Path(__file__).resolve().parent))

from test_pages import APP, TIMEOUT, no_exception, open_app, table_with, texts  # noqa: E402

from iif_core import report  # noqa: E402
from iif_core.store import Store  # noqa: E402

PCN = "U54335"  # Brackenford Town: five practices, HI-03 under its lower threshold in the demo
PRACTICE = "X44647"  # Hobbleton Hill Surgery, one of them
PERIOD = "2026-10-31"


def payment_for_pcn() -> AppTest:
    at = open_app("payment", "pcn")
    at.selectbox(key="org_pcn").set_value(PCN).run()
    no_exception(at)
    return at


def add(at: AppTest, practice: str, indicator: str, patients: int) -> None:
    at.selectbox(key="what_if_practice").set_value(practice)
    at.selectbox(key="what_if_indicator_choice").set_value(indicator)
    at.number_input(key="what_if_patients").set_value(patients)
    at.button(key="what_if_add").click().run()
    no_exception(at)


def metric(at: AppTest, label: str):
    found = [m for m in at.metric if m.label == label]
    assert len(found) == 1, [m.label for m in at.metric]
    return found[0]


def hi03_counts(path: Path):
    """The PCN's practices' HI-03 counts at the period end, and the scheme's HI-03 rule."""
    store = Store(path)
    year = store.years()[-1]
    members = store.orgs().query("pcn_code == @PCN")["practice_code"]
    counts = store.counts(year)
    counts = counts[
        counts["practice_code"].isin(members)
        & (counts["indicator_code"] == "HI-03")
        & (counts["period_end"].astype(str) == PERIOD)
    ]
    rule = store.scheme(year).indicators["HI-03"]
    assert rule.unit == "percent" and rule.direction == "higher"
    return counts, rule


def patients_to_lower(path: Path) -> int:
    """The PCN's patients still needed to reach HI-03's lower threshold, worked out here from
    the stored counts of its practices and the scheme (iif-rules.md section 6)."""
    counts, rule = hi03_counts(path)
    target = Fraction(str(rule.lower_threshold)) * int(counts["denominator"].sum()) / 100
    return max(0, math.ceil(target - int(counts["numerator"].sum())))


def spread(path: Path, patients: int) -> list[tuple[str, int]]:
    """`patients` more on HI-03 across the PCN's practices, none given more than it has left to
    do (its denominator less its numerator), the practices with most left first."""
    counts, _ = hi03_counts(path)
    left = (counts["denominator"] - counts["numerator"]).astype(int)
    changes = []
    for practice, room in sorted(
        zip(counts["practice_code"], left, strict=True), key=lambda r: -r[1]
    ):
        if patients > 0 and room > 0:
            changes.append((practice, min(room, patients)))
            patients -= min(room, patients)
    assert patients == 0
    return changes


def test_a_change_short_of_the_lower_threshold_earns_nothing_and_one_past_it_does(demo_db):
    at = payment_for_pcn()
    written = texts(at)
    assert "What if…" in written and "Nothing is stored" in written
    needed = patients_to_lower(demo_db)
    assert needed > 1
    for practice, patients in spread(demo_db, needed - 1):
        add(at, practice, "HI-03", patients)
    assert sum(c[2] for c in at.session_state["what_if_changes"]["changes"]) == needed - 1
    assert metric(at, "£ with the changes").value == metric(at, "£ today").value
    table = table_with(at, "numerator_after")
    row = table[table["indicator_code"] == "HI-03"].iloc[0]
    assert row["numerator_after"] - row["numerator_now"] == needed - 1
    assert row["status_after"] == row["status_now"] == report.status_label("red")
    at.button(key="what_if_reset").click().run()
    # Reaching the lower threshold itself earns nothing; every patient past it earns a share.
    counts, rule = hi03_counts(demo_db)
    reaches = Fraction(int(counts["numerator"].sum()) + needed, int(counts["denominator"].sum()))
    past = needed + (1 if reaches * 100 == Fraction(str(rule.lower_threshold)) else 0)
    for practice, patients in spread(demo_db, past):
        add(at, practice, "HI-03", patients)
    after = metric(at, "£ with the changes")
    assert after.value != metric(at, "£ today").value
    assert after.delta.startswith("£") and after.delta != "£0.00"
    table = table_with(at, "numerator_after")
    row = table[table["indicator_code"] == "HI-03"].iloc[0]
    assert row["numerator_after"] - row["numerator_now"] == past
    assert row["status_after"] == report.status_label("amber")


def test_changes_add_up_are_removed_one_at_a_time_and_reset(demo_db):
    at = payment_for_pcn()
    add(at, PRACTICE, "HI-03", 10)
    add(at, "X45126", "CAN-04", 3)
    assert at.session_state["what_if_changes"]["changes"] == [
        [PRACTICE, "HI-03", 10],
        ["X45126", "CAN-04", 3],
    ]
    assert "2 changes tried" in texts(at)
    table = table_with(at, "numerator_after")
    added = dict(zip(table["indicator_code"], table["patients"], strict=True))
    assert added["HI-03"] == 10 and added["CAN-04"] <= 3
    at.button(key="what_if_remove_0").click().run()
    assert at.session_state["what_if_changes"]["changes"] == [["X45126", "CAN-04", 3]]
    at.button(key="what_if_reset").click().run()
    assert at.session_state["what_if_changes"]["changes"] == []
    assert not [m for m in at.metric if m.label == "£ with the changes"]


def test_no_patients_is_not_a_change_and_says_so(demo_db):
    at = payment_for_pcn()
    at.number_input(key="what_if_patients").set_value(0)
    at.button(key="what_if_add").click().run()
    assert at.session_state["what_if_changes"]["changes"] == []
    assert "0 more patients changes nothing" in " ".join(w.value for w in at.warning)


def test_another_pcn_starts_a_new_what_if(demo_db):
    at = payment_for_pcn()
    add(at, PRACTICE, "HI-03", 10)
    pcns = Store(demo_db).orgs()["pcn_code"].dropna().unique().tolist()
    at.selectbox(key="org_pcn").set_value(next(p for p in sorted(pcns) if p != PCN)).run()
    no_exception(at)
    assert at.session_state["what_if_changes"]["changes"] == []
    assert PRACTICE not in at.selectbox(key="what_if_practice").options[0]


def test_a_practice_tries_its_own_what_if_for_its_pcn(demo_db):
    at = open_app("payment", "practice")
    at.selectbox(key="org_practice").set_value(PRACTICE).run()
    no_exception(at)
    assert at.selectbox(key="what_if_practice").value == PRACTICE
    add(at, PRACTICE, "HI-03", 5)
    assert "5 more patients at Hobbleton Hill Surgery" in texts(at)


def test_an_area_has_no_what_if_but_says_how_to_get_one(demo_db):
    at = open_app("payment", "icb")
    no_exception(at)
    assert "A what-if is worked out for one PCN" in texts(at)
    assert not [b for b in at.button if b.key == "what_if_add"]


def test_overview_cards_link_to_the_what_if_for_their_indicator(demo_db):
    at = open_app("overview", "pcn")
    links = at.get("page_link")
    assert len([link for link in links if link.proto.label == "What if…"]) == 2
    assert all(link.proto.page.endswith("payment") for link in links if link.proto.label)
    icb = open_app("overview", "icb")
    assert not [link for link in icb.get("page_link") if link.proto.label == "What if…"]


def test_the_link_chooses_the_indicator_once_and_points_down_the_page(demo_db):
    at = AppTest.from_file(APP, default_timeout=TIMEOUT)
    at.run()
    at.segmented_control(key="level").set_value("pcn").run()
    at.query_params["what_if"] = "CAN-04"
    at.switch_page("pages/payment.py").run()
    no_exception(at)
    assert at.selectbox(key="what_if_indicator_choice").value == "CAN-04"
    assert "The what-if for CAN-04 is further down this page" in texts(at)
    at.selectbox(key="what_if_indicator_choice").set_value("HI-03").run()
    assert at.selectbox(key="what_if_indicator_choice").value == "HI-03"  # chosen once only


# --- the Plan page -----------------------------------------------------------------------------


def plan_for_pcn() -> AppTest:
    at = open_app("plan", "pcn")
    at.selectbox(key="org_pcn").set_value(PCN).run()
    no_exception(at)
    return at


def test_contacts_for_the_network_make_a_plan_its_call_list_names(demo_db):
    at = plan_for_pcn()
    written = texts(at)
    assert "Where the contacts earn the most" in written and "Who to call first" in written
    assert "With 150 contacts, the best plan sees" in written
    allocation = table_with(at, "outstanding")
    assert allocation["patients"].sum() <= 150
    assert (allocation["patients"] <= allocation["outstanding"]).all()
    added = metric(at, "£ the plan adds").value
    assert added != "£0.00"
    # The plan's patients, scored again as a what-if through the same core, earn what it says.
    store = Store(demo_db)
    year = store.years()[-1]
    checked = report.what_if(
        store.scored(year, "pcn", PCN), store.scheme(year), PCN, PERIOD,
        list(zip(allocation["practice_code"], allocation["indicator_code"],
                 allocation["patients"], strict=True)),
        orgs=store.orgs(),
    )  # fmt: skip
    assert f"£{checked.payment_difference:,.2f}" == added
    # Who to call first: the plan's patients named, worth what the plan adds.
    calls = table_with(at, "call_order")
    assert (calls["in_plan"] == "in the plan").sum() == allocation["patients"].sum()
    assert metric(at, "£ expected from them").value == added
    assert calls["payment_expected"].is_monotonic_decreasing
    assert "view_patients" in set(store.audit(action="view_patients")["action"])
    assert [b for b in at.get("download_button") if "recall list" in b.proto.label]


def test_contacts_per_practice_bound_each_practice(demo_db):
    at = plan_for_pcn()
    at.radio(key="plan_how").set_value("Per practice").run()
    no_exception(at)
    at.number_input(key=f"plan_contacts_{PRACTICE}").set_value(0).run()
    allocation = table_with(at, "outstanding")
    assert PRACTICE not in set(allocation["practice_code"])
    totals = allocation.groupby("practice_code")["patients"].sum()
    for code, patients in totals.items():
        assert patients <= at.number_input(key=f"plan_contacts_{code}").value
    calls = table_with(at, "call_order")
    ours = calls[calls["practice_name"] == "Hobbleton Hill Surgery"]
    assert set(ours["in_plan"]) == {"reserve"}  # no contacts there: all of them wait


def test_no_contacts_no_plan_and_it_says_so(demo_db):
    at = plan_for_pcn()
    at.number_input(key="plan_contacts").set_value(0).run()
    no_exception(at)
    assert "No patient seen with the 0 contacts would earn the PCN anything more" in texts(at)
    assert metric(at, "£ the plan adds").value == "£0.00"


def test_a_practice_sees_its_pcns_plan_and_calls_only_its_own_patients(demo_db):
    at = open_app("plan", "practice")
    at.selectbox(key="org_practice").set_value(PRACTICE).run()
    no_exception(at)
    calls = table_with(at, "call_order")
    assert set(calls["practice_name"]) == {"Hobbleton Hill Surgery"}
    assert at.selectbox(key="plan_recall_practice").value == PRACTICE


def test_an_area_is_asked_to_choose_a_pcn(demo_db):
    at = open_app("plan", "icb")
    no_exception(at)
    assert "A plan is made for one PCN" in texts(at)
    assert not [m for m in at.metric if m.label == "£ the plan adds"]
