"""The inbox: files a clinical system saves to a folder, checked and stored as uploads are, then filed."""

from __future__ import annotations

import errno
import fcntl
import json
import os
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path

from iif_core.formulas import write_safe_csv
from iif_core.problems import InputError, StoreError
from iif_core.store import Store
from iif_core.vocabulary import INBOX_OUTCOMES, UPLOAD_SUFFIXES
from iif_core.words import plural

WHO = "inbox"  # who the batches it stores are by, in the upload history
HISTORY = "inbox-history.jsonl"  # one line per file filed, oldest first, in the inbox folder
WATCHER_LOCK = ".inbox-watcher.lock"  # held by the one watcher of a folder while it runs
INTERVAL_SECONDS = 2.0  # between looks at the folder
# A file is taken only once nothing has written to it for this long, and no program has it open
# for writing (or, where the folder cannot tell, its size and time have not changed since the
# previous look): a scheduled export still being written waits (decisions.md D76).
SETTLE_SECONDS = 2.0
# names of files being written by other programs, or that they keep beside one
TEMPORARY_PREFIXES = ("~$", ".")
TEMPORARY_SUFFIXES = (".tmp", ".part", ".partial", ".crdownload", ".filepart", ".download")
REPORT_SUFFIX = ".report.txt"
REJECTED_ROWS_SUFFIX = ".rejected-rows.csv"
REPORT_LIMIT = 200  # problems written in a report before a count of the rest


@dataclass(frozen=True)
class Filed:
    """One file taken from the inbox: what became of it and where it is now."""

    file_name: str
    at_utc: str  # ISO time, seconds
    outcome: str  # in vocabulary.INBOX_OUTCOMES: the folder it was moved to
    message: str  # one sentence, as an upload says it
    batch_id: int | None  # the batch it was stored as, or that already held it
    moved_to: str  # its path from the inbox folder, e.g. accepted/extract.csv
    report: str  # the report's path from the inbox folder


class InboxBusy(Exception):
    """Another watcher is watching this folder."""


def candidates(folder: Path) -> list[Path]:
    """The files in the inbox that could be uploads, oldest first (then by name)."""
    found = []
    for entry in os.scandir(folder):
        name = entry.name
        if not entry.is_file(follow_symlinks=False) or name == HISTORY:
            continue
        if name.startswith(TEMPORARY_PREFIXES) or name.lower().endswith(TEMPORARY_SUFFIXES):
            continue
        found.append((entry.stat().st_mtime_ns, name, Path(entry.path)))
    return [path for _, _, path in sorted(found)]


def is_upload(path: Path) -> bool:
    return path.suffix.lower() in UPLOAD_SUFFIXES


def is_complete(path: Path, settle: float, seen: dict[Path, tuple], now: float) -> bool:
    """Whether `path` is completely written: untouched for `settle` seconds and neither open
    for writing nor locked by any program. Where the file system cannot say who has a file open
    (a network share), its size and time must also be as at the previous look, kept in `seen`."""
    try:
        status = path.stat()
        handle = os.open(path, os.O_RDONLY | os.O_NONBLOCK)
    except OSError:
        return False  # gone or not readable yet: looked at again next time
    try:
        stamp = (status.st_size, status.st_mtime_ns)
        before, seen[path] = seen.get(path), stamp
        if 0 <= now - status.st_mtime < settle:  # (a clock ahead on a share does not block it)
            return False
        if not _unlocked(handle):
            return False
        open_for_writing = _open_for_writing(handle)
        if open_for_writing is None:  # the file system cannot tell: it must have stood still
            return before == stamp
        return not open_for_writing
    finally:
        os.close(handle)


def _unlocked(handle: int) -> bool:
    """No other program holds a lock on the file (as Windows-style writers and some exporters
    do while writing)."""
    try:
        fcntl.flock(handle, fcntl.LOCK_SH | fcntl.LOCK_NB)
    except OSError as error:
        if error.errno in (errno.EWOULDBLOCK, errno.EAGAIN):
            return False
        return True  # locks are not kept here (some network shares): nothing to wait for
    fcntl.flock(handle, fcntl.LOCK_UN)
    return True


def _open_for_writing(handle: int) -> bool | None:
    """Whether any program has the file open for writing, asked of Linux with a read lease
    (granted only when nobody has); None where leases are not to be had."""
    lease = getattr(fcntl, "F_SETLEASE", None)
    if lease is None:
        return None
    try:
        fcntl.fcntl(handle, lease, fcntl.F_RDLCK)
    except OSError as error:
        if error.errno in (errno.EAGAIN, errno.EBUSY):
            return True
        return None  # not this file system, or not the owner of the file
    fcntl.fcntl(handle, lease, fcntl.F_UNLCK)
    return False


def take(store: Store, folder: Path, path: Path, *, accept_valid: bool = False) -> Filed:
    """Check and store one file exactly as an upload, then move it to accepted/ or rejected/
    with its report beside it, and add a line to the inbox's history. Raises StoreError (the
    file stays in the inbox) when the store cannot be used now."""
    at = datetime.now(UTC).replace(microsecond=0)
    rejected_rows = None
    if not is_upload(path):
        outcome, batch_id, details = "rejected", None, []
        message = (
            f"{path.name} was not read: the inbox takes {_suffix_words()} files, as the Data "
            "page's upload does."
        )
    else:
        try:
            result = store.ingest(path, display_name=path.name, who=WHO, accept_valid=accept_valid)
        except StoreError:
            raise
        except InputError as error:  # the file could not be read at all
            count = len(error.problems)
            outcome, batch_id = "rejected", None
            message = f"{path.name}: nothing was stored: {plural(count, 'problem')} to fix."
            details = [error.report(REPORT_LIMIT)]
        else:
            outcome = "accepted" if result.accepted else "rejected"
            batch_id = result.batch_id if result.batch_id is not None else result.duplicate_of
            message = result.message
            problems = list(getattr(result.staged, "problems", None) or [])
            details = [InputError(problems).report(REPORT_LIMIT)] if problems else []
            if len(result.rejected):
                rejected_rows = result.rejected
    destination = _free_name(folder / outcome, path.name)
    report = destination.with_name(destination.name + REPORT_SUFFIX)
    lines = [
        f"File: {path.name}",
        f"Taken from the inbox: {at:%Y-%m-%d %H:%M} UTC",
        f"Outcome: {outcome}",
        "",
        message,
    ]
    if details:
        lines += ["", "What is wrong (file, row, column and why):", *details]
    if rejected_rows is not None:
        rows_file = destination.with_name(destination.name + REJECTED_ROWS_SUFFIX)
        write_safe_csv(rejected_rows, rows_file)
        lines += ["", f"The rows not stored, with the reason for each: {rows_file.name}"]
    if outcome == "rejected":
        lines += [
            "",
            "Nothing from this file is in use. Correct it and save it to the inbox again "
            "(or upload it on the Data page).",
        ]
    _write_whole(report, "\n".join(lines) + "\n")
    os.replace(path, destination)  # the inbox keeps only what is still to be taken
    try:
        os.chmod(destination, 0o600)  # it may hold patient identifiers
    except OSError:
        pass  # a share that keeps its own permissions
    filed = Filed(
        file_name=path.name,
        at_utc=at.isoformat(timespec="seconds").replace("+00:00", ""),
        outcome=outcome,
        message=message,
        batch_id=batch_id,
        moved_to=destination.relative_to(folder).as_posix(),
        report=report.relative_to(folder).as_posix(),
    )
    _append_history(folder, filed)
    return filed


def scan(
    store: Store,
    folder: Path,
    *,
    settle: float = SETTLE_SECONDS,
    seen: dict[Path, tuple] | None = None,
    accept_valid: bool = False,
    now: float | None = None,
) -> list[Filed]:
    """One look at the inbox: take every file that is completely written, oldest first."""
    prepare(folder)
    seen = {} if seen is None else seen
    now = time.time() if now is None else now
    filed = []
    present = set()
    for path in candidates(folder):
        present.add(path)
        if is_complete(path, settle, seen, now):
            filed.append(take(store, folder, path, accept_valid=accept_valid))
            seen.pop(path, None)
    for gone in set(seen) - present:
        del seen[gone]
    return filed


def prepare(folder: Path) -> None:
    """The inbox's folders for what was accepted and rejected, readable by the owner only (they
    hold patient identifiers)."""
    if not folder.is_dir():
        raise StoreError(f"There is no inbox folder {folder}: create it, or name another.")
    for outcome in INBOX_OUTCOMES:
        (folder / outcome).mkdir(mode=0o700, exist_ok=True)


@contextmanager
def watching(folder: Path) -> Iterator[None]:
    """Be the one watcher of `folder` while the block runs; InboxBusy if another is."""
    prepare(folder)
    handle = os.open(folder / WATCHER_LOCK, os.O_RDWR | os.O_CREAT, 0o600)
    try:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            raise InboxBusy(f"Another watcher is already watching {folder}.") from None
        yield
    finally:
        os.close(handle)  # lets go of the lock


def watch(
    store: Store,
    folder: Path,
    *,
    interval: float = INTERVAL_SECONDS,
    settle: float = SETTLE_SECONDS,
    accept_valid: bool = False,
    stop: threading.Event | None = None,
    on_filed: Callable[[Filed], None] | None = None,
    on_error: Callable[[str], None] | None = None,
) -> None:
    """Look at the inbox every `interval` seconds until `stop` is set, taking each file once it
    is completely written. A store that is busy or a folder that cannot be read is tried again
    at the next look."""
    stop = stop or threading.Event()
    seen: dict[Path, tuple] = {}
    with watching(folder):
        while not stop.is_set():
            try:
                for filed in scan(
                    store, folder, settle=settle, seen=seen, accept_valid=accept_valid
                ):
                    if on_filed:
                        on_filed(filed)
            except (StoreError, OSError) as error:
                text = error.message if isinstance(error, StoreError) else str(error)
                if on_error:
                    on_error(f"The inbox will try again: {text}")
            stop.wait(interval)


def history(folder: Path, limit: int | None = None) -> list[Filed]:
    """The files the inbox has taken, newest first (at most `limit`)."""
    try:
        text = (folder / HISTORY).read_text(encoding="utf-8")
    except (FileNotFoundError, NotADirectoryError):
        return []
    filed = []
    for line in text.splitlines():
        try:
            filed.append(Filed(**json.loads(line)))
        except (ValueError, TypeError):
            continue  # a line cut short by a crash is not a file taken
    filed.reverse()
    return filed if limit is None else filed[:limit]


def history_stamp(folder: Path) -> int:
    """Changes whenever the inbox files something (the size of its history)."""
    try:
        return (folder / HISTORY).stat().st_size
    except OSError:
        return 0


def waiting(folder: Path) -> list[str]:
    """The names of the files in the inbox not taken yet."""
    try:
        return [path.name for path in candidates(folder)]
    except OSError:
        return []


def _append_history(folder: Path, filed: Filed) -> None:
    line = json.dumps(asdict(filed), ensure_ascii=False) + "\n"
    with open(folder / HISTORY, "a", encoding="utf-8") as history_file:
        history_file.write(line)
        history_file.flush()
        os.fsync(history_file.fileno())


def _write_whole(path: Path, text: str) -> None:
    """Write `path` all at once (a temporary file renamed into place)."""
    handle, temporary = tempfile.mkstemp(prefix=".partial-", dir=path.parent)
    with os.fdopen(handle, "w", encoding="utf-8") as out:
        out.write(text)
    os.replace(temporary, path)


def _free_name(folder: Path, name: str) -> Path:
    """`folder/name`, or name-2, name-3 ... when a file of that name was filed before."""
    path = folder / name
    stem, suffix = Path(name).stem, Path(name).suffix
    n = 1
    while path.exists() or path.with_name(path.name + REPORT_SUFFIX).exists():
        n += 1
        path = folder / f"{stem}-{n}{suffix}"
    return path


def _suffix_words() -> str:
    shown = [s.lstrip(".").upper() for s in UPLOAD_SUFFIXES]
    return ", ".join(shown[:-1]) + " and " + shown[-1]


def print_filed(filed: Filed) -> None:
    """One line for the command line: the file, where it went and why."""
    print(f"{filed.file_name}: {filed.outcome} ({filed.moved_to}): {filed.message}", flush=True)


def print_error(text: str) -> None:
    print(text, file=sys.stderr, flush=True)
