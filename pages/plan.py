"""Plan: where the network's patient contacts earn the most, and who to call first."""

from functools import partial

import streamlit as st

from iif_core import report
from ui import charts, format, patient_audit, reads, run_end, sidebar, widgets
from ui.session import Selection

DEFAULT_CONTACTS = 150
MAX_CONTACTS = 100_000
HOW = ("For the whole network", "Per practice")
INDICATOR_COLUMNS = [
    "indicator_code", "name", "patients", "patients_possible", "patients_to_earn",
    "achievement_now", "achievement_after", "status_now", "status_after", "payment_now",
    "payment_after", "payment_gain", "note",
]  # fmt: skip
ALLOCATION_COLUMNS = [
    "practice_name", "indicator_code", "patients", "outstanding", "payment_expected",
    "practice_code", "name",
]  # fmt: skip
CALL_COLUMNS = [
    "call_order", "practice_name", "patient_id", "indicators", "in_plan", "payment_expected",
    "last_activity_date", "days_since_activity", "reason",
]  # fmt: skip
LABELS = {"patients": "Patients to see", "payment_expected": "£ expected"}
CALL_HEIGHT = 420
METHOD = """
**What a contact is.** One patient seen before the year end who completes what the indicator
asks (a health check done, a FIT result recorded). For an indicator where lower is better, a
contact is one event avoided.

**Who can be seen.** Only patients still outstanding: at a practice, no more than its
denominator less its numerator, and where a patient list is stored, no more than the patients
it names as still to do (not achieved and no personalised care adjustment).

**How the £ are worked out.** For each indicator, the network is scored again, by the same
rules as every other figure in the app, with 0, 1, 2, ... more patients: nothing is earned
until achievement gets past the lower threshold, then each patient earns a share, up to the
upper threshold. Because of that cliff, spending contacts on the indicator with the best £ per
patient first is not always best; the plan is found exactly, by dynamic programming over the
indicators for contacts for the whole network, and by integer programming when each practice
has contacts of its own.

**What it leaves out.** The plan adds patients to the figures at the period end chosen. It
does not add patients who become eligible before the year end, and it assumes every contact
succeeds: keep the reserve on the call list for those who cannot be seen.

Nothing is stored: change the contacts and the plan is worked out again.
"""


def contacts_asked(chosen: Selection, members) -> tuple[int | None, tuple | None]:
    """(contacts for the network, None) or (None, ((practice_code, contacts), ...))."""
    how = st.radio("Contacts", HOW, horizontal=True, key="plan_how")
    if how == HOW[0]:
        contacts = st.number_input(
            "Patient contacts the network can make before the year end",
            min_value=0, max_value=MAX_CONTACTS, value=DEFAULT_CONTACTS, step=10,
            key="plan_contacts",
        )  # fmt: skip
        return int(contacts), None
    st.caption("Contacts each practice can make before the year end:")
    each = []
    columns = st.columns(min(len(members), 4))
    for n, (code, name) in enumerate(members):
        contacts = columns[n % len(columns)].number_input(
            f"{name}", min_value=0, max_value=MAX_CONTACTS,
            value=DEFAULT_CONTACTS // len(members), step=5, key=f"plan_contacts_{code}",
        )  # fmt: skip
        each.append((code, int(contacts)))
    return None, tuple(each)


def render_plan(chosen: Selection, plan: report.Plan) -> None:
    if plan.patients:
        st.success(format.escape_markdown(plan.summary), icon=":material/route:")
    else:
        st.info(format.escape_markdown(plan.summary), icon=":material/info:")
    row = widgets.tiles(3)
    row[0].metric("£ the plan adds", format.money(plan.payment_gain))
    row[1].metric(
        "Patients seen", f"{plan.patients:,} of {format.plural(plan.contacts, 'contact')}"
    )
    row[2].metric(
        "£ for each patient seen",
        "–" if plan.payment_per_contact is None else format.money(plan.payment_per_contact),
    )
    for note in plan.notes:
        st.markdown(f"- {format.escape_markdown(note)}")
    if not plan.proven_best:
        st.warning(
            "The search for the best split between practices stopped at its time limit: this "
            "plan is good, but a slightly better one may exist.",
            icon=":material/warning:",
        )
    if not plan.allocation.empty:
        st.markdown("**Patients to see, by practice**")
        widgets.show_chart(
            charts.plan_chart(plan.allocation),
            alt="Patients the plan sees at each practice, per indicator, as bars",
        )
        widgets.show_table(
            plan.allocation, ALLOCATION_COLUMNS, key="plan_allocation", labels=LABELS
        )
        widgets.download_buttons(
            plan.allocation[ALLOCATION_COLUMNS],
            format.file_stem("iif-plan", chosen.org_code, chosen.period),
            key="plan_download",
            label="plan",
            chosen=chosen,
            labels=LABELS,
        )
    st.markdown("**Each indicator with the plan**")
    shown = plan.by_indicator.assign(
        status_now=plan.by_indicator["status_now"].map(report.status_label),
        status_after=plan.by_indicator["status_after"].map(report.status_label),
    )
    widgets.show_table(shown, INDICATOR_COLUMNS, key="plan_indicators", labels=LABELS)
    with st.expander("How the plan is worked out"):
        st.markdown(METHOD)


def render_calls(chosen: Selection, plan: report.Plan, members: list[str]) -> None:
    st.subheader("Who to call first")
    allowed = chosen.scope.patient_codes(tuple(members))
    if not allowed:
        st.info(
            "Your access does not include these practices' patient lists, so nobody can be "
            "named here. Ask your ICB's admin if you need them.",
            icon=":material/lock:",
        )
        return
    lists = reads.patient_lists(
        chosen.path, chosen.year, chosen.version, chosen.scope, chosen.period, tuple(allowed)
    )
    if lists.empty:
        st.info(
            "No patient list is stored for these practices at this period end, so the plan's "
            "patients cannot be named. Store the practices' patient lists on the Data page and "
            "they are listed here in the order to call them.",
            icon=":material/person_search:",
        )
        return
    calls = report.call_list(lists, plan, chosen.period, allowed)
    unnamed = report.unnamed_plan(lists, plan)
    unnamed = unnamed[unnamed["practice_code"].isin(members)]
    st.markdown(
        "Everyone still to do in the practices' patient lists, the plan's patients first: each "
        "is worth the plan's £ per patient for what they would complete. Those marked "
        "*reserve* are for when someone in the plan cannot be seen."
    )
    row = widgets.tiles(3)
    row[0].metric("Patients still to do", f"{len(calls):,}")
    row[1].metric("In the plan", f"{int((calls['in_plan'] == 'in the plan').sum()):,}")
    row[2].metric("£ expected from them", format.money(calls["payment_expected"].sum()))
    if not unnamed.empty:
        words = ", ".join(
            f"{n:,} on {code} at {name}"
            for name, code, n in zip(
                unnamed["practice_name"], unnamed["indicator_code"], unnamed["patients"],
                strict=True,
            )
        )  # fmt: skip
        st.info(
            f"Some of the plan's patients are in no stored list, so they cannot be named: "
            f"{format.escape_markdown(words)}.",
            icon=":material/info:",
        )
    seen = f"call list, {format.plural(len(calls), 'patient')}, as at {chosen.period}"
    patient_audit.record_view(chosen, seen)
    widgets.show_table(calls, CALL_COLUMNS, key="plan_calls", labels=LABELS, height=CALL_HEIGHT)
    names = dict(zip(calls["practice_code"], calls["practice_name"], strict=True))
    practice = st.selectbox(
        "Recall list for one practice",
        sorted(names, key=names.get),
        format_func=lambda code: f"{names[code]} ({code})",
        key="plan_recall_practice",
    )
    recall = report.recall_list(calls, practice)
    widgets.download_buttons(
        recall,
        format.file_stem("iif-call-list", practice, chosen.period),
        key="plan_recall_download",
        label="recall list",
        on_download=partial(
            patient_audit.record_download, chosen.scope, practice, f"{seen}, {practice}"
        ),
        chosen=chosen,
    )
    st.caption(
        "The recall list holds the order to call, the patient identifiers and what each would "
        "complete, for your clinical system's recall. It holds patient identifiers, so keep it as "
        "you keep other patient data."
    )


chosen = sidebar.selection()
sidebar.page_header("Plan", chosen, money=True)
sidebar.stop_without_data(chosen)
pcn_code = reads.plan_pcn(chosen.scope, chosen.orgs, chosen.level, chosen.org_code)
if pcn_code is None:
    st.info(
        "A plan is made for one PCN: its contacts, its practices and its £. Choose a PCN, or one "
        "of its practices, in the sidebar.",
        icon=":material/info:",
    )
    run_end.stop()
if chosen.period is None:
    st.info("Choose a period end in the sidebar to make a plan.", icon=":material/info:")
    run_end.stop()
members = chosen.orgs[chosen.orgs["pcn_code"] == pcn_code].sort_values("practice_name")
member_names = list(zip(members["practice_code"], members["practice_name"], strict=True))
st.subheader("Where the contacts earn the most")
st.markdown(
    "Say how many patients the network can see before the year end: the plan puts them where "
    "they earn the PCN the most, and says why. Nothing is stored."
)
contacts, per_practice = contacts_asked(chosen, member_names)
plan = reads.best_plan(
    chosen.path, chosen.year, chosen.version, chosen.scope, pcn_code, chosen.period, contacts,
    per_practice,
)  # fmt: skip
render_plan(chosen, plan)
practices = [chosen.org_code] if chosen.level == "practice" else [c for c, _ in member_names]
render_calls(chosen, plan, practices)
