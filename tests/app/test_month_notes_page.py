"""The Trends page says which months came late or partial, from when each practice's figures
first came into the store."""

import csv
import sys
from pathlib import Path

import duckdb

sys.path.insert(0, str(Path(__file__).resolve().parent))

from test_pages import ROOT, no_exception, open_app, texts  # noqa: E402

from iif_core.store import Store  # noqa: E402

PCN = "U54335"  # Brackenford Town, five practices
ON_TIME = ("X44647", "X45126")  # Hobbleton Hill, Copperwick Bridge
LATE = ("X45501", "X46168")  # Hobbleton Lane, Harrowmede Bridge: 9 days after the first
# X48706 Glimmerdale Quay sends nothing for November


def november(path: Path, practices: tuple[str, ...]) -> Path:
    """The demo's October counts of these practices carried to 30 November."""
    with open(ROOT / "sample_data" / "extract_2026-27.csv", newline="", encoding="utf-8") as f:
        rows = [
            {**row, "period_end": "2026-11-30"}
            for row in csv.DictReader(f)
            if row["period_end"] == "2026-10-31" and row["practice_code"] in practices
        ]
    with open(path, "w", newline="", encoding="utf-8") as f:
        writer = csv.DictWriter(f, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    return path


def test_trends_names_the_practices_late_and_missing_for_a_month(demo_db, tmp_path):
    store = Store(demo_db)
    assert store.ingest(november(tmp_path / "on-time.csv", ON_TIME)).accepted
    late = store.ingest(november(tmp_path / "late.csv", LATE))
    store.close()
    with duckdb.connect(str(demo_db)) as con:  # as if it had come nine days later
        con.execute(
            "UPDATE batches SET loaded_at_utc = loaded_at_utc + INTERVAL 9 DAY WHERE batch_id = ?",
            [late.batch_id],
        )

    at = open_app("trends", "pcn")
    at.selectbox(key="org_pcn").set_value(PCN).run()
    no_exception(at)
    shown = texts(at)
    assert "Months that came late or partial" in shown
    assert (
        "30 Nov 2026: 2 of 5 practices late (Hobbleton Lane Family Practice (X45501), 9 days "
        "after the first; Harrowmede Bridge Family Practice (X46168), 9 days); 1 sent nothing "
        "(Glimmerdale Quay Health Centre (X48706))."
    ) in shown
    # the months before came whole and on time: no note for them
    assert "31 Oct 2026:" not in shown

    at.segmented_control(key="level").set_value("practice").run()
    no_exception(at)
    assert "Months that came late or partial" not in texts(at)
