"""What the command line writes is safe to open in a spreadsheet, `score` reads IIF_DB like the
other commands, says why when nothing can be scored, and codes that are not ODS-shaped are
refused (issue 15's adversarial pass)."""

import csv
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from test_store_support import run_cli, tidy_file, write_csv  # noqa: E402

SEPT = "2025-09-30"
ORG_HEADER = ["practice_code", "practice_name", "pcn_code", "pcn_name", "place_code",
              "place_name", "icb_code", "icb_name", "list_size"]  # fmt: skip
HOSTILE = {  # names a spreadsheet would run as formulas
    "A81001": '=HYPERLINK("http://192.0.2.1/","click")',
    "A81002": "+cmd|' /C calc'!A0",
    "A81003": "@SUM(1)",
    "A81004": "-2+3",
    "A81005": "\t=1+1",
}


def organisation_file(path: Path, names: dict, place="00K", icb="QHM") -> Path:
    rows = [[code, name, "U00001", "=1+2 PCN", place, "Place", icb, "ICB", 8000]
            for code, name in names.items()]  # fmt: skip
    return write_csv(path, ORG_HEADER, rows)


def test_score_out_neutralises_formulas_in_names(tmp_path):
    db = str(tmp_path / "iif.duckdb")
    orgs = organisation_file(tmp_path / "orgs.csv", HOSTILE)
    counts = tidy_file(tmp_path / "counts.csv", [(c, "HI-03", SEPT, 50, 100) for c in HOSTILE])
    assert run_cli("ingest", "--db", db, str(orgs), str(counts)).returncode == 0
    out = tmp_path / "result.csv"
    scored = run_cli("score", "--db", db, "--level", "practice", "--out", str(out))
    assert scored.returncode == 0, scored.stderr
    with open(out, newline="", encoding="utf-8") as handle:
        names = {row["org_code"]: row["org_name"] for row in csv.DictReader(handle)}
    assert names == {code: "'" + name for code, name in HOSTILE.items()}
    pcn_out = tmp_path / "pcn.csv"
    assert run_cli("score", "--db", db, "--level", "pcn", "--out", str(pcn_out)).returncode == 0
    with open(pcn_out, newline="", encoding="utf-8") as handle:
        assert {row["org_name"] for row in csv.DictReader(handle)} == {"'=1+2 PCN"}


def test_score_uses_iif_db_and_says_why_when_nothing_can_be_scored(tmp_path):
    db = str(tmp_path / "iif.duckdb")
    orgs = organisation_file(tmp_path / "orgs.csv", {"Z99991": "Surgery"})
    counts = tidy_file(tmp_path / "counts.csv", [("Z99991", "HI-03", SEPT, 50, 100)])
    assert run_cli("ingest", "--db", db, str(orgs), str(counts)).returncode == 0
    out = tmp_path / "result.csv"
    from_environment = run_cli("score", "--out", str(out), env={"IIF_DB": db})
    assert from_environment.returncode == 0, from_environment.stderr
    assert "from the data store" in from_environment.stderr and out.exists()
    assert run_cli("undo", "--db", db, "1").returncode == 0  # the organisation file: Z99991
    # is in no other (the bundled national reference is in use again)
    empty = tmp_path / "empty.csv"
    nothing = run_cli("score", "--out", str(empty), env={"IIF_DB": db})
    assert nothing.returncode == 2
    assert "none of the 1 practices with counts for 2025/26 is in the organisation file" in (
        nothing.stderr
    )
    assert not empty.exists()


def test_organisation_codes_that_are_not_ods_shaped_are_refused(tmp_path):
    db = str(tmp_path / "iif.duckdb")
    bad_place = organisation_file(tmp_path / "place.csv", {"A81001": "S"}, place="=1+1")
    refused = run_cli("ingest", "--db", db, str(bad_place))
    assert refused.returncode == 2
    assert "column 'place_code': is not a sub-ICB location code" in refused.stderr
    bad_icb = organisation_file(tmp_path / "icb.csv", {"A81001": "S"}, icb="NHS North")
    refused = run_cli("ingest", "--db", db, str(bad_icb))
    assert refused.returncode == 2 and "is not an ICB code" in refused.stderr
    good = organisation_file(tmp_path / "good.csv", {"A81001": "S"}, place="X2C4Y", icb="QE1")
    assert run_cli("ingest", "--db", db, str(good)).returncode == 0


def test_a_period_end_that_is_not_a_month_end_is_refused(tmp_path):
    db = str(tmp_path / "iif.duckdb")
    orgs = organisation_file(tmp_path / "orgs.csv", {"A81001": "Surgery"})
    assert run_cli("ingest", "--db", db, str(orgs)).returncode == 0
    mid_month = tidy_file(tmp_path / "mid.csv", [("A81001", "HI-03", "2025-11-15", 5, 10),
                                                  ("A81001", "CAN-04", "01/02/2026", 5, 10)])  # fmt: skip
    refused = run_cli("ingest", "--db", db, str(mid_month))
    assert refused.returncode == 2
    assert (
        "row 2, column 'period_end': period ends are the last day of a month: 15 Nov 2025 is not; did you mean 30 Nov 2025?"
        in refused.stderr
    )
    assert "(found '2025-11-15')" in refused.stderr and "(found '01/02/2026')" in refused.stderr
    undated = write_csv(tmp_path / "undated.csv", ["practice_code", "indicator_code",
                                                   "numerator", "denominator"],
                        [("A81001", "HI-03", 5, 10)])  # fmt: skip
    given = run_cli("ingest", "--db", db, "--period-end", "2025-11-15", str(undated))
    assert given.returncode == 2 and "15 Nov 2025 is not; did you mean 30 Nov 2025?" in given.stderr
    assert run_cli("ingest", "--db", db, "--period-end", "2025-11-30", str(undated)).returncode == 0
