"""The board report's download buttons: a PDF and a print-ready page of the organisation chosen."""

from __future__ import annotations

from datetime import date
from functools import partial

import streamlit as st

from iif_core import report
from iif_core.access import Scope
from iif_core.schemes import previous_scheme_year
from ui import board_report as drawing
from ui import format, reads
from ui.session import Selection

PLAN_CONTACTS = 150  # the effort plan's contacts in the report: the Plan page's first figure


@st.cache_data(show_spinner="Making the board report…", max_entries=reads.CACHE_ENTRIES)
def files(
    path: str, year: str, version: tuple, scope: Scope, level: str, org_code: str, period,
    org_name: str | None, made_on: date,
) -> tuple[str, bytes | None]:  # fmt: skip
    """The report as (HTML page, PDF or None when this machine cannot make PDFs), from the
    session's scoped reads (ui/reads.py), as every page reads its figures."""
    orgs, pcns = reads.orgs(path, version, scope), reads.pcns(path, version, scope)
    members = tuple(report.practices_in(orgs, pcns, level, org_code))
    readable = tuple(scope.patient_codes(members) or ()) if members else ()
    patients = history = None
    if readable:
        patients = reads.patient_lists(path, year, version, scope, period, readable)
        history = reads.patient_list_history(path, year, version, scope, period, readable)
    plan = (
        reads.best_plan(path, year, version, scope, org_code, period, PLAN_CONTACTS, None)
        if level == "pcn"
        else None
    )
    board = report.board_report(
        reads.scored(path, year, version, scope, level, org_code), reads.scheme(path, year, version),
        orgs, pcns, level, org_code, period,
        reads.projections(path, year, version, scope, level, org_code, period), year=year,
        org_name=org_name,
        last_year=reads.scored_or_none(path, previous_scheme_year(year), version, scope, level,
                                       org_code),
        plan=plan, patients=patients, patient_history=history, made_on=made_on,
        month_notes=reads.month_notes(path, year, version, scope, level, org_code, period),
    )  # fmt: skip
    page = drawing.board_html(board)
    return page, drawing.board_pdf(board, page) if drawing.pdf_problem() is None else None


def _made(chosen: Selection, kind: str) -> bytes:
    page, pdf = files(
        chosen.path, chosen.year, chosen.version, chosen.scope, chosen.level, chosen.org_code,
        chosen.period, chosen.org_name, date.today(),
    )  # fmt: skip
    return pdf if kind == "pdf" else page.encode("utf-8")


def buttons(chosen: Selection) -> None:
    """'Board report (PDF)' and '(print page)' for the organisation and period end chosen; each
    is made only when its button is pressed."""
    stem = format.file_stem("iif-board-report", chosen.org_code, chosen.period)
    problem = drawing.pdf_problem()
    row = st.container(horizontal=True, vertical_alignment="center")
    if problem is None:
        row.download_button(
            "Board report (PDF)", data=partial(_made, chosen, "pdf"), file_name=f"{stem}.pdf",
            mime="application/pdf", key="board_report_pdf", icon=":material/picture_as_pdf:",
            on_click="ignore", type="primary",
        )  # fmt: skip
    row.download_button(
        "Board report (print page)", data=partial(_made, chosen, "html"),
        file_name=f"{stem}.html", mime="text/html", key="board_report_html",
        icon=":material/print:", on_click="ignore",
    )  # fmt: skip
    row.caption(
        "These figures for a board or a meeting, ready to print or send: the headline, each "
        "indicator's trend and monthly activity, the members side by side, the top actions "
        "(for a PCN), who is being reached and the scheme values used."
        + (f" {problem}" if problem else "")
    )
