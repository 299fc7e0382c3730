"""Which patient list each practice uses at a period end (decisions.md D23), from the rule."""

import sys
import tempfile
from datetime import date
from pathlib import Path

import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

sys.path.insert(0, str(Path(__file__).resolve().parent))

from test_store_support import write_csv  # noqa: E402

from iif_core import report  # noqa: E402
from iif_core.store import Store  # noqa: E402

HEADER = ["practice_code", "indicator_code", "period_end", "patient_id", "achieved", "pca"]
MARCH_BEFORE = date(2025, 3, 31)  # the last period end of 2024/25
AUG, SEPT, OCT, NOV = date(2025, 8, 31), date(2025, 9, 30), date(2025, 10, 31), date(2025, 11, 30)
ALDER, BIRCH, CEDAR = "A81001", "A81002", "A81004"  # practices of the bundled reference
ORGS = pd.DataFrame(
    {
        "practice_code": [ALDER, BIRCH, CEDAR],
        "practice_name": ["Alder Surgery", "Birch Practice", "Cedar Health Centre"],
    }
)


@pytest.fixture
def store(tmp_path):
    with Store(tmp_path / "iif.duckdb") as opened:
        yield opened


def upload(store, folder: Path, rows) -> None:
    """Store one patient-level file of (practice, indicator, period end, patient, achieved,
    PCA) rows."""
    path = write_csv(folder / f"lists-{len(store.batches())}.csv", HEADER, rows)
    # Which list is in use does not depend on what it holds (D24 decides only whether it is
    # counted), so each is stored as a full list rather than as the file suggests.
    assert store.ingest(path, list_kind="cohort").accepted


def lists_used(frame: pd.DataFrame) -> dict[tuple, date]:
    """(practice, indicator) -> the period end of the list its rows come from."""
    return {
        (r.practice_code, r.indicator_code): pd.Timestamp(r.period_end).date()
        for r in frame.itertuples()
    }


def to_do(frame: pd.DataFrame) -> set[tuple]:
    return {
        (r.practice_code, r.patient_id, pd.Timestamp(r.period_end).date())
        for r in frame.itertuples()
        if not r.achieved and not r.pca
    }


# --- the rule, case by case -------------------------------------------------------------------


def test_a_later_list_of_one_practice_never_hides_the_others(store, tmp_path):
    upload(
        store,
        tmp_path,
        [
            (ALDER, "HI-03", SEPT, "a1", "N", "N"),
            (BIRCH, "HI-03", SEPT, "b1", "N", "N"),
            (BIRCH, "HI-03", SEPT, "b2", "N", "N"),
            (CEDAR, "HI-03", SEPT, "c1", "N", "N"),
        ],
    )
    upload(
        store,
        tmp_path,
        [(ALDER, "HI-03", OCT, "a1", "Y", "N"), (ALDER, "HI-03", OCT, "a2", "N", "N")],
    )
    in_use = store.patients(as_at=OCT, practice_codes=[ALDER, BIRCH, CEDAR])
    # Alder's October list; Birch's and Cedar's September lists, all of them.
    assert lists_used(in_use) == {
        (ALDER, "HI-03"): OCT,
        (BIRCH, "HI-03"): SEPT,
        (CEDAR, "HI-03"): SEPT,
    }
    assert to_do(in_use) == {
        (ALDER, "a2", OCT),
        (BIRCH, "b1", SEPT),
        (BIRCH, "b2", SEPT),
        (CEDAR, "c1", SEPT),
    }
    # The count the Patients page showed at October: 4, not Alder's 1.
    assert (
        len(store.patients(as_at=OCT, practice_codes=[ALDER, BIRCH, CEDAR], to_do_only=True)) == 4
    )


def test_a_list_after_the_period_chosen_is_never_used(store, tmp_path):
    upload(
        store,
        tmp_path,
        [
            (ALDER, "HI-03", SEPT, "a1", "N", "N"),
            (ALDER, "HI-03", NOV, "a9", "N", "N"),
            (BIRCH, "HI-03", NOV, "b1", "N", "N"),
        ],
    )
    assert lists_used(store.patients(as_at=OCT)) == {(ALDER, "HI-03"): SEPT}
    assert store.patients(as_at=AUG).empty  # nobody had a list yet
    assert lists_used(store.patients(as_at=NOV)) == {(ALDER, "HI-03"): NOV, (BIRCH, "HI-03"): NOV}


def test_a_list_of_the_year_before_is_never_used(store, tmp_path):
    upload(store, tmp_path, [(ALDER, "HI-03", MARCH_BEFORE, "a1", "N", "N")])
    assert store.patients(as_at=date(2025, 4, 30)).empty
    assert lists_used(store.patients(as_at=MARCH_BEFORE)) == {(ALDER, "HI-03"): MARCH_BEFORE}


def test_a_newer_list_with_nobody_left_to_do_still_replaces_the_older(store, tmp_path):
    upload(store, tmp_path, [(ALDER, "HI-03", SEPT, "a1", "N", "N")])
    upload(store, tmp_path, [(ALDER, "HI-03", OCT, "a1", "Y", "N")])
    assert store.patients(as_at=OCT, to_do_only=True).empty  # not September's a1
    assert lists_used(store.patients(as_at=OCT)) == {(ALDER, "HI-03"): OCT}


def test_each_indicator_has_its_own_list(store, tmp_path):
    upload(
        store,
        tmp_path,
        [(ALDER, "HI-03", SEPT, "a1", "N", "N"), (ALDER, "CAN-04", OCT, "a2", "N", "N")],
    )
    assert lists_used(store.patients(as_at=OCT)) == {(ALDER, "HI-03"): SEPT, (ALDER, "CAN-04"): OCT}


# --- which list each practice uses, in words --------------------------------------------------


def in_use_frame(rows) -> pd.DataFrame:
    """Lists in use as Store.patients(as_at=...) gives them, prepared as the page has them."""
    frame = pd.DataFrame(rows, columns=HEADER)
    frame["period_end"] = pd.to_datetime(frame["period_end"])
    return report.prepare_patients(frame, ORGS)


LISTS_AT_OCTOBER = [
    (ALDER, "HI-03", OCT, "a1", "N", "N"),
    (BIRCH, "HI-03", SEPT, "b1", "N", "N"),
    (BIRCH, "HI-03", SEPT, "b2", "Y", "N"),
    (ALDER, "CAN-04", OCT, "a3", "N", "N"),
]


def test_the_summary_flags_older_lists_and_names_practices_without_one():
    dates = report.patient_list_dates(
        in_use_frame(LISTS_AT_OCTOBER), [ALDER, BIRCH, CEDAR], ORGS, OCT
    )
    hi03 = dates[dates["indicator_code"] == "HI-03"].set_index("practice_code")
    assert hi03["list_period_end"].to_dict() == {ALDER: OCT, BIRCH: SEPT, CEDAR: None}
    assert hi03["older"].to_dict() == {ALDER: False, BIRCH: True, CEDAR: False}
    assert hi03.loc[CEDAR, "list_note"] == "no list stored up to 31 Oct 2025"
    assert hi03.loc[BIRCH, "list_note"] == "older: no list for 31 Oct 2025 yet"
    can04 = dates[dates["indicator_code"] == "CAN-04"].set_index("practice_code")
    assert can04["list_period_end"].to_dict() == {ALDER: OCT, BIRCH: None, CEDAR: None}

    assert report.patient_list_notes(dates, "HI-03", OCT) == [
        "1 practice's list is from 30 Sep 2025 (no list for 31 Oct 2025 yet): Birch Practice (A81002).",
        "No HI-03 patient list stored up to 31 Oct 2025 for: Cedar Health Centre (A81004).",
    ]
    assert report.patient_list_notes(dates, "CAN-04", OCT) == [
        "No CAN-04 patient list stored up to 31 Oct 2025 for: Birch Practice (A81002) and "
        "Cedar Health Centre (A81004).",
    ]


def test_no_note_when_every_list_is_for_the_period_chosen():
    rows = [(ALDER, "HI-03", OCT, "a1", "N", "N"), (BIRCH, "HI-03", OCT, "b1", "N", "N")]
    dates = report.patient_list_dates(in_use_frame(rows), [ALDER, BIRCH], ORGS, OCT)
    assert report.patient_list_notes(dates, "HI-03", OCT) == []


def test_practices_with_lists_of_the_same_date_are_named_together_latest_first():
    rows = [
        (ALDER, "HI-03", AUG, "a1", "N", "N"),
        (BIRCH, "HI-03", SEPT, "b1", "N", "N"),
        (CEDAR, "HI-03", SEPT, "c1", "N", "N"),
    ]
    dates = report.patient_list_dates(in_use_frame(rows), [ALDER, BIRCH, CEDAR], ORGS, NOV)
    assert report.patient_list_notes(dates, "HI-03", NOV) == [
        "2 practices' lists are from 30 Sep 2025 (no list for 30 Nov 2025 yet): Birch Practice "
        "(A81002) and Cedar Health Centre (A81004).",
        "1 practice's list is from 31 Aug 2025 (no list for 30 Nov 2025 yet): Alder Surgery (A81001).",
    ]


def test_only_member_practices_are_summarised():
    dates = report.patient_list_dates(in_use_frame(LISTS_AT_OCTOBER), [BIRCH], ORGS, OCT)
    assert set(dates["practice_code"]) == {BIRCH}
    assert set(dates["indicator_code"]) == {"HI-03"}  # Alder's CAN-04 list is not a member's


def test_the_summary_lists_the_practices_by_name():
    renamed = ORGS.assign(practice_name=["Zeal Surgery", "Yew Practice", "Ash Centre"])
    dates = report.patient_list_dates(
        in_use_frame(LISTS_AT_OCTOBER), [ALDER, BIRCH, CEDAR], renamed, OCT
    )
    hi03 = dates[dates["indicator_code"] == "HI-03"]
    assert hi03["practice_name"].tolist() == ["Ash Centre", "Yew Practice", "Zeal Surgery"]


def test_two_lists_for_one_practice_and_indicator_are_refused():
    rows = [(ALDER, "HI-03", SEPT, "a1", "N", "N"), (ALDER, "HI-03", OCT, "a1", "N", "N")]
    with pytest.raises(ValueError, match="more than one patient list"):
        report.patient_list_dates(in_use_frame(rows), [ALDER], ORGS, OCT)


def test_the_worklist_and_the_counts_show_each_rows_list_date():
    lists = in_use_frame(LISTS_AT_OCTOBER)
    worklist = report.patient_worklist(lists, {"indicator_code": "HI-03"})
    dates = dict(zip(worklist["patient_id"], worklist["list_period_end"].dt.date, strict=True))
    assert dates == {"a1": OCT, "b1": SEPT}
    counts = report.worklist_counts(worklist).set_index("practice_code")
    assert counts["list_period_end"].dt.date.to_dict() == {ALDER: OCT, BIRCH: SEPT}
    assert counts["patients_to_do"].to_dict() == {ALDER: 1, BIRCH: 1}


# --- a property: any lists, any period end ----------------------------------------------------

PRACTICES = (ALDER, BIRCH, CEDAR)
INDICATORS = ("HI-03", "CAN-04")
YEAR_START, YEAR_END = date(2025, 4, 1), date(2026, 3, 31)
MONTH_ENDS = (MARCH_BEFORE,) + tuple(
    (pd.Timestamp(2025, 4, 30) + pd.offsets.MonthEnd(n)).date() for n in range(12)
)
LIST = st.lists(st.tuples(st.booleans(), st.booleans()), min_size=1, max_size=3)  # patients
UPLOADS = st.lists(  # each upload: lists keyed by practice × indicator × period end
    st.dictionaries(
        st.tuples(
            st.sampled_from(PRACTICES), st.sampled_from(INDICATORS), st.sampled_from(MONTH_ENDS)
        ),
        LIST,
        min_size=1,
        max_size=6,
    ),
    min_size=1,
    max_size=3,
)


def reference_lists(uploads: list[dict], as_at: date) -> dict[tuple, tuple[date, list]]:
    """The rule in plain Python: a later upload replaces a list of the same practice, indicator
    and period end (D12); then each practice × indicator uses its list for `as_at`, else its
    latest before it from 1 April of `as_at`'s scheme year, never a later one (D23)."""
    stored = {}
    for number, lists in enumerate(uploads):
        for key, patients in lists.items():
            stored[key] = (number, patients)
    start = date(as_at.year if as_at.month >= 4 else as_at.year - 1, 4, 1)
    chosen = {}
    for (practice, indicator, end), (number, patients) in stored.items():
        if start <= end <= as_at:
            kept = chosen.get((practice, indicator))
            if kept is None or end > kept[0]:
                chosen[(practice, indicator)] = (
                    end,
                    [(number, i, p) for i, p in enumerate(patients)],
                )
    return chosen


@settings(
    max_examples=30,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    uploads=UPLOADS,
    as_at=st.dates(min_value=YEAR_START, max_value=YEAR_END),
    members=st.sets(st.sampled_from(PRACTICES), min_size=1),
)
def test_the_lists_in_use_match_a_plain_reference(uploads, as_at, members):
    with tempfile.TemporaryDirectory() as folder, Store(Path(folder) / "iif.duckdb") as store:
        for number, lists in enumerate(uploads):
            rows = [
                (
                    practice,
                    indicator,
                    end,
                    f"u{number}-p{i}",
                    "Y" if achieved else "N",
                    "Y" if pca else "N",
                )
                for (practice, indicator, end), patients in lists.items()
                for i, (achieved, pca) in enumerate(patients)
            ]
            upload(store, Path(folder), rows)
        in_use = store.patients(as_at=as_at, practice_codes=sorted(members))
        expected = {
            key: value
            for key, value in reference_lists(uploads, as_at).items()
            if key[0] in members
        }

        assert lists_used(in_use) == {key: end for key, (end, _) in expected.items()}
        assert sorted(
            zip(
                in_use["practice_code"], in_use["indicator_code"], in_use["patient_id"], strict=True
            )
        ) == sorted(
            (practice, indicator, f"u{number}-p{i}")
            for (practice, indicator), (_, patients) in expected.items()
            for number, i, _ in patients
        )
        still_to_do = store.patients(as_at=as_at, practice_codes=sorted(members), to_do_only=True)
        assert len(still_to_do) == sum(
            not achieved and not pca
            for _, patients in expected.values()
            for _, _, (achieved, pca) in patients
        )

        dates = report.patient_list_dates(
            report.prepare_patients(in_use, ORGS), sorted(members), ORGS, as_at
        )
        for row in dates.itertuples():
            found = expected.get((row.practice_code, row.indicator_code))
            assert row.list_period_end == (found[0] if found else None)
            assert row.older == (found is not None and found[0] < as_at)
        indicators = {indicator for _, indicator in expected}
        assert set(dates["indicator_code"]) == indicators
        assert len(dates) == len(indicators) * len(members)
