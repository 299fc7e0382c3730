"""The watcher as its own process: files dropped into a real folder, a writer still writing, a kill
mid-file, and a service manager's stop."""

import os
import select
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))

from test_store_support import PRACTICES, ROOT, cli_command, current, tidy_file  # noqa: E402

from iif_core import inbox  # noqa: E402
from iif_core.store import PAUSE_ANNOUNCEMENT, PAUSE_VARIABLE, Store  # noqa: E402

WAIT_SECONDS = 180  # the longest a condition is waited for on a busy machine
WRITER = """
import sys
with open(sys.argv[1], "w", encoding="utf-8") as out:
    out.write("practice_code,indicator_code,period_end,numerator,denominator\\n")
    out.write(sys.argv[2] + ",HI-03,2025-12-31,1,4\\n")
    out.flush()
    print("half written", flush=True)
    sys.stdin.readline()  # until the test says: finish
    out.write(sys.argv[3] + ",HI-03,2025-12-31,2,4\\n")
"""


class Watcher:
    """`python -m iif_core watch` in another process, and the lines it has printed."""

    def __init__(self, folder: Path, db: Path, env: dict | None = None):
        self.process = subprocess.Popen(
            cli_command("watch", str(folder), "--db", str(db), "--every", "0.2", "--settle", "0"),
            cwd=ROOT,
            env={**os.environ, "PYTHONPATH": str(ROOT), **(env or {})},
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        self.out = ""
        self.err = ""

    def wait_for(self, text: str, stream: str = "out") -> str:
        """Read what it prints until `text` appears (or it ends, or the wait runs out)."""
        pipe = self.process.stdout if stream == "out" else self.process.stderr
        deadline = time.monotonic() + WAIT_SECONDS
        while text not in getattr(self, stream) and time.monotonic() < deadline:
            ready, _, _ = select.select([pipe], [], [], 0.5)
            if ready:
                line = pipe.readline()
                if not line and self.process.poll() is not None:
                    break
                setattr(self, stream, getattr(self, stream) + line)
        assert text in getattr(self, stream), (self.out, self.err)
        return getattr(self, stream)

    def stop(self, how=signal.SIGTERM) -> int:
        self.process.send_signal(how)
        code = self.process.wait(timeout=WAIT_SECONDS)
        self.out += self.process.stdout.read()
        self.err += self.process.stderr.read()
        self.process.stdout.close()
        self.process.stderr.close()
        return code


@pytest.fixture
def folder(tmp_path):
    where = tmp_path / "inbox"
    where.mkdir()
    return where


@pytest.mark.slow
def test_good_bad_duplicate_and_half_written_files_dropped_into_a_watched_folder(tmp_path, folder):
    db = tmp_path / "iif.duckdb"
    watcher = Watcher(folder, db)
    writer = subprocess.Popen(
        [sys.executable, "-c", WRITER, str(folder / "december.csv"), PRACTICES[2], PRACTICES[3]],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert writer.stdout.readline().strip() == "half written"
        tidy_file(folder / "september.csv", [(PRACTICES[0], "HI-03", "2025-09-30", 3, 4)])
        watcher.wait_for("september.csv: accepted")
        tidy_file(folder / "october.csv", [(PRACTICES[0], "HI-03", "2025-10-31", "x", 4)])
        watcher.wait_for("october.csv: rejected")
        tidy_file(folder / "september-again.csv", [(PRACTICES[0], "HI-03", "2025-09-30", 3, 4)])
        watcher.wait_for("september-again.csv: accepted")

        # the file still being written has waited through every look so far
        assert (folder / "december.csv").exists()
        assert "december.csv" not in watcher.out
        writer.stdin.write("finish\n")
        writer.stdin.close()
        assert writer.wait(timeout=WAIT_SECONDS) == 0
        watcher.wait_for("december.csv: accepted")
    finally:
        if writer.poll() is None:
            writer.kill()
        code = watcher.stop()
    assert code == 0
    assert "Traceback" not in watcher.err

    store = Store(db)
    assert current(store) == {
        (PRACTICES[0], "HI-03", "2025-09-30"): (3, 4),
        (PRACTICES[2], "HI-03", "2025-12-31"): (1, 4),
        (PRACTICES[3], "HI-03", "2025-12-31"): (2, 4),  # the whole file, written after the wait
    }
    assert list(store.batches()["file_name"].sort_values()) == ["december.csv", "september.csv"]
    assert sorted(p.name for p in folder.glob("*.csv")) == []
    assert (folder / "rejected" / "october.csv.report.txt").exists()
    assert [f.outcome for f in inbox.history(folder)] == [
        "accepted", "accepted", "rejected", "accepted",
    ]  # fmt: skip


@pytest.mark.slow
def test_a_watcher_killed_mid_file_stores_nothing_of_it_and_the_next_takes_it_once(
    tmp_path, folder
):
    db = tmp_path / "iif.duckdb"
    path = tidy_file(folder / "september.csv", [(PRACTICES[0], "HI-03", "2025-09-30", 3, 4)])
    watcher = Watcher(folder, db, env={PAUSE_VARIABLE: "300"})
    try:
        watcher.wait_for(PAUSE_ANNOUNCEMENT, stream="err")  # inside the store's transaction
    finally:
        watcher.stop(signal.SIGKILL)
    store = Store(db)
    assert store.batches().empty and current(store) == {}  # no partial batch
    assert path.exists()  # still in the inbox
    assert inbox.history(folder) == []

    again = Watcher(folder, db)
    try:
        again.wait_for("september.csv: accepted")
    finally:
        assert again.stop() == 0
    assert len(Store(db).batches()) == 1
    assert current(Store(db)) == {(PRACTICES[0], "HI-03", "2025-09-30"): (3, 4)}


def test_a_second_watcher_of_the_same_folder_is_told_and_ends(tmp_path, folder):
    db = tmp_path / "iif.duckdb"
    with inbox.watching(folder):
        second = subprocess.run(
            cli_command("watch", str(folder), "--db", str(db), "--once"),
            cwd=ROOT,
            env={**os.environ, "PYTHONPATH": str(ROOT)},
            capture_output=True,
            text=True,
            timeout=WAIT_SECONDS,
        )
    assert second.returncode == 2
    assert second.stderr.strip() == f"Another watcher is already watching {folder}."
