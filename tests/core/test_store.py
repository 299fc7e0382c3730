"""The data store: batches, the latest in use, undo, identical files, organisations and schemes."""

import dataclasses
import subprocess
import sys
from datetime import date
from decimal import Decimal
from pathlib import Path

import duckdb
import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))

from test_store_support import (  # noqa: E402
    ROOT,
    current,
    dump,
    tidy_file,
    write_csv,
)

import iif_core.store as store_module  # noqa: E402
from iif_core.schemes import load_bundled_scheme, scheme_to_toml  # noqa: E402
from iif_core.store import SCHEMA_VERSION, Store, StoreError  # noqa: E402

SEPT, AUG = "2025-09-30", "2025-08-31"


@pytest.fixture
def store(tmp_path):
    with Store(tmp_path / "iif.duckdb") as opened:
        yield opened


def test_created_on_first_use_with_its_schema_version(tmp_path):
    path = tmp_path / "new" / "iif.duckdb"
    store = Store(path)
    assert not path.exists()  # nothing happens until it is used
    assert store.batches().empty
    assert path.exists()
    with store.cursor() as con:
        versions = con.execute("SELECT version FROM schema_version").fetchall()
    assert versions == [(number,) for number in range(1, SCHEMA_VERSION + 1)]  # each migration once
    Store(path).batches()  # opening again applies nothing twice
    assert dump(Store(path))["schema_version"] == dump(store)["schema_version"]


def test_default_path_and_the_environment_variable(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("IIF_DB", raising=False)
    assert Store().path == Path("data") / "iif.duckdb"
    Store().batches()
    assert (tmp_path / "data" / "iif.duckdb").exists()
    monkeypatch.setenv("IIF_DB", str(tmp_path / "elsewhere.duckdb"))
    Store().ingest(tidy_file(tmp_path / "a.csv", [("A81001", "HI-03", SEPT, 5, 10)]))
    assert len(Store(tmp_path / "elsewhere.duckdb").batches()) == 1
    assert Store("data/iif.duckdb").batches().empty


def test_each_upload_is_a_batch_saying_what_it_holds(store, tmp_path):
    path = tidy_file(
        tmp_path / "september.csv",
        [("A81001", "HI-03", SEPT, 5, 10), ("A81002", "CAN-04", SEPT, 7, 10)],
    )
    result = store.ingest(path, who="Ann")
    assert (result.batch_id, result.duplicate_of, result.stored_rows) == (1, None, 2)
    assert "batch 1" in result.message
    batch = store.batches().iloc[0]
    assert batch.file_name == "september.csv"
    assert batch.who == "Ann"
    assert (batch["kind"], batch["shape"]) == ("counts", "tidy")
    assert (batch.rows, batch.stored_rows, batch.figures, batch.practices) == (2, 2, 2, 2)
    assert batch.indicators == "CAN-04, HI-03"
    assert batch.first_period.date() == date(2025, 9, 30)
    assert len(batch.sha256) == 64 and batch.status == "in use" and not batch.undone
    assert batch.loaded_at_utc.year >= 2025


def test_the_latest_batch_wins_and_undo_brings_back_what_it_replaced(store, tmp_path):
    first = tidy_file(
        tmp_path / "first.csv",
        [("A81001", "HI-03", SEPT, 5, 10), ("A81002", "HI-03", SEPT, 6, 10)],
    )
    second = tidy_file(tmp_path / "second.csv", [("A81001", "HI-03", SEPT, 8, 10)])
    store.ingest(first)
    store.ingest(second)
    assert current(store) == {
        ("A81001", "HI-03", SEPT): (8, 10),
        ("A81002", "HI-03", SEPT): (6, 10),
    }
    statuses = dict(zip(store.batches().batch_id, store.batches().status, strict=True))
    assert statuses == {2: "in use", 1: "partly replaced"}
    assert "Batch 2 (second.csv) is undone" in store.undo(2)
    assert current(store)[("A81001", "HI-03", SEPT)] == (5, 10)
    assert store.batches().set_index("batch_id").loc[2, "status"] == "undone"
    with pytest.raises(StoreError, match="already undone"):
        store.undo(2)
    with pytest.raises(StoreError, match="no batch 9"):
        store.undo(9)
    store.undo(1)
    assert current(store) == {}


def test_scoring_what_is_stored_matches_scoring_the_files(store, tmp_path):
    from iif_core.score import score_files

    rows = [("A81001", "HI-03", SEPT, 50, 100), ("A81002", "HI-03", AUG, 60, 100)]
    path = tidy_file(tmp_path / "extract.csv", rows)
    store.ingest(path)
    scheme = load_bundled_scheme("2025/26")
    score_files(scheme, None, [path], tmp_path / "files.csv")
    import pandas as pd

    expected = pd.read_csv(tmp_path / "files.csv")
    stored = store.score("2025/26")
    assert len(stored) == len(expected)
    assert store.period_ends("2025/26") == [date(2025, 8, 31), date(2025, 9, 30)]
    assert store.years() == ["2025/26"]
    assert store.period_ends("2024/25") == []


def test_the_identical_file_is_not_stored_twice(store, tmp_path):
    path = tidy_file(tmp_path / "a.csv", [("A81001", "HI-03", SEPT, 5, 10)])
    first = store.ingest(path)
    before = dump(store)
    again = store.ingest(path, display_name="renamed.csv")
    assert (again.batch_id, again.duplicate_of, again.stored_rows) == (None, 1, 0)
    assert again.accepted and "already stored, as batch 1" in again.message
    assert dump(store) == before
    # replaced meanwhile: still not stored again, and the message says how to get it back
    tidy_file(tmp_path / "b.csv", [("A81001", "HI-03", SEPT, 9, 10)])
    store.ingest(tmp_path / "b.csv")
    third = store.ingest(path)
    assert third.duplicate_of == first.batch_id and "undo them" in third.message
    # once its batch is undone, the same file is stored again as a new batch
    store.undo(1)
    assert store.ingest(path).batch_id == 3


def test_a_file_with_bad_rows_is_stored_only_when_the_valid_rows_are_accepted(store, tmp_path):
    path = tidy_file(
        tmp_path / "mixed.csv",
        [("A81001", "HI-03", SEPT, 5, 10), ("Z99999", "HI-03", SEPT, 5, 10)],
    )
    refused = store.ingest(path)
    assert refused.batch_id is None and not refused.accepted
    assert "Nothing was stored from mixed.csv" in refused.message
    assert list(refused.rejected["reason"].str.contains("not in the organisation")) == [True]
    assert store.batches().empty
    partial = store.ingest(path, accept_valid=True)
    assert partial.stored_rows == 1
    batch = store.batches().iloc[0]
    assert (batch.rows, batch.stored_rows, batch.rejected_rows) == (2, 1, 1)
    assert current(store) == {("A81001", "HI-03", SEPT): (5, 10)}


def test_nothing_valid_nothing_stored(store, tmp_path):
    path = tidy_file(tmp_path / "bad.csv", [("Z99999", "HI-03", SEPT, 5, 10)])
    assert store.ingest(path, accept_valid=True).batch_id is None
    (tmp_path / "empty.csv").write_text("")
    assert store.ingest(tmp_path / "empty.csv", accept_valid=True).batch_id is None
    assert store.batches().empty


def test_preview_stores_nothing(store, tmp_path):
    path = tidy_file(tmp_path / "a.csv", [("A81001", "HI-03", SEPT, 5, 10)])
    before = dump(store)
    staged = store.preview(path)
    assert staged.ok and staged.valid_rows == 1
    assert dump(store) == before


def test_an_error_while_writing_leaves_the_store_as_it_was(store, tmp_path, monkeypatch):
    store.ingest(tidy_file(tmp_path / "a.csv", [("A81001", "HI-03", SEPT, 5, 10)]))
    before = dump(store)

    def fail(*args):
        raise RuntimeError("disk full")

    monkeypatch.setattr(store_module, "_insert_batch", fail)  # after the rows are inserted
    with pytest.raises(RuntimeError, match="disk full"):
        store.ingest(tidy_file(tmp_path / "b.csv", [("A81002", "HI-03", SEPT, 5, 10)]))
    assert dump(store) == before


def test_patient_lists_latest_batch_per_practice_indicator_and_period(store, tmp_path):
    header = ["practice_code", "indicator_code", "period_end", "patient_id", "achieved", "pca"]
    first = write_csv(
        tmp_path / "p1.csv",
        header,
        [
            ("A81001", "HI-03", SEPT, "p1", "Y", "N"),
            ("A81001", "HI-03", SEPT, "p2", "N", "N"),
            ("A81001", "HI-03", SEPT, "p3", "N", "Y"),
            ("A81002", "HI-03", SEPT, "q1", "N", "N"),
        ],
    )
    second = write_csv(
        tmp_path / "p2.csv",
        header,
        [("A81001", "HI-03", SEPT, "p1", "Y", "N"), ("A81001", "HI-03", SEPT, "p2", "Y", "N")],
    )
    assert store.ingest(first).stored_rows == 4
    assert current(store)[("A81001", "HI-03", SEPT)] == (1, 2)
    store.ingest(second)
    patients = store.patients()
    assert sorted(zip(patients.practice_code, patients.patient_id, strict=True)) == [
        ("A81001", "p1"),
        ("A81001", "p2"),
        ("A81002", "q1"),
    ]
    assert current(store)[("A81001", "HI-03", SEPT)] == (2, 2)
    assert list(store.patients(to_do_only=True).patient_id) == ["q1"]
    store.undo(2)
    assert list(store.patients(practice_code="A81001", to_do_only=True).patient_id) == ["p2"]
    assert len(store.patients(year="2025/26", indicator_code="HI-03")) == 4
    assert store.patients(year="2024/25").empty


ORG_HEADER = [
    "practice_code", "practice_name", "pcn_code", "pcn_name", "place_code", "place_name",
    "icb_code", "icb_name", "list_size",
]  # fmt: skip


def org_file(path, *practices):
    rows = [
        (p, f"{p} surgery", "U99999", "New PCN", "16C", "Place", "QHM", "ICB", 5000)
        for p in practices
    ]
    return write_csv(path, ORG_HEADER, rows)


def test_organisation_files_are_versions_and_undo_brings_back_the_reference(store, tmp_path):
    assert len(store.orgs()) == 6202
    assert store.orgs_source().startswith("NHS Digital")
    unknown = tidy_file(tmp_path / "new.csv", [("Y99999", "HI-03", SEPT, 5, 10)])
    assert store.ingest(unknown).batch_id is None  # not a practice yet
    orgs = store.ingest(org_file(tmp_path / "orgs.csv", "Y99999", "A81001"))
    assert orgs.batch_id == 1 and orgs.stored_rows == 2
    assert set(store.orgs().practice_code) == {"Y99999", "A81001"}
    assert store.orgs_source() == "orgs.csv (batch 1)"
    assert store.ingest(unknown).batch_id == 2
    scored = store.score("2025/26", level="pcn")
    assert set(scored.org_code) == {"U99999"}
    second = store.ingest(org_file(tmp_path / "orgs2.csv", "Y99999"))
    assert len(store.orgs()) == 1
    statuses = store.batches().set_index("batch_id").status
    assert (statuses[1], statuses[3]) == ("replaced", "in use")
    store.undo(second.batch_id)
    assert len(store.orgs()) == 2
    store.undo(orgs.batch_id)
    assert len(store.orgs()) == 6202


def test_a_bad_organisation_file_is_never_stored_in_part(store, tmp_path):
    path = write_csv(
        tmp_path / "orgs.csv",
        ORG_HEADER,
        [("Y99999", "x", "U99999", "x", "16C", "x", "QHM", "x", 1), ("bad", *["x"] * 8)],
    )
    result = store.ingest(path, accept_valid=True)
    assert result.batch_id is None and "only when all of it is valid" in result.message
    assert store.batches().empty


def test_scheme_versions_latest_wins_and_undo_brings_back_the_previous(store, tmp_path):
    bundled = load_bundled_scheme("2025/26")
    hi03 = dataclasses.replace(bundled.indicators["HI-03"], upper_threshold=Decimal("85"))
    edited = dataclasses.replace(bundled, indicators={**bundled.indicators, "HI-03": hi03})
    first = store.save_scheme(edited, who="Ann")
    assert store.scheme("2025/26").indicators["HI-03"].upper_threshold == 85
    assert store.save_scheme(edited) == first  # identical to the version in use
    assert len(store.batches()) == 1
    back = store.save_scheme(bundled)  # an edit put back is a new version
    assert back == first + 1 and store.scheme("2025/26") == bundled
    (tmp_path / "scheme.toml").write_text(scheme_to_toml(edited))
    uploaded = store.ingest(tmp_path / "scheme.toml")
    assert uploaded.batch_id == 3 and store.scheme("2025/26") == edited
    assert store.batches().iloc[0].scheme_year == "2025/26"
    store.undo(3)
    assert store.scheme("2025/26") == bundled
    store.undo(2)
    assert store.scheme("2025/26") == edited
    store.undo(1)
    assert store.scheme("2025/26") == bundled
    assert store.scheme("2024/25") == load_bundled_scheme("2024/25")
    with pytest.raises(StoreError, match="no 2031/32 scheme"):
        store.scheme("2031/32")


def test_the_scheme_in_use_checks_uploads(store, tmp_path):
    bundled = load_bundled_scheme("2025/26")
    only_hi03 = dataclasses.replace(bundled, indicators={"HI-03": bundled.indicators["HI-03"]})
    store.save_scheme(only_hi03)
    result = store.ingest(tidy_file(tmp_path / "a.csv", [("A81001", "CAN-04", SEPT, 5, 10)]))
    assert result.batch_id is None


def test_several_years_are_kept_apart(store, tmp_path):
    store.ingest(
        tidy_file(
            tmp_path / "two_years.csv",
            [("A81001", "HI-03", "2025-03-31", 5, 10), ("A81001", "HI-03", SEPT, 7, 10)],
        )
    )
    assert store.years() == ["2024/25", "2025/26"]
    assert store.period_ends("2024/25") == [date(2025, 3, 31)]
    assert set(store.score().period_end.astype(str)) == {SEPT}  # the latest year by default
    assert len(store.counts("2024/25")) == 1 and len(store.counts()) == 2


def test_a_file_that_is_not_a_store_is_refused(tmp_path):
    (tmp_path / "notes.duckdb").write_text("not a database" * 100)
    with pytest.raises(StoreError, match="not a data store"):
        Store(tmp_path / "notes.duckdb").batches()
    other = duckdb.connect(str(tmp_path / "other.duckdb"))
    other.execute("CREATE TABLE something (x INTEGER)")
    other.close()
    with pytest.raises(StoreError, match="not a data store of this app"):
        Store(tmp_path / "other.duckdb").batches()


def test_a_store_from_a_newer_release_is_refused(tmp_path):
    Store(tmp_path / "iif.duckdb").batches()
    con = duckdb.connect(str(tmp_path / "iif.duckdb"))
    con.execute("INSERT INTO schema_version VALUES (99, now())")
    con.close()
    with pytest.raises(StoreError, match="newer version"):
        Store(tmp_path / "iif.duckdb").batches()


def test_a_missing_store_is_not_created_when_only_reading(tmp_path):
    with pytest.raises(StoreError, match="no data store"):
        Store(tmp_path / "typo.duckdb", create=False).batches()
    assert not (tmp_path / "typo.duckdb").exists()


def other_process_opens(path) -> bool:
    """Whether another process can open the file (DuckDB lets one process at a time)."""
    code = "import duckdb, sys; duckdb.connect(sys.argv[1]).close()"
    process = subprocess.run(
        [sys.executable, "-c", code, str(path)], capture_output=True, timeout=60
    )
    return process.returncode == 0


def test_the_file_is_let_go_between_calls(tmp_path):
    store = Store(tmp_path / "iif.duckdb")
    store.batches()
    assert other_process_opens(tmp_path / "iif.duckdb")
    with store:
        store.batches()
        assert not other_process_opens(tmp_path / "iif.duckdb")
    assert other_process_opens(tmp_path / "iif.duckdb")


def test_a_staged_table_hiding_a_store_table_is_refused(store, tmp_path, monkeypatch):
    stage = store_module.stage_file

    def careless_stage(con, *args, **options):
        staged = stage(con, *args, **options)
        con.execute("CREATE TEMP TABLE batch_counts AS SELECT 1 AS x")
        return staged

    monkeypatch.setattr(store_module, "stage_file", careless_stage)
    with pytest.raises(RuntimeError, match="hide the store's own: batch_counts"):
        store.ingest(tidy_file(tmp_path / "a.csv", [("A81001", "HI-03", SEPT, 5, 10)]))
    assert store.batches().empty


def test_check_reads_like_ingest_and_stores_nothing(tmp_path):
    store = Store(tmp_path / "iif.duckdb")
    bad = tmp_path / "bad.csv"
    bad.write_text(
        "practice_code,indicator_code,period_end,numerator,denominator\n"
        "A81001,HI03,2025-09-30,5,10\n"
        "A81001,CAN04,2025-09-30,9,4\n",
        encoding="utf-8",
    )
    before = store.version()
    staged, rejected = store.check(bad)
    assert not staged.ok and staged.valid_rows == 1
    assert list(rejected["reason"].str.contains("greater than the denominator")) == [True]
    assert store.version() == before == (0, 0)
    assert store.batches().empty


def test_version_changes_with_every_upload_and_undo(tmp_path):
    store = Store(tmp_path / "iif.duckdb")
    good = tmp_path / "good.csv"
    good.write_text(
        "practice_code,indicator_code,period_end,numerator,denominator\n"
        "A81001,HI03,2025-09-30,5,10\n",
        encoding="utf-8",
    )
    batch = store.ingest(good).batch_id
    assert store.version() == (batch, 0)
    store.undo(batch)
    assert store.version() == (batch, 1)


def _age(path, seconds: float = 5.0) -> None:
    """Make the store file and its log look written `seconds` ago (so their mark is settled)."""
    import os
    import time

    for name in (path, path.with_name(path.name + ".wal")):
        if name.exists():
            then = time.time() - seconds
            os.utime(name, (then, then))


def test_the_version_is_read_from_the_file_only_when_the_file_changed(tmp_path, monkeypatch):
    path = tmp_path / "iif.duckdb"
    store = Store(path)
    good = tidy_file(tmp_path / "good.csv", [("A81001", "HI03", "2025-09-30", 5, 10)])
    batch = store.ingest(good).batch_id
    _age(path)
    assert store.version() == (batch, 0)  # read, and remembered with the file's mark
    opened = []
    real_cursor = Store.cursor
    monkeypatch.setattr(Store, "cursor", lambda self: opened.append(1) or real_cursor(self))
    assert store.version() == (batch, 0)
    assert Store(path).version() == (batch, 0)  # another Store of the same file, too
    assert opened == []
    # another process undoes the upload: the file changes, so the version is read again
    code = "import sys; from iif_core.store import Store; Store(sys.argv[1]).undo(int(sys.argv[2]))"
    subprocess.run([sys.executable, "-c", code, str(path), str(batch)], check=True, cwd=ROOT)
    assert store.version() == (batch, 1)
    assert opened == [1]


def test_a_version_read_just_after_a_write_is_not_trusted(tmp_path, monkeypatch):
    """Two writes within one tick of the file system's clock can leave the same mark; a mark
    that recent is never remembered, so the second write is still seen."""
    path = tmp_path / "iif.duckdb"
    store = Store(path)
    good = tidy_file(tmp_path / "good.csv", [("A81001", "HI03", "2025-09-30", 5, 10)])
    batch = store.ingest(good).batch_id
    assert store.version() == (batch, 0)
    assert store_module._database(path, str(path)).known_version is None
    # a write that leaves the mark exactly as it was (as within one clock tick) is still seen
    mark = store_module._FileMark.of(path)
    monkeypatch.setattr(store_module._FileMark, "of", classmethod(lambda cls, _: mark))
    store.undo(batch)
    assert store.version() == (batch, 1)


def test_whether_anyone_uploaded_a_batch_still_in_use(tmp_path):
    store = Store(tmp_path / "iif.duckdb")
    good = tidy_file(tmp_path / "good.csv", [("A81001", "HI03", "2025-09-30", 5, 10)])
    assert not store.uploaded_by("demo")
    batch = store.ingest(good, who="demo").batch_id
    assert store.uploaded_by("demo") and not store.uploaded_by("someone else")
    store.undo(batch)
    assert not store.uploaded_by("demo")
