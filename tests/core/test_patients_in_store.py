"""The Patients page counted in the store (decisions.md D61) equals the pandas page before it and
a plain reference: filter values, list dates, the patients still to do (how many, the rows shown,
per practice), achievement by IMD quintile, on the demo and on generated lists with filters."""

import sys
import tempfile
from collections import Counter
from datetime import date
from pathlib import Path

import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

sys.path.insert(0, str(Path(__file__).resolve().parent))

from test_store_support import write_csv  # noqa: E402

from iif_core import report  # noqa: E402
from iif_core.report.patients import LIST_DATE_COLUMNS, WORKLIST_COLUMNS  # noqa: E402
from iif_core.store import Store  # noqa: E402

DEMO_PERIOD = date(2026, 10, 31)


# --- the two ways of drawing the page ---------------------------------------------------------


def pandas_page(store: Store, as_at, members: list[str], filters: dict, limit):
    """What the page drew before D61: every patient row of the members read and prepared, then
    filtered, counted and sorted in pandas (bench/patients_page_pandas.py)."""
    orgs = store.orgs()
    lists = report.prepare_patients(store.patients(as_at=as_at, practice_codes=members), orgs)
    worklist = report.patient_worklist(lists, filters)
    return {
        "options": report.worklist_options(lists[lists["practice_code"].isin(members)]),
        "dates": report.patient_list_dates(lists, members, orgs, as_at),
        "recall_only": report.recall_list_practices(lists, filters.get("indicator_code")),
        "total": len(worklist),
        "rows": worklist if limit is None else worklist.head(limit),
        "counts": report.worklist_counts(worklist),
        "gaps": report.inequality_gaps(lists, filters),
    }


def store_page(store: Store, as_at, members: list[str], filters: dict, limit):
    """What the page draws now (pages/patients.py through ui/reads.py): counted in the store."""
    ends, values = store.patient_list_summary(year=None, as_at=as_at, practice_codes=members)
    asked = list(filters.get("practice_codes") or members)
    view = report.worklist_view(
        *store.patient_worklist(
            year=None, as_at=as_at, practice_codes=asked, filters=filters, limit=limit
        )
    )
    return {
        "options": report.options_from_summary(ends, values),
        "dates": report.list_dates_from_ends(ends, members, store.orgs(), as_at),
        "recall_only": report.recall_practices_from_ends(ends, filters.get("indicator_code")),
        "total": view.total,
        "rows": view.rows,
        "counts": view.counts,
        "gaps": view.gaps,
    }


def values(frame: pd.DataFrame, columns) -> list[tuple]:
    """A frame's rows in order, as plain values (missing as None, dates as dates): the figures
    compared, whatever dtype pandas or DuckDB gives them."""

    def plain(value):
        if value is None or (not isinstance(value, (list, tuple)) and pd.isna(value)):
            return None
        if isinstance(value, pd.Timestamp):
            return value.date()
        if hasattr(value, "item"):  # numpy scalars
            return value.item()
        return value

    return [tuple(plain(v) for v in row) for row in frame[list(columns)].itertuples(index=False)]


def assert_same_page(store: Store, as_at, members, filters, limit=None) -> dict:
    old = pandas_page(store, as_at, members, filters, limit)
    new = store_page(store, as_at, members, filters, limit)
    assert new["options"] == old["options"]
    assert values(new["dates"], LIST_DATE_COLUMNS) == values(old["dates"], LIST_DATE_COLUMNS)
    assert new["recall_only"] == old["recall_only"]
    assert new["total"] == old["total"]
    assert values(new["rows"], WORKLIST_COLUMNS) == values(old["rows"], WORKLIST_COLUMNS)
    count_columns = ["practice_code", "practice_name", "list_period_end", "patients_to_do"]
    assert values(new["counts"], count_columns) == values(old["counts"], count_columns)
    gap_columns = ["imd_quintile", "eligible", "achieved", "to_do"]
    assert values(new["gaps"], gap_columns) == values(old["gaps"], gap_columns)
    assert new["gaps"]["achievement"].tolist() == pytest.approx(old["gaps"]["achievement"].tolist())
    return new


# --- on the demo ------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    from ui.demo import load_demo

    store = Store(tmp_path_factory.mktemp("demo") / "iif.duckdb")
    load_demo(store)
    yield store
    store.close()


def demo_filters(store: Store) -> list[dict]:
    """Each filter alone and some together, with values found in the demo's lists."""
    lists = report.prepare_patients(store.patients(as_at=DEMO_PERIOD), store.orgs())
    options = report.worklist_options(lists)
    practices = options["practice_codes"]
    return [
        {},
        {"indicator_code": "HI-03"},
        {"indicator_code": "CAN-04", "practice_codes": practices[:2]},
        {"indicator_code": "CAN-04", "age_bands": options["age_bands"][-2:]},
        {"indicator_code": "HI-03", "sexes": options["sexes"][:1]},
        {"indicator_code": "CAN-04", "ethnicities": options["ethnicities"][:2]},
        {"indicator_code": "HI-03", "quintiles": [1, 2]},
        {
            "indicator_code": "CAN-04",
            "practice_codes": practices[1:4],
            "age_bands": options["age_bands"][:3],
            "sexes": options["sexes"][-1:],
            "ethnicities": options["ethnicities"],
            "quintiles": [3, 4, 5],
        },
        {"indicator_code": "HI-03", "sexes": ["nobody's sex"]},  # nobody: nothing to do
    ]


@pytest.mark.parametrize("level", ["pcn", "icb"])
def test_the_demo_page_is_the_same_counted_in_the_store(demo, level):
    orgs = demo.orgs()
    first = sorted(orgs[f"{level}_code"].dropna())[0]
    members = sorted(orgs.loc[orgs[f"{level}_code"] == first, "practice_code"])
    totals = []
    for filters in demo_filters(demo):
        chosen = {**filters, "practice_codes": filters.get("practice_codes") or members}
        for limit in (None, 7):
            totals.append(assert_same_page(demo, DEMO_PERIOD, members, chosen, limit)["total"])
    assert totals[-1] == 0 and sum(total > 0 for total in totals) >= len(totals) - 4
    # the lists before the first list date, and the latest list of the year
    assert store_page(demo, date(2026, 9, 30), members, {}, 10)["total"] == 0
    assert_same_page(demo, None, members, {"practice_codes": members}, 10)


def test_the_rows_shown_are_the_first_of_the_whole_list(demo):
    members = sorted(demo.orgs()["practice_code"])
    filters = {"indicator_code": "CAN-04", "practice_codes": members}
    everyone = store_page(demo, DEMO_PERIOD, members, filters, None)
    first = store_page(demo, DEMO_PERIOD, members, filters, 25)
    assert len(first["rows"]) == 25 and first["total"] == everyone["total"] > 25
    assert values(first["rows"], WORKLIST_COLUMNS) == values(
        everyone["rows"].head(25), WORKLIST_COLUMNS
    )
    assert (
        report.worklist_view(
            *demo.patient_worklist(
                year=None, as_at=DEMO_PERIOD, practice_codes=members, filters=filters, limit=25
            )
        ).complete
        is False
    )


def test_an_unknown_filter_is_refused(demo):
    with pytest.raises(ValueError, match="unknown filter"):
        demo.patient_worklist(
            year=None, as_at=DEMO_PERIOD, practice_codes=None, filters={"colour": ["red"]},
            limit=None,
        )  # fmt: skip


# --- a property: any lists, any filters --------------------------------------------------------

ALDER, BIRCH, CEDAR, UNKNOWN = "A81001", "A81002", "A81004", "Z99999"  # Z99999: in no reference
PRACTICES = (ALDER, BIRCH, CEDAR)
INDICATORS = ("HI-03", "CAN-04")
ENDS = (date(2025, 8, 31), date(2025, 9, 30), date(2025, 10, 31))
SEXES = ("F", "M", "U")
ETHNICITIES = ("White", "Asian or Asian British", "Mixed: Ōther")
HEADER = [
    "practice_code", "indicator_code", "period_end", "patient_id", "achieved", "pca", "age",
    "sex", "ethnicity", "imd_decile",
]  # fmt: skip
PATIENT = st.tuples(
    st.sampled_from(["p1", "p2", "p3", "p4", "p5"]),  # the same patient in many lists
    st.booleans(),  # achieved
    st.booleans(),  # PCA
    st.one_of(st.none(), st.integers(0, 100)),
    st.one_of(st.none(), st.sampled_from(SEXES)),
    st.one_of(st.none(), st.sampled_from(ETHNICITIES)),
    st.one_of(st.none(), st.integers(1, 10)),
)
UPLOADS = st.lists(  # each upload: one kind of list, lists keyed by practice × indicator × end
    st.tuples(
        st.sampled_from(["cohort", "outstanding"]),
        st.dictionaries(
            st.tuples(
                st.sampled_from(PRACTICES), st.sampled_from(INDICATORS), st.sampled_from(ENDS)
            ),
            st.lists(PATIENT, min_size=1, max_size=5, unique_by=lambda p: p[0]),
            min_size=1,
            max_size=5,
        ),
    ),
    min_size=1,
    max_size=3,
)
BANDS = ("Under 18", "18-39", "40-64", "65-74", "75 and over")
FILTERS = st.fixed_dictionaries(
    {},
    optional={
        "indicator_code": st.sampled_from(INDICATORS),
        "practice_codes": st.lists(st.sampled_from(PRACTICES), min_size=1, unique=True),
        "age_bands": st.lists(st.sampled_from(BANDS), unique=True),
        "sexes": st.lists(st.sampled_from(SEXES), unique=True),
        "ethnicities": st.lists(st.sampled_from(ETHNICITIES), unique=True),
        "quintiles": st.lists(st.integers(1, 5), unique=True),
    },
)


def band(age):
    if age is None:
        return None
    return next(
        label for top, label in zip((17, 39, 64, 74, 200), BANDS, strict=True) if age <= top
    )


def reference_to_do(uploads, as_at, members, filters) -> tuple[Counter, dict]:
    """The rule in plain Python: the lists in use at `as_at` (a later upload replaces a list of
    the same practice, indicator and period end; each practice × indicator uses its latest list
    up to `as_at`), then per practice the patients not achieved and without a PCA who pass every
    filter given, and per IMD quintile the eligible and achieved of the lists that hold more
    than patients still to do."""
    stored = {}
    for kind, lists in uploads:
        for key, patients in lists.items():
            if kind == "outstanding":
                patients = [p for p in patients if not p[1] and not p[2]]
            if patients:
                stored[key] = (kind, patients)
    in_use = {}
    for (practice, indicator, end), (kind, patients) in stored.items():
        if end <= as_at and end > in_use.get((practice, indicator), (date.min,))[0]:
            in_use[(practice, indicator)] = (end, kind, patients)
    asked = set(filters.get("practice_codes") or members) & set(members)
    to_do, gaps = Counter(), {}
    for (practice, indicator), (end, kind, patients) in in_use.items():
        if practice not in asked or filters.get("indicator_code", indicator) != indicator:
            continue
        for _, achieved, pca, age, sex, ethnicity, decile in patients:
            quintile = None if decile is None else (decile + 1) // 2
            if kind == "cohort" and quintile is not None and (achieved or not pca):
                eligible, done = gaps.get(quintile, (0, 0))
                gaps[quintile] = (eligible + 1, done + achieved)
            passes = all(
                not filters.get(key) or value in filters[key]
                for key, value in (
                    ("age_bands", band(age)), ("sexes", sex), ("ethnicities", ethnicity),
                    ("quintiles", quintile),
                )
            )  # fmt: skip
            if not achieved and not pca and passes:
                to_do[(practice, end)] += 1
    return to_do, gaps


@settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    uploads=UPLOADS,
    as_at=st.sampled_from(ENDS),
    members=st.sets(st.sampled_from(PRACTICES), min_size=1),
    filters=FILTERS,
    limit=st.one_of(st.none(), st.integers(1, 12)),
    undo=st.one_of(st.none(), st.integers(0, 2)),
)
def test_generated_lists_and_filters_give_the_same_page(
    uploads, as_at, members, filters, limit, undo
):
    with tempfile.TemporaryDirectory() as folder, Store(Path(folder) / "iif.duckdb") as store:
        stored = []
        for number, (kind, lists) in enumerate(uploads):
            rows = [
                (practice, indicator, end, patient, "YN"[not achieved], "YN"[not pca],
                 "" if age is None else age, sex or "", ethnicity or "",
                 "" if decile is None else decile)
                for (practice, indicator, end), patients in lists.items()
                for patient, achieved, pca, age, sex, ethnicity, decile in patients
                if kind == "cohort" or not (achieved or pca)
            ]  # fmt: skip
            if not rows or (kind, rows) in [(k, r) for k, r, _, _ in stored]:
                continue  # the very same file again is not stored again
            path = write_csv(Path(folder) / f"lists-{number}.csv", HEADER, rows)
            result = store.ingest(path, list_kind=kind)
            assert result.accepted
            stored.append((kind, rows, lists, result.batch_id))
        if undo is not None and stored:  # an upload undone: what it replaced is back in use
            store.undo(stored.pop(undo % len(stored))[3])
        members = sorted(members)
        chosen = [code for code in filters.get("practice_codes", []) if code in members]
        filters = {**filters, "practice_codes": chosen or members}  # as the page offers them
        new = assert_same_page(store, as_at, members, filters, limit)

        to_do, gaps = reference_to_do(
            [(k, lists) for k, _, lists, _ in stored], as_at, members, filters
        )
        assert new["total"] == sum(to_do.values())
        counted = {
            (r.practice_code, pd.Timestamp(r.list_period_end).date()): r.patients_to_do
            for r in new["counts"].itertuples()
        }
        assert counted == dict(to_do)
        assert len(new["rows"]) == min(new["total"], limit or new["total"])
        found = {int(r.imd_quintile): (r.eligible, r.achieved) for r in new["gaps"].itertuples()}
        assert found == gaps
