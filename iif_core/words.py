"""Counts in words, singular or plural: '1 patient', '2 patients', '1 more patient'."""

from __future__ import annotations

import math

IRREGULAR = {"batch": "batches", "family": "families", "child": "children", "person": "people"}


def plural(number, singular: str, many: str | None = None) -> str:
    """'1 patient', '1,204 patients', '0 patients'; `many` when the plural is not the word with an
    's' ('1 more patient' -> plural(n, 'more patient')); only the last word changes. A missing
    number counts as 0; a fraction is rounded to the nearest whole number first."""
    amount = _whole(number)
    return f"{amount:,} {singular if amount == 1 else (many or plural_of(singular))}"


def plural_of(words: str) -> str:
    """The plural of a noun phrase: its last word made plural ('member practice' ->
    'member practices', 'batch' -> 'batches', 'period end' -> 'period ends')."""
    head, _, last = words.rpartition(" ")
    if last in IRREGULAR:
        many = IRREGULAR[last]
    elif last.endswith(("s", "x", "ch", "sh")):
        many = last + "es"
    else:
        many = last + "s"
    return f"{head} {many}" if head else many


def _whole(number) -> int:
    try:
        value = float(number)
    except (TypeError, ValueError):  # None, pandas' NA
        return 0
    return 0 if math.isnan(value) else int(round(value))
