"""Notes on months that came late or partial: worked by hand, by property, and from a real store."""

import sys
from datetime import date, datetime, timedelta
from pathlib import Path

import pandas as pd
from hypothesis import given, settings
from hypothesis import strategies as st

sys.path.insert(0, str(Path(__file__).resolve().parent))

from test_store_support import tidy_file  # noqa: E402

from iif_core import report  # noqa: E402
from iif_core.report.month_notes import LATE_DAYS, month_notes, notes_in_words  # noqa: E402
from iif_core.store import Store  # noqa: E402

PRACTICES = ["P00001", "P00002", "P00003", "P00004", "P00005"]
NAMES = ["Ash Lane", "Birch Road", "Cedar Street", "Damson Way", "Elm Close"]
ORGS = pd.DataFrame(
    {
        "practice_code": PRACTICES,
        "practice_name": NAMES,
        "pcn_code": "U00001",
        "pcn_name": "Orchard PCN",
        "place_code": "01A",
        "place_name": "Orchard",
        "icb_code": "QAA",
        "icb_name": "Orchard ICB",
        "list_size": 8000,
    }
)
NOVEMBER, DECEMBER = date(2026, 11, 30), date(2026, 12, 31)
START = datetime(2027, 1, 5, 9, 0)


def arrivals(rows) -> pd.DataFrame:
    return pd.DataFrame(rows, columns=["practice_code", "period_end", "first_stored_utc"])


def test_a_month_with_two_practices_late_and_one_missing_worked_by_hand():
    rows = arrivals(
        [(p, NOVEMBER, START - timedelta(days=30)) for p in PRACTICES]  # November: all on time
        + [
            ("P00001", DECEMBER, START),
            ("P00002", DECEMBER, START + timedelta(days=2)),  # within 7 days: on time
            ("P00003", DECEMBER, START + timedelta(days=9, hours=1)),  # 9 days after the first
            ("P00004", DECEMBER, START + timedelta(days=12)),
        ]  # P00005 sent nothing for December
    )
    notes = month_notes(rows, ORGS, None, "pcn", "U00001")

    assert list(notes["period_end"]) == [NOVEMBER, DECEMBER]
    november, december = notes.to_dict("records")
    assert november["note"] is None and november["practices_with_data"] == 5
    assert (december["member_practices"], december["practices_with_data"]) == (5, 4)
    assert (december["practices_late"], december["practices_missing"]) == (2, 1)
    assert december["note"] == (
        "31 Dec 2026: 2 of 5 practices late (Cedar Street (P00003), 9 days after the first; "
        "Damson Way (P00004), 12 days); 1 sent nothing (Elm Close (P00005))."
    )
    assert notes_in_words(notes) == [december["note"]]


def test_exactly_seven_days_after_is_not_late_and_a_practice_alone_has_no_notes():
    rows = arrivals(
        [
            ("P00001", DECEMBER, START),
            ("P00002", DECEMBER, START + timedelta(days=LATE_DAYS)),
        ]
        + [(p, DECEMBER, START) for p in PRACTICES[2:]]
    )
    assert notes_in_words(month_notes(rows, ORGS, None, "pcn", "U00001")) == []
    assert month_notes(rows, ORGS, None, "practice", "P00002").empty


def test_only_missing_practices_say_of_how_many():
    rows = arrivals([("P00001", DECEMBER, START)])
    assert notes_in_words(month_notes(rows, ORGS, None, "icb", "QAA")) == [
        "31 Dec 2026: 4 of 5 practices sent nothing (Birch Road (P00002), Cedar Street (P00003), "
        "Damson Way (P00004) and Elm Close (P00005))."
    ]


DAYS = st.lists(
    st.one_of(st.none(), st.floats(min_value=0, max_value=40, allow_nan=False)),
    min_size=len(PRACTICES),
    max_size=len(PRACTICES),
)


@settings(max_examples=150, deadline=None)
@given(months=st.lists(DAYS, min_size=1, max_size=3))
def test_late_and_missing_agree_with_a_count_by_hand(months):
    """Each month: offsets in days from a common start (None: sent nothing)."""
    rows = []
    period_ends = [date(2026, 10, 31), NOVEMBER, DECEMBER][: len(months)]
    for period_end, offsets in zip(period_ends, months, strict=True):
        rows += [
            (p, period_end, START + timedelta(days=d))
            for p, d in zip(PRACTICES, offsets, strict=True)
            if d is not None
        ]
    notes = month_notes(arrivals(rows), ORGS, None, "pcn", "U00001")
    expected = []
    for period_end, offsets in zip(period_ends, months, strict=True):
        sent = [d for d in offsets if d is not None]
        if not sent:
            continue  # a month nobody sent is no data, not a partial month
        first = min(sent)
        late = sum(1 for d in sent if (d - first) > LATE_DAYS + 1e-9)
        expected.append((period_end, len(sent), late, len(offsets) - len(sent)))
    got = list(
        zip(
            notes["period_end"],
            notes["practices_with_data"],
            notes["practices_late"],
            notes["practices_missing"],
            strict=True,
        )
    )
    assert got == expected
    for note, (_, _, late, missing) in zip(notes["note"], expected, strict=True):
        assert (note is None) == (late == 0 and missing == 0)


def test_the_store_says_when_each_practices_month_first_came(tmp_path):
    store = Store(tmp_path / "iif.duckdb")
    first = store.ingest(tidy_file(tmp_path / "a.csv", [("A81001", "HI-03", "2025-09-30", 3, 4)]))
    later = store.ingest(
        tidy_file(
            tmp_path / "b.csv",
            [("A81001", "HI-03", "2025-09-30", 4, 4), ("A81002", "HI-03", "2025-09-30", 1, 4)],
        )
    )
    got = store.arrivals("2025/26")
    stamps = store.batches().set_index("batch_id")["loaded_at_utc"]
    assert list(got["practice_code"]) == ["A81001", "A81002"]
    # a correction does not move when the month first came; a new practice's does
    assert got["first_stored_utc"].iloc[0] == stamps[first.batch_id]
    assert got["first_stored_utc"].iloc[1] == stamps[later.batch_id]
    store.undo(first.batch_id)
    assert store.arrivals("2025/26")["first_stored_utc"].iloc[0] == stamps[later.batch_id]
    assert report.month_notes is month_notes  # the name the pages use
