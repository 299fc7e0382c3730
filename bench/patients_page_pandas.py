"""The Patients page before decisions.md D61 (every patient row read into pandas): a baseline."""

import dataclasses
from functools import partial

import streamlit as st

from iif_core import report
from iif_core.problems import InputError
from ui import charts, format, patient_audit, reads, run_end, sidebar, widgets

LIST_COLUMNS = [  # the list date early, where a narrow window still shows it
    "practice_name", "practice_code", "indicator_code", "list_period_end", "patient_id", "age",
    "age_band", "sex", "ethnicity", "imd_quintile", "last_activity_date",
]  # fmt: skip
SHOWN_COLUMNS = [c for c in LIST_COLUMNS if c != "indicator_code"]  # the one chosen above
COUNT_COLUMNS = ["practice_name", "patients_to_do"]  # the list dates are in the table above
LIST_DATE_COLUMNS = ["practice_name", "practice_code", "list_period_end", "list_note"]
EQUALITY_COLUMNS = ["imd_quintile", "eligible", "achieved", "to_do", "achievement"]
LIST_HEIGHT = 420
PARTIAL = (
    "**Partial period.** Not every member practice has sent figures for {day}. Each practice's "
    "patients here come from its latest list up to that date; any practice whose list is "
    "older is named below."
)
HOW_TO = """
No patient-level list is stored for the {year} scheme yet. Upload one on the **Data** page to see
the patients still to do here, per practice, ready to download for recall.

A patient-level list is a CSV or Excel file with **one row per patient and indicator**, exported
from a search in EMIS Web or SystmOne of the indicator's eligible population:

| column | what it holds | needed |
|---|---|---|
| practice_code | the practice's ODS code, like A81001 | yes |
| indicator_code | the IIF indicator, like HI-03 (HI03 works too) | yes |
| patient_id | the identifier your clinical system uses (EMIS or SystmOne number) | yes |
| achieved | Y if the patient achieved the indicator, else N | yes |
| pca | Y if a personalised care adjustment applies, else N | yes |
| period_end | the date the search was run for, like 2026-10-31 | optional |
| age, sex, ethnicity | for filtering the list | optional |
| imd_decile or imd_quintile | deprivation, 1 = most deprived | optional |
| last_activity_date | the last relevant contact | optional |

The app counts the numerator, denominator and PCAs from the list as well, so it also updates the
achievement figures. Nothing leaves this machine.
"""


def render_filters(patients, scheme, scope: list[str], scope_label: str) -> dict:
    options = report.worklist_options(patients[patients["practice_code"].isin(scope)])
    codes = [c for c in scheme.indicators if c in options["indicator_code"]] or options[
        "indicator_code"
    ]
    indicator = sidebar.indicator_picker(scheme, codes)
    names = dict(zip(patients["practice_code"], patients["practice_name"], strict=False))
    first = st.columns([2, 1, 1])
    practices = first[0].multiselect(
        "Practices",
        options["practice_codes"],
        key="patients_practices",
        format_func=lambda c: f"{names.get(c, c)} ({c})",
        placeholder=f"All practices of {scope_label}",
    )
    # A filter shows only when the lists hold that attribute.
    ages = sexes = ethnicities = quintiles = []
    if options["age_bands"]:
        ages = first[1].multiselect(
            "Age band", options["age_bands"], key="patients_ages", placeholder="All ages"
        )
    if options["sexes"]:
        sexes = first[2].multiselect(
            "Sex", options["sexes"], key="patients_sexes", placeholder="All"
        )
    second = st.columns([2, 1])
    if options["ethnicities"]:
        ethnicities = second[0].multiselect(
            "Ethnicity", options["ethnicities"], key="patients_ethnicities", placeholder="All"
        )
    if options["quintiles"]:
        quintiles = second[1].multiselect(
            "Deprivation (IMD quintile)",
            options["quintiles"],
            key="patients_quintiles",
            format_func=lambda q: {1: "1 (most deprived)", 5: "5 (least deprived)"}.get(q, str(q)),
            placeholder="All",
        )
    return {
        "indicator_code": indicator,
        "practice_codes": practices or scope,
        "age_bands": ages,
        "sexes": sexes,
        "ethnicities": ethnicities,
        "quintiles": quintiles,
    }


def lists_or_stop(chosen, members: tuple[str, ...]):
    """The patient lists in use at the period chosen (decisions.md D23); when there are none,
    say why (no list this year, none for these practices, or theirs start later) and stop."""
    read = partial(reads.patient_lists, chosen.path, chosen.year, chosen.version, chosen.scope)
    if chosen.org_code is not None and not chosen.scope.patient_codes(members):
        st.info(
            f"Your access does not include the patient lists of "
            f"{format.escape_markdown(chosen.org_label)}. Ask your ICB's admin if you need them.",
            icon=":material/lock:",
        )
        run_end.stop()
    try:
        lists = read(chosen.period, members)
        later = lists if not lists.empty else read(None, members)
        anywhere = later if not later.empty else read(None, None)
    except InputError as error:
        st.error(f"The patient lists cannot be read: {format.escape_markdown(error)}")
        run_end.stop()
    if anywhere.empty and not chosen.scope.can_manage:
        st.info(f"No patient list of the {chosen.year} scheme is stored for your practices yet.")
        run_end.stop()
    if anywhere.empty:
        st.info(HOW_TO.format(year=chosen.year), icon=":material/person_search:")
        st.page_link(
            sidebar.NO_DATA_PAGE, label="Go to the Data page", icon=":material/upload_file:"
        )
        run_end.stop()
    if chosen.org_code is None:
        sidebar.no_data_message(chosen)
        run_end.stop()
    organisation = format.escape_markdown(chosen.org_label)
    if later.empty:
        st.info(
            f"No patient-level list is stored for the practices of {organisation}. Choose "
            "another organisation, or upload their lists on the Data page."
        )
        run_end.stop()
    if lists.empty:
        st.info(
            f"The patient lists of {organisation} start on "
            f"{format.long_day(later['period_end'].min())}, after the period end chosen: "
            "choose a later period end in the sidebar."
        )
        run_end.stop()
    return lists


chosen = sidebar.selection()
if chosen.partial:  # every practice's latest list counts here, not only those that sent it
    chosen = dataclasses.replace(chosen, partial=PARTIAL.format(day=format.long_day(chosen.period)))
sidebar.page_header("Patients", chosen)
members = report.practices_in(chosen.orgs, chosen.pcns, chosen.level, chosen.org_code)
lists = lists_or_stop(chosen, tuple(members))
filters = render_filters(lists, chosen.scheme, members, chosen.org_label)
dates = report.patient_list_dates(lists, members, chosen.orgs, chosen.period)
notes = report.patient_list_notes(dates, filters["indicator_code"], chosen.period)
if notes:
    st.warning(
        "\n\n".join(format.escape_markdown(note) for note in notes), icon=":material/event_busy:"
    )
else:
    st.caption(f"Every practice's patient list is for {format.long_day(chosen.period)}.")
with st.expander("Which list each practice's patients come from", expanded=bool(notes)):
    widgets.show_table(
        dates[dates["indicator_code"] == filters["indicator_code"]],
        LIST_DATE_COLUMNS,
        key="patients_list_dates",
    )
worklist = report.patient_worklist(lists, filters)
counts = report.worklist_counts(worklist)

st.metric(
    "Patients still to do",
    format.count(len(worklist)),
    help="Patients in the indicator's population who have not achieved it and have no "
    "personalised care adjustment (PCA), as of each practice's patient list (see the List date column).",
)
if worklist.empty:
    st.success("No patients are still to do for this choice.", icon=":material/check_circle:")
    run_end.stop()

st.subheader("Per practice")
left, right = st.columns([3, 2])
with left:
    widgets.show_chart(
        charts.worklist_counts_chart(counts), alt="Patients still to do at each practice"
    )
with right:
    widgets.show_table(counts, COUNT_COLUMNS, key="patients_counts")

st.subheader("The recall list")
seen = f"{filters['indicator_code']}, {len(worklist)} patients, as at {chosen.period}"
patient_audit.record_view(chosen, seen)
widgets.show_table(worklist, SHOWN_COLUMNS, key="patients_table", height=LIST_HEIGHT)
widgets.download_buttons(
    worklist[LIST_COLUMNS],
    format.file_stem("iif-recall", filters["indicator_code"], chosen.org_code, chosen.period),
    key="patients_download",
    label="recall list",
    on_download=partial(patient_audit.record_download, chosen.scope, chosen.org_code, seen),
)
st.caption(
    "The downloads are for your clinical system's recall: they hold patient identifiers, so keep "
    "them as you keep other patient data."
)

gaps = report.inequality_gaps(lists, filters)
recall_only = report.recall_list_practices(lists, filters.get("indicator_code"))
st.subheader("By deprivation")
if gaps.empty and recall_only:
    st.caption(
        "No breakdown can be shown: the lists hold only patients still to do, which cannot show "
        "who achieved."
    )
elif gaps.empty:
    st.caption("The lists hold no deprivation (IMD) figures, so no breakdown can be shown.")
else:
    st.caption(
        "Share of the eligible patients who achieved, by IMD quintile of where they live "
        "(1 = most deprived): a lower bar means more of the work is there."
    )
    if recall_only:
        st.caption(
            "Left out: the lists that hold only patients still to do, which cannot show who "
            f"achieved ({format.escape_markdown(', '.join(recall_only))})."
        )
    widgets.show_chart(charts.inequality_chart(gaps), alt="Share achieved by deprivation quintile")
    widgets.show_table(gaps, EQUALITY_COLUMNS, key="patients_equality")
