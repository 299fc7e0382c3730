"""Patients: who still needs the intervention, per practice, filterable and downloadable for recall."""

import dataclasses
from functools import partial

import streamlit as st

from iif_core import report
from ui import charts, format, patient_audit, patient_lists, reads, run_end, sidebar, widgets

LIST_COLUMNS = [  # the list date early, where a narrow window still shows it
    "practice_name", "practice_code", "indicator_code", "list_period_end", "patient_id", "age",
    "age_band", "sex", "ethnicity", "imd_quintile", "last_activity_date",
]  # fmt: skip
SHOWN_COLUMNS = [c for c in LIST_COLUMNS if c != "indicator_code"]  # the one chosen above
COUNT_COLUMNS = ["practice_name", "patients_to_do"]  # the list dates are in the table above
LIST_DATE_COLUMNS = ["practice_name", "practice_code", "list_period_end", "list_note"]
EQUALITY_COLUMNS = ["imd_quintile", "eligible", "achieved", "to_do", "achievement"]
LIST_HEIGHT = 420
ROWS_SHOWN = 1_000  # the recall list drawn; the download holds every patient (decisions.md D61)
PARTIAL = (
    "**Partial period.** Not every member practice has sent figures for {day}. Each practice's "
    "patients here come from its latest list up to that date; any practice whose list is "
    "older is named below."
)


def render_filters(summary, scheme, scope: list[str], scope_label: str) -> dict:
    options = report.options_from_summary(summary.ends, summary.values)
    codes = [c for c in scheme.indicators if c in options["indicator_code"]] or options[
        "indicator_code"
    ]
    indicator = sidebar.indicator_picker(scheme, codes)
    names = dict(zip(summary.ends["practice_code"], summary.ends["practice_name"], strict=True))
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


chosen = sidebar.selection()
if chosen.partial:  # every practice's latest list counts here, not only those that sent it
    chosen = dataclasses.replace(chosen, partial=PARTIAL.format(day=format.long_day(chosen.period)))
sidebar.page_header("Patients", chosen)
members = report.practices_in(chosen.orgs, chosen.pcns, chosen.level, chosen.org_code)
summary = patient_lists.lists_or_stop(
    chosen, tuple(members), reads.patient_list_summary, lambda found: found.ends["first_end"].min()
)
filters = render_filters(summary, chosen.scheme, members, chosen.org_label)
dates = report.list_dates_from_ends(summary.ends, members, chosen.orgs, chosen.period)
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
view = reads.patient_worklist(
    chosen.path, chosen.year, chosen.version, chosen.scope, chosen.period, filters, ROWS_SHOWN
)
counts = view.counts

st.metric(
    "Patients still to do",
    format.count(view.total),
    help="Patients in the indicator's population who have not achieved it and have no "
    "personalised care adjustment (PCA), as of each practice's patient list (see the List date column).",
)
if view.total == 0:
    st.success("No patients are still to do for this choice.", icon=":material/check_circle:")
    run_end.stop()

st.subheader("Per practice")
left, right = st.columns([3, 2])
with left:
    widgets.show_chart(
        charts.worklist_counts_chart(counts), alt="Patients still to do at each practice, as bars"
    )
with right:
    widgets.show_table(counts, COUNT_COLUMNS, key="patients_counts")

st.subheader("The recall list")
seen = f"{filters['indicator_code']}, {format.plural(view.total, 'patient')}, as at {chosen.period}"
patient_audit.record_view(chosen, seen)
if not view.complete:
    st.caption(
        f"The first {format.count(len(view.rows))} of {format.plural(view.total, 'patient')}, "
        "by practice and patient: download the recall list for all of them."
    )
widgets.show_table(view.rows, SHOWN_COLUMNS, key="patients_table", height=LIST_HEIGHT)
everyone = partial(reads.patient_worklist_rows, chosen.path, chosen.year, chosen.scope,
                   chosen.period, filters)  # fmt: skip
widgets.download_buttons(
    lambda: everyone()[LIST_COLUMNS],
    format.file_stem("iif-recall", filters["indicator_code"], chosen.org_code, chosen.period),
    key="patients_download",
    label="recall list",
    on_download=partial(patient_audit.record_download, chosen.scope, chosen.org_code, seen),
    chosen=chosen,
)
st.caption(
    "The downloads are for your clinical system's recall: they hold patient identifiers, so keep "
    "them as you keep other patient data."
)

gaps = view.gaps
recall_only = report.recall_practices_from_ends(summary.ends, filters.get("indicator_code"))
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
    widgets.show_chart(
        charts.inequality_chart(gaps),
        alt="Share of eligible patients who achieved, by deprivation quintile, as bars",
    )
    widgets.show_table(gaps, EQUALITY_COLUMNS, key="patients_equality")
