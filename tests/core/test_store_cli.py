"""The store's command line, run as a subprocess: ingest, batches, undo and score --db."""

import csv
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from test_store_support import run_cli, tidy_file, write_csv  # noqa: E402

SEPT = "2025-09-30"
GOOD = [("A81001", "HI-03", SEPT, 50, 100), ("A81002", "HI-03", SEPT, 70, 100)]


def test_ingest_batches_and_undo(tmp_path):
    db = str(tmp_path / "iif.duckdb")
    first = tidy_file(tmp_path / "september.csv", GOOD)
    stored = run_cli("ingest", "--db", db, "--who", "Ann", str(first))
    assert stored.returncode == 0, stored.stderr
    assert "Stored september.csv as batch 1" in stored.stdout
    again = run_cli("ingest", "--db", db, str(first))
    assert again.returncode == 0 and "already stored, as batch 1" in again.stdout
    second = tidy_file(tmp_path / "correction.csv", [("A81001", "HI-03", SEPT, 60, 100)])
    assert run_cli("ingest", "--db", db, str(second)).returncode == 0
    listed = run_cli("batches", "--db", db)
    assert listed.returncode == 0
    lines = listed.stdout.splitlines()
    assert lines[0].split()[:2] == ["batch", "stored"]
    assert lines[1].split()[0] == "2" and lines[1].endswith("in use")
    assert "september.csv" in lines[2] and "Ann" in lines[2] and "partly replaced" in lines[2]
    assert "Organisations in use: NHS Digital" in listed.stdout
    undone = run_cli("undo", "--db", db, "2")
    assert undone.returncode == 0 and "Batch 2 (correction.csv) is undone" in undone.stdout
    assert run_cli("batches", "--db", db).stdout.splitlines()[1].endswith("undone")
    missing = run_cli("undo", "--db", db, "7")
    assert missing.returncode == 2 and "There is no batch 7" in missing.stderr
    restored = run_cli("restore", "--db", db, "2")
    assert restored.returncode == 0 and "Batch 2 (correction.csv) is restored" in restored.stdout
    assert run_cli("batches", "--db", db).stdout.splitlines()[1].endswith("in use")
    again = run_cli("restore", "--db", db, "2")
    assert again.returncode == 2 and "it was not undone" in again.stderr


def test_a_patient_list_that_does_not_say_what_it_holds_waits_for_list(tmp_path):
    db = str(tmp_path / "iif.duckdb")
    counts = tidy_file(tmp_path / "october.csv", [("A81001", "HI-03", "2026-10-31", 42, 73)])
    assert run_cli("ingest", "--db", db, str(counts)).returncode == 0
    header = ["practice_code", "indicator_code", "period_end", "patient_id", "achieved", "pca"]
    rows = [
        ("A81001", "HI-03", "2026-10-31", f"p{i}", "Y" if i < 3 else "N", "N") for i in range(8)
    ]
    recall = write_csv(tmp_path / "recall.csv", header, rows)
    unclear = run_cli("ingest", "--db", db, str(recall))
    assert unclear.returncode == 2 and "not clear whether it lists every" in unclear.stderr
    told = run_cli("ingest", "--db", db, "--list", "outstanding", str(recall))
    assert told.returncode == 0 and "changes no counts" in told.stdout


def test_each_file_stands_alone_and_bad_rows_are_reported(tmp_path):
    db = str(tmp_path / "iif.duckdb")
    good = tidy_file(tmp_path / "good.csv", GOOD)
    bad = tidy_file(
        tmp_path / "bad.csv",
        [("A81004", "HI-03", SEPT, 5, 10), ("=HYPERLINK(1)", "HI-03", SEPT, 5, 10)],
    )
    run = run_cli("ingest", "--db", db, str(bad), str(good))
    assert run.returncode == 2
    assert "Nothing was stored from bad.csv" in run.stderr
    assert "bad.csv, row 3, column 'practice_code'" in run.stderr
    assert "Stored good.csv as batch 1" in run.stdout
    assert "Traceback" not in run.stderr
    assert not (tmp_path / "bad.rejected.csv").exists()

    accepted = run_cli("ingest", "--db", db, "--accept-valid", str(bad))
    assert accepted.returncode == 0, accepted.stderr
    assert "Stored bad.csv as batch 2" in accepted.stdout
    assert "1 row with problems left out" in accepted.stdout
    with open(tmp_path / "bad.rejected.csv", newline="", encoding="utf-8") as handle:
        rejected = list(csv.DictReader(handle))
    assert len(rejected) == 1
    assert rejected[0]["practice_code"].startswith("'=")  # a formula neutralised
    assert "not in the organisation data" in rejected[0]["reason"]

    elsewhere = tmp_path / "out" / "why.csv"
    bad.write_text(bad.read_text() + "Z00000,HI-03,2025-09-30,1,2\n")
    chosen = run_cli("ingest", "--db", db, "--accept-valid", "--rejected", str(elsewhere), str(bad))
    assert chosen.returncode == 0 and len(elsewhere.read_text().splitlines()) == 3
    several = run_cli("ingest", "--db", db, "--rejected", str(elsewhere), str(bad), str(good))
    assert several.returncode == 2 and "--rejected names one file" in several.stderr


def test_an_unreadable_file_is_reported_not_stored(tmp_path):
    db = str(tmp_path / "iif.duckdb")
    (tmp_path / "empty.csv").write_text("")
    run = run_cli("ingest", "--db", db, str(tmp_path / "empty.csv"), str(tmp_path / "none.csv"))
    assert run.returncode == 2
    assert "empty.csv" in run.stderr and "none.csv" in run.stderr
    assert "Traceback" not in run.stderr


def test_score_from_the_store_is_the_same_as_from_the_files(tmp_path):
    db = str(tmp_path / "iif.duckdb")
    extract = tidy_file(tmp_path / "extract.csv", GOOD + [("A81004", "CAN-04", "2025-08-31", 3, 4)])
    assert run_cli("ingest", "--db", db, str(extract)).returncode == 0
    from_files = run_cli(
        "score", "--scheme", "2025/26", "--extract", str(extract), "--out", str(tmp_path / "a.csv")
    )
    from_store = run_cli("score", "--db", db, "--out", str(tmp_path / "b.csv"))
    assert from_files.returncode == 0 and from_store.returncode == 0, from_store.stderr
    assert (tmp_path / "a.csv").read_bytes() == (tmp_path / "b.csv").read_bytes()
    both = run_cli("score", "--db", db, "--extract", str(extract), "--out", str(tmp_path / "c.csv"))
    assert both.returncode == 2 and "not both" in both.stderr


def test_score_chooses_the_latest_year_and_says_so(tmp_path):
    db = str(tmp_path / "iif.duckdb")
    extract = tidy_file(tmp_path / "years.csv", [*GOOD, ("A81001", "HI-03", "2025-03-31", 5, 10)])
    assert run_cli("ingest", "--db", db, str(extract)).returncode == 0
    latest = run_cli("score", "--db", db, "--level", "pcn", "--out", str(tmp_path / "l.csv"))
    assert latest.returncode == 0
    assert "holds 2024/25, 2025/26; scoring 2025/26" in latest.stderr
    assert SEPT in (tmp_path / "l.csv").read_text()
    older = run_cli("score", "--db", db, "--year", "2024-25", "--out", str(tmp_path / "o.csv"))
    assert older.returncode == 0 and "2025-03-31" in (tmp_path / "o.csv").read_text()
    scheme = run_cli("score", "--db", db, "--scheme", "2024/25", "--out", str(tmp_path / "s.csv"))
    assert scheme.returncode == 0 and "holds" not in scheme.stderr
    assert (tmp_path / "s.csv").read_bytes() == (tmp_path / "o.csv").read_bytes()
    none = run_cli("score", "--db", db, "--year", "2023/24", "--out", str(tmp_path / "n.csv"))
    assert none.returncode == 2 and "holds no counts for 2023/24" in none.stderr
    assert not (tmp_path / "n.csv").exists()


def test_the_environment_variable_and_the_default_place(tmp_path):
    extract = tidy_file(tmp_path / "e.csv", GOOD)
    env = {"IIF_DB": str(tmp_path / "from_env.duckdb")}
    assert run_cli("ingest", str(extract), env=env).returncode == 0
    assert (tmp_path / "from_env.duckdb").exists()
    assert run_cli("ingest", str(extract), cwd=tmp_path, env={"IIF_DB": ""}).returncode == 0
    assert (tmp_path / "data" / "iif.duckdb").exists()
    missing = run_cli("batches", "--db", str(tmp_path / "typo.duckdb"))
    assert missing.returncode == 2 and "There is no data store at" in missing.stderr
    assert not (tmp_path / "typo.duckdb").exists()


def test_a_patient_list_with_the_period_end_given(tmp_path):
    db = str(tmp_path / "iif.duckdb")
    header = ["practice_code", "indicator_code", "patient_id", "achieved", "pca"]
    rows = [("A81001", "HI-03", "p1", "Y", "N"), ("A81001", "HI-03", "p2", "N", "Y")]
    path = write_csv(tmp_path / "patients.csv", header, rows)
    without = run_cli("ingest", "--db", db, str(path))
    assert without.returncode == 2 and "Nothing was stored from patients.csv" in without.stderr
    given = run_cli("ingest", "--db", db, "--period-end", SEPT, "--who", "Bo", str(path))
    assert given.returncode == 0, given.stderr
    assert "Stored patients.csv as batch 1: 2 patient rows" in given.stdout
    listed = run_cli("batches", "--db", db).stdout.splitlines()[1]
    assert "Bo" in listed and "patients" in listed and SEPT in listed
