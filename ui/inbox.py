"""The inbox in the app: its watcher in the server's process, its state on the Data page, pages that follow the store."""

from __future__ import annotations

import os
import threading
from datetime import datetime
from pathlib import Path

import pandas as pd
import streamlit as st

from iif_core import inbox
from iif_core.problems import StoreError
from iif_core.store import Store
from ui import format, reads

FOLDER_VARIABLE = "IIF_INBOX"  # the inbox folder: set, the app's own process watches it
REFRESH_SECONDS = 5  # how often an open page asks whether the store has changed
HISTORY_SHOWN = 20  # files listed on the Data page, newest first
REPORTS_SHOWN = 3  # reports of the latest rejected files, shown in full


def folder() -> Path | None:
    """The inbox folder the settings name, or None when there is none."""
    text = os.environ.get(FOLDER_VARIABLE, "").strip()
    return Path(text) if text else None


class Watcher:
    """The server's watcher thread, and what it last said when it could not take a file."""

    def __init__(self, where: Path, store: Store):
        self.folder = where
        self.store = store
        self.stop = threading.Event()
        self.problem: str | None = None
        self.thread = threading.Thread(target=self._run, name="iif-inbox", daemon=True)

    def _run(self) -> None:
        try:
            inbox.watch(self.store, self.folder, stop=self.stop, on_error=self._said,
                        on_filed=lambda _: self._said(None))  # fmt: skip
        except inbox.InboxBusy as error:
            self._said(f"{error} The app shows what that watcher files.")
        except StoreError as error:  # no such folder
            self._said(error.message)

    def _said(self, problem: str | None) -> None:
        self.problem = problem


@st.cache_resource(show_spinner=False)
def start_watching(where: str) -> Watcher:
    """Once per server and folder: the watcher thread, started."""
    watcher = Watcher(Path(where), reads.store())
    watcher.thread.start()
    return watcher


def start() -> None:
    """Start watching the inbox, when the settings name one (app.py, every run; once in fact)."""
    where = folder()
    if where is not None:
        start_watching(str(where))


def follow_store(version: tuple) -> None:
    """With an inbox, an open page is drawn again by itself when the store changes (a file the
    inbox took, or another person's upload) or the inbox files something, so that nobody has to
    click to see new figures or a rejected file."""
    where = folder()
    if where is None:
        return
    seen = (version, inbox.history_stamp(where))

    @st.fragment(run_every=REFRESH_SECONDS)
    def _check() -> None:
        try:
            now = (reads.data_version(), inbox.history_stamp(where))
        except StoreError:
            return  # busy now: asked again at the next tick
        if now != seen:
            st.rerun(scope="app")

    with st.sidebar:
        _check()


def render() -> None:
    """The inbox section of the Data page: where it is, the last file, what is waiting, and
    the recent files with what became of each."""
    where = folder()
    st.subheader("Inbox")
    if where is None:
        st.caption(
            "No inbox folder is set up. With one, files your clinical system saves there on a "
            "schedule are checked and stored without anyone uploading them (see docs/inbox.md)."
        )
        return
    st.caption(
        "Files saved to the inbox folder are checked as uploads are and stored by themselves; "
        "each is then moved to *accepted* or *rejected*, with a report beside it saying what "
        "was stored or what is wrong. Pages update within seconds."
    )
    watcher = start_watching(str(where))
    if watcher.problem:
        st.warning(format.escape_markdown(watcher.problem))
    filed = inbox.history(where, HISTORY_SHOWN)
    waiting = inbox.waiting(where)
    if filed:
        last = filed[0]
        sentence = (
            f"Last file: **{format.escape_markdown(last.file_name)}**, {last.outcome} "
            f"{_when(last.at_utc)}. {format.escape_markdown(last.message)}"
        )
        (st.success if last.outcome == "accepted" else st.error)(sentence)
    else:
        st.info("No file has come into the inbox yet.")
    if waiting:
        st.caption(
            f"{format.plural(len(waiting), 'file')} waiting to be taken (still being written, "
            f"or just arrived): {format.escape_markdown(', '.join(waiting[:5]))}"
            + (" …" if len(waiting) > 5 else "")
        )
    if not filed:
        return
    frame = pd.DataFrame(
        {
            "When (UTC)": [f.at_utc.replace("T", " ")[:16] for f in filed],
            "File": [f.file_name for f in filed],
            "Outcome": [f.outcome.capitalize() for f in filed],
            "Batch": pd.array([f.batch_id for f in filed], dtype="Int64"),
            "What happened": [f.message for f in filed],
            "Report (in the inbox folder)": [f.report for f in filed],
        }
    )
    st.dataframe(
        frame,
        hide_index=True,
        column_config={"Batch": st.column_config.NumberColumn(format="%d")},
        placeholder="–",
    )
    for rejected in [f for f in filed if f.outcome == "rejected"][:REPORTS_SHOWN]:
        name = format.escape_markdown(rejected.file_name)
        with st.expander(f"Why {name} was rejected ({_when(rejected.at_utc)})"):
            st.text(_report_text(where, rejected))


def _when(at_utc: str) -> str:
    """'on 4 Dec 2026 at 17:55 UTC'."""
    at = datetime.fromisoformat(at_utc)
    return f"on {format.day(at.date())} at {at:%H:%M} UTC"


def _report_text(where: Path, filed: inbox.Filed) -> str:
    try:
        return (where / filed.report).read_text(encoding="utf-8")
    except OSError:
        return f"The report {filed.report} is no longer in the inbox folder."
