"""The patient lists a page reads at the period chosen, or a plain message and a stop."""

from functools import partial

import streamlit as st

from iif_core.problems import InputError
from ui import format, reads, run_end, sidebar

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


def lists_or_stop(chosen, members: tuple[str, ...], read=reads.patient_lists, first_end=None):
    """The patient lists in use at the period chosen (decisions.md D23), as `read` gives them
    (reads.patient_lists, or reads.patient_list_summary: counted in the store, D61); when there
    are none, say why (no list this year, none for these practices, or theirs start later:
    `first_end` of what `read` gave, the lists' earliest period end) and stop."""
    read = partial(read, chosen.path, chosen.year, chosen.version, chosen.scope)
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
            f"{format.long_day(first_end(later) if first_end else later['period_end'].min())}, "
            "after the period end chosen: "
            "choose a later period end in the sidebar."
        )
        run_end.stop()
    return lists
