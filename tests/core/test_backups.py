"""A damaged store can be recovered: each change leaves a checked copy (the last few kept),
the message about a damaged file says so, and `recover` puts the copy back; new store files and
copies are readable by their owner only."""

import os
import stat
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import pytest  # noqa: E402
from test_store_support import run_cli, tidy_file  # noqa: E402

from iif_core import backups  # noqa: E402
from iif_core.problems import StoreError  # noqa: E402
from iif_core.store import Store  # noqa: E402

SEPT = "2025-09-30"


def owner_only(path: Path) -> bool:
    return stat.S_IMODE(os.stat(path).st_mode) & 0o077 == 0


def test_a_store_cut_in_half_is_recovered_from_its_latest_backup(tmp_path):
    db = tmp_path / "iif.duckdb"
    for n in range(7):
        counts = tidy_file(tmp_path / f"m{n}.csv", [("A81001", "HI-03", SEPT, 10 + n, 100)])
        assert run_cli("ingest", "--db", str(db), str(counts)).returncode == 0
    kept = backups.backups(db)
    assert len(kept) == backups.KEPT and kept[0].name.endswith("-batch7.duckdb")
    assert all(owner_only(path) for path in [db, *kept])
    with open(db, "r+b") as handle:
        handle.truncate(db.stat().st_size // 2)
    damaged = run_cli("batches", "--db", str(db))
    assert damaged.returncode == 2 and "Traceback" not in damaged.stderr
    assert "cannot be read: the file looks damaged" in damaged.stderr
    assert "`python -m iif_core recover` puts it in place" in damaged.stderr
    recovered = run_cli("recover", "--db", str(db))
    assert recovered.returncode == 0, recovered.stderr
    assert "(7 batches)" in recovered.stdout
    assert len(Store(db).batches()) == 7
    assert [p.name for p in tmp_path.glob("iif.duckdb.damaged-*")]  # the damaged file is kept


def test_undo_restore_and_grants_leave_a_backup_and_nothing_to_recover_is_said(tmp_path):
    db = tmp_path / "iif.duckdb"
    store = Store(db)
    counts = tidy_file(tmp_path / "m.csv", [("A81001", "HI-03", SEPT, 10, 100)])
    batch = store.ingest(counts, who="a").batch_id
    store.undo(batch, who="a")
    store.restore(batch, who="a")
    labels = [p.name.split("-", 1)[1] for p in backups.backups(db)]
    assert labels == ["restore1.duckdb", "undo1.duckdb", "batch1.duckdb"]
    store.close()
    nothing = run_cli("recover", "--db", str(tmp_path / "other.duckdb"))
    assert nothing.returncode == 2 and "There is no backup" in nothing.stderr
    with pytest.raises(FileNotFoundError):
        backups.recover(tmp_path / "other.duckdb")


def test_the_write_ahead_log_and_every_copy_are_created_owner_only(tmp_path, monkeypatch):
    os.umask(0o022)  # as most accounts have it: new files readable by everyone
    db = tmp_path / "iif.duckdb"
    seen = {}
    checked = backups.readable

    def readable(path):  # the copy as it is before it is checked and put in place
        seen[path.suffix] = owner_only(path)
        return checked(path)

    monkeypatch.setattr(backups, "readable", readable)
    counts = tidy_file(tmp_path / "m.csv", [("A81001", "HI-03", SEPT, 10, 100)])
    with Store(db) as store:
        assert owner_only(db)
        store.ingest(counts, who="a")
        store.record("a", "sign_in")  # a change without a backup: the log holds it
        wal = db.with_name(db.name + ".wal")
        assert wal.exists() and owner_only(wal)
    assert seen == {".partial": True}
    with open(db, "r+b") as handle:
        handle.truncate(db.stat().st_size // 2)
    assert run_cli("recover", "--db", str(db)).returncode == 0
    assert owner_only(db)


def damage_each_block(db: Path):
    """The store with one block after the header overwritten, for each block in turn."""
    good = db.read_bytes()
    header, block = 3 * 4096, 256 * 1024  # DuckDB's file header, then its blocks
    for start in range(header, len(good), block):
        db.write_bytes(good[:start] + b"\x55" * block + good[start + block :])
        yield start
    db.write_bytes(good)


def test_damage_anywhere_in_the_file_is_called_damage_and_recovery_named(tmp_path):
    db = tmp_path / "iif.duckdb"
    with Store(db) as store:
        for n in range(3):
            store.ingest(tidy_file(tmp_path / f"m{n}.csv", [("A81001", "HI-03", SEPT, n, 100)]))
    damaged = 0
    for _ in damage_each_block(db):
        try:
            Store(db).batches()
        except StoreError as error:  # anything else would reach the person as "unexpected"
            assert "looks damaged" in error.message and "iif_core recover" in error.message
            damaged += 1
    assert damaged
    assert len(Store(db).batches()) == 3


def test_a_store_emptied_or_overwritten_says_it_is_damaged_when_it_has_a_backup(tmp_path):
    db = tmp_path / "iif.duckdb"
    counts = tidy_file(tmp_path / "m.csv", [("A81001", "HI-03", SEPT, 10, 100)])
    assert run_cli("ingest", "--db", str(db), str(counts)).returncode == 0
    good = db.read_bytes()
    for contents in (b"", b"\0" * 8192, good[: len(good) // 2]):
        db.write_bytes(contents)
        told = run_cli("ingest", "--db", str(db), str(counts))
        assert told.returncode == 2 and "Traceback" not in told.stderr
        assert "looks damaged" in told.stderr and "iif_core recover" in told.stderr
        assert "problem to fix" not in told.stderr  # the store, not the file, is at fault
    assert run_cli("recover", "--db", str(db)).returncode == 0
    assert len(Store(db).batches()) == 1
