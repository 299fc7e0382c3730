"""Moving between levels keeps the user's own organisation (decisions.md D65): by hand and by
property, on a made-up tree checked against its own parent tables, not against the code."""

import pandas as pd
from hypothesis import given, settings
from hypothesis import strategies as st

from iif_core import report
from iif_core.vocabulary import LEVELS

# Two ICBs, two places each, two PCNs each, two practices each. Names run against the codes
# (the last code sorts first by name), so "the first by name" is never the one chosen by code.
# As in real data, one practice is in no PCN, and one PCN has practices in two places (it
# belongs to the place with the largest share of its list size, decisions.md D3).
ROWS = []
for icb in range(2):
    for place in range(2):
        for pcn in range(2):
            for practice in range(2):
                n = ((icb * 2 + place) * 2 + pcn) * 2 + practice
                p_code = f"A810{n:02d}"
                pcn_n = (icb * 2 + place) * 2 + pcn
                ROWS.append(
                    (p_code, f"Practice {99 - n:02d}", f"U000{pcn_n:02d}", f"PCN {99 - pcn_n:02d}",
                     f"0{icb * 2 + place}K", f"Place {9 - (icb * 2 + place)}", f"QA{icb}",
                     f"ICB {9 - icb}", 1000)
                )  # fmt: skip
ROWS += [
    ("A81090", "Practice in no PCN", None, None, "00K", "Place 9", "QA0", "ICB 9", 1000),
    ("A81091", "Split 1", "U00099", "PCN split", "01K", "Place 8", "QA0", "ICB 9", 3000),
    ("A81092", "Split 2", "U00099", "PCN split", "00K", "Place 9", "QA0", "ICB 9", 1000),
]
ORGS = pd.DataFrame(
    ROWS,
    columns=["practice_code", "practice_name", "pcn_code", "pcn_name", "place_code",
             "place_name", "icb_code", "icb_name", "list_size"],
)  # fmt: skip
PCNS = report.pcn_membership(ORGS)
CODES = {
    "practice": sorted(ORGS["practice_code"]),
    "pcn": sorted(ORGS["pcn_code"].dropna().unique()),
    "place": sorted(ORGS["place_code"].unique()),
    "icb": sorted(ORGS["icb_code"].unique()),
}
# The tree as parent tables: each organisation's parent at the next level up; a PCN's place is
# the one with the largest list size of its practices.
_SHARES = ORGS.groupby(["pcn_code", "place_code"])["list_size"].sum().reset_index()
PARENT = {
    "practice": dict(zip(ORGS["practice_code"], ORGS["pcn_code"], strict=True)),
    "pcn": {
        pcn: rows.sort_values("list_size").iloc[-1]["place_code"]
        for pcn, rows in _SHARES.groupby("pcn_code")
    },
    "place": dict(zip(ORGS["place_code"], ORGS["icb_code"], strict=False)),
}
assert PARENT["pcn"]["U00099"] == "01K"


def above(level: str, code: str, to_level: str) -> str | None:
    """The organisation at `to_level` (at or above `level`) that `code` is part of (None for
    a practice in no PCN, above the practice level)."""
    for at in LEVELS[LEVELS.index(level) : LEVELS.index(to_level)]:
        code = PARENT[at].get(code)
    return code if isinstance(code, str) else None


def together(level: str, code: str, other_level: str, other: str) -> bool:
    """The reference: one is part of the other (or they are the same)."""
    if LEVELS.index(level) > LEVELS.index(other_level):
        level, code, other_level, other = other_level, other, level, code
    return above(level, code, other_level) == other


def test_pcn_to_icb_to_place_to_pcn_comes_back_to_the_same_pcn():
    # U00006 is in place 03K of ICB QA1. By name it is the last PCN of its place; the ICB's
    # places have as many PCNs each: neither the first by name nor the ICB's main place is it.
    chosen = "U00006"
    trail = report.org_trail(ORGS, PCNS, {}, "pcn", chosen)
    for level, expected in (("icb", "QA1"), ("place", "03K"), ("pcn", chosen)):
        shown = report.org_to_show(ORGS, PCNS, trail, level, CODES[level])
        assert shown == expected, level
        trail = report.org_trail(ORGS, PCNS, trail, level, shown)
    assert trail == {"pcn": chosen, "place": "03K", "icb": "QA1"}


def test_a_new_choice_drops_what_does_not_go_with_it():
    trail = report.org_trail(ORGS, PCNS, {}, "practice", "A81011")  # in U00005, 02K, QA1
    trail = report.org_trail(ORGS, PCNS, trail, "icb", "QA1")
    assert trail == {"practice": "A81011", "icb": "QA1"}
    trail = report.org_trail(ORGS, PCNS, trail, "place", "03K")  # another place of QA1
    assert trail == {"place": "03K", "icb": "QA1"}
    shown = report.org_to_show(ORGS, PCNS, trail, "practice", CODES["practice"])
    assert above("practice", shown, "place") == "03K"


def test_only_what_may_be_chosen_is_shown():
    trail = {"pcn": "U00005", "icb": "QA1"}
    assert report.org_to_show(ORGS, PCNS, trail, "pcn", ["U00000", "U00001"]) == "U00000"
    assert report.org_to_show(ORGS, PCNS, trail, "pcn", []) is None
    assert report.org_to_show(ORGS, PCNS, {"pcn": "NOPE"}, "place", ["01K"]) == "01K"


def test_goes_with_by_hand():
    assert report.goes_with(ORGS, PCNS, "practice", "A81011", "icb", "QA1")
    assert report.goes_with(ORGS, PCNS, "icb", "QA1", "pcn", "U00005")
    assert not report.goes_with(ORGS, PCNS, "pcn", "U00004", "pcn", "U00005")
    assert not report.goes_with(ORGS, PCNS, "place", "01K", "practice", "A81011")
    assert not report.goes_with(ORGS, PCNS, "pcn", "NOPE", "icb", "QA1")


CHOICE = st.sampled_from(LEVELS).flatmap(
    lambda level: st.tuples(st.just(level), st.sampled_from(CODES[level]))
)
# A move: choose an organisation at a level, or only switch to a level.
MOVE = st.one_of(CHOICE, st.sampled_from(LEVELS).map(lambda level: (level, None)))


@settings(max_examples=200, deadline=None)
@given(moves=st.lists(MOVE, min_size=1, max_size=12))
def test_the_trail_is_one_chain_and_switching_levels_keeps_the_last_choice(moves):
    trail: dict[str, str] = {}
    last = None
    kept = True  # every switch since the last choice showed something that goes with it
    for level, code in moves:
        if code is None:  # only a switch: the app shows what org_to_show says
            code = report.org_to_show(ORGS, PCNS, trail, level, CODES[level])
            assert code in CODES[level]
            fitting = [c for c in CODES[level] if last and together(level, c, *last)]
            if fitting and kept:  # what is shown goes with the last choice, while the chain holds
                assert code in fitting, (trail, last)
            elif last is not None:  # a practice in no PCN, at the PCN level: the first shown
                kept = False
        else:
            kept = True
            last = (level, code)
        trail = report.org_trail(ORGS, PCNS, trail, level, code)
        assert trail[level] == code
        for a, b in [(a, b) for a in trail for b in trail if a < b]:
            assert together(a, trail[a], b, trail[b]), trail
    if last is not None and kept:  # back at the level of the last choice: it is shown again
        assert report.org_to_show(ORGS, PCNS, trail, last[0], CODES[last[0]]) == last[1]


@settings(max_examples=100, deadline=None)
@given(pcn=st.sampled_from(CODES["pcn"]), order=st.permutations(["practice", "place", "icb"]))
def test_from_a_pcn_through_the_other_levels_and_back_lands_on_that_pcn(pcn, order):
    trail = report.org_trail(ORGS, PCNS, {}, "pcn", pcn)
    for level in order:
        shown = report.org_to_show(ORGS, PCNS, trail, level, CODES[level])
        assert together(level, shown, "pcn", pcn)
        trail = report.org_trail(ORGS, PCNS, trail, level, shown)
    assert report.org_to_show(ORGS, PCNS, trail, "pcn", CODES["pcn"]) == pcn
