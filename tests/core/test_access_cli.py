"""The access commands, run as a subprocess: grant (the first admin), grants, revoke, audit."""

import csv
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from test_store_support import run_cli  # noqa: E402

ORGS = Path(__file__).resolve().parents[2] / "sample_data" / "orgs.csv"


def test_the_first_admin_and_a_pcn_manager_from_the_command_line(tmp_path):
    db = str(tmp_path / "iif.duckdb")
    assert run_cli("ingest", "--db", db, "--who", "setup", str(ORGS)).returncode == 0
    admin = run_cli("grant", "--db", db, "--who", "setup", "Boss@NHS.net", "admin")
    assert admin.returncode == 0 and "Grant 1: boss@nhs.net is admin" in admin.stdout
    manager = run_cli("grant", "--db", db, "pm@nhs.net", "pcn", "u54335", "--no-patients")
    assert manager.returncode == 0
    assert "pm@nhs.net is pcn on U54335, without patient lists" in manager.stdout
    wrong = run_cli("grant", "--db", db, "pm@nhs.net", "practice", "U54335")
    assert wrong.returncode == 2 and "U54335 is not a practice" in wrong.stderr
    assert "Traceback" not in wrong.stderr
    twice = run_cli("grant", "--db", db, "pm@nhs.net", "pcn", "U54335")
    assert twice.returncode == 2 and "already has the pcn grant on U54335" in twice.stderr
    listed = run_cli("grants", "--db", db)
    assert listed.returncode == 0 and "boss@nhs.net" in listed.stdout
    assert "pm@nhs.net" in listed.stdout
    revoked = run_cli("revoke", "--db", db, "--who", "boss@nhs.net", "2")
    assert (
        revoked.returncode == 0
        and "Grant 2 (pm@nhs.net, pcn on U54335) is revoked" in revoked.stdout
    )
    assert "pm@nhs.net" not in run_cli("grants", "--db", db).stdout
    assert "pm@nhs.net" in run_cli("grants", "--db", db, "--all").stdout
    out = tmp_path / "audit.csv"
    written = run_cli("audit", "--db", db, "--out", str(out))
    assert written.returncode == 0, written.stderr
    with open(out, newline="", encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    assert [(r["action"], r["who"]) for r in rows] == [
        ("revoke", "boss@nhs.net"), ("grant", rows[1]["who"]), ("grant", "setup"),
        ("upload", "setup"),
    ]  # fmt: skip
