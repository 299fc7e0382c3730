"""Tables, charts and download buttons, drawn the same way on every page."""

from __future__ import annotations

from collections.abc import Callable
from functools import partial

import pandas as pd
import streamlit as st

from ui import charts
from ui.charts import display_height
from ui.format import MISSING, csv_bytes, excel_bytes

# Column names of the core's frames as people read them, and how each is shown.
COLUMNS = {
    "rank": ("Rank", "%d"),
    "org_code": ("Code", None),
    "org_name": ("Name", None),
    "practice_code": ("Practice code", None),
    "practice_name": ("Practice", None),
    "indicator_code": ("Indicator", None),
    "name": ("Indicator name", None),
    "status_label": ("Status", None),
    "achievement": ("Achievement", "%.1f"),
    "lower_threshold": ("LT", "%g"),
    "upper_threshold": ("UT", "%g"),
    "numerator": ("Numerator", "%,d"),
    "denominator": ("Denominator", "%,d"),
    "pca_count": ("PCAs", "%,d"),
    "points_available": ("Points available", "%,.2f"),
    "points_achieved": ("Points earned", "%,.2f"),
    "payment_available": ("£ available", "£%,.2f"),
    "payment_achieved": ("£ earned", "£%,.2f"),
    "payment_outstanding": ("£ outstanding", "£%,.2f"),
    "patients_to_lower": ("Patients to LT", "%,d"),
    "patients_to_upper": ("Patients to UT", "%,d"),
    "value_per_patient": ("£ per patient to UT", "£%,.2f"),
    "marginal_value": ("£ per extra patient", "£%,.2f"),
    "gap_contribution": ("Gap (patients)", "%+.1f"),
    "gap_share": ("Share of gap", "%.0f%%"),
    "list_size": ("List size", "%,d"),
    "practices_with_data": ("Practices with data", "%d"),
    "member_practices": ("Member practices", "%d"),
    "completeness": ("Completeness", "%.0f%%"),
    "patients_to_do": ("Patients still to do", "%,d"),
    "patient_id": ("Patient", None),
    "age": ("Age", "%d"),
    "age_band": ("Age band", None),
    "sex": ("Sex", None),
    "ethnicity": ("Ethnicity", None),
    "imd_quintile": ("IMD quintile", "%d"),
    "list_period_end": ("List date", None),
    "list_note": ("List in use", None),
    "explanation": ("What it means", None),
    "work_value": ("£ the work is worth", "£%,.2f"),
    "series": ("Line", None),
    "kind": ("Kind", None),
    "eligible": ("Eligible patients", "%,d"),
    "achieved": ("Achieved", "%,d"),
    "to_do": ("Still to do", "%,d"),
    # what-if and plans (iif_core.report.plan)
    "patients": ("Patients", "%,d"),
    "numerator_now": ("Numerator now", "%,d"),
    "numerator_after": ("Numerator after", "%,d"),
    "achievement_now": ("Achievement now", "%.1f"),
    "achievement_after": ("Achievement after", "%.1f"),
    "status_now": ("Status now", None),
    "status_after": ("Status after", None),
    "points_now": ("Points now", "%,.2f"),
    "points_after": ("Points after", "%,.2f"),
    "payment_after": ("£ after", "£%,.2f"),
    "payment_difference": ("£ difference", "£%,.2f"),
    "payment_gain": ("£ gained", "£%,.2f"),
    "payment_expected": ("£ expected", "£%,.2f"),
    "outstanding": ("Can still count", "%,d"),
    "patients_possible": ("Could count", "%,d"),
    "patients_to_earn": ("Fewest that earn", "%,d"),
    "note": ("Note", None),
    # funnel plots
    "flag": ("Where it sits", None),
    "interval_low": ("Own 95% CI: low", "%.1f"),
    "interval_high": ("Own 95% CI: high", "%.1f"),
    "lower_95": ("95% limit: low", "%.1f"),
    "upper_95": ("95% limit: high", "%.1f"),
    "lower_99.8": ("Lower 99.8% limit", "%.1f"),
    "upper_99.8": ("Upper 99.8% limit", "%.1f"),
    # year-end projections
    "method_label": ("Method", None),
    "achievement_low": ("Band: low", "%.1f"),
    "achievement_high": ("Band: high", "%.1f"),
    "points": ("Points projected", "%,.2f"),
    "payment": ("£ projected", "£%,.0f"),
    "payment_low": ("£ projected: low", "£%,.0f"),
    "payment_high": ("£ projected: high", "£%,.0f"),
    "payment_now": ("£ earned so far", "£%,.2f"),
    "pace_needed": ("Needed a month to end at UT", "%,.1f"),
    "pace_so_far": ("A month so far", "%,.1f"),
    "months_left": ("Months left", "%d"),
    # completeness
    "pcn_name": ("PCN", None),
    "periods_sent": ("Months sent", "%d"),
    "periods_missing": ("Months missed", "%d"),
    "missing_period_ends": ("Months missed (period ends)", None),
    "months_behind": ("Months behind", "%d"),
    "data_note": ("Data", None),
    # the payment split (decisions.md D62)
    "list_size_share": ("Share of list", "%.1f%%"),
    "contribution_share": ("By contribution", "%.1f%%"),
    "indicators_above": ("Indicators past its part", "%d"),
    "share": ("Share of £ earned", "%.1f%%"),
    "payment_share": ("£ earned", "£%,.2f"),
    "projected_share": ("£ projected", "£%,.2f"),
    "needed_for_lower": ("Its part of LT", "%,.2f"),
    "contribution": ("Past its part by", "%,.2f"),
    "indicator_payment": ("Indicator's £", "£%,.2f"),
    "practice_payment": ("Practice's £ (exact)", "£%,.4f"),
    "basis": ("Split by", None),
    # partial period ends (decisions.md D22)
    "period_partial": ("Partial period", None),
    "period_practices_with_data": ("Practices that sent the period", "%d"),
    "period_member_practices": ("Practices in the organisation", "%d"),
}
DATE_COLUMNS = (
    "period_end", "last_activity_date", "shown_at", "from_period", "year_end",
    "latest_period_end", "list_period_end",
)  # fmt: skip
# fractions shown as percentages
PERCENT_SCALED = ("gap_share", "completeness", "list_size_share", "contribution_share", "share")
TICK_COLUMNS = ("period_partial",)  # true or false, shown as a tick box


def table_frame(frame: pd.DataFrame, columns: list[str]) -> pd.DataFrame:
    """The columns to show, with fractions scaled to percentages for display."""
    shown = frame[[c for c in columns if c in frame.columns]].copy()
    for column in PERCENT_SCALED:
        if column in shown:
            shown[column] = pd.to_numeric(shown[column], errors="coerce") * 100
    return shown


def table_config(columns, labels: dict | None = None) -> dict:
    """st.dataframe column_config for the columns of a core frame: labels and number formats;
    `labels` renames columns for one table ('achievement' is 'Projected' in a projection)."""
    config = {}
    for column in columns:
        label, number_format = COLUMNS.get(column, (column.replace("_", " ").capitalize(), None))
        label = (labels or {}).get(column, label)
        if column in DATE_COLUMNS:
            config[column] = st.column_config.DateColumn(label, format="D MMM YYYY")
        elif column in TICK_COLUMNS:
            config[column] = st.column_config.CheckboxColumn(label)
        elif number_format:
            config[column] = st.column_config.NumberColumn(label, format=number_format)
        else:
            config[column] = st.column_config.TextColumn(label)
    return config


def show_table(
    frame: pd.DataFrame, columns: list[str], key: str, height="auto", labels: dict | None = None
) -> None:
    """A sortable table of the given columns, labelled and formatted for people."""
    shown = table_frame(frame, columns)
    st.dataframe(
        shown,
        hide_index=True,
        column_config=table_config(shown.columns, labels),
        key=key,
        height=height,
        placeholder=MISSING,
    )


def metric(where, label: str, value, help: str | None = None, partial: str | None = None):
    """A headline tile in `where` (a column); with `partial` ('1 of 5 practices'), marked partial
    in its label and its help, since its figure counts only the practices that sent the month."""
    if partial:
        label = f"{label} (partial)"
        note = f"Partial period: only {partial} have sent figures, so this counts only theirs."
        help = note if help is None else f"{note} {help}"
    where.metric(label, value, help=help, border=True)


def show_chart(chart, alt: str | None = None) -> None:
    """An Altair chart across the page, tall enough for its plot and axis; `alt` describes it
    for a screen reader."""
    st.altair_chart(chart, width="stretch", height=display_height(chart), alt=alt)


def show_spec(spec: dict, alt: str | None = None) -> None:
    """As show_chart, for a chart already written as a Vega-Lite spec (charts.threshold_bar_spec)."""
    height = spec.get("height", charts.DEFAULT_PLOT_HEIGHT)
    room = spec.get("usermeta", {}).get("axis_room", charts.AXIS_ROOM)
    st.vega_lite_chart(spec, width="stretch", height=int(height) + int(room), alt=alt)


def download_buttons(
    frame: pd.DataFrame | Callable[[], pd.DataFrame], stem: str, key: str, label: str = "table",
    on_download: Callable[[str], None] | None = None,
) -> None:  # fmt: skip
    """CSV and Excel downloads of a table, formula-safe, side by side; the files are made only
    when a button is pressed (from `frame`, or what it returns when it is a function: a large
    table read only then), and `on_download` (given "CSV" or "Excel") is called as each is
    made, before it is sent: the audit trail of a patient list."""
    row = st.container(horizontal=True)
    for kind, make, extension, mime in (
        ("CSV", csv_bytes, "csv", "text/csv"),
        ("Excel", excel_bytes, "xlsx",
         "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
    ):  # fmt: skip
        row.download_button(
            f"Download {label} ({kind})",
            data=partial(_made, make, frame, kind, on_download),
            file_name=f"{stem}.{extension}",
            mime=mime,
            key=f"{key}_{extension}",
            icon=":material/download:",
            on_click="ignore",
        )


def _made(make, frame, kind: str, on_download) -> bytes:
    if on_download is not None:
        on_download(kind)  # raises when it cannot be recorded: then nothing is sent
    return make(frame() if callable(frame) else frame)
