"""Many people uploading at once: eight uploads from eight threads of one server (one Store, as
the app's sessions share it) all succeed, and eight command-line processes at once all succeed
by waiting their turn for the store file."""

import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import duckdb  # noqa: E402
import pytest  # noqa: E402
from test_store_support import cli_command, tidy_file  # noqa: E402

from iif_core import store as store_module  # noqa: E402
from iif_core.problems import StoreError  # noqa: E402
from iif_core.store import Store  # noqa: E402

PRACTICES = ["A81001", "A81002", "A81004", "A81005", "A81006", "A81007", "A81009", "A81011"]
SEPT = "2025-09-30"


def files(folder: Path) -> list[Path]:
    return [tidy_file(folder / f"{code}.csv", [(code, "HI-03", SEPT, 10 + n, 100)])
            for n, code in enumerate(PRACTICES)]  # fmt: skip


def test_eight_uploads_from_eight_threads_all_succeed(tmp_path):
    store = Store(tmp_path / "iif.duckdb")
    uploads = files(tmp_path)
    with ThreadPoolExecutor(max_workers=8) as pool:
        results = list(pool.map(lambda path: store.ingest(path, who=path.stem), uploads))
    assert all(r.batch_id is not None for r in results), [r.message for r in results]
    assert sorted(r.batch_id for r in results) == list(range(1, 9))
    counts = store.counts()
    assert dict(zip(counts["practice_code"], counts["numerator"], strict=True)) == {
        code: 10 + n for n, code in enumerate(PRACTICES)
    }


def test_eight_command_line_uploads_at_once_all_succeed(tmp_path):
    db = str(tmp_path / "iif.duckdb")
    processes = [
        subprocess.Popen(cli_command("ingest", "--db", db, str(path)), stdout=subprocess.PIPE,
                         stderr=subprocess.PIPE, text=True)
        for path in files(tmp_path)
    ]  # fmt: skip
    outcomes = [(p.wait(timeout=300), p.stderr.read()) for p in processes]
    for process in processes:
        process.stdout.close()
        process.stderr.close()
    assert [code for code, _ in outcomes] == [0] * 8, outcomes
    assert len(Store(db).batches()) == 8


def test_a_store_held_by_another_program_says_which(tmp_path, monkeypatch):
    db = tmp_path / "iif.duckdb"
    Store(db).batches()  # the store exists
    holder = subprocess.Popen(
        [sys.executable, "-c", f"import duckdb, sys; c = duckdb.connect({str(db)!r}); "
         "print('held', flush=True); sys.stdin.read()"],  # holds it until told (or killed)
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True,
    )  # fmt: skip
    try:
        assert holder.stdout.readline().strip() == "held"
        monkeypatch.delenv("IIF_BUSY_WAIT_SECONDS", raising=False)
        monkeypatch.setattr(store_module, "BUSY_WAIT_SECONDS", 0.3)
        with pytest.raises(StoreError) as told:
            Store(db).batches()
    finally:
        holder.kill()
        holder.wait()
        holder.stdin.close()
        holder.stdout.close()
    program = Path(sys.executable).resolve().name  # as the system names the process
    assert f"in use by another program ({program}, process {holder.pid})" in told.value.message
    assert "within 0.3 seconds" in told.value.message


def test_a_new_store_gets_its_name_only_once_it_is_whole(tmp_path, monkeypatch):
    db = tmp_path / "iif.duckdb"
    seen = []
    real_link = store_module.os.link

    def link(draft, target):
        assert not Path(target).exists()  # until now no program could open a half-made file
        con = duckdb.connect(str(draft), read_only=True)
        seen.append(con.execute("SELECT max(version) FROM schema_version").fetchone()[0])
        con.close()
        real_link(draft, target)

    monkeypatch.setattr(store_module.os, "link", link)
    assert Store(db).batches().empty
    assert seen == [store_module.SCHEMA_VERSION]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["iif.duckdb"]  # no draft left behind


def test_a_store_another_program_made_first_is_kept(tmp_path):
    db = tmp_path / "iif.duckdb"
    Store(db).ingest(files(tmp_path)[0], who="first")
    store_module._create(db, "iif.duckdb")  # this program made its draft while the other won
    assert len(Store(db).batches()) == 1
    assert not [p for p in tmp_path.iterdir() if p.name.endswith(".new")]
