"""The scores the store keeps are, after any sequence of uploads, undos, restores and scheme or
organisation changes, exactly those of scoring everything again, and a change re-scores only the
organisations around the practices it touches."""

from __future__ import annotations

import dataclasses
import tempfile
from decimal import Decimal
from pathlib import Path

import pandas as pd
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from test_store_support import tidy_file, write_csv

from iif_core import kept_scores
from iif_core.store import Store

YEAR = "2025/26"
ORG_HEADER = ["practice_code", "practice_name", "pcn_code", "pcn_name", "place_code",
              "place_name", "icb_code", "icb_name", "list_size"]  # fmt: skip
# Five PCNs in four places and three ICBs; U00003 straddles two places and two ICBs (the larger
# list decides where it belongs); two practices are in no PCN.
ORGS = [
    ("Y00001", "One", "U00001", "PCN 1", "01A", "Place A", "QA1", "ICB A", 6000),
    ("Y00002", "Two", "U00001", "PCN 1", "01A", "Place A", "QA1", "ICB A", 4000),
    ("Y00003", "Three", "U00002", "PCN 2", "01A", "Place A", "QA1", "ICB A", 9000),
    ("Y00004", "Four", "U00002", "PCN 2", "01A", "Place A", "QA1", "ICB A", 3000),
    ("Y00005", "Five", "U00003", "PCN 3", "02B", "Place B", "QA1", "ICB A", 7000),
    ("Y00006", "Six", "U00003", "PCN 3", "03C", "Place C", "QB2", "ICB B", 2000),
    ("Y00007", "Seven", "U00004", "PCN 4", "03C", "Place C", "QB2", "ICB B", 8000),
    ("Y00008", "Eight", "U00004", "PCN 4", "03C", "Place C", "QB2", "ICB B", 5000),
    ("Y00009", "Nine", "U00005", "PCN 5", "04D", "Place D", "QC3", "ICB C", 5000),
    ("Y00010", "Ten", "", "", "04D", "Place D", "QC3", "ICB C", 3000),
    ("Y00011", "Eleven", "", "", "04D", "Place D", "QC3", "ICB C", 3000),
]
PRACTICES = [row[0] for row in ORGS]
INDICATORS = ("HI-03", "CAN-04")
PERIODS = ("2025-04-30", "2025-05-31", "2025-06-30", "2025-07-31")


def assert_kept_as_scored(store: Store) -> None:
    """The kept scores are up to date without scoring again, and equal a full scoring, exactly."""
    with store.cursor() as con:
        made_with = kept_scores.recipe(con, store.scheme(YEAR))
        assert kept_scores.is_fresh(con, YEAR, store.version(), made_with)
        kept = kept_scores.kept(con, YEAR)
    full = store.score(YEAR)
    pd.testing.assert_frame_equal(kept, full, check_exact=True)


def new_store(folder: Path) -> Store:
    store = Store(folder / "iif.duckdb")
    assert store.ingest(write_csv(folder / "orgs.csv", ORG_HEADER, ORGS)).batch_id == 1
    first = [(p, "HI-03", PERIODS[0], 3, 10) for p in PRACTICES[:3]]
    assert store.ingest(tidy_file(folder / "first.csv", first)).batch_id == 2
    store.scored(YEAR)  # kept from here on
    return store


counts = st.lists(
    st.tuples(
        st.sampled_from(PRACTICES), st.sampled_from(INDICATORS), st.sampled_from(PERIODS),
        st.integers(0, 40), st.integers(0, 40),
    ),
    min_size=1, max_size=8,
).map(lambda rows: [(p, i, e, min(n, d), d) for p, i, e, n, d in rows])  # fmt: skip
steps = st.lists(
    st.one_of(
        st.tuples(st.just("upload"), counts),
        st.tuples(st.just("undo"), st.integers(0, 20)),
        st.tuples(st.just("restore"), st.integers(0, 20)),
        st.tuples(st.just("scheme"), st.sampled_from(["80", "85", "90"])),
        st.tuples(st.just("orgs"), st.sampled_from([3000, 9000])),
    ),
    min_size=1, max_size=5,
)  # fmt: skip


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(steps=steps)
def test_kept_scores_equal_scoring_everything_again(steps):
    with tempfile.TemporaryDirectory() as name:
        folder = Path(name)
        store = new_store(folder)
        for n, (action, value) in enumerate(steps):
            batches = store.batches()
            if action == "upload":
                rows = {(p, i, e): (p, i, e, num, den) for p, i, e, num, den in value}
                store.ingest(tidy_file(folder / f"upload{n}.csv", list(rows.values())))
            elif action in ("undo", "restore"):
                wanted = batches[batches["undone"] == (action == "restore")]
                if wanted.empty:
                    continue
                batch_id = int(wanted["batch_id"].iloc[value % len(wanted)])
                (store.undo if action == "undo" else store.restore)(batch_id)
            elif action == "scheme":
                scheme = store.scheme(YEAR)
                hi03 = dataclasses.replace(
                    scheme.indicators["HI-03"], upper_threshold=Decimal(value)
                )
                store.save_scheme(
                    dataclasses.replace(scheme, indicators={**scheme.indicators, "HI-03": hi03})
                )
            else:  # a new organisation file: Six's list decides where PCN 3 belongs
                orgs = [row[:-1] + (value,) if row[0] == "Y00006" else row for row in ORGS]
                store.ingest(write_csv(folder / f"orgs{n}.csv", ORG_HEADER, orgs))
            assert_kept_as_scored(store)
        store.close()


def test_an_upload_rescores_only_the_organisations_around_its_practices(tmp_path, monkeypatch):
    store = new_store(tmp_path)
    rescored = []
    score = kept_scores._score

    def spy(con, *args, everything, **options):
        if not everything:
            rescored.append(set(con.execute("SELECT level, org_code FROM rescored").fetchall()))
        return score(con, *args, everything=everything, **options)

    monkeypatch.setattr(kept_scores, "_score", spy)
    store.ingest(tidy_file(tmp_path / "pcn4.csv", [("Y00007", "HI-03", PERIODS[0], 5, 9)]))
    # PCN 4 is in Place C and ICB B, as is PCN 3 (Five's larger list puts it in Place B and ICB A,
    # so not PCN 3: see below); nothing of ICB A or C is scored again.
    assert rescored == [
        {("practice", "Y00007"), ("practice", "Y00008"), ("pcn", "U00004"),
         ("place", "03C"), ("icb", "QB2")}
    ]  # fmt: skip
    rescored.clear()
    store.ingest(tidy_file(tmp_path / "pcn3.csv", [("Y00006", "HI-03", PERIODS[0], 5, 9)]))
    assert rescored == [
        {("practice", "Y00001"), ("practice", "Y00002"), ("practice", "Y00003"),
         ("practice", "Y00004"), ("practice", "Y00005"), ("practice", "Y00006"),
         ("pcn", "U00001"), ("pcn", "U00002"), ("pcn", "U00003"),
         ("place", "02B"), ("icb", "QA1")}
    ]  # fmt: skip
    rescored.clear()
    store.ingest(tidy_file(tmp_path / "alone.csv", [("Y00010", "HI-03", PERIODS[0], 5, 9)]))
    assert rescored == [{("practice", "Y00010")}]
    assert_kept_as_scored(store)


def test_a_new_period_end_is_scored_for_everyone_and_a_gone_one_forgotten(tmp_path):
    store = new_store(tmp_path)
    later = store.ingest(tidy_file(tmp_path / "june.csv", [("Y00009", "CAN-04", PERIODS[2], 1, 4)]))
    assert_kept_as_scored(store)
    assert PERIODS[2] in {f"{d:%Y-%m-%d}" for d in store.scored_period_ends(YEAR)}
    store.undo(later.batch_id)
    assert_kept_as_scored(store)
    assert [f"{d:%Y-%m-%d}" for d in store.scored_period_ends(YEAR)] == [PERIODS[0]]


def test_a_store_from_before_is_scored_on_first_read_and_slices_are_of_the_kept_rows(tmp_path):
    store = Store(tmp_path / "iif.duckdb")
    store.ingest(write_csv(tmp_path / "orgs.csv", ORG_HEADER, ORGS))
    store.ingest(
        tidy_file(tmp_path / "a.csv", [(p, "HI-03", PERIODS[0], 3, 10) for p in PRACTICES])
    )
    with store.cursor() as con:  # as a store of schema 3 would be: nothing kept yet
        assert con.execute("SELECT count(*) FROM kept_years").fetchone()[0] == 0
    everything = store.scored(YEAR)
    pd.testing.assert_frame_equal(everything, store.score(YEAR), check_exact=True)

    def codes(level, org_code):
        frame = store.scored(YEAR, level, org_code)
        return set(zip(frame["level"], frame["org_code"], strict=True))

    pcn4 = {("pcn", "U00004"), ("practice", "Y00007"), ("practice", "Y00008")}
    assert codes("pcn", "U00004") == pcn4
    assert codes("practice", "Y00008") == pcn4  # a practice is shown beside its PCN's others
    assert codes("practice", "Y00010") == {("practice", "Y00010")}  # in no PCN
    assert codes("place", "03C") == pcn4 | {("place", "03C")}
    assert codes("icb", "QB2") == pcn4 | {("icb", "QB2")}
    assert codes("icb", "QA1") == {
        ("icb", "QA1"), ("pcn", "U00001"), ("pcn", "U00002"), ("pcn", "U00003"),
        *(("practice", p) for p in PRACTICES[:6]),
    }  # fmt: skip
    one = store.scored(YEAR, "icb", "QA1")
    full = everything.merge(one[["level", "org_code"]].drop_duplicates())
    pd.testing.assert_frame_equal(one, full, check_exact=True)  # the same rows, same order


def test_a_year_without_counts_keeps_nothing(tmp_path):
    store = new_store(tmp_path)
    assert store.scored("2024/25").empty and store.score("2024/25").empty
