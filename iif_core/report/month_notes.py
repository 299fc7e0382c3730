"""A note on every month whose figures came late or partial: '30 Nov 2026: 2 of 5 practices late'."""

from __future__ import annotations

import pandas as pd

from iif_core.report.common import _and, _day, _empty
from iif_core.report.levels import practices_in
from iif_core.report.organisations import pcn_membership
from iif_core.words import plural

# A practice's figures for a month are late when they first came more than this many days after
# the first figures of that month from any member practice of the organisation (decisions.md D77).
LATE_DAYS = 7
NAMES_IN_A_NOTE = 4  # practices named in a note before "and 3 more"
MONTH_NOTE_COLUMNS = [
    "period_end", "member_practices", "practices_with_data", "practices_late",
    "practices_missing", "first_stored_utc", "late", "missing", "note",
]  # fmt: skip


def month_notes(
    arrivals: pd.DataFrame,
    orgs: pd.DataFrame,
    pcns: pd.DataFrame | None,
    level: str,
    org_code: str,
    late_days: int = LATE_DAYS,
) -> pd.DataFrame:
    """Per period end that any member practice of the organisation sent: how many members
    there are, sent, came late and sent nothing; who (names, with how late); and the note in
    words, None for a month that came whole and on time. `arrivals` is Store.arrivals: when each
    practice's figures for each period end first came. A practice is alone in its view: nobody
    is late or missing beside it."""
    if arrivals is None or arrivals.empty or level == "practice":
        return _empty(MONTH_NOTE_COLUMNS)
    pcns = pcn_membership(orgs) if pcns is None else pcns
    codes = practices_in(orgs, pcns, level, org_code)
    if not codes:
        return _empty(MONTH_NOTE_COLUMNS)
    names = dict(zip(orgs["practice_code"], orgs["practice_name"], strict=True))
    rows = arrivals[arrivals["practice_code"].isin(codes)].copy()
    rows["period_end"] = pd.to_datetime(rows["period_end"])
    rows["first_stored_utc"] = pd.to_datetime(rows["first_stored_utc"])
    notes = []
    for period_end, month in rows.groupby("period_end", sort=True):
        first = month["first_stored_utc"].min()
        days_after = (month["first_stored_utc"] - first).dt.total_seconds() / 86_400
        late = month[days_after > late_days].assign(days=days_after[days_after > late_days])
        late = late.sort_values(["first_stored_utc", "practice_code"])
        sent = set(month["practice_code"])
        missing = sorted((c for c in codes if c not in sent), key=lambda c: (names.get(c, c), c))
        late_people = [
            (names.get(r.practice_code, r.practice_code), r.practice_code, r.first_stored_utc,
             int(r.days))
            for r in late.itertuples()
        ]  # fmt: skip
        missing_people = [(names.get(c, c), c) for c in missing]
        notes.append(
            {
                "period_end": period_end.date(),
                "member_practices": len(codes),
                "practices_with_data": len(sent),
                "practices_late": len(late_people),
                "practices_missing": len(missing_people),
                "first_stored_utc": first.to_pydatetime(),
                "late": late_people,
                "missing": missing_people,
                "note": _note(period_end, len(codes), late_people, missing_people),
            }
        )
    frame = pd.DataFrame(notes, columns=MONTH_NOTE_COLUMNS)
    # None for a month with nothing to say (pandas would read a column of text as strings, NaN)
    frame["note"] = pd.Series([n["note"] for n in notes], dtype=object)
    return frame


def _note(period_end, members: int, late: list[tuple], missing: list[tuple]) -> str | None:
    """'30 Nov 2026: 2 of 5 practices late (Ash Lane (X1), 9 days after the first; Elm Road
    (X2), 12 days); 1 sent nothing (Oak Street (X3)).' None when nobody is late or missing."""
    if not late and not missing:
        return None
    parts = []
    if late:
        shown = [
            f"{name} ({code}), {days} day{'s' * (days != 1)}"
            + (" after the first" if i == 0 else "")
            for i, (name, code, _, days) in enumerate(late[:NAMES_IN_A_NOTE])
        ]
        parts.append(f"{len(late)} of {plural(members, 'practice')} late "
                     f"({'; '.join(shown)}{_more(late, shown)})")  # fmt: skip
    if missing:
        shown = [f"{name} ({code})" for name, code in missing[:NAMES_IN_A_NOTE]]
        lead = f"{len(missing)}" if late else f"{len(missing)} of {plural(members, 'practice')}"
        listed = _and(shown) if len(missing) == len(shown) else ", ".join(shown)
        parts.append(f"{lead} sent nothing ({listed}{_more(missing, shown)})")
    return f"{_day(period_end)}: " + "; ".join(parts) + "."


def _more(everyone: list, shown: list) -> str:
    return f" and {len(everyone) - len(shown)} more" if len(everyone) > len(shown) else ""


def notes_in_words(notes: pd.DataFrame) -> list[str]:
    """The notes of the months that came late or partial, earliest first."""
    if notes is None or notes.empty:
        return []
    return [n for n in notes["note"] if isinstance(n, str)]
