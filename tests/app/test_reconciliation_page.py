"""The Data page compares the national extract with the practices' own searches: the planted
differences of tests/core/test_reconcile.py listed with their cause and £, and a download."""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "core"))

from test_pages import no_exception, open_app, table_with, texts  # noqa: E402
from test_reconcile import plant  # noqa: E402

from iif_core.store import Store  # noqa: E402


def test_the_data_page_lists_each_planted_difference_with_its_cause(demo_db, tmp_path):
    store = Store(demo_db)
    _, _, off_practices = plant(store, tmp_path)
    store.close()
    at = open_app("data")
    no_exception(at)
    shown = texts(at)
    expected = 3 + len(off_practices)
    practices = len({"X10010", "X44647", *off_practices})
    assert "Two sources compared" in shown
    assert (
        f"The national extract and the practices' own searches differ on {expected} figures "
        f"(of 1,256 compared) at {practices} practices"
    ) in shown
    table = table_with(at, "cause")
    assert len(table) == expected
    assert set(table["practice_code"]) == {"X10010", "X44647", *off_practices}
    assert table["cause"].str.startswith("Missing from the national extract").sum() == 2
    assert [b.label for b in at.get("download_button") if "comparison" in b.label] == [
        "Download comparison (CSV)",
        "Download comparison (Excel)",
    ]


def test_with_one_source_the_page_says_what_to_upload(demo_db):
    at = open_app("data")
    no_exception(at)
    assert "Nothing to compare yet: upload NHS Digital's GPES/CQRS extract" in texts(at)
