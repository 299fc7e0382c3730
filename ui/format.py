"""Numbers and dates for people (82.6%, £3,518.52, 1,204) and formula-safe CSV and Excel files."""

from __future__ import annotations

import io
from datetime import date, datetime
from functools import partial

import pandas as pd

# The core's, so that downloads are made safe exactly as the command line's files are.
from iif_core.formulas import neutralise_formulas as formula_safe

MISSING = "–"  # what an empty figure shows as: a dash, never "nan" or "None"
EXCEL_SHEET_NAME_LIMIT = 31  # Excel refuses longer sheet names


def _missing(value) -> bool:
    if value is None:
        return True
    try:
        return bool(pd.isna(value))
    except (TypeError, ValueError):
        return False


def percent(value, digits: int = 1) -> str:
    """82.639 -> '82.6%'."""
    return MISSING if _missing(value) else f"{float(value):,.{digits}f}%"


def achievement(value, unit: str = "percent") -> str:
    """Achievement in the indicator's unit: '82.6%', '12.3 per 1,000', '0.85'."""
    if _missing(value):
        return MISSING
    if unit == "percent":
        return percent(value)
    if unit == "per_1000":
        return f"{float(value):,.1f} per 1,000"
    return f"{float(value):,.2f}"


def threshold(value, unit: str = "percent") -> str:
    """A threshold as published: '80%', '12.5 per 1,000', '1.2'."""
    if _missing(value):
        return MISSING
    text = f"{float(value):g}"
    return {"percent": f"{text}%", "per_1000": f"{text} per 1,000"}.get(unit, text)


def money(value, pence: bool = True) -> str:
    """3518.52 -> '£3,518.52' (or '£3,519' without pence); negative as '-£12.00'."""
    if _missing(value):
        return MISSING
    amount = float(value)
    sign = "-" if amount < 0 else ""
    body = f"{abs(amount):,.2f}" if pence else f"{abs(amount):,.0f}"
    return f"{sign}£{body}"


def count(value) -> str:
    """1204 -> '1,204'."""
    return MISSING if _missing(value) else f"{int(round(float(value))):,}"


def points(value) -> str:
    """Points to two decimals, whole points without: '17.59', '36'."""
    if _missing(value):
        return MISSING
    amount = float(value)
    return f"{amount:,.0f}" if amount.is_integer() else f"{amount:,.2f}"


def share(value) -> str:
    """A fraction as a whole percentage: 0.94 -> '94%'."""
    return MISSING if _missing(value) else f"{100 * float(value):.0f}%"


def day(value) -> str:
    """A date as people write it: '31 Oct 2026'."""
    if _missing(value):
        return MISSING
    if isinstance(value, str):
        value = date.fromisoformat(value[:10])
    if isinstance(value, datetime | pd.Timestamp):
        value = value.date()
    return f"{value.day} {value:%b %Y}"


def long_day(value) -> str:
    """'31 October 2026'."""
    if _missing(value):
        return MISSING
    value = pd.Timestamp(value).date()
    return f"{value.day} {value:%B %Y}"


def band(value, low, high, unit: str = "percent") -> str:
    """A projection with its band: '76.6% (95% band 67.6% to 85.6%)'."""
    if _missing(value):
        return MISSING
    return (
        f"{achievement(value, unit)} (95% band {achievement(low, unit)} to "
        f"{achievement(high, unit)})"
    )


def money_range(low, high) -> str:
    """'£4,100 to £7,050', whole pounds: a projection is not exact to the penny."""
    if _missing(low) or _missing(high):
        return MISSING
    return f"{money(low, pence=False)} to {money(high, pence=False)}"


def plural(number, singular: str, many: str | None = None) -> str:
    """'1 patient', '242 patients'."""
    amount = 0 if _missing(number) else int(round(float(number)))
    word = singular if amount == 1 else (many or singular + "s")
    return f"{amount:,} {word}"


# --- Downloads --------------------------------------------------------------------------------


def csv_bytes(frame: pd.DataFrame) -> bytes:
    """The table as a formula-safe UTF-8 CSV with a byte-order mark, which Excel opens cleanly.
    Lines end in CR LF, so a value holding either character is quoted whole."""
    return formula_safe(frame).to_csv(index=False, lineterminator="\r\n").encode("utf-8-sig")


def excel_bytes(frame: pd.DataFrame, sheet: str = "Data") -> bytes:
    """The table as a formula-safe .xlsx file; text cells are written as text, never formulas."""
    buffer = io.BytesIO()
    safe = formula_safe(frame)
    for column in safe.columns:
        if isinstance(safe[column].dtype, pd.DatetimeTZDtype):
            safe[column] = safe[column].dt.tz_localize(None)
    with pd.ExcelWriter(buffer, engine="openpyxl") as writer:
        safe.to_excel(writer, index=False, sheet_name=sheet[:EXCEL_SHEET_NAME_LIMIT])
        worksheet = writer.sheets[sheet[:EXCEL_SHEET_NAME_LIMIT]]
        for row in worksheet.iter_rows():
            for cell in row:
                if cell.data_type == "f":  # openpyxl takes any text starting "=" as a formula
                    cell.data_type = "s"
    return buffer.getvalue()


def file_stem(*parts) -> str:
    """A download's file name from words: 'iif-overview-U22888-2026-10-31'."""
    words = []
    for part in parts:
        if _missing(part):
            continue
        text = part.isoformat() if isinstance(part, date) else str(part)
        words.append("".join(c if c.isalnum() else "-" for c in text).strip("-"))
    return "-".join(w for w in words if w) or "iif"


# --- Tables and download buttons (the only drawing in this module) ----------------------------

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
    "explanation": ("What it means", None),
    "work_value": ("£ the work is worth", "£%,.2f"),
    "series": ("Line", None),
    "kind": ("Kind", None),
    "eligible": ("Eligible patients", "%,d"),
    "achieved": ("Achieved", "%,d"),
    "to_do": ("Still to do", "%,d"),
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
}
DATE_COLUMNS = (
    "period_end", "last_activity_date", "shown_at", "from_period", "year_end",
    "latest_period_end",
)  # fmt: skip
PERCENT_SCALED = ("gap_share", "completeness")  # fractions shown as percentages


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
    import streamlit as st

    config = {}
    for column in columns:
        label, number_format = COLUMNS.get(column, (column.replace("_", " ").capitalize(), None))
        label = (labels or {}).get(column, label)
        if column in DATE_COLUMNS:
            config[column] = st.column_config.DateColumn(label, format="D MMM YYYY")
        elif number_format:
            config[column] = st.column_config.NumberColumn(label, format=number_format)
        else:
            config[column] = st.column_config.TextColumn(label)
    return config


def show_table(
    frame: pd.DataFrame, columns: list[str], key: str, height="auto", labels: dict | None = None
) -> None:
    """A sortable table of the given columns, labelled and formatted for people."""
    import streamlit as st

    shown = table_frame(frame, columns)
    st.dataframe(
        shown,
        hide_index=True,
        column_config=table_config(shown.columns, labels),
        key=key,
        height=height,
        placeholder=MISSING,
    )


def show_chart(chart, alt: str | None = None) -> None:
    """An Altair chart across the page, tall enough for its plot and axis; `alt` describes it
    for a screen reader."""
    import streamlit as st

    from ui.charts import display_height

    st.altair_chart(chart, width="stretch", height=display_height(chart), alt=alt)


def download_buttons(frame: pd.DataFrame, stem: str, key: str, label: str = "table") -> None:
    """CSV and Excel downloads of a table, formula-safe, side by side; the files are made only
    when a button is pressed."""
    import streamlit as st

    row = st.container(horizontal=True)
    row.download_button(
        f"Download {label} (CSV)",
        data=partial(csv_bytes, frame),
        file_name=f"{stem}.csv",
        mime="text/csv",
        key=f"{key}_csv",
        icon=":material/download:",
        on_click="ignore",
    )
    row.download_button(
        f"Download {label} (Excel)",
        data=partial(excel_bytes, frame),
        file_name=f"{stem}.xlsx",
        mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        key=f"{key}_xlsx",
        icon=":material/download:",
        on_click="ignore",
    )
