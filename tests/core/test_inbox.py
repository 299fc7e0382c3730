"""The inbox folder: each completely written file stored once as an upload and filed with its report."""

import fcntl
import json
import os
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))

from test_store_support import PRACTICES, current, dump, tidy_file  # noqa: E402

from iif_core import inbox  # noqa: E402
from iif_core.problems import StoreError  # noqa: E402
from iif_core.store import Store  # noqa: E402

GOOD_ROWS = [
    (PRACTICES[0], "HI-03", "2025-09-30", 3, 4),
    (PRACTICES[1], "HI-03", "2025-09-30", 5, 9),
]


@pytest.fixture
def folder(tmp_path):
    where = tmp_path / "inbox"
    where.mkdir()
    return where


@pytest.fixture
def store(tmp_path):
    return Store(tmp_path / "iif.duckdb")


def names(where: Path) -> list[str]:
    return sorted(p.name for p in where.iterdir())


def test_a_good_file_is_stored_by_the_inbox_and_filed_as_accepted(folder, store):
    tidy_file(folder / "september.csv", GOOD_ROWS)
    [filed] = inbox.scan(store, folder, settle=0)

    assert filed.outcome == "accepted" and filed.batch_id == 1
    assert current(store) == {
        (PRACTICES[0], "HI-03", "2025-09-30"): (3, 4),
        (PRACTICES[1], "HI-03", "2025-09-30"): (5, 9),
    }
    batch = store.batches().iloc[0]
    assert batch["who"] == "inbox" and batch["file_name"] == "september.csv"
    # the inbox keeps only what is still to be taken
    assert "september.csv" not in names(folder)
    assert names(folder / "accepted") == ["september.csv", "september.csv.report.txt"]
    report = (folder / filed.report).read_text(encoding="utf-8")
    assert "Outcome: accepted" in report and "Stored september.csv as batch 1" in report
    # owner-only: the filed copy may hold patient identifiers
    assert (folder / "accepted" / "september.csv").stat().st_mode & 0o077 == 0
    # the history says so, for the Data page
    [line] = (folder / inbox.HISTORY).read_text(encoding="utf-8").splitlines()
    assert json.loads(line)["moved_to"] == "accepted/september.csv"
    assert inbox.history(folder) == [filed]


def test_a_bad_file_is_rejected_whole_with_a_report_naming_row_column_and_why(folder, store):
    tidy_file(
        folder / "october.csv",
        [
            (PRACTICES[0], "HI-03", "2025-10-31", 3, 4),
            (PRACTICES[1], "HI-03", "2025-10-31", "abc", 9),
        ],
    )
    [filed] = inbox.scan(store, folder, settle=0)

    assert filed.outcome == "rejected" and filed.batch_id is None
    assert current(store) == {}  # not even its good row: an upload with a bad row is refused
    report = (folder / "rejected" / "october.csv.report.txt").read_text(encoding="utf-8")
    assert (
        "october.csv, row 3, column 'numerator': the numerator is not a number (found 'abc')"
        in report
    )
    assert "Nothing from this file is in use" in report
    assert "Traceback" not in report
    rows = (folder / "rejected" / "october.csv.rejected-rows.csv").read_text(encoding="utf-8")
    assert "not a number" in rows


def test_with_accept_valid_the_good_rows_are_stored_and_the_bad_ones_written_beside(folder, store):
    tidy_file(
        folder / "october.csv",
        [
            (PRACTICES[0], "HI-03", "2025-10-31", 3, 4),
            (PRACTICES[1], "HI-03", "2025-10-31", "abc", 9),
        ],
    )
    [filed] = inbox.scan(store, folder, settle=0, accept_valid=True)

    assert filed.outcome == "accepted"
    assert current(store) == {(PRACTICES[0], "HI-03", "2025-10-31"): (3, 4)}
    assert "october.csv.rejected-rows.csv" in names(folder / "accepted")


def test_the_same_file_twice_changes_nothing(folder, store):
    tidy_file(folder / "september.csv", GOOD_ROWS)
    inbox.scan(store, folder, settle=0)
    before = dump(store)
    tidy_file(folder / "september.csv", GOOD_ROWS)  # the same export saved again
    [again] = inbox.scan(store, folder, settle=0)

    assert dump(store) == before
    assert again.outcome == "accepted" and again.batch_id == 1
    assert "already stored" in again.message
    # filed beside the first, not over it
    assert "september-2.csv" in names(folder / "accepted")
    assert (folder / "accepted" / "september.csv.report.txt").exists()


def test_a_file_still_open_for_writing_waits_until_it_is_closed(folder, store):
    path = folder / "november.csv"
    writer = open(path, "w", encoding="utf-8")  # noqa: SIM115 - held open on purpose
    try:
        writer.write("practice_code,indicator_code,period_end,numerator,denominator\n")
        writer.write(f"{PRACTICES[0]},HI-03,2025-11-30,3,4\n")
        writer.flush()
        assert inbox.scan(store, folder, settle=0) == []
        assert path.exists() and store.batches().empty
        writer.write(f"{PRACTICES[1]},HI-03,2025-11-30,5,9\n")
    finally:
        writer.close()
    [filed] = inbox.scan(store, folder, settle=0)
    assert filed.outcome == "accepted"
    assert len(current(store)) == 2  # the whole file, both rows


def test_a_locked_file_waits_until_it_is_unlocked(folder, store):
    path = tidy_file(folder / "locked.csv", GOOD_ROWS)
    holder = os.open(path, os.O_RDONLY)
    try:
        fcntl.flock(holder, fcntl.LOCK_EX)  # as an exporter that locks while it writes
        assert inbox.scan(store, folder, settle=0) == []
        assert path.exists()
    finally:
        os.close(holder)
    assert [f.outcome for f in inbox.scan(store, folder, settle=0)] == ["accepted"]


def test_a_file_just_written_waits_for_the_settle_time(folder, store):
    path = tidy_file(folder / "fresh.csv", GOOD_ROWS)
    written = path.stat().st_mtime
    assert inbox.scan(store, folder, settle=60, now=written + 59) == []
    assert [f.outcome for f in inbox.scan(store, folder, settle=60, now=written + 61)] == [
        "accepted"
    ]


def test_where_the_folder_cannot_tell_who_writes_a_file_must_stand_still_between_looks(
    folder, store, monkeypatch
):
    monkeypatch.setattr(inbox, "_open_for_writing", lambda handle: None)  # a network share
    path = tidy_file(folder / "share.csv", GOOD_ROWS[:1])
    seen: dict = {}
    assert inbox.scan(store, folder, settle=0, seen=seen) == []  # first look: not known yet
    tidy_file(path, GOOD_ROWS)  # still growing
    os.utime(path, (1_700_000_000, 1_700_000_000))
    assert inbox.scan(store, folder, settle=0, seen=seen) == []
    [filed] = inbox.scan(store, folder, settle=0, seen=seen)  # unchanged since the last look
    assert filed.outcome == "accepted" and len(current(store)) == 2


def test_files_other_programs_are_still_writing_or_keep_beside_are_left_alone(folder, store):
    for name in ("~$extract.xlsx", ".extract.csv", "extract.csv.part", "extract.csv.tmp",
                 "extract.csv.crdownload"):  # fmt: skip
        tidy_file(folder / name, GOOD_ROWS)
    assert inbox.scan(store, folder, settle=0) == []
    assert store.batches().empty


def test_a_file_of_another_kind_is_rejected_with_a_sentence(folder, store):
    (folder / "minutes.pdf").write_bytes(b"%PDF-1.4")
    [filed] = inbox.scan(store, folder, settle=0)
    assert filed.outcome == "rejected"
    assert filed.message == (
        "minutes.pdf was not read: the inbox takes CSV, XLSX and TOML files, as the Data page's "
        "upload does."
    )


def test_a_store_that_cannot_be_used_leaves_the_file_in_the_inbox(folder, tmp_path):
    not_a_store = tmp_path / "notes.duckdb"
    not_a_store.write_text("not a database", encoding="utf-8")
    path = tidy_file(folder / "september.csv", GOOD_ROWS)
    with pytest.raises(StoreError, match="not a data store"):
        inbox.scan(Store(not_a_store), folder, settle=0)
    assert path.exists()  # taken at a later look, once the store can be used
    assert inbox.history(folder) == []


def test_files_are_taken_oldest_first(folder, store):
    later = tidy_file(folder / "a-later.csv", [(PRACTICES[0], "HI-03", "2025-09-30", 4, 4)])
    earlier = tidy_file(folder / "b-earlier.csv", [(PRACTICES[0], "HI-03", "2025-09-30", 1, 4)])
    os.utime(earlier, (1_700_000_000, 1_700_000_000))
    os.utime(later, (1_700_000_100, 1_700_000_100))
    assert [f.file_name for f in inbox.scan(store, folder, settle=0)] == [
        "b-earlier.csv",
        "a-later.csv",
    ]
    assert current(store)[(PRACTICES[0], "HI-03", "2025-09-30")] == (4, 4)  # the later one holds


def test_one_watcher_per_folder(folder):
    with inbox.watching(folder):
        with pytest.raises(inbox.InboxBusy, match="Another watcher is already watching"):
            with inbox.watching(folder):
                pass
    with inbox.watching(folder):  # free again once the first has stopped
        pass


def test_no_such_folder_is_a_sentence(tmp_path, store):
    with pytest.raises(StoreError, match="There is no inbox folder"):
        inbox.scan(store, tmp_path / "nowhere", settle=0)


def test_the_history_reads_newest_first_and_skips_a_line_cut_short(folder, store):
    tidy_file(folder / "one.csv", GOOD_ROWS[:1])
    inbox.scan(store, folder, settle=0)
    tidy_file(folder / "two.csv", GOOD_ROWS[1:])
    inbox.scan(store, folder, settle=0)
    with open(folder / inbox.HISTORY, "a", encoding="utf-8") as history:
        history.write('{"file_name": "three.csv", "at_')  # a crash mid-line
    assert [f.file_name for f in inbox.history(folder)] == ["two.csv", "one.csv"]
    assert [f.file_name for f in inbox.history(folder, 1)] == ["two.csv"]
