"""Nothing accepted is ever lost: random uploads, many threads at once, a process killed mid-write,
and a second program while the first holds the store."""

import csv
import os
import select
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

sys.path.insert(0, str(Path(__file__).resolve().parent))

from test_store_support import (  # noqa: E402
    PRACTICES,
    ROOT,
    cli_command,
    current,
    dump,
    run_cli,
    tidy_file,
)

import iif_core.store as store_module
from iif_core.orgs import orgs_frame  # noqa: E402
from iif_core.store import PAUSE_ANNOUNCEMENT, PAUSE_VARIABLE, Store, StoreError  # noqa: E402

MONTH_ENDS = (
    "2025-04-30", "2025-05-31", "2025-06-30", "2025-07-31", "2025-08-31", "2025-09-30",
    "2025-10-31", "2025-11-30", "2025-12-31", "2026-01-31", "2026-02-28", "2026-03-31",
)  # fmt: skip
INDICATORS = ("HI-03", "CAN-04")


# ----- random uploads --------------------------------------------------------------------------

HEADERS = [
    "practice_code", "indicator_code", "period_end", "numerator", "denominator", "pca_count",
    "patient_id", "achieved", "pca", "pcn_code", "Practice Code", "IND_CODE", "x", "",
]  # fmt: skip
CELLS = st.one_of(
    st.sampled_from([*PRACTICES, "Z99999", "a81001", "HI-03", "HI03", "CAN-04", "XX-99"]),
    st.sampled_from(["2025-09-30", "30/09/2025", "2024-01-01", "Y", "N", "", "U89141"]),
    st.integers(-5, 30).map(str),
    st.text(alphabet="=+-@\t\r\n\",;'x0é", max_size=6),
)
TABLES = st.tuples(
    st.lists(st.sampled_from(HEADERS), min_size=1, max_size=7),
    st.lists(st.lists(CELLS, min_size=0, max_size=8), max_size=6),
)


def write_table(path: Path, table) -> None:
    header, rows = table
    with open(path, "w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(header)
        writer.writerows(rows)


@settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(upload=st.one_of(st.binary(max_size=400), TABLES), accept_valid=st.booleans())
def test_random_uploads_never_crash_and_change_only_what_they_store(tmp_path, upload, accept_valid):
    with Store(tmp_path / "random.duckdb") as store:
        check_one_upload(store, tmp_path / "upload.csv", upload, accept_valid)


def check_one_upload(store, path, upload, accept_valid):
    if isinstance(upload, bytes):
        path.write_bytes(upload)
    else:
        write_table(path, upload)
    before = dump(store)
    preview = store.preview(path)
    assert dump(store) == before
    try:
        result = store.ingest(path, accept_valid=accept_valid)
    except StoreError:
        raise
    except Exception as error:  # an InputError is an answer; anything else is a bug
        from iif_core.problems import InputError

        assert isinstance(error, InputError), repr(error)
        assert dump(store) == before
        return
    after = dump(store)
    if result.batch_id is None:
        assert after == before
        assert result.message
    else:
        assert preview.valid_rows == result.staged.valid_rows
        new = {
            table: [row for row in rows if table == "schema_version" or row[0] != result.batch_id]
            for table, rows in after.items()
        }
        assert new == before
        assert len(after["batches"]) == len(before["batches"]) + 1


# ----- many sessions at once -------------------------------------------------------------------


def test_eight_threads_uploading_at_once_lose_nothing(tmp_path):
    files = []
    for number, practice in enumerate(PRACTICES):
        rows = [
            (practice, indicator, month, number + m, 100)
            for indicator in INDICATORS
            for m, month in enumerate(MONTH_ENDS)
        ]
        files.append(tidy_file(tmp_path / f"practice_{number}.csv", rows))
    start = threading.Barrier(len(files))
    results, errors = {}, []

    def upload(path):
        try:
            start.wait()
            results[path.name] = Store(tmp_path / "shared.duckdb").ingest(path, who=path.stem)
        except BaseException as error:  # reported below
            errors.append(error)

    threads = [threading.Thread(target=upload, args=(path,)) for path in files]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert errors == []
    assert sorted(r.batch_id for r in results.values()) == list(range(1, 9))
    store = Store(tmp_path / "shared.duckdb")
    batches = store.batches()
    assert len(batches) == 8 and set(batches.status) == {"in use"}
    in_use = current(store)
    assert len(in_use) == 8 * 2 * 12
    for number, practice in enumerate(PRACTICES):
        for m, month in enumerate(MONTH_ENDS):
            assert in_use[(practice, "HI-03", month)] == (number + m, 100)


def test_threads_reading_while_others_write(tmp_path):
    store = Store(tmp_path / "busy.duckdb")
    store.ingest(tidy_file(tmp_path / "first.csv", [(PRACTICES[0], "HI-03", "2025-09-30", 1, 2)]))
    errors = []

    def read():
        try:
            for _ in range(5):
                assert len(store.score("2025/26", level="pcn")) > 0
                store.batches()
        except BaseException as error:
            errors.append(error)

    def write(number):
        try:
            path = tidy_file(
                tmp_path / f"w{number}.csv",
                [(PRACTICES[number], "CAN-04", "2025-09-30", number, 10)],
            )
            store.ingest(path)
        except BaseException as error:
            errors.append(error)

    threads = [threading.Thread(target=read) for _ in range(3)]
    threads += [threading.Thread(target=write, args=(n,)) for n in range(1, 5)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert errors == []
    assert len(store.batches()) == 5


# ----- a killed process and a second program ---------------------------------------------------


def big_extract(path: Path) -> Path:
    """Every practice of the bundled reference × 2 indicators × 12 month ends: 148,848 rows."""
    practices = orgs_frame()["practice_code"]
    with open(path, "w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(
            ["practice_code", "indicator_code", "period_end", "numerator", "denominator"]
        )
        for practice in practices:
            for indicator in INDICATORS:
                for month in MONTH_ENDS:
                    writer.writerow((practice, indicator, month, 40, 50))
    return path


def wait_for_line(process: subprocess.Popen, text: str, seconds: float) -> str:
    """Read the process's standard error until a line contains `text`; what was read."""
    seen, deadline = "", time.monotonic() + seconds
    while time.monotonic() < deadline:
        ready, _, _ = select.select([process.stderr], [], [], 0.2)
        if ready:
            line = process.stderr.readline()
            seen += line
            if text in line or (not line and process.poll() is not None):
                return seen
    return seen


@pytest.mark.slow
def test_a_process_killed_mid_write_leaves_the_store_whole(tmp_path, monkeypatch):
    db = tmp_path / "iif.duckdb"
    store = Store(db)
    store.ingest(tidy_file(tmp_path / "small.csv", [(PRACTICES[0], "HI-03", "2025-09-30", 3, 4)]))
    before = dump(store)
    big = big_extract(tmp_path / "big.csv")
    process = subprocess.Popen(
        cli_command("ingest", "--db", str(db), str(big)),
        cwd=ROOT,
        env={**os.environ, "PYTHONPATH": str(ROOT), PAUSE_VARIABLE: "120"},
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        seen = wait_for_line(process, PAUSE_ANNOUNCEMENT, 90)
        assert PAUSE_ANNOUNCEMENT in seen, seen

        # while it holds the store: another program is told so, in a sentence
        other = run_cli("batches", "--db", str(db), env={"IIF_BUSY_WAIT_SECONDS": "1"})
        assert other.returncode == 2
        assert f"The data store {db} is in use by another program" in other.stderr
        assert "Traceback" not in other.stderr
        monkeypatch.setattr(store_module, "BUSY_WAIT_SECONDS", 0.2)
        with pytest.raises(StoreError, match="in use by another program.*close it and try again"):
            Store(db).batches()

        process.send_signal(signal.SIGKILL)
        process.wait(timeout=30)
    finally:
        if process.poll() is None:
            process.kill()
        process.stdout.close()
        process.stderr.close()
    assert dump(Store(db)) == before  # opens fine, same batches, same counts
    result = Store(db).ingest(big)
    assert result.batch_id == 2 and result.stored_rows == 148_848
    assert len(Store(db).counts()) == 148_848
