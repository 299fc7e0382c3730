"""Patient lists that are recall lists, what an upload would replace, and undo with restore."""

import sys
from pathlib import Path

import duckdb
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

sys.path.insert(0, str(Path(__file__).resolve().parent))

from test_store_support import current, dump, tidy_file, write_csv  # noqa: E402

from iif_core import report  # noqa: E402
from iif_core.patient_lists import guess_list_kind  # noqa: E402
from iif_core.store import Store, StoreError  # noqa: E402

OCT = "2026-10-31"
PRACTICE, OTHER = "A81001", "A81002"
PATIENT_HEADER = ["practice_code", "indicator_code", "period_end", "patient_id", "achieved", "pca"]


@pytest.fixture
def store(tmp_path):
    with Store(tmp_path / "iif.duckdb") as opened:
        yield opened


def patient_file(path: Path, practice: str, achieved: int, not_achieved: int, pca: int = 0,
                 period: str = OCT, indicator: str = "HI-03") -> Path:  # fmt: skip
    """A patient list: `achieved` who achieved, `not_achieved` still to do, `pca` with a PCA."""
    rows = [("Y", "N")] * achieved + [("N", "N")] * not_achieved + [("N", "Y")] * pca
    return write_csv(
        path,
        PATIENT_HEADER,
        [(practice, indicator, period, f"{practice}-{i}", a, p) for i, (a, p) in enumerate(rows)],
    )


def stored_42_of_73(store, tmp_path):
    """The scenario of issue 14: HI-03 42 of 73 for one practice, 50 of 60 for another."""
    store.ingest(
        tidy_file(
            tmp_path / "october.csv",
            [(PRACTICE, "HI-03", OCT, 42, 73), (OTHER, "HI-03", OCT, 50, 60)],
        )
    )


# ----- what a list holds ------------------------------------------------------------------------


def evidence(listed, achieved, stored_patients=None):
    return pd.DataFrame(
        {
            "practice_code": [PRACTICE],
            "indicator_code": ["HI-03"],
            "period_end": [pd.Timestamp(OCT)],
            "listed": [listed],
            "achieved": [achieved],
            "stored_period": [pd.Timestamp(OCT) if stored_patients else pd.NaT],
            "stored_patients": [stored_patients],
        }  # fmt: skip
    )


@pytest.mark.parametrize(
    ("listed", "achieved", "stored", "kind"),
    [
        (73, 42, 73, "cohort"),  # as many patients as stored, some achieved: a full list
        (40, 10, None, "cohort"),  # nothing stored to compare with, some achieved
        (8, 0, 73, "outstanding"),  # short, nobody achieved: a recall list
        (8, 0, None, "outstanding"),  # nobody achieved and nothing to compare with
        (8, 3, 73, None),  # the list: short, yet 3 achieved - ask
        (70, 0, 73, None),  # nobody achieved, but full size: may be April's full list - ask
        (37, 5, 73, "cohort"),  # half the stored patients or more (37 >= 73 / 2) is not far fewer
        (37, 0, 73, None),
        (36, 5, 73, None),  # under half: far fewer
    ],
)
def test_what_a_list_seems_to_hold(listed, achieved, stored, kind):
    guess = guess_list_kind(evidence(listed, achieved, stored))
    assert guess.kind == kind
    assert guess.reason  # always says why, in words


def test_the_reason_names_the_short_list():
    reason = guess_list_kind(evidence(8, 3, 73)).reason
    assert "8 patients for A81001 HI-03" in reason and "73 stored for 31 Oct 2026" in reason


# ----- storing lists ----------------------------------------------------------------------------


def test_a_recall_list_never_changes_the_counts(store, tmp_path):
    stored_42_of_73(store, tmp_path)
    before = current(store)
    recall = patient_file(tmp_path / "recall.csv", PRACTICE, achieved=0, not_achieved=8)
    review = store.review(recall)
    assert review.list_guess.kind == "outstanding"
    result = store.ingest(recall)  # not told: the file makes it clear
    assert result.batch_id is not None and "changes no counts" in result.message
    assert current(store) == before
    assert store.batches().iloc[0]["list_kind"] == "outstanding"
    assert store.batches().iloc[0]["status"] == "in use"
    assert len(store.patients(to_do_only=True)) == 8  # it feeds the patient lists


def test_an_unclear_list_is_not_stored_until_someone_says_what_it_holds(store, tmp_path):
    stored_42_of_73(store, tmp_path)
    before = dump(store)
    unclear = patient_file(tmp_path / "unclear.csv", PRACTICE, achieved=3, not_achieved=5)
    assert store.review(unclear).list_guess.kind is None
    result = store.ingest(unclear)
    assert result.batch_id is None and "not clear whether it lists every eligible" in result.message
    assert dump(store) == before  # nothing half-written
    as_recall = store.ingest(unclear, list_kind="outstanding")
    assert as_recall.batch_id is not None
    assert current(store)[(PRACTICE, "HI-03", OCT)] == (42, 73)


def test_a_full_list_replaces_the_counts_it_is_told_to(store, tmp_path):
    stored_42_of_73(store, tmp_path)
    unclear = patient_file(tmp_path / "unclear.csv", PRACTICE, achieved=3, not_achieved=4, pca=1)
    store.ingest(unclear, list_kind="cohort")
    # iif-rules.md section 8: numerator = achieved; denominator = achieved + not achieved, no PCA
    assert current(store)[(PRACTICE, "HI-03", OCT)] == (3, 7)
    assert current(store)[(OTHER, "HI-03", OCT)] == (50, 60)  # another practice's figure stays


def test_the_same_file_as_another_kind_of_list_is_not_a_duplicate(store, tmp_path):
    stored_42_of_73(store, tmp_path)
    unclear = patient_file(tmp_path / "unclear.csv", PRACTICE, achieved=3, not_achieved=5)
    first = store.ingest(unclear, list_kind="outstanding")
    again = store.ingest(unclear, list_kind="outstanding")
    assert again.duplicate_of == first.batch_id
    counted = store.ingest(unclear, list_kind="cohort")
    assert counted.batch_id is not None
    assert current(store)[(PRACTICE, "HI-03", OCT)] == (3, 8)


# ----- what an upload would replace -------------------------------------------------------------


def test_the_review_shows_each_stored_figure_an_upload_would_replace(store, tmp_path):
    stored_42_of_73(store, tmp_path)
    before = dump(store)
    correction = tidy_file(
        tmp_path / "correction.csv",
        [(PRACTICE, "HI-03", OCT, 44, 73), (OTHER, "HI-03", "2026-11-30", 52, 61)],
    )
    review = store.review(correction)
    assert dump(store) == before  # a review stores nothing
    replaced = review.replaced_counts
    assert len(replaced) == 1  # November is new: it replaces nothing
    row = replaced.iloc[0]
    assert (row.practice_code, row.indicator_code) == (PRACTICE, "HI-03")
    assert (row.stored_numerator, row.stored_denominator) == (42, 73)
    assert (row.new_numerator, row.new_denominator) == (44, 73)
    assert row.stored_file == "october.csv" and not row.same
    assert review.replaces(None) == 1


def test_a_recall_list_replaces_lists_only(store, tmp_path):
    stored_42_of_73(store, tmp_path)
    store.ingest(patient_file(tmp_path / "full.csv", PRACTICE, 42, 31), list_kind="cohort")
    review = store.review(patient_file(tmp_path / "recall.csv", PRACTICE, 0, 8))
    assert len(review.replaced_counts) == 1 and len(review.replaced_lists) == 1
    lists = review.replaced_lists.iloc[0]
    assert (lists.stored_to_do, lists.new_to_do, lists.stored_file) == (31, 8, "full.csv")
    assert review.replaces("outstanding") == 1  # the list only
    assert review.replaces("cohort") == 2  # the list and the figure


# ----- undo, and restore ------------------------------------------------------------------------


def test_undo_says_what_comes_back_and_restore_puts_it_back(store, tmp_path):
    stored_42_of_73(store, tmp_path)
    correction = tidy_file(
        tmp_path / "correction.csv",
        [(PRACTICE, "HI-03", OCT, 44, 73), (PRACTICE, "CAN-04", OCT, 9, 10)],
    )
    batch = store.ingest(correction).batch_id
    with_correction = current(store)
    change = store.change_if_toggled(batch)
    assert not change.undone
    rows = {r.indicator_code: r for r in change.counts.itertuples()}
    assert (rows["HI-03"].numerator_now, rows["HI-03"].numerator_after) == (44, 42)
    assert rows["HI-03"].batch_after == 1
    assert pd.isna(rows["CAN-04"].numerator_after)  # no earlier upload held it: it goes
    version = store.version()
    store.undo(batch)
    assert current(store)[(PRACTICE, "HI-03", OCT)] == (42, 73)
    assert (PRACTICE, "CAN-04", OCT) not in current(store)
    restore = store.change_if_toggled(batch)
    assert restore.undone
    assert {(r.indicator_code, r.numerator_after) for r in restore.counts.itertuples()} == {
        ("HI-03", 44),
        ("CAN-04", 9),
    }
    said = store.restore(batch)
    assert "restored" in said
    assert current(store) == with_correction
    assert store.version() != version  # caches keyed on the version see the change
    with pytest.raises(StoreError, match="it was not undone"):
        store.restore(batch)
    with store.cursor() as con:
        events = con.execute("SELECT batch_id, action FROM batch_events ORDER BY 1").fetchall()
    assert events == [(batch, "undo"), (batch, "restore")]


def test_undoing_a_recall_list_names_the_list_that_comes_back(store, tmp_path):
    stored_42_of_73(store, tmp_path)
    store.ingest(patient_file(tmp_path / "full.csv", PRACTICE, 42, 31), list_kind="cohort")
    recall = store.ingest(patient_file(tmp_path / "recall.csv", PRACTICE, 0, 8)).batch_id
    change = store.change_if_toggled(recall)
    assert change.counts.empty  # it changed no counts, so undoing it changes none
    row = change.lists.iloc[0]
    assert (row.to_do_now, row.to_do_after, row.batch_after) == (8, 31, 2)


def test_a_v1_store_keeps_its_history(tmp_path):
    """A store written before list kinds and undo events: every list was counted, and its undos
    become events."""
    path = tmp_path / "old.duckdb"
    sql = Path(__file__).resolve().parents[2] / "iif_core" / "sql" / "store"
    con = duckdb.connect(str(path))
    con.execute(
        (sql / "schema_version.sql").read_text() + "INSERT INTO schema_version VALUES (1, now());"
    )
    for name in ("v1_batches", "v1_batch_counts", "v1_batch_patients", "v1_batch_orgs",
                 "v1_batch_schemes", "v1_current_counts", "v1_current_patients",
                 "v1_current_orgs", "v1_current_schemes"):  # fmt: skip
        con.execute((sql / f"{name}.sql").read_text())
    con.execute(
        "INSERT INTO batches (batch_id, kind, shape, file_name, sha256, rows, stored_rows, "
        "rejected_rows, figures, loaded_at_utc, undone_at_utc, undone_by) VALUES "
        "(1, 'patients', 'patients', 'list.csv', 'x', 1, 1, 0, 1, now(), NULL, NULL), "
        "(2, 'counts', 'tidy', 'c.csv', 'y', 1, 1, 0, 1, now(), now(), 'AB')"
    )
    con.close()
    old = Store(path)
    batches = old.batches().set_index("batch_id")
    assert batches.loc[1, "list_kind"] == "cohort" and pd.isna(batches.loc[2, "list_kind"])
    with old.cursor() as cursor:
        events = cursor.execute("SELECT batch_id, action, who FROM batch_events").fetchall()
    assert events == [(2, "undo", "AB")]
    old.restore(2)
    assert not old.batches().set_index("batch_id").loc[2, "undone"]


# A reference for any sequence of uploads, undos and restores: the figure in use for a key is the
# one of the latest batch not undone that holds it (docs/decisions.md D12).
KEYS = [(p, i) for p in (PRACTICE, OTHER) for i in ("HI-03", "CAN-04")]
steps = st.lists(
    st.one_of(
        st.tuples(st.just("upload"), st.sets(st.sampled_from(KEYS), min_size=1)),
        st.tuples(st.sampled_from(["undo", "restore"]), st.integers(1, 6)),
    ),
    min_size=1,
    max_size=8,
)


@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(steps=steps)
def test_undo_and_restore_match_the_latest_batch_rule(tmp_path_factory, steps):
    folder = tmp_path_factory.mktemp("steps")
    store = Store(folder / "iif.duckdb")
    held: dict[int, dict] = {}  # batch -> {key: numerator}
    undone: set[int] = set()
    for number, (action, what) in enumerate(steps):
        if action == "upload":
            rows = [(p, i, OCT, number + 1, 100) for p, i in sorted(what)]
            batch = store.ingest(tidy_file(folder / f"upload-{number}.csv", rows)).batch_id
            held[batch] = {(p, i): number + 1 for p, i in what}
            continue
        if what not in held or (action == "undo") == (what in undone):
            continue  # nothing to undo or restore there
        predicted = store.change_if_toggled(what)
        getattr(store, action)(what)
        undone.symmetric_difference_update({what})
        expected = {}
        for batch in sorted(b for b in held if b not in undone):
            expected.update(held[batch])
        assert {(p, i): n for (p, i, _), (n, _) in current(store).items()} == expected
        for row in predicted.counts.itertuples():  # what it said would change, did
            after = expected.get((row.practice_code, row.indicator_code))
            assert (None if pd.isna(row.numerator_after) else row.numerator_after) == after


def test_a_recall_list_is_left_out_of_achievement_by_deprivation(store, tmp_path):
    """A list of patients still to do has nobody achieved by construction: counted in the
    deprivation breakdown it would show 0% achieved where the practice may be doing well."""
    header = [*PATIENT_HEADER, "imd_decile"]
    full = [(OTHER, "HI-03", OCT, f"f{i}", "Y" if i < 6 else "N", "N", 1) for i in range(10)]
    recall = [(PRACTICE, "HI-03", OCT, f"r{i}", "N", "N", 1) for i in range(4)]
    store.ingest(write_csv(tmp_path / "full.csv", header, full), list_kind="cohort")
    store.ingest(write_csv(tmp_path / "recall.csv", header, recall), list_kind="outstanding")
    lists = report.prepare_patients(store.patients(as_at=pd.Timestamp(OCT).date()))
    gaps = report.inequality_gaps(lists, {"indicator_code": "HI-03"})
    assert gaps[["imd_quintile", "eligible", "achieved"]].values.tolist() == [[1, 10, 6]]
    assert report.recall_list_practices(lists, "HI-03") == [PRACTICE]
