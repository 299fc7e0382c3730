"""Counts in words: one rule for singular and plural, '1 patient', '2 patients'."""

import math

import pandas as pd
from hypothesis import given
from hypothesis import strategies as st

from iif_core.words import plural, plural_of


def test_one_is_singular_and_every_other_count_plural():
    assert plural(1, "patient") == "1 patient"
    assert plural(0, "patient") == "0 patients"
    assert plural(2, "patient") == "2 patients"
    assert plural(1204, "patient") == "1,204 patients"
    assert plural(1, "more patient") == "1 more patient"
    assert plural(3, "more patient") == "3 more patients"
    assert plural(1, "member practice") == "1 member practice"
    assert plural(5, "member practice") == "5 member practices"
    assert plural(2, "batch") == "2 batches"
    assert plural(2, "person", "people") == "2 people"


def test_a_fraction_is_rounded_first_and_a_missing_count_is_none():
    assert plural(1.4, "patient") == "1 patient"
    assert plural(0.6, "patient") == "1 patient"
    assert plural(2.5, "patient") == "2 patients"  # rounded half to even, as round() does
    assert plural(None, "file") == "0 files"
    assert plural(math.nan, "file") == "0 files"
    assert plural(pd.NA, "file") == "0 files"


def test_the_last_word_of_a_phrase_is_made_plural():
    assert plural_of("period end") == "period ends"
    assert plural_of("box") == "boxes"
    assert plural_of("match") == "matches"


@given(st.integers(min_value=-(10**9), max_value=10**9))
def test_the_word_is_singular_exactly_when_the_count_is_one(count):
    words = plural(count, "file")
    assert words == f"{count:,} file" if count == 1 else words == f"{count:,} files"
    assert words.split(" ")[0].replace(",", "") == str(count)
