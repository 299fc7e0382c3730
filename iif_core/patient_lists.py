"""Whether a patient-level list holds every eligible patient or only the patients still to do."""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

# A list with fewer patients than this share of those the store already counts for the practice
# and indicator (same period end, or the latest earlier one of the year) is likely a recall list.
SHORT_LIST_SHARE = 0.5
EXAMPLES_NAMED = 3  # how many short lists a reason names


@dataclass(frozen=True)
class ListGuess:
    """What the file suggests a patient list holds, and why, in words a practice manager uses."""

    kind: str | None  # "cohort", "outstanding", or None when the file does not make it clear
    reason: str


def guess_list_kind(evidence: pd.DataFrame) -> ListGuess:
    """From one row per practice × indicator × period end of a list (`listed`, `achieved`, and
    the store's `stored_patients` at `stored_period`, empty when none): a full cohort list, a
    list of patients still to do, or unclear (then the person is asked). The rule is in
    docs/decisions.md, "Patient lists that hold only the patients still to do"."""
    if evidence.empty:
        return ListGuess(None, "The list holds no patients.")
    achieved = int(evidence["achieved"].sum())
    stored = evidence[evidence["stored_patients"].notna() & (evidence["stored_patients"] > 0)]
    short = stored[stored["listed"] < SHORT_LIST_SHARE * stored["stored_patients"]]
    full_size = stored.drop(short.index)
    if achieved == 0 and full_size.empty:
        return ListGuess(
            "outstanding",
            "No patient in it has achieved, as in a recall list of patients still to do"
            + (f" ({_short_words(short)})." if len(short) else "."),
        )
    if achieved == 0:
        return ListGuess(
            None,
            "No patient in it has achieved, as in a recall list of patients still to do, yet it "
            f"lists about as many patients as the stored figures ({_full_words(full_size)}): it "
            "may be every eligible patient early in the year.",
        )
    if len(short):
        return ListGuess(
            None,
            f"{_count(achieved, 'patient')} in it achieved, as in a full list, but it lists far "
            f"fewer patients than the stored figures ({_short_words(short)}): it may be a recall "
            "list of patients still to do.",
        )
    return ListGuess(
        "cohort",
        f"{_count(achieved, 'patient')} in it achieved"
        + (
            " and it lists about as many patients as the stored figures: a full list."
            if len(stored)
            else ": a full list (nothing is stored yet to compare it with)."
        ),
    )


def _short_words(short: pd.DataFrame) -> str:
    named = [
        f"{_count(row.listed, 'patient')} for {row.practice_code} {row.indicator_code}, against "
        f"{int(row.stored_patients):,} stored for {_day(row.stored_period)}"
        for row in short.head(EXAMPLES_NAMED).itertuples()
    ]
    more = len(short) - len(named)
    return "; ".join(named) + (f"; and {more} more" if more > 0 else "")


def _full_words(full: pd.DataFrame) -> str:
    row = next(full.itertuples())
    return (
        f"{_count(row.listed, 'patient')} for {row.practice_code} {row.indicator_code}, against "
        f"{int(row.stored_patients):,} stored for {_day(row.stored_period)}"
    )


def _count(number, noun: str) -> str:
    number = int(number)
    return f"{number:,} {noun}{'s' * (number != 1)}"


def _day(value) -> str:
    return pd.Timestamp(value).strftime("%-d %b %Y")
