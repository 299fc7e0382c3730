"""The core's table columns as people read them: labels, rounding, and a table made for people."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # imported where it is used: the command line's files are written without it
    import pandas as pd

# Each column of the core's frames: its label for people and its number format on screen
# (printf style, as st.column_config.NumberColumn takes it).
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
    # two sources compared (iif_core.reconcile)
    "payment_effect": ("£ moved", "£%+,.2f"),
    "national_numerator": ("Numerator (national)", "%,d"),
    "national_denominator": ("Denominator (national)", "%,d"),
    "national_pca_count": ("PCAs (national)", "%,d"),
    "practice_numerator": ("Numerator (practice)", "%,d"),
    "practice_denominator": ("Denominator (practice)", "%,d"),
    "practice_pca_count": ("PCAs (practice)", "%,d"),
    "cause": ("Likely cause", None),
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


DECIMALS = re.compile(r"\.(\d+)[fg%]")  # '£%,.2f' -> 2 decimals; '%,d' has none


def label(column: str) -> str:
    """A column's label for people: 'gap_share' -> 'Share of gap'; an unknown one in words."""
    return COLUMNS.get(column, (column.replace("_", " ").capitalize(), None))[0]


def decimals(column: str) -> int | None:
    """The decimals a column is shown with on screen: 2 for £, 0 for counts; None when it is
    shown as it is ('%g', text, unknown)."""
    number_format = COLUMNS.get(column, (None, None))[1]
    if number_format is None or "g" in number_format:
        return None
    found = DECIMALS.search(number_format)
    return int(found[1]) if found else 0


def for_people(frame: pd.DataFrame, labels: dict | None = None) -> pd.DataFrame:
    """The table as a person reads it on screen (D73): columns labelled in words (`labels`
    renames some for one table), figures rounded as shown, fractions as percentages, dates as
    dates; the frame's own columns and full figures stay in the machine-readable download."""
    import pandas as pd

    shown = frame.copy()
    for column in shown.columns:
        values = shown[column]
        if column in PERCENT_SCALED:
            values = pd.to_numeric(values, errors="coerce") * 100
        places = decimals(column)
        if places is not None and not pd.api.types.is_numeric_dtype(values):
            numbers = pd.to_numeric(values, errors="coerce")  # figures held as objects, with None
            values = numbers if numbers.notna().sum() == values.notna().sum() else values
        if places is not None and pd.api.types.is_numeric_dtype(values):
            values = values.round(places)
            if places == 0 and not values.isna().any():
                values = values.astype("int64")
            elif places == 0:
                values = values.astype("Int64")
        if column in DATE_COLUMNS:
            values = pd.to_datetime(values, errors="coerce").dt.date
        shown[column] = values
    names = [(labels or {}).get(c, label(c)) + _unit(c) for c in shown.columns]
    taken = [n for n in names if names.count(n) > 1]  # two columns one label: each keeps its name
    shown.columns = [
        f"{n} ({c})" if n in taken else n for n, c in zip(names, shown.columns, strict=True)
    ]
    return shown


def _unit(column: str) -> str:
    """' (%)' after a column shown with a % sign on screen, whose download holds the number."""
    number_format = COLUMNS.get(column, (None, None))[1] or ""
    return " (%)" if number_format.endswith("%%") else ""
