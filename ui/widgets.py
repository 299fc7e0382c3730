"""Tables, charts and download buttons, drawn the same way on every page."""

from __future__ import annotations

from collections.abc import Callable
from functools import partial

import pandas as pd
import streamlit as st
from streamlit import dataframe_util

from iif_core.columns import COLUMNS, DATE_COLUMNS, PERCENT_SCALED, TICK_COLUMNS, for_people, label
from iif_core.downloads import csv_bytes, excel_bytes, title_lines
from iif_core.report import PARTIAL_COLUMNS
from ui import charts
from ui.charts import display_height
from ui.format import MISSING


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
        name = (labels or {}).get(column, label(column))
        number_format = COLUMNS.get(column, (None, None))[1]
        if column in DATE_COLUMNS:
            config[column] = st.column_config.DateColumn(name, format="D MMM YYYY")
        elif column in TICK_COLUMNS:
            config[column] = st.column_config.CheckboxColumn(name)
        elif number_format:
            config[column] = st.column_config.NumberColumn(name, format=number_format)
        else:
            config[column] = st.column_config.TextColumn(name)
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


def tiles(count: int) -> list:
    """A row for `count` headline tiles, to fill in order (row[0] first): side by side while
    they fit, on a second line in a narrow window rather than cut off ('£4…'; D75)."""
    row = st.container(horizontal=True, wrap=True)
    return [row] * count


def metric(where, label: str, value, help: str | None = None, partial: str | None = None):
    """A headline tile in `where` (a column); with `partial` ('1 of 5 practices'), marked partial
    in its label and its help, since its figure counts only the practices that sent the month."""
    if partial:
        label = f"{label} (partial)"
        note = f"Partial period: only {partial} have sent figures, so this counts only theirs."
        help = note if help is None else f"{note} {help}"
    where.metric(label, value, help=help, border=True)


def show_chart(chart, alt: str) -> None:
    """An Altair chart across the page, tall enough for its plot and axis; `alt` describes it
    for a screen reader (every chart has one, D75; its figures are also in a table)."""
    st.vega_lite_chart(chart_spec(chart), width="stretch", height=display_height(chart), alt=alt)


def chart_spec(chart) -> dict:
    """An Altair chart as show_spec draws it: its Vega-Lite spec with its frames already in
    Arrow, as Streamlit sends them; made once, it can be kept and drawn again (reads.derived)."""
    spec = charts.vega_lite(chart)
    spec["datasets"] = {
        name: dataframe_util.convert_anything_to_arrow_bytes(data)
        for name, data in spec["datasets"].items()
    }
    return spec


def _axis_room(spec: dict) -> int:
    return int(spec.get("usermeta", {}).get("axis_room", charts.AXIS_ROOM))


def show_spec(spec: dict, alt: str) -> None:
    """As show_chart, for a chart already written as a Vega-Lite spec (charts.threshold_bar_spec)."""
    height = spec.get("height", charts.DEFAULT_PLOT_HEIGHT)
    st.vega_lite_chart(spec, width="stretch", height=int(height) + _axis_room(spec), alt=alt)


def download_buttons(
    frame: pd.DataFrame | Callable[[], pd.DataFrame], stem: str, key: str, label: str = "table",
    on_download: Callable[[str], None] | None = None, chosen=None, title: str | None = None,
    labels: dict | None = None, columns: list[str] | None = None,
) -> None:  # fmt: skip
    """CSV and Excel downloads of a table, formula-safe, side by side; the files are made only
    when a button is pressed (from `frame`, or what it returns when it is a function: a large
    table read only then), and `on_download` (given "CSV" or "Excel") is called as each is made,
    before it is sent: the audit trail of a patient list.

    For people (D73): only `columns` when given (with the partial-period marks), named in words
    (`labels` renames some, as on screen), figures rounded as on screen, and in Excel title rows
    above the table naming it (`title`, else the label), the organisation and period end of
    `chosen` (the sidebar's Selection) and the day it was made. A tick box beside the buttons
    gives the machine-readable columns instead: the frame's own column names and full figures,
    no title rows."""
    row = st.container(horizontal=True, vertical_alignment="center")
    raw = st.session_state.get(f"{key}_raw", False)  # the tick box drawn after the buttons
    lines = () if raw else download_title(title or label[:1].upper() + label[1:], chosen)
    shown = partial(_for_download, frame, None if raw else (columns, labels))
    for kind, make, extension, mime in (
        ("CSV", csv_bytes, "csv", "text/csv"),
        ("Excel", partial(excel_bytes, title=lines), "xlsx",
         "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
    ):  # fmt: skip
        row.download_button(
            f"Download {label} ({kind})",
            data=partial(_made, make, shown, kind, on_download),
            file_name=f"{stem}.{extension}",
            mime=mime,
            key=f"{key}_{extension}",
            icon=":material/download:",
            on_click="ignore",
        )
    row.checkbox(
        "Machine-readable columns",
        key=f"{key}_raw",
        help="The columns' code names and figures unrounded, with no title rows: for another "
        "program to read.",
    )


def _for_download(frame, for_people_with: tuple | None) -> pd.DataFrame:
    """The table to write: the frame as it is (machine-readable), or for people (its `columns`
    and `labels`); a function giving the frame is called only now."""
    table = frame() if callable(frame) else frame
    if for_people_with is None:
        return table
    columns, labels = for_people_with
    kept = [*columns, *PARTIAL_COLUMNS] if columns else list(table.columns)
    return for_people(table[[c for c in kept if c in table.columns]], labels)


def download_title(title: str, chosen=None) -> tuple[str, ...]:
    """The Excel title rows of a download for people (iif_core.downloads.title_lines): what it
    is, the fund's year, the organisation and period end `chosen` in the sidebar, today."""
    if chosen is None:
        return title_lines(title)
    return title_lines(
        title,
        year=chosen.year,
        organisation=f"{chosen.level_label}: {chosen.org_label}" if chosen.org_code else None,
        period=chosen.period,
        partial=chosen.partial_words,
    )


def _made(make, table, kind: str, on_download) -> bytes:
    """The file of `table` (a frame, or a function giving it, called only now), once the audit
    line, if any, is written."""
    if on_download is not None:
        on_download(kind)  # raises when it cannot be recorded: then nothing is sent
    return make(table() if callable(table) else table)
