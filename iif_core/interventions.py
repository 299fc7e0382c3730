"""Interventions marked on the trend: the checks on a date and a note, and where a date is drawn."""

from __future__ import annotations

import calendar
import re
from datetime import date, datetime, timedelta

import pandas as pd

from iif_core.problems import StoreError

NOTE_MAX_CHARACTERS = 200  # a label on a chart, not a report: one or two sentences
DAYS_AHEAD = 366  # a planned intervention (an extra clinic next month) may be marked ahead
_SPACES = re.compile(r"\s+")


def checked_note(text) -> str:
    """The note as it is kept: one line, spaces collapsed, trimmed; refused when empty or over
    NOTE_MAX_CHARACTERS characters."""
    note = _SPACES.sub(" ", str(text or "")).strip()
    if not note:
        raise StoreError("Write what was done (a short note, such as 'recall letters sent').")
    if len(note) > NOTE_MAX_CHARACTERS:
        raise StoreError(
            f"The note has {len(note):,} characters; keep it to {NOTE_MAX_CHARACTERS} "
            "(a line or two): it is shown on the chart."
        )
    return note


def checked_date(value, today: date) -> date:
    """The intervention's date: a real calendar date, no more than DAYS_AHEAD days after
    `today` (the scheme year it falls in is checked by the store)."""
    if isinstance(value, datetime | pd.Timestamp):
        value = value.date()
    if isinstance(value, str):
        try:
            value = date.fromisoformat(value.strip())
        except ValueError:
            raise StoreError(
                f"{value!r} is not a date; write it as year-month-day, like 2026-10-15."
            ) from None
    if not isinstance(value, date):
        raise StoreError("Give the date of the intervention.")
    if value > today + timedelta(days=DAYS_AHEAD):
        raise StoreError(
            f"{value.day} {value:%B %Y} is more than a year ahead; mark an intervention when it "
            "is planned for this year or has happened."
        )
    return value


def drawn_at(day: date) -> pd.Timestamp:
    """Where a date goes on the app's monthly charts, which draw the figures of the period
    ending in a month at that month's first day: between the figure of the month before (the
    last that cannot show its effect) and that of its own month (the first that can), as far
    along as the day is through its month. 31 October is on October's point; 15 October half
    way from September's to October's."""
    month = pd.Timestamp(day.year, day.month, 1)
    before = month - pd.DateOffset(months=1)
    share = day.day / calendar.monthrange(day.year, day.month)[1]
    return before + (month - before) * share
