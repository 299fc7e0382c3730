"""Uploaded files: checked by the store without storing, then stored, and their copies removed."""

from __future__ import annotations

import os
import shutil
import tempfile
import threading
import time
from dataclasses import dataclass, field
from datetime import date

import pandas as pd
import streamlit as st
from streamlit.runtime import Runtime
from streamlit.runtime.scriptrunner import get_script_run_ctx

from iif_core import report
from iif_core.problems import InputError
from iif_core.store import UploadReview
from iif_core.vocabulary import COUNT_SHAPES
from ui import reads

UPLOAD_ROUND = "upload_round"  # bumped to empty the file uploader after storing or cancelling
UPLOAD_CHECKS = "upload_checks"  # the checks of this session's uploads, by file and data version
UPLOAD_DIR = "upload_dir"
# Copies of uploads live in one folder per session under this one, readable by the server only.
UPLOADS_ROOT = os.path.join(tempfile.gettempdir(), f"iif-uploads-{os.getuid()}")
SESSION_SEPARATOR = "--"
MAX_UPLOAD_AGE_SECONDS = 6 * 3600  # a folder untouched this long belongs to an abandoned session
SWEEP_EVERY_SECONDS = 10 * 60  # how often a server looks for folders of sessions that are over
SAFE_NAME_CHARACTERS = "-_."


@dataclass
class UploadCheck:
    """One uploaded file, checked by the store without storing anything."""

    name: str  # as the person's computer called it
    path: str  # the copy on this machine that the store reads
    staged: object | None  # the StagedFile (shape, rows, valid_rows, problems, detail, ok)
    rejected: pd.DataFrame  # the rows that would be left out, with a `reason`
    problems: list[str]
    preview: pd.DataFrame = field(default_factory=pd.DataFrame)  # its first rows, as written
    review: UploadReview | None = None  # what storing it would replace; for a list, its kind

    @property
    def is_patient_list(self) -> bool:
        return self.shape == "patients"

    @property
    def list_guess(self):
        return self.review.list_guess if self.review is not None else None

    def replaced(self, list_kind: str | None, names: dict | None = None) -> pd.DataFrame:
        """The stored figures (and patient lists) storing it as `list_kind` would replace, one
        row each, in people's words: what is stored now beside what the file holds."""
        if self.review is None:
            return pd.DataFrame()
        return report.replaced_figures(
            self.review.replaced_counts,
            self.review.replaced_lists,
            counted=not self.is_patient_list or list_kind == "cohort",
            names=names,
        )

    @property
    def ok(self) -> bool:
        return self.staged is not None and bool(getattr(self.staged, "ok", False))

    @property
    def shape(self) -> str | None:
        return getattr(self.staged, "shape", None)

    @property
    def rows(self) -> int:
        return int(getattr(self.staged, "rows", 0) or 0)

    @property
    def valid_rows(self) -> int:
        return int(getattr(self.staged, "valid_rows", 0) or 0)

    @property
    def partly_valid(self) -> bool:
        return not self.ok and self.shape in COUNT_SHAPES and (0 < self.valid_rows)


def upload_dir() -> str:
    """This session's folder for the copies of its uploads (removed when they are stored or
    cancelled; the server's sweeper removes it when the session ends or is abandoned)."""
    folder = st.session_state.get(UPLOAD_DIR)
    if not folder or not os.path.isdir(folder):
        process_root = _process_root()
        os.makedirs(process_root, mode=0o700, exist_ok=True)
        folder = tempfile.mkdtemp(prefix=f"{_session_id()}{SESSION_SEPARATOR}", dir=process_root)
        st.session_state[UPLOAD_DIR] = folder
    return folder


def sweep_uploads(root: str, now: float, is_live) -> list[str]:
    """Remove the upload folders under `root` (one server's) of sessions that are over
    (`is_live(session_id)` false) or untouched for MAX_UPLOAD_AGE_SECONDS; return their names."""
    removed = []
    if not os.path.isdir(root):
        return removed
    for entry in os.scandir(root):
        session_id = entry.name.split(SESSION_SEPARATOR, 1)[0]
        try:
            old = now - entry.stat().st_mtime > MAX_UPLOAD_AGE_SECONDS
        except FileNotFoundError:  # another session removed it first
            continue
        if old or not is_live(session_id):
            shutil.rmtree(entry.path, ignore_errors=True)
            removed.append(entry.name)
    return removed


def sweep_stopped_servers(root: str, is_running) -> list[str]:
    """Remove the folders of servers (by process id) that are no longer running."""
    removed = []
    if not os.path.isdir(root):
        return removed
    for entry in os.scandir(root):
        if entry.name.isdigit() and not is_running(int(entry.name)):
            shutil.rmtree(entry.path, ignore_errors=True)
            removed.append(entry.name)
    return removed


def sweep_ended(root: str, now: float, is_live, ended_before: set[str]) -> set[str]:
    """One round of the server's own sweeping: remove the folders under `root` of sessions not
    live now nor at the round before (`ended_before`, so a session that lost its connection for a
    moment keeps its files), or untouched for MAX_UPLOAD_AGE_SECONDS; return the sessions not
    live now, for the next round."""
    if not os.path.isdir(root):
        return set()
    sessions = {entry.name.split(SESSION_SEPARATOR, 1)[0] for entry in os.scandir(root)}
    ended = {session_id for session_id in sessions if not is_live(session_id)}
    sweep_uploads(root, now, lambda session_id: session_id not in ended & ended_before)
    return ended


@st.cache_resource(show_spinner=False)
def start_sweeping() -> threading.Thread:
    """Once per server, at its first run: the folders of servers that stopped are removed, and
    from then on this server's folders of sessions that are over or abandoned every
    SWEEP_EVERY_SECONDS, whether or not anyone uploads again."""
    sweep_stopped_servers(UPLOADS_ROOT, _is_running)
    sweeper = threading.Thread(
        target=_sweep_forever, args=(_process_root(),), name="iif-upload-sweeper", daemon=True
    )
    sweeper.start()
    return sweeper


SWEEPS = threading.Condition()  # notified after each round, for whoever waits on it (tests)
sweeps_done = 0


def _sweep_forever(root: str) -> None:
    global sweeps_done  # noqa: PLW0603 - the count of rounds, read under SWEEPS
    ended: set[str] = set()
    while True:
        time.sleep(SWEEP_EVERY_SECONDS)
        try:
            ended = sweep_ended(root, time.time(), _is_live, ended)
        except OSError:
            pass  # a folder that cannot be read now is tried again at the next round
        with SWEEPS:
            sweeps_done += 1
            SWEEPS.notify_all()


def _process_root() -> str:
    return os.path.join(UPLOADS_ROOT, str(os.getpid()))


def _is_running(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # someone else's process: running
        return True
    return True


def _session_id() -> str:
    context = get_script_run_ctx()
    return context.session_id if context is not None else "no-session"


def _is_live(session_id: str) -> bool:
    if not Runtime.exists():
        return True  # no server (a test of the page alone): nothing to compare with
    return Runtime.instance().is_active_session(session_id)


def _safe_name(name: str) -> str:
    base = os.path.basename(name.replace("\\", "/")) or "upload"
    return "".join(c if c.isalnum() or c in SAFE_NAME_CHARACTERS else "_" for c in base)


def check_upload(uploaded, period_end: date | None = None) -> UploadCheck:
    """Check one uploaded file with the store (nothing is stored), once per file, data version
    and period end given; the rows it would leave out come with the reason."""
    current = reads.store()
    version = reads.data_version(current)
    checks = st.session_state.setdefault(UPLOAD_CHECKS, {})
    key = (uploaded.file_id, version, period_end)
    if key in checks:
        return checks[key]
    path = os.path.join(upload_dir(), f"{uploaded.file_id[:8]}-{_safe_name(uploaded.name)}")
    with open(path, "wb") as handle:
        handle.write(uploaded.getvalue())
    options = {"display_name": uploaded.name, "period_end": period_end}
    rejected, review = pd.DataFrame(), None
    try:
        review = current.review(path, **options)
        staged, rejected = review.staged, review.rejected
        problems = [str(p) for p in staged.problems]
    except InputError as error:
        staged, problems = None, [str(p) for p in error.problems] or [str(error)]
    preview = report.upload_preview(path, uploaded.name, getattr(staged, "sheet", None))
    checks[key] = UploadCheck(uploaded.name, path, staged, rejected, problems, preview, review)
    return checks[key]


def store_uploads(checks: list[UploadCheck], who: str | None, accept_valid: bool,
                  period_end: date | None = None,
                  list_kinds: dict[str, str] | None = None) -> list[tuple[str, str]]:  # fmt: skip
    """Store the checked files (a patient list as the kind chosen for it, by path); return
    (kind, sentence) for each: success, warning or error."""
    current = reads.store()
    said = []
    for check in checks:
        try:
            result = current.ingest(
                check.path,
                display_name=check.name,
                who=who or None,
                accept_valid=accept_valid,
                period_end=period_end,
                list_kind=(list_kinds or {}).get(check.path),
            )
        except InputError as error:
            said.append(("error", f"{check.name}: {error}"))
            continue
        kind = "success" if result.batch_id is not None else (
            "info" if result.duplicate_of is not None else "error"
        )  # fmt: skip
        said.append((kind, result.message))
    forget_uploads()
    return said


def forget_uploads() -> None:
    """Empty the uploader and remove the copies of the uploaded files."""
    folder = st.session_state.pop(UPLOAD_DIR, None)
    if folder:
        shutil.rmtree(folder, ignore_errors=True)
    st.session_state[UPLOAD_CHECKS] = {}
    st.session_state[UPLOAD_ROUND] = st.session_state.get(UPLOAD_ROUND, 0) + 1
