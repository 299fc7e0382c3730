"""Verified copies of the store after each change, the last few kept, and recovery from them."""

from __future__ import annotations

import os
import shutil
from datetime import UTC, datetime
from pathlib import Path

import duckdb

KEPT = 5  # backups kept per store file; the oldest go first
SUFFIX = ".duckdb"
OWNER_ONLY = 0o600  # the store holds patient identifiers: readable by the app's account only
OWNER_ONLY_FOLDER = 0o700


def folder_of(store: Path) -> Path:
    """Where a store file's backups are: beside it, `iif.duckdb.backups/`."""
    return store.with_name(store.name + ".backups")


def make_backup(con: duckdb.DuckDBPyConnection, store: Path, label: str) -> Path:
    """Checkpoint the store (so the file holds every change) and copy it, then check the copy
    opens and reads; keep the last KEPT. The caller holds the write lock."""
    con.execute("CHECKPOINT")
    folder = folder_of(store)
    folder.mkdir(mode=OWNER_ONLY_FOLDER, exist_ok=True)
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S%fZ")
    target = folder / f"{stamp}-{label}{SUFFIX}"
    partial = target.with_suffix(".partial")
    _copy_owner_only(store, partial)
    batches = readable(partial)
    if batches is None:
        partial.unlink(missing_ok=True)
        raise OSError(f"the backup of {store} could not be read back")
    partial.replace(target)
    for old in backups(store)[KEPT:]:
        old.unlink(missing_ok=True)
    return target


def backups(store: Path) -> list[Path]:
    """The store's backups, newest first."""
    folder = folder_of(store)
    if not folder.is_dir():
        return []
    return sorted(folder.glob(f"*{SUFFIX}"), reverse=True)


def readable(path: Path) -> int | None:
    """The number of batches a store file holds, or None when it cannot be opened and read."""
    try:
        with duckdb.connect(str(path), read_only=True) as con:
            return con.execute("SELECT count(*) FROM batches").fetchone()[0]
    except duckdb.Error:
        return None


def recover(store: Path) -> tuple[Path, Path | None]:
    """Put the newest backup that reads back in place of the store; the store file as it was (and
    its write-ahead log) is kept beside it, renamed. Returns (backup used, damaged file kept)."""
    for backup in backups(store):
        if readable(backup) is not None:
            break
    else:
        raise FileNotFoundError(f"there is no readable backup of {store}")
    kept = None
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    if store.exists():
        kept = store.with_name(f"{store.name}.damaged-{stamp}")
        store.replace(kept)
    wal = store.with_name(store.name + ".wal")
    if wal.exists():
        wal.replace(store.with_name(f"{store.name}.wal.damaged-{stamp}"))
    _copy_owner_only(backup, store)
    return backup, kept


def _copy_owner_only(source: Path, target: Path) -> None:
    """Copy a file into one readable by its owner only from its first byte (never a moment
    readable by others, whatever the process's umask)."""
    descriptor = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, OWNER_ONLY)
    os.fchmod(descriptor, OWNER_ONLY)  # a file that was there already keeps its own mode
    with open(source, "rb") as reading, open(descriptor, "wb") as writing:
        shutil.copyfileobj(reading, writing, 1 << 20)
