"""Where the national extract and a practice's search hold the same figure, the national one is in
use (NHS England pays on it), whichever came first; undo brings the practice's back; the kept
scores follow exactly."""

import csv
import sys
from pathlib import Path

import pandas as pd

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(ROOT))

from test_store_support import current, tidy_file  # noqa: E402

import iif_core.store as store_module  # noqa: E402
from iif_core import kept_scores  # noqa: E402
from iif_core.store import Store  # noqa: E402
from ui.demo import load_demo  # noqa: E402

YEAR = "2026/27"
GPES = ROOT / "sample_data" / "gpes_2026-27.csv"
CELL = ("X10010", "HI-03", "2026-10-31")  # Elverby Hill's October health checks


def national_with(folder: Path, numerator: int) -> Path:
    """The demo's national extract with Elverby Hill's October HI-03 numerator set."""
    with open(GPES, newline="", encoding="utf-8") as source:
        reader = csv.DictReader(source)
        header, rows = reader.fieldnames, list(reader)
    for row in rows:
        if (row["ORG_CODE"], row["IND_CODE"], row["ACH_DATE"]) == ("X10010", "HI03", "20261031"):
            if row["FIELD_NAME"].startswith("Of the denominator"):
                row["VALUE"] = str(numerator)
    path = folder / f"national-{numerator}.csv"
    with open(path, "w", newline="", encoding="utf-8") as out:
        writer = csv.DictWriter(out, fieldnames=header)
        writer.writeheader()
        writer.writerows(rows)
    return path


def practice_file(folder: Path, numerator: int) -> Path:
    return tidy_file(folder / f"practice-{numerator}.csv", [(*CELL, numerator, 35)])


def cell_of(counts: pd.DataFrame) -> pd.DataFrame:
    return counts[
        (counts["practice_code"] == CELL[0])
        & (counts["indicator_code"] == CELL[1])
        & (counts["period_end"].astype(str) == CELL[2])
    ]


def assert_kept_as_scored(store: Store) -> None:
    with store.cursor() as con:
        made_with = kept_scores.recipe(con, store.scheme(YEAR))
        assert kept_scores.is_fresh(con, YEAR, store.version(), made_with)
        kept = kept_scores.kept(con, YEAR)
    pd.testing.assert_frame_equal(kept, store.score(YEAR), check_exact=True)


def in_use(store: Store) -> tuple:
    return current(store)[CELL]


def test_the_national_figure_is_in_use_whichever_came_first(tmp_path):
    store = Store(tmp_path / "iif.duckdb")
    load_demo(store)
    store.scored(YEAR)  # kept from here on
    demo_figure = in_use(store)
    assert demo_figure == (10, 35)

    national = store.ingest(national_with(tmp_path, 20))
    assert national.batch_id is not None
    assert in_use(store) == (20, 35)
    assert_kept_as_scored(store)

    # a practice's search of the same month afterwards is stored, but the national figure stays
    review = store.review(practice_file(tmp_path, 25))
    assert review.replaced_counts.empty  # it would replace nothing in use
    later = store.ingest(practice_file(tmp_path, 25))
    assert later.batch_id is not None
    assert later.message.endswith(
        "1 of its figures stays as the national extract has them (NHS England pays on those); "
        "the Data page compares the two."
    )
    assert in_use(store) == (20, 35)
    assert_kept_as_scored(store)

    # a newer national extract replaces the older one
    assert store.review(national_with(tmp_path, 21)).replaced_counts["stored_numerator"].tolist()
    newer = store.ingest(national_with(tmp_path, 21))
    assert in_use(store) == (21, 35)

    # undoing both national extracts brings the practice's latest search back
    change = store.change_if_toggled(newer.batch_id)
    row = cell_of(change.counts)
    assert (int(row["numerator_now"].iloc[0]), int(row["numerator_after"].iloc[0])) == (21, 20)
    store.undo(newer.batch_id)
    change = store.change_if_toggled(national.batch_id)
    row = cell_of(change.counts)
    assert (int(row["numerator_now"].iloc[0]), int(row["numerator_after"].iloc[0])) == (20, 25)
    assert int(row["batch_after"].iloc[0]) == later.batch_id
    store.undo(national.batch_id)
    assert in_use(store) == (25, 35)
    assert_kept_as_scored(store)


def test_a_store_from_before_is_migrated_and_scored_again(tmp_path, monkeypatch):
    path = tmp_path / "iif.duckdb"
    with monkeypatch.context() as before:  # this app as it was at schema 5: the latest upload wins
        before.setattr(store_module, "MIGRATIONS", store_module.MIGRATIONS[:-1])
        before.setattr(store_module, "SCHEMA_VERSION", 5)
        store = Store(path)
        load_demo(store)
        store.ingest(national_with(tmp_path, 20))
        store.ingest(practice_file(tmp_path, 25))
        assert in_use(store) == (25, 35)
        store.scored(YEAR)  # scores kept with the practice's figure
        store.close()
    store = Store(path)  # opening it migrates it
    with store.cursor() as con:
        assert con.execute("SELECT max(version) FROM schema_version").fetchone()[0] == 6
    assert in_use(store) == (20, 35)
    kept = store.scored(YEAR, "practice", "X10010")
    row = kept[(kept["org_code"] == "X10010") & (kept["indicator_code"] == "HI-03")]
    assert int(row[row["period_end"].astype(str) == "2026-10-31"]["numerator"].iloc[0]) == 20
    assert_kept_as_scored(store)
