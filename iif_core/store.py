"""The data store: every accepted upload kept as a batch in one DuckDB file, the latest in use."""

from __future__ import annotations

import hashlib
import itertools
import os
import re
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from datetime import UTC, date, datetime
from functools import cache
from pathlib import Path

import duckdb
import pandas as pd

from iif_core import backups, kept_scores
from iif_core.access import Grant
from iif_core.extract import EXTRACT_TABLE_SQL, scheme_dates
from iif_core.ingest import StagedFile, rejected_rows_frame, stage_file
from iif_core.interventions import checked_date, checked_note
from iif_core.orgs import BUNDLED_REFERENCE_NAME, load_orgs
from iif_core.patient_lists import ListGuess, guess_list_kind
from iif_core.problems import StoreError
from iif_core.schemes import (
    YEAR_START_MONTH,
    Scheme,
    bundled_scheme_years,
    canonical_indicator_code,
    load_bundled_scheme,
    parse_scheme,
    scheme_to_toml,
    scheme_year_for_date,
)
from iif_core.score import load_scheme_tables, run_pipeline
from iif_core.vocabulary import AUDIT_ACTIONS, KIND_OF_SHAPE, LIST_KIND_WORDS, LIST_KINDS
from iif_core.words import plural

# Where the store lives unless told: relative to the current directory, like `streamlit run app.py`.
DEFAULT_PATH = Path("data") / "iif.duckdb"
PATH_VARIABLE = "IIF_DB"
# Test-only: seconds to sleep inside the write transaction, after saying so on standard error, so
# that a test can kill the process in the middle of a write. Never set it in real use.
PAUSE_VARIABLE = "IIF_TEST_PAUSE_IN_TRANSACTION"
PAUSE_ANNOUNCEMENT = "iif store: paused inside the write transaction (test hook)"
# DuckDB lets one process at a time open the file; another program may be storing an upload
# (several command-line uploads at once take turns), so wait this long (checking every
# BUSY_RETRY_SECONDS; $IIF_BUSY_WAIT_SECONDS to change it) before saying the store is busy.
BUSY_WAIT_SECONDS = 60.0
BUSY_WAIT_VARIABLE = "IIF_BUSY_WAIT_SECONDS"
BUSY_RETRY_SECONDS = 0.1
SQL_DIR = Path(__file__).parent / "sql" / "store"
# The store's schema, as numbered migrations: each runs once, in one transaction, and is recorded
# in `schema_version`. A later release appends (2, (...)) and never edits what is here.
MIGRATIONS: tuple[tuple[int, tuple[str, ...]], ...] = (
    (
        1,
        (
            "v1_batches.sql",
            "v1_batch_counts.sql",
            "v1_batch_patients.sql",
            "v1_batch_orgs.sql",
            "v1_batch_schemes.sql",
            "v1_current_counts.sql",
            "v1_current_patients.sql",
            "v1_current_orgs.sql",
            "v1_current_schemes.sql",
        ),
    ),
    (2, ("v2_list_kinds_and_events.sql",)),
    (3, ("v3_grants_and_audit.sql",)),
    (4, ("v4_kept_scores.sql",)),
    (5, ("v5_interventions.sql",)),
    (6, ("v6_national_first.sql",)),
)
SCHEMA_VERSION = MIGRATIONS[-1][0]
# The store's tables and views. A temp table of the same name would hide one of them from every
# query on that cursor (DuckDB looks in temp first), so staging must never make one: checked.
STORE_RELATIONS = (
    "schema_version", "batches", "batch_counts", "batch_patients", "batch_orgs", "batch_schemes",
    "current_counts", "current_patients", "current_orgs", "current_schemes", "batch_events",
    "grants", "audit", "kept_scores", "kept_years", "interventions",
)  # fmt: skip
# Kinds whose valid rows may be stored without the bad ones. A partial organisation file would
# silently drop practices from every figure, so it is stored whole or not at all.
PARTIAL_KINDS = ("counts", "patients")
# The Patients page's filters (report.patient_worklist's): one value, then lists of values.
WORKLIST_FILTERS = ("period_end", "indicator_code", "practice_codes", "age_bands", "sexes",
                    "ethnicities", "quintiles")  # fmt: skip
LIST_FILTERS = WORKLIST_FILTERS[2:]
# What DuckDB says when a store file is cut short or overwritten, as opposed to a full disk.
DAMAGE_SIGNS = ("Could not read enough bytes", "Corrupt", "checksum", "corrupted")
EARLIEST, LATEST = date(1, 1, 1), date(9999, 12, 31)  # "all dates" for the period filters


@dataclass(frozen=True, eq=False)
class IngestResult:
    """What happened to one upload."""

    batch_id: int | None  # the new batch; None when nothing was stored
    staged: StagedFile  # how the file was read: shape, rows, valid rows, problems, detail
    duplicate_of: int | None  # the batch already holding this very file, when that is why
    stored_rows: int
    rejected: pd.DataFrame  # the rows not stored, with a `reason` column; empty when none
    message: str  # one sentence for the person who uploaded

    @property
    def accepted(self) -> bool:
        """Stored now, or already stored before."""
        return self.batch_id is not None or self.duplicate_of is not None


@dataclass(frozen=True, eq=False)
class UploadReview:
    """What storing a file would do, found without storing anything."""

    staged: StagedFile  # how the file was read: shape, rows, valid rows, problems, detail
    rejected: pd.DataFrame  # the rows that would be left out, with a `reason`
    replaced_counts: pd.DataFrame  # stored figures it would replace: stored_* beside new_*
    replaced_lists: pd.DataFrame  # stored patient lists it would replace, patients still to do
    list_guess: ListGuess | None  # for a patient list: what it seems to hold, and why

    def replaces(self, list_kind: str | None) -> int:
        """How many stored figures and lists storing it as `list_kind` would replace (a list of
        patients still to do replaces lists only)."""
        counted = self.staged.shape != "patients" or list_kind == "cohort"
        return len(self.replaced_lists) + (len(self.replaced_counts) if counted else 0)


@dataclass(frozen=True, eq=False)
class BatchChange:
    """What undoing (or restoring) a batch would change: figures and patient lists, now and
    after, and a sentence for an organisation file or scheme."""

    batch_id: int
    kind: str
    file_name: str
    undone: bool  # the batch is undone now, so the change is a restore
    counts: pd.DataFrame  # numerator_now, denominator_now, batch_now -> ..._after
    lists: pd.DataFrame  # to_do_now, batch_now -> to_do_after, batch_after
    sentence: str


class Store:
    """The uploads kept so far: batches of counts, patient lists, organisations and schemes.

    One DuckDB connection per file is shared by every Store and thread of a process; each call
    works on its own cursor, and writes take turns. The file is open only while a call runs (or
    inside `with store:`, which is for one thread: the command line, tests), so that the command
    line can use it while the app is idle; another program that holds it gets a StoreError saying
    so, never a traceback.
    """

    def __init__(self, path: str | Path | None = None, *, create: bool = True):
        chosen = path if path is not None else os.environ.get(PATH_VARIABLE) or DEFAULT_PATH
        self.path = Path(chosen)
        self.shown = str(chosen)  # as the person wrote it, for messages
        self._create = create
        self._database = _database(self.path, self.shown)
        self._held = ExitStack()

    def __enter__(self) -> Store:
        self._held.enter_context(self.cursor())
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def close(self) -> None:
        """Let go of the file (when no other call in this process is using it)."""
        self._held.close()

    @contextmanager
    def cursor(self) -> Iterator[duckdb.DuckDBPyConnection]:
        """A DuckDB cursor on the store for reading and scoring; closed (and temp tables gone)
        at the end of the block."""
        with self._database.cursor(self._create) as con:
            try:
                yield con
            except duckdb.Error as error:  # a damaged block may be met in any query
                if not _looks_damaged(str(error)):
                    raise
                raise _damaged(self.path, self.shown, str(error)) from None

    # ----- uploads ---------------------------------------------------------------------------

    def preview(
        self, path, *, display_name=None, sheet=None, period_end: date | None = None
    ) -> StagedFile:
        """Read and check a file as `ingest` would, and store nothing."""
        with self.cursor() as con:
            return self._stage(con, path, display_name, sheet, period_end)

    def check(
        self, path, *, display_name=None, sheet=None, period_end: date | None = None
    ) -> tuple[StagedFile, pd.DataFrame]:
        """Read and check a file as `ingest` would, store nothing, and return what was found with
        the rows that would be left out (and why), in one reading of the file."""
        review = self.review(path, display_name=display_name, sheet=sheet, period_end=period_end)
        return review.staged, review.rejected

    def review(
        self, path, *, display_name=None, sheet=None, period_end: date | None = None
    ) -> UploadReview:
        """Read and check a file as `ingest` would and store nothing: the rows it would leave
        out, the stored figures and patient lists it would replace (old beside new), and for a
        patient list whether it seems to hold every eligible patient or only those still to do."""
        with self.cursor() as con:
            staged = self._stage(con, path, display_name, sheet, period_end)
            kind = KIND_OF_SHAPE.get(staged.shape or "")
            rejected = _rejected(con, staged, kind)
            counts = lists = pd.DataFrame()
            guess = None
            if kind in PARTIAL_KINDS:
                counts = con.execute(
                    _sql("replaced_counts.sql"), {"national": staged.shape == "gpes"}
                ).df()
            if kind == "patients":
                lists = con.execute(_sql("replaced_lists.sql")).df()
                guess = _list_guess(con)
            return UploadReview(staged, rejected, counts, lists, guess)

    def version(self) -> tuple[int, int]:
        """The latest batch id and the number of undos and restores: changes with every upload,
        undo or restore, by any session or process. Read from the file only when it may have
        changed since it was last read (`_FileMark`, decisions.md D80): every page view asks."""
        database = self._database
        before = _FileMark.of(self.path)
        known = database.known_version
        if known is not None and known[0] == before:
            return known[1]
        with self.cursor() as con:
            version = self._version(con)
        if before.settled() and _FileMark.of(self.path) == before:
            database.known_version = (before, version)
        return version

    def file_mark(self) -> tuple:
        """A token that changes whenever the file may have changed (any write by any process,
        of figures or anything else): equal tokens mean nothing was written in between. A file
        written in the last second has a new token every time (`_FileMark.settled`)."""
        mark = _FileMark.of(self.path)
        return mark.files if mark.settled() else (mark.files, next(_UNSETTLED))

    def ingest(
        self,
        path,
        *,
        display_name: str | None = None,
        who: str | None = None,
        accept_valid: bool = False,
        sheet: str | None = None,
        period_end: date | None = None,
        list_kind: str | None = None,
    ) -> IngestResult:
        """Read, check and store one file as a batch, all in one transaction.

        A file with any bad row is stored only with `accept_valid` (and then only its valid rows;
        never for organisation or scheme files). A patient list is stored as `list_kind`: a
        "cohort" list's counts replace the stored ones, an "outstanding" list (patients still to
        do) changes no counts; without `list_kind` it is stored as the file suggests, and not at
        all when that is unclear. The very same file stored before, read the same way with the
        same outcome, is not stored again: `duplicate_of` names the batch holding it. Raises
        InputError only if staging does (a file that cannot be read at all).
        """
        if list_kind is not None and list_kind not in LIST_KINDS:
            raise ValueError(f"list_kind must be one of {LIST_KINDS}, not {list_kind!r}")
        with self.cursor() as con:
            staged = self._stage(con, path, display_name, sheet, period_end)
            kind = KIND_OF_SHAPE.get(staged.shape or "")
            rejected = _rejected(con, staged, kind)
            refusal = _refusal(staged, kind, accept_valid)
            if not refusal and kind == "patients":
                list_kind, refusal = _chosen_list_kind(con, staged, list_kind)
            if refusal:
                return IngestResult(None, staged, None, 0, rejected, refusal)
            batch = _Batch(
                kind=kind,
                shape=staged.shape,
                file_name=staged.file_name,
                sha256=staged.sha256,
                sheet=staged.sheet,  # the sheet read, named or not
                period_end_given=period_end,
                rows=staged.rows,
                rejected_rows=staged.rows - staged.valid_rows,
                detail=staged.detail,
                who=who,
                scheme=staged.scheme,
                list_kind=list_kind if kind == "patients" else None,
            )
            outcome = self._write(con, batch)
        return IngestResult(outcome.batch_id, staged, outcome.duplicate_of, outcome.stored_rows,
                            rejected, outcome.message)  # fmt: skip

    def save_scheme(self, scheme: Scheme, who: str | None = None) -> int:
        """Store a scheme as the new version of its year; return its batch (the version in use
        already, if it is identical)."""
        text = scheme_to_toml(scheme)
        parse_scheme(text, f"{scheme.year} scheme")  # what is stored must read back
        batch = _Batch(
            kind="scheme",
            shape="scheme",
            file_name=f"{scheme.year} scheme (edited)",
            sha256=hashlib.sha256(text.encode("utf-8")).hexdigest(),
            rows=len(scheme.indicators),
            detail=f"The {scheme.year} scheme with {len(scheme.indicators)} indicators, edited.",
            who=who,
            scheme=scheme,
        )
        with self.cursor() as con:
            outcome = self._write(con, batch)
        return outcome.batch_id if outcome.batch_id is not None else outcome.duplicate_of

    def undo(self, batch_id: int, who: str | None = None) -> str:
        """Mark a batch undone, so that what it replaced is in use again; return a sentence."""
        with self.cursor() as con, self._database.writing:
            _, kind, file_name, _, undone_at = self._batch(con, batch_id)
            if undone_at is not None:
                when = f"{undone_at:%Y-%m-%d %H:%M} UTC"
                raise StoreError(f"Batch {batch_id} ({file_name}) was already undone on {when}.")
            self._change(con, "undo_batch.sql", batch_id, "undo", who)
        brought_back = {
            "counts": "the figures it replaced are in use again",
            "patients": "the figures and patient lists it replaced are in use again",
            "orgs": "the organisation file before it (or the bundled reference) is in use again",
            "scheme": "the scheme version before it (or the bundled scheme) is in use again",
        }[kind]
        return f"Batch {batch_id} ({file_name}) is undone; {brought_back}."

    def restore(self, batch_id: int, who: str | None = None) -> str:
        """Put an undone batch back in use (where no later upload has replaced its figures since);
        return a sentence."""
        with self.cursor() as con, self._database.writing:
            _, kind, file_name, _, undone_at = self._batch(con, batch_id)
            if undone_at is None:
                raise StoreError(f"Batch {batch_id} ({file_name}) is in use; it was not undone.")
            self._change(con, "restore_batch.sql", batch_id, "restore", who)
        return f"Batch {batch_id} ({file_name}) is restored: what it holds is in use again."

    def change_if_toggled(self, batch_id: int) -> BatchChange:
        """What undoing batch `batch_id` (or restoring it, when it is undone) would change, found
        without changing anything: each figure and patient list now and after."""
        with self.cursor() as con:
            _, kind, file_name, _, undone_at = self._batch(con, batch_id)
            parameters = {"batch_id": batch_id}
            counts = con.execute(_sql("toggle_counts.sql"), parameters).df()
            lists = con.execute(_sql("toggle_lists.sql"), parameters).df()
            sentence = _toggle_sentence(con, batch_id, kind, undone_at is not None)
        return BatchChange(batch_id, kind, file_name, undone_at is not None, counts, lists,
                           sentence)  # fmt: skip

    def _batch(self, con, batch_id: int) -> tuple:
        found = _one(con, _sql("batch_by_id.sql"), {"batch_id": batch_id})
        if found is None:
            raise StoreError(f"There is no batch {batch_id} in the data store {self.shown}.")
        return found

    def _change(self, con, statement: str, batch_id: int, action: str, who: str | None) -> None:
        """Undo or restore a batch and record it in batch_events, in one transaction."""
        at = _now()
        con.execute("BEGIN TRANSACTION")
        try:
            before = self._version(con)
            parameters = {"batch_id": batch_id}
            if action == "undo":
                parameters.update(who=who, undone_at_utc=at)
            con.execute(_sql(statement), parameters)
            con.execute(
                _sql("record_event.sql"),
                {"batch_id": batch_id, "action": action, "at_utc": at, "who": who},
            )
            self._audit(con, who, action, None, f"batch {batch_id}", at)
            self._keep_up(con, before, batch_id)
            con.execute("COMMIT")
        except BaseException:
            _rollback(con)
            raise
        self._backup(con, f"{action}{batch_id}")

    # ----- access and the audit trail (hosted mode, decisions.md D37, D38) -------------------

    def grants(self, *, email: str | None = None, with_revoked: bool = False) -> pd.DataFrame:
        """The grants in use (and revoked ones, when asked), oldest first."""
        with self.cursor() as con:
            parameters = {"email": email, "with_revoked": with_revoked}
            return con.execute(_sql("grant_list.sql"), parameters).df()

    def grants_of(self, email: str) -> list[Grant]:
        """The grants in use of one signed-in user."""
        rows = self.grants(email=email)
        return [
            Grant(row.email, row.role, None if pd.isna(row.org_code) else row.org_code,
                  bool(row.patient_lists))
            for row in rows.itertuples()
        ]  # fmt: skip

    def add_grant(self, grant: Grant, who: str | None) -> int:
        """Give a grant (checked by iif_core.access.checked_grant); return its number. The same
        role on the same organisation twice is refused."""
        with self.cursor() as con, self._database.writing:
            for row in con.execute(
                _sql("grant_list.sql"), {"email": grant.email, "with_revoked": False}
            ).fetchall():
                if row[2] == grant.role and row[3] == grant.org_code:
                    raise StoreError(
                        f"{grant.email} already has the {grant.role} grant"
                        + (f" on {grant.org_code}" if grant.org_code else "")
                        + f" (grant {row[0]})."
                    )
            at = _now()
            (grant_id,) = _one(con, _sql("add_grant.sql"), {
                "email": grant.email, "role": grant.role, "org_code": grant.org_code,
                "patient_lists": grant.patient_lists, "at_utc": at, "who": who,
            })  # fmt: skip
            lists = "with patient lists" if grant.patient_lists else "without patient lists"
            on = f" on {grant.org_code}" if grant.org_code else ""
            self._audit(con, who, "grant", grant.org_code,
                        f"grant {grant_id}: {grant.email} {grant.role}{on}, {lists}", at)  # fmt: skip
            self._backup(con, f"grant{grant_id}")
        return grant_id

    def revoke_grant(self, grant_id: int, who: str | None) -> str:
        """Revoke a grant in use; return a sentence."""
        with self.cursor() as con, self._database.writing:
            at = _now()
            found = _one(con, _sql("revoke_grant.sql"),
                         {"grant_id": grant_id, "at_utc": at, "who": who})  # fmt: skip
            if found is None:
                raise StoreError(f"There is no grant {grant_id} in use to revoke.")
            email, role, org_code = found
            on = f" on {org_code}" if org_code else ""
            sentence = f"Grant {grant_id} ({email}, {role}{on}) is revoked."
            self._audit(con, who, "revoke", org_code, sentence, at)
            self._backup(con, f"revoke{grant_id}")
        return sentence

    def record(self, who: str | None, action: str, org_code: str | None = None,
               detail: str | None = None) -> None:  # fmt: skip
        """Add a line to the audit trail."""
        with self.cursor() as con, self._database.writing:
            self._audit(con, who, action, org_code, detail, _now())

    def audit(self, *, action: str | None = None, who: str | None = None) -> pd.DataFrame:
        """The audit trail, newest first, of one action or user (or all)."""
        with self.cursor() as con:
            return con.execute(_sql("audit_list.sql"), {"action": action, "who": who}).df()

    def _audit(self, con, who, action: str, org_code, detail, at: datetime) -> None:
        if action not in AUDIT_ACTIONS:
            raise ValueError(f"not an audit action: {action}")
        con.execute(_sql("record_audit.sql"), {
            "at_utc": at, "who": who, "action": action, "org_code": org_code, "detail": detail,
        })  # fmt: skip

    # ----- interventions marked on the trend (decisions.md D63) ------------------------------

    def add_intervention(
        self,
        org_code: str,
        intervention_date: date,
        note: str,
        *,
        indicator_code: str | None = None,
        who: str | None = None,
    ) -> int:
        """Mark an intervention on an organisation's figures, for one indicator or (None) all;
        return its number. Checked: the organisation is in the organisation file in use, the
        date is real, in a scheme year the app has a scheme for and not more than a year ahead,
        the indicator is in that year's scheme, the note is not empty and fits on a chart. It is
        not a figure: the data version and the kept scores stay as they are."""
        note = checked_note(note)
        on = checked_date(intervention_date, _now().date())
        code = str(org_code or "").strip().upper()
        with self.cursor() as con, self._database.writing:
            self._load_current_orgs(con)
            if not code or not _one(con, _sql("org_known.sql"), {"org_code": code})[0]:
                raise StoreError(
                    f"{code or 'No organisation'} is not a practice, PCN, place or ICB in the "
                    "organisation file in use."
                )
            year = scheme_year_for_date(on)
            try:
                scheme = self._scheme(con, year)
            except StoreError:
                raise StoreError(
                    f"{on.day} {on:%B %Y} is in {year}, a year the app has no IIF scheme for; "
                    "mark interventions in a scheme year."
                ) from None
            indicator = None
            if indicator_code is not None and str(indicator_code).strip():
                indicator = canonical_indicator_code(str(indicator_code))
                if indicator not in scheme.indicators:
                    raise StoreError(
                        f"{str(indicator_code).strip()} is not an indicator of the {year} "
                        f"scheme; its indicators are {', '.join(scheme.indicators)}."
                    )
            at = _now()
            (intervention_id,) = _one(con, _sql("add_intervention.sql"), {
                "org_code": code, "indicator_code": indicator, "intervention_date": on,
                "note": note, "at_utc": at, "who": who,
            })  # fmt: skip
            which = indicator or "every indicator"
            self._audit(con, who, "intervention", code,
                        f"intervention {intervention_id} on {on:%Y-%m-%d}, {which}: {note}", at)  # fmt: skip
            self._backup(con, f"intervention{intervention_id}")
        return intervention_id

    def interventions(
        self,
        *,
        org_codes: list[str] | tuple[str, ...] | None = None,
        indicator_code: str | None = None,
        year: str | None = None,
        first: date | None = None,
        last: date | None = None,
        with_removed: bool = False,
    ) -> pd.DataFrame:
        """The interventions on these organisations (None: all), earliest first: of one
        indicator (with those marked on every indicator) or all, dated within a scheme year's
        dates and between `first` and `last` when given; removed ones only when asked."""
        with self.cursor() as con:
            start, end = self._dates(con, year)
            return con.execute(_sql("intervention_list.sql"), {
                "org_codes": None if org_codes is None else list(org_codes),
                "indicator_code": indicator_code, "with_removed": with_removed,
                "first_date": max(start, first or EARLIEST), "last_date": min(end, last or LATEST),
            }).df()  # fmt: skip

    def intervention(self, intervention_id: int) -> dict | None:
        """One intervention not removed (id, org_code, indicator_code, date, note), or None."""
        with self.cursor() as con:
            cursor = con.execute(
                _sql("intervention_by_id.sql"), {"intervention_id": intervention_id}
            )
            names = [column[0] for column in cursor.description]
            found = cursor.fetchall()
        return dict(zip(names, found[0], strict=True)) if found else None

    def remove_intervention(self, intervention_id: int, who: str | None = None) -> str:
        """Remove an intervention (kept in the store, marked removed); return a sentence."""
        with self.cursor() as con, self._database.writing:
            at = _now()
            found = _one(con, _sql("remove_intervention.sql"),
                         {"intervention_id": intervention_id, "at_utc": at, "who": who})  # fmt: skip
            if found is None:
                raise StoreError(f"There is no intervention {intervention_id} to remove.")
            org_code, on, note = found
            sentence = f"The intervention of {on.day} {on:%B %Y} on {org_code} ({note}) is removed."
            self._audit(con, who, "remove_intervention", org_code,
                        f"intervention {intervention_id} removed", at)  # fmt: skip
            self._backup(con, f"unmark{intervention_id}")
        return sentence

    # ----- what is stored --------------------------------------------------------------------

    def uploaded_by(self, who: str) -> bool:
        """Whether any batch not undone was uploaded by `who` (quick: no figures are counted)."""
        with self.cursor() as con:
            found = con.execute(
                "SELECT count(*) FROM batches WHERE who = $who AND undone_at_utc IS NULL",
                {"who": who},
            ).fetchone()
        return found[0] > 0

    def batches(self) -> pd.DataFrame:
        """Every batch, newest first, with `undone` and a `status`: in use, partly replaced,
        replaced or undone."""
        with self.cursor() as con:
            return con.execute(_sql("batch_history.sql")).df()

    def counts(self, year: str | None = None) -> pd.DataFrame:
        """The achievement counts in use (one row per practice × indicator × period end), of one
        scheme year or all, with the batch each came from."""
        with self.cursor() as con:
            first, last = self._dates(con, year)
            return con.execute(
                _sql("count_list.sql"), {"first_period": first, "last_period": last}
            ).df()

    def source_cells(self, year: str | None = None) -> pd.DataFrame:
        """Each practice × indicator × period end that the national extract and the practice's
        own searches both cover (of one scheme year or all): the latest figures of each source
        side by side, empty where one source lacks the month (sql/store/source_cells.sql)."""
        with self.cursor() as con:
            first, last = self._dates(con, year)
            return con.execute(
                _sql("source_cells.sql"), {"first_period": first, "last_period": last}
            ).df()

    def arrivals(self, year: str | None = None) -> pd.DataFrame:
        """When each practice's figures for each period end first came (of one scheme year or
        all): practice_code, period_end, first_stored_utc."""
        with self.cursor() as con:
            first, last = self._dates(con, year)
            return con.execute(
                _sql("month_arrivals.sql"), {"first_period": first, "last_period": last}
            ).df()

    def patients(
        self,
        *,
        year: str | None = None,
        practice_code: str | None = None,
        practice_codes: list[str] | None = None,
        indicator_code: str | None = None,
        period_end: date | None = None,
        as_at: date | None = None,
        to_do_only: bool = False,
    ) -> pd.DataFrame:
        """The patient lists in use; `to_do_only` keeps the patients who did not achieve and
        have no PCA (the work still to do, iif-rules.md section 8). `as_at` keeps, for each
        practice × indicator, the one list in use at that period end: its list for it, else its
        latest list before it in the same scheme year, never a later one (decisions.md D23);
        without `year`, the scheme year is the one `as_at` falls in."""
        if as_at is not None and year is None:
            year = scheme_year_for_date(as_at)
        with self.cursor() as con:
            first, last = self._dates(con, year)
            return con.execute(
                _sql("patient_list.sql"),
                {
                    "first_period": first,
                    "last_period": last,
                    "practice_code": practice_code,
                    "practice_codes": None if practice_codes is None else list(practice_codes),
                    "indicator_code": indicator_code,
                    "period_end": period_end,
                    "as_at": as_at,
                    "to_do_only": to_do_only,
                },
            ).df()

    def patient_list_summary(
        self, *, year: str | None, as_at: date | None, practice_codes: list[str] | None
    ) -> tuple[pd.DataFrame, pd.DataFrame]:
        """What the Patients page shows of the lists in use at `as_at` (as `patients` picks
        them) of these practices (all when None) before any filter, counted in the store
        (decisions.md D61): one row per practice × indicator (practice_code, practice_name,
        indicator_code, first_end, last_end, recall_only), and each value a filter can take
        (filter, value)."""
        with self.cursor() as con:
            self._patients_in_use(con, year, as_at, practice_codes, None)
            ends = con.execute(_sql("patient_list_ends.sql")).df()
            values = con.execute(_sql("patient_filter_values.sql")).df()
        return ends, values

    def patient_worklist(
        self, *, year: str | None, as_at: date | None, practice_codes: list[str] | None,
        filters: dict, limit: int | None,
    ) -> tuple[int, pd.DataFrame, pd.DataFrame, pd.DataFrame]:  # fmt: skip
        """The patients still to do in the lists in use at `as_at` of these practices (all
        when None), narrowed by `filters` (report.patient_worklist's), counted in the store
        (decisions.md D61): how many, the first `limit` of them in the page's order (all when
        None), the count per practice and the eligible and achieved per IMD quintile."""
        unknown = set(filters) - set(WORKLIST_FILTERS)
        if unknown:
            raise ValueError(f"unknown filter(s): {', '.join(sorted(unknown))}")
        chosen = {key: list(filters[key]) if filters.get(key) else None for key in LIST_FILTERS}
        period_end = filters.get("period_end")
        indicator = filters.get("indicator_code") or None
        with self.cursor() as con:
            self._patients_in_use(con, year, as_at, practice_codes, indicator)
            con.execute(_sql("worklist_table.sql"), {"period_end": period_end, **chosen})
            total = _one(con, "SELECT count(*) FROM worklist")[0]
            rows = con.execute(_sql("worklist_rows.sql"), {"limit": limit}).df()
            counts = con.execute(_sql("worklist_counts.sql")).df()
            gaps = con.execute(
                _sql("worklist_gaps.sql"),
                {"period_end": period_end, "practice_codes": chosen["practice_codes"]},
            ).df()
        return int(total), rows, counts, gaps

    def _patients_in_use(self, con, year, as_at, practice_codes, indicator_code) -> None:
        """The temp table `lists_in_use` and the temp view `patients_in_use` over it
        (iif_core/sql/store/lists_in_use.sql, patients_in_use.sql)."""
        if as_at is not None and year is None:
            year = scheme_year_for_date(as_at)
        first, last = self._dates(con, year)
        self._load_current_orgs(con)
        con.execute(
            _sql("lists_in_use.sql"),
            {
                "first_period": first,
                "last_period": last,
                "as_at": as_at,
                "practice_codes": None if practice_codes is None else list(practice_codes),
                "indicator_code": indicator_code,
            },
        )
        con.execute(_sql("patients_in_use.sql"))

    def orgs(self) -> pd.DataFrame:
        """The organisations in use: the latest organisation file stored, else the bundled
        national reference."""
        with self.cursor() as con:
            self._load_current_orgs(con)
            return con.table("orgs").df()

    def orgs_source(self) -> str:
        """Where the organisations in use come from, in words."""
        with self.cursor() as con:
            found = _one(
                con,
                "SELECT batch_id, file_name FROM batches "
                "WHERE batch_id = (SELECT max(batch_id) FROM current_orgs)",
            )
        if found is None:
            return BUNDLED_REFERENCE_NAME
        return f"{found[1]} (batch {found[0]})"

    def scheme(self, year: str) -> Scheme:
        """The scheme of a year in use: its latest stored version, else the bundled one."""
        with self.cursor() as con:
            return self._scheme(con, year)

    def years(self) -> list[str]:
        """The scheme years with counts in use, oldest first."""
        with self.cursor() as con:
            ends = _period_ends(con, EARLIEST, LATEST)
        return sorted({scheme_year_for_date(d) for d in ends})

    def period_ends(self, year: str | None = None) -> list[date]:
        """The period ends with counts in use, of one scheme year or all, earliest first."""
        with self.cursor() as con:
            first, last = self._dates(con, year)
            return _period_ends(con, first, last)

    def load_current(self, con: duckdb.DuckDBPyConnection, year: str | None = None) -> None:
        """Make the temp tables `extract` (the counts in use, of one scheme year or all) and
        `orgs` (the organisations in use) in `con`, a cursor from `Store.cursor()`, for the
        scoring pipeline."""
        self._load_current(con, year, False)

    def _load_current(self, con, year: str | None, only_rescored: bool) -> None:
        """As load_current; with `only_rescored`, of the practices in the temp table `rescored`
        only (iif_core/kept_scores.py)."""
        first, last = self._dates(con, year)
        con.execute(EXTRACT_TABLE_SQL)
        statement = "current_extract_rescored.sql" if only_rescored else "current_extract.sql"
        con.execute(_sql(statement), {"first_period": first, "last_period": last})
        self._load_current_orgs(con)
        if only_rescored:
            con.execute(
                "DELETE FROM temp.orgs WHERE practice_code NOT IN "
                "(SELECT org_code FROM rescored WHERE level = 'practice')"
            )

    def score(
        self, year: str | None = None, level: str = "all", period: str | date = "all"
    ) -> pd.DataFrame:
        """Score what is stored for one scheme year (default: the latest with data) with the
        scheme in use for it; the columns of iif-rules.md section 10."""
        with self.cursor() as con:
            if year is None:
                years = self.years()
                if not years:
                    raise StoreError(
                        f"The data store {self.shown} holds no achievement counts yet."
                    )
                year = years[-1]
            self.load_current(con, year)
            load_scheme_tables(con, self._scheme(con, year))
            return run_pipeline(con, level, period).df()

    def scored(
        self, year: str, level: str | None = None, org_code: str | None = None
    ) -> pd.DataFrame:
        """A year's scores as `score(year)` gives them, read from those the store keeps
        (decisions.md D52): every organisation, or one (`level`, `org_code`) and everything in
        it that its pages show (iif_core/sql/store/kept_slice.sql)."""
        with self.cursor() as con:
            self._ensure_kept(con, year)
            return kept_scores.kept(con, year, level, org_code)

    def scored_orgs(self, year: str) -> pd.DataFrame:
        """The organisations scored in a year (level, org_code, org_name), from the kept scores."""
        with self.cursor() as con:
            self._ensure_kept(con, year)
            return kept_scores.kept_orgs(con, year)

    def scored_period_ends(self, year: str) -> list[date]:
        """The period ends scored in a year, earliest first, from the kept scores."""
        with self.cursor() as con:
            self._ensure_kept(con, year)
            return kept_scores.kept_period_ends(con, year)

    # ----- inside ----------------------------------------------------------------------------

    def _ensure_kept(self, con, year: str) -> None:
        """Score the whole year again, in a transaction of its own, when its kept scores are not
        those of the data in use (a store from before they were kept, a new release, a change
        made while the year was out of date)."""
        scheme = self._scheme(con, year)
        if kept_scores.is_fresh(con, year, self._version(con), kept_scores.recipe(con, scheme)):
            return
        with self._database.writing:
            version = self._version(con)
            if kept_scores.is_fresh(con, year, version, kept_scores.recipe(con, scheme)):
                return  # another thread did it while this one waited
            _check_no_hidden_tables(con)
            con.execute("BEGIN TRANSACTION")
            try:
                self._refresh_kept(con, year, scheme, version)
                con.execute("COMMIT")
            except BaseException:
                _rollback(con)
                raise

    def _refresh_kept(self, con, year, scheme, version, practices=None) -> None:
        first, last = scheme_dates(scheme)
        kept_scores.refresh(
            con, year, scheme, _period_ends(con, first, last), self._load_current,
            self._load_current_orgs, version, practices,
        )  # fmt: skip

    def _keep_up(self, con, before: tuple[int, int], batch_id: int | None) -> None:
        """Inside a change's transaction: bring the kept scores of every year that was up to
        date before it up to date after it, re-scoring only what the change touches (the
        organisations around the practices whose counts it holds, or a whole year when the
        scheme or organisations in use changed). Years out of date are left to `_ensure_kept`."""
        after = self._version(con)
        practices, years = ([], set()) if batch_id is None else kept_scores.changed_by_batch(
            con, batch_id
        )  # fmt: skip
        for year in kept_scores.fresh_years(con, before):
            try:
                scheme = self._scheme(con, year)
            except StoreError:  # no scheme for it any more: scored again when it has one
                con.execute("DELETE FROM kept_years WHERE year = $year", {"year": year})
                continue
            made_with = kept_scores.recipe(con, scheme)
            fresh = kept_scores.is_fresh(con, year, before, made_with)
            if not fresh:  # the scheme or organisations in use changed
                self._refresh_kept(con, year, scheme, after)
            else:
                self._refresh_kept(con, year, scheme, after, practices if year in years else [])

    def _version(self, con) -> tuple[int, int]:
        return kept_scores.version_of(con)

    def _stage(self, con, path, display_name, sheet, period_end):
        self._load_current_orgs(con)
        options = {"display_name": display_name, "sheet": sheet, "period_end": period_end}
        return stage_file(con, path, self._schemes(con), **options)

    def _load_current_orgs(self, con) -> None:
        con.execute(_sql("current_orgs_table.sql"))
        if _one(con, "SELECT count(*) FROM orgs")[0] == 0:
            con.register("bundled_orgs", _bundled_orgs())
            con.execute("CREATE OR REPLACE TEMP TABLE orgs AS SELECT * FROM bundled_orgs")
            con.unregister("bundled_orgs")

    def _schemes(self, con) -> list[Scheme]:
        """The scheme in use for every year there is one for: stored versions and bundled files."""
        stored = dict(con.execute("SELECT year, toml FROM current_schemes").fetchall())
        years = sorted(set(bundled_scheme_years()) | set(stored))
        return [self._scheme(con, year) for year in years]

    def _scheme(self, con, year: str) -> Scheme:
        found = _one(
            con, "SELECT batch_id, toml FROM current_schemes WHERE year = $year", {"year": year}
        )
        if found is not None:
            return _parse_stored_scheme(found[1], f"{year} scheme (batch {found[0]})")
        try:
            return load_bundled_scheme(year)
        except (KeyError, ValueError):
            raise StoreError(
                f"There is no {year} scheme: none is stored and none comes with the app; "
                "upload a scheme file for it."
            ) from None

    def _dates(self, con, year: str | None) -> tuple[date, date]:
        return scheme_dates(self._scheme(con, year)) if year else (EARLIEST, LATEST)

    def _write(self, con, batch: _Batch) -> _Outcome:
        """Store one batch in one transaction; a failure (or a killed process) leaves nothing."""
        _check_no_hidden_tables(con)
        with self._database.writing:
            con.execute("BEGIN TRANSACTION")
            try:
                before = self._version(con)
                outcome = _write_batch(con, batch)
                if outcome.batch_id is not None:  # in the same transaction as the batch
                    action = "scheme_change" if batch.kind == "scheme" else "upload"
                    detail = f"batch {outcome.batch_id}: {batch.file_name}"
                    self._audit(con, batch.who, action, None, detail, _now())
                    self._keep_up(con, before, outcome.batch_id)
                _pause_for_tests()
                con.execute("COMMIT")
            except BaseException:
                _rollback(con)
                raise
            if outcome.batch_id is not None:
                self._backup(con, f"batch{outcome.batch_id}")
        return outcome

    def _backup(self, con, label: str) -> None:
        """A verified copy of the store after a change (iif_core.backups); the change is kept
        whether or not the copy can be made, and a failure is said on standard error."""
        try:
            backups.make_backup(con, self.path, label)
        except (OSError, duckdb.Error) as error:
            print(f"iif store: no backup was made after {label} ({error})", file=sys.stderr)


# ----- writing a batch -----------------------------------------------------------------------


@dataclass(frozen=True)
class _Batch:
    """What describes a batch before it is written; its rows are in the cursor's temp tables."""

    kind: str
    shape: str
    file_name: str
    sha256: str
    rows: int
    detail: str | None
    who: str | None
    sheet: str | None = None
    period_end_given: date | None = None
    rejected_rows: int = 0
    scheme: Scheme | None = None
    list_kind: str | None = None  # for a patient list: cohort or outstanding


@dataclass(frozen=True)
class _Outcome:
    batch_id: int | None
    duplicate_of: int | None
    stored_rows: int
    message: str


def _write_batch(con, batch: _Batch) -> _Outcome:
    """Inside the transaction: find an identical batch, or insert the rows and the batch."""
    fields = {
        "kind": batch.kind, "shape": batch.shape, "file_name": batch.file_name,
        "sha256": batch.sha256, "sheet": batch.sheet, "period_end_given": batch.period_end_given,
        "rows": batch.rows, "rejected_rows": batch.rejected_rows, "figures": 0,
        "practices": None, "indicators": None, "first_period": None, "last_period": None,
        "scheme_year": None, "detail": batch.detail, "who": batch.who,
        "list_kind": batch.list_kind,
    }  # fmt: skip
    if batch.kind == "scheme":
        return _write_scheme(con, batch, fields)
    if batch.kind in PARTIAL_KINDS:
        figures, practices, indicators, first, last = _one(con, _sql("staged_summary.sql"))
        fields.update(figures=figures, practices=practices, indicators=indicators,
                      first_period=first, last_period=last)  # fmt: skip
        table, statements = ("extract", ["store_counts.sql"])
        if batch.kind == "patients":
            counted = batch.list_kind == "cohort"  # a list of patients still to do is not counted
            table, statements = (
                "patients",
                ["store_counts.sql"] * counted + ["store_patients.sql"],
            )
    else:
        table, statements = ("orgs_staged", ["store_orgs.sql"])
        fields["practices"] = _one(
            con, "SELECT count(DISTINCT practice_code) FROM temp.orgs_staged"
        )[0]
    fields["stored_rows"] = _one(con, STAGED_ROWS[table])[0]
    if not fields["stored_rows"]:
        return _Outcome(
            None, None, 0, f"Nothing was stored from {batch.file_name}: it holds no rows of data."
        )
    duplicate = _one(con, _sql("find_duplicate.sql"), _pick(fields, _DUPLICATE_KEYS))
    if duplicate is not None:
        return _Outcome(None, duplicate[0], 0, _duplicate_message(con, batch, *duplicate))
    batch_id = _next_batch_id(con)
    for statement in statements:
        con.execute(_sql(statement), {"batch_id": batch_id})
    _insert_batch(con, batch_id, fields)
    message = _stored_message(batch_id, batch, fields)
    if batch.kind in PARTIAL_KINDS and batch.shape != "gpes":
        held = _one(con, _sql("held_by_national.sql"), {"batch_id": batch_id})[0]
        if held:
            message += (
                f" {held:,} of its figures {'stays' if held == 1 else 'stay'} as the national "
                "extract has them (NHS England pays on those); the Data page compares the two."
            )
    return _Outcome(batch_id, None, fields["stored_rows"], message)


_DUPLICATE_KEYS = ("sha256", "shape", "sheet", "period_end_given", "stored_rows", "list_kind")
STAGED_ROWS = {  # the rows a batch stores, by the staged table they come from
    "extract": "SELECT count(*) FROM temp.extract",
    "patients": "SELECT count(*) FROM temp.patients",
    "orgs_staged": "SELECT count(*) FROM temp.orgs_staged",
}


def _write_scheme(con, batch: _Batch, fields: dict) -> _Outcome:
    """A scheme identical to the version in use is not stored again; any other is the new
    version, even one equal to an older version (an edit put back)."""
    scheme = batch.scheme
    text = scheme_to_toml(scheme)
    in_use = _one(
        con, "SELECT batch_id, toml FROM current_schemes WHERE year = $year", {"year": scheme.year}
    )
    if in_use is not None and in_use[1] == text:
        message = (
            f"{batch.file_name} is the {scheme.year} scheme already in use (batch {in_use[0]}); "
            "nothing was stored again."
        )
        return _Outcome(None, in_use[0], 0, message)
    batch_id = _next_batch_id(con)
    con.execute(_sql("store_scheme.sql"), {"batch_id": batch_id, "year": scheme.year, "toml": text})
    fields.update(stored_rows=len(scheme.indicators), scheme_year=scheme.year,
                  indicators=", ".join(scheme.indicators))  # fmt: skip
    _insert_batch(con, batch_id, fields)
    message = f"Stored {batch.file_name} as batch {batch_id}: the {scheme.year} scheme in use."
    return _Outcome(batch_id, None, len(scheme.indicators), message)


def _check_no_hidden_tables(con) -> None:
    hidden = con.execute(_sql("hidden_relations.sql"), {"names": list(STORE_RELATIONS)}).fetchall()
    if hidden:
        names = ", ".join(name for (name,) in hidden)
        raise RuntimeError(f"staging made temp tables that hide the store's own: {names}")


def _insert_batch(con, batch_id: int, fields: dict) -> None:
    con.execute(_sql("store_batch.sql"), {**fields, "batch_id": batch_id, "loaded_at_utc": _now()})


def _next_batch_id(con) -> int:
    # Writes take turns (Store._write holds the process's write lock), so max + 1 is safe.
    return _one(con, "SELECT coalesce(max(batch_id), 0) + 1 FROM batches")[0]


def _pick(fields: dict, keys: tuple[str, ...]) -> dict:
    return {key: fields[key] for key in keys}


def _stored_message(batch_id: int, batch: _Batch, fields: dict) -> str:
    nouns = {
        "counts": "practice × indicator × period count",
        "patients": "patient row",
        "orgs": "practice",
    }
    text = (
        f"Stored {batch.file_name} as batch {batch_id}: "
        f"{plural(fields['stored_rows'], nouns[batch.kind])}"
    )
    if fields["first_period"] is not None:
        periods = f"{fields['first_period']}"
        if fields["last_period"] != fields["first_period"]:
            periods += f" to {fields['last_period']}"
        practices = plural(fields["practices"], "practice")
        text += f" ({practices}, {fields['indicators']}, {periods})"
    if batch.list_kind == "outstanding":
        text += "; a list of patients still to do: it changes no counts"
    if batch.rejected_rows:
        text += f"; {plural(batch.rejected_rows, 'row')} with problems left out"
    return text + "."


def _duplicate_message(con, batch: _Batch, duplicate_id: int, loaded_at: datetime) -> str:
    text = (
        f"{batch.file_name} is already stored, as batch {duplicate_id} on "
        f"{loaded_at:%Y-%m-%d %H:%M} UTC; nothing was stored again."
    )
    if batch.kind in PARTIAL_KINDS:
        later = con.execute(_sql("replaced_by.sql"), {"batch_id": duplicate_id}).fetchall()
        if later:
            which = ", ".join(f"batch {b} ({plural(n, 'figure')})" for b, n in later)
            text += (
                f" Other uploads are in use for some of its figures: {which}; undo them to "
                "bring this file's figures back."
            )
    elif batch.kind == "orgs":
        in_use = _one(con, "SELECT max(batch_id) FROM current_orgs")[0]
        if in_use != duplicate_id:
            text += f" Batch {in_use} is in use instead; undo it to bring this one back."
    return text


def _refusal(staged, kind: str | None, accept_valid: bool) -> str | None:
    """Why a staged file is not stored, or None when it can be."""
    name = staged.file_name
    problems = len(staged.problems)
    if kind is None:
        return f"Nothing was stored from {name}: it could not be read as data this app takes."
    if staged.ok:
        return None
    if not accept_valid:
        return (
            f"Nothing was stored from {name}: {plural(problems, 'problem')} found; fix the "
            "file, or accept only its valid rows."
        )
    if kind not in PARTIAL_KINDS:
        what = "an organisation" if kind == "orgs" else "a scheme"
        return (
            f"Nothing was stored from {name}: {what} file is stored only when all of it is valid."
        )
    if not staged.valid_rows:
        return f"Nothing was stored from {name}: none of its rows is valid."
    return None


def _list_guess(con) -> ListGuess:
    evidence = con.execute(
        _sql("list_kind_evidence.sql"), {"year_start_month": YEAR_START_MONTH}
    ).df()
    return guess_list_kind(evidence)


def _chosen_list_kind(con, staged, list_kind: str | None) -> tuple[str | None, str | None]:
    """The kind a patient list is stored as (the one given, or the file's clear suggestion), or
    why it is not stored: the file does not say and nobody did."""
    if list_kind is not None:
        return list_kind, None
    guess = _list_guess(con)
    if guess.kind is not None:
        return guess.kind, None
    choices = " or ".join(f'"{k}" ({LIST_KIND_WORDS[k]})' for k in LIST_KINDS)
    return None, (
        f"Nothing was stored from {staged.file_name}: it is not clear whether it lists every "
        f"eligible patient or only those still to do. {guess.reason} Say which: {choices}."
    )


def _toggle_sentence(con, batch_id: int, kind: str, undone: bool) -> str:
    """For an organisation file or scheme: which version would be in use after the change."""
    if kind == "orgs":
        after = _one(
            con,
            "SELECT max(batch_id) FROM batches WHERE kind = 'orgs' "
            "AND (undone_at_utc IS NULL) <> (batch_id = $batch_id)",
            {"batch_id": batch_id},
        )[0]
        if after is None:
            return "The bundled national organisation reference would be in use."
        return f"The organisation file of batch {after} would be in use."
    if kind == "scheme":
        year, after = _one(
            con,
            "SELECT any_value(scheme_year) FILTER (batch_id = $batch_id), "
            "max(batch_id) FILTER ((undone_at_utc IS NULL) <> (batch_id = $batch_id)) "
            "FROM batches WHERE kind = 'scheme' AND scheme_year = "
            "(SELECT scheme_year FROM batches WHERE batch_id = $batch_id)",
            {"batch_id": batch_id},
        )
        if after is None:
            return f"The bundled {year} scheme would be in use."
        return f"The {year} scheme of batch {after} would be in use."
    return ""


def _rejected(con, staged, kind: str | None) -> pd.DataFrame:
    if kind is None or staged.ok or not staged.rows or staged.valid_rows >= staged.rows:
        return pd.DataFrame({"reason": pd.Series(dtype="string")})
    return rejected_rows_frame(con)


def _one(con, query: str, parameters: dict | None = None) -> tuple | None:
    """The first row of a query, or None; the result is read to the end so that the cursor is
    free for the next call (DuckDB refuses some calls while a result is unfinished)."""
    rows = con.execute(query, parameters).fetchall()
    return rows[0] if rows else None


def _rollback(con) -> None:
    try:
        con.execute("ROLLBACK")
    except duckdb.Error:
        pass  # DuckDB has already rolled back a transaction whose COMMIT failed


def _pause_for_tests() -> None:
    seconds = os.environ.get(PAUSE_VARIABLE)
    if seconds:
        print(PAUSE_ANNOUNCEMENT, file=sys.stderr, flush=True)
        time.sleep(float(seconds))


def _now() -> datetime:
    """The time in UTC, stored without a time zone (the column names say UTC)."""
    return datetime.now(UTC).replace(tzinfo=None)


# ----- reading -------------------------------------------------------------------------------


def _period_ends(con, first: date, last: date) -> list[date]:
    rows = con.execute(_sql("period_ends.sql"), {"first_period": first, "last_period": last})
    return [row[0] for row in rows.fetchall()]


@cache
def _parse_stored_scheme(text: str, source: str) -> Scheme:
    return parse_scheme(text, source)


@cache
def _bundled_orgs():
    """The bundled national reference, read and checked once per process (as Arrow)."""
    con = duckdb.connect()
    load_orgs(con)
    return con.table("orgs").to_arrow_table()


@cache
def _sql(name: str) -> str:
    return (SQL_DIR / name).read_text(encoding="utf-8")


# ----- one connection per file per process ---------------------------------------------------

# A file written this long ago is written again with a later time: below this, two writes may
# share a timestamp (the kernel's clock ticks every few milliseconds), so a mark is not trusted.
SETTLED_NANOSECONDS = 1_000_000_000
_UNSETTLED = itertools.count()  # makes each unsettled file mark different from every other


@dataclass(frozen=True)
class _FileMark:
    """What the file system says of the store file and its write-ahead log: every commit, by any
    process, writes one of them, which changes its modification time (and often its size)."""

    files: tuple[tuple[int, int, int, int] | None, ...]  # (inode, size, mtime, ctime) or absent
    taken: int  # when, in nanoseconds since the epoch

    @classmethod
    def of(cls, path: Path) -> _FileMark:
        files = []
        for name in (path, path.with_name(path.name + ".wal")):
            try:
                found = os.stat(name)
            except OSError:
                files.append(None)
                continue
            files.append((found.st_ino, found.st_size, found.st_mtime_ns, found.st_ctime_ns))
        return cls(tuple(files), time.time_ns())

    def __eq__(self, other) -> bool:
        return isinstance(other, _FileMark) and self.files == other.files

    def __hash__(self) -> int:
        return hash(self.files)

    def settled(self) -> bool:
        """Whether every file was last written well before the mark was taken, so that a later
        write is sure to change the mark (git's index has the same rule for racy timestamps)."""
        return all(f[2] < self.taken - SETTLED_NANOSECONDS for f in self.files if f is not None)


class _Database:
    """The one DuckDB connection of this process to one store file, shared by every thread.

    It is opened when the first call starts and closed when the last one ends, so that the file
    is free for other programs between calls.
    """

    def __init__(self, path: Path, shown: str):
        self.path = path
        self.shown = shown
        self.writing = threading.Lock()  # one write transaction at a time
        self._state = threading.Lock()
        self._connection: duckdb.DuckDBPyConnection | None = None
        self._users = 0
        # the data version read last, and the file's mark when it was read (Store.version)
        self.known_version: tuple[_FileMark, tuple[int, int]] | None = None
        self.migrated: _FileMark | None = None  # the file's mark once its schema was checked

    @contextmanager
    def cursor(self, create: bool) -> Iterator[duckdb.DuckDBPyConnection]:
        with self._state:
            if self._connection is None:
                # the schema was brought up to date when the file was last opened, and nothing
                # has written to it since (its mark is the same): no need to look again
                mark = _FileMark.of(self.path)
                checked = mark.settled() and mark == self.migrated
                self._connection = _open(self.path, self.shown, create, migrate=not checked)
                if not checked:
                    self.migrated = _FileMark.of(self.path)
            cursor = self._connection.cursor()
            self._users += 1
        try:
            yield cursor
        finally:
            cursor.close()
            with self._state:
                self._users -= 1
                if self._users == 0:
                    self._connection.close()
                    self._connection = None


_DATABASES: dict[Path, _Database] = {}
_DATABASES_LOCK = threading.Lock()


def _database(path: Path, shown: str) -> _Database:
    key = path.resolve()
    with _DATABASES_LOCK:
        if key not in _DATABASES:
            _DATABASES[key] = _Database(path, shown)
        return _DATABASES[key]


def _open(path: Path, shown: str, create: bool, migrate: bool = True) -> duckdb.DuckDBPyConnection:
    """Open the file (creating it on first use) and bring its schema up to date (unless
    `migrate` is false: it is known to be)."""
    if not path.exists():
        if not create:
            raise StoreError(
                f"There is no data store at {shown} yet; store a file in it first "
                "(python -m iif_core ingest)."
            )
        if not path.parent.exists():
            path.parent.mkdir(parents=True, mode=backups.OWNER_ONLY_FOLDER)
    _new_files_owner_only()
    if create and not path.exists():
        _create(path, shown)
    new = not path.exists()
    waiting = float(os.environ.get(BUSY_WAIT_VARIABLE) or BUSY_WAIT_SECONDS)
    deadline = time.monotonic() + waiting
    while True:
        try:
            con = duckdb.connect(str(path))
            break
        except duckdb.Error as error:
            text = str(error)
            if "Could not set lock" in text or "Conflicting lock" in text:
                if time.monotonic() < deadline:
                    time.sleep(BUSY_RETRY_SECONDS)
                    continue
                by = _holder(text)
                raise StoreError(
                    f"The data store {shown} is in use by another program{by}, which did not "
                    f"let go of it within {waiting:g} seconds; close it and try again."
                ) from None
            if _looks_damaged(text) or ("not a valid DuckDB" in text and backups.backups(path)):
                raise _damaged(path, shown, text) from None  # a store once: it has backups
            if "not a valid DuckDB database" in text:
                raise StoreError(
                    f"{shown} is not a data store of this app (it is not a DuckDB database file)."
                ) from None
            first_line = text.strip().splitlines()[0] if text.strip() else type(error).__name__
            raise StoreError(
                f"The data store {shown} cannot be opened ({first_line}).{_recovery_words(path)}"
            ) from None
    if new:
        os.chmod(path, backups.OWNER_ONLY)  # it will hold patient identifiers
    try:
        if migrate:
            _migrate(con, shown)
    except duckdb.Error as error:  # the file opens but its contents cannot be read: damaged
        con.close()
        raise _damaged(path, shown, str(error)) from None
    except BaseException:
        con.close()
        raise
    return con


def _create(path: Path, shown: str) -> None:
    """Make a new store whole under a draft name, then give it its name in one step, so a program
    opening it at the same moment finds no file or a complete store, never the empty file DuckDB
    makes before it writes the header. If another program names its store first, that one is kept."""
    draft = path.with_name(f".{path.name}.{os.getpid()}.{threading.get_ident()}.new")
    try:
        con = duckdb.connect(str(draft))
        try:
            _migrate(con, shown)
        finally:
            con.close()
        os.chmod(draft, backups.OWNER_ONLY)
        try:
            os.link(draft, path)
        except FileExistsError:
            pass  # another program made the store first
        except OSError:
            pass  # no hard links on this file system: the store is made where it stands
    finally:
        for leftover in (draft, draft.with_name(draft.name + ".wal")):
            leftover.unlink(missing_ok=True)


def _new_files_owner_only() -> None:
    """From now on this process makes its files readable by their owner only (umask 077): DuckDB
    creates the store's write-ahead log, which holds each upload's rows until a checkpoint, with
    the process's umask and cannot be told otherwise. The umask is only ever tightened here."""
    os.umask(os.umask(0o077) | 0o077)


def _holder(text: str) -> str:
    """Which program holds the store, as DuckDB's refusal names it: " (python3.12, process 123)"."""
    found = re.search(r"held in (.+?) \(PID (\d+)\)", text)
    if found:
        return f" ({Path(found[1]).name}, process {found[2]})"
    found = re.search(r"PID (\d+)", text)
    return f" (process {found[1]})" if found else ""


def _looks_damaged(text: str) -> bool:
    return any(sign in text for sign in DAMAGE_SIGNS)


def _damaged(path: Path, shown: str, text: str) -> StoreError:
    """The sentence for a store file that cannot be read, with its backup when it has one."""
    first_line = text.strip().splitlines()[0] if text.strip() else "it is empty"
    return StoreError(
        f"The data store {shown} cannot be read: the file looks damaged ({first_line})."
        f"{_recovery_words(path)}"
    )


def _recovery_words(path: Path) -> str:
    """What to do about a store that cannot be read, when it has a backup."""
    found = backups.backups(path)
    if not found:
        return ""
    return (
        f" Its latest backup is {found[0].name}, in {backups.folder_of(path)}: "
        "`python -m iif_core recover` puts it in place (the damaged file is kept beside it)."
    )


def _migrate(con: duckdb.DuckDBPyConnection, shown: str) -> None:
    """Apply the migrations the file has not had yet, all in one transaction."""
    con.execute("BEGIN TRANSACTION")
    try:
        tables = {
            name
            for (name,) in con.execute(
                "SELECT table_name FROM information_schema.tables "
                "WHERE table_catalog = current_database() AND table_schema = 'main'"
            ).fetchall()
        }
        if tables and "schema_version" not in tables:
            raise StoreError(
                f"{shown} is a DuckDB database but not a data store of this app; choose another."
            )
        con.execute(_sql("schema_version.sql"))
        version = _one(con, "SELECT coalesce(max(version), 0) FROM schema_version")[0]
        if version > SCHEMA_VERSION:
            raise StoreError(
                f"The data store {shown} was written by a newer version of this app (schema "
                f"{version}; this one knows up to {SCHEMA_VERSION}); update the app to use it."
            )
        for number, files in MIGRATIONS:
            if number > version:
                for name in files:
                    con.execute(_sql(name))
                con.execute(
                    "INSERT INTO schema_version VALUES ($version, $at)",
                    {"version": number, "at": _now()},
                )
        con.execute("COMMIT")
    except BaseException:
        _rollback(con)
        raise
