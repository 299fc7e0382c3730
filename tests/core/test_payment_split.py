"""Splitting a PCN's £ between its practices (iif_core.report.payment_split, decisions.md D62):
worked by hand from the rules, and properties on random small PCNs against a reference split."""

import random
import sys
import tomllib
from datetime import date
from decimal import Decimal
from fractions import Fraction
from pathlib import Path

import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from iif_core import report
from iif_core.schemes import parse_scheme
from iif_core.score import score

TESTS = Path(__file__).resolve().parents[1]
if str(TESTS) not in sys.path:
    sys.path.insert(0, str(TESTS))

import reference_scorer  # noqa: E402
from spec.helpers import count, indicator, practice, scheme_toml  # noqa: E402

# The hand-worked PCN U00001: Alder Surgery A00001, Birch Practice A00002, Cedar Health A00003,
# list sizes 10,000, 12,000 and 8,000 (30,000: shares 1/3, 2/5, 4/15); no national average list
# size (list size adjustment 1), £200 a point, at 30 Sep 2025.
#
#   BB-02  higher, 50% to 90%, 30 points; 30/40, 25/35, 15/25 -> 70/100 = 70%:
#          (70 − 50) / 40 = 0.5 -> 15 points -> £3,000.
#          Parts of the lower threshold (50% of each denominator): 20, 17.5, 12.5.
#          Contributions: 10, 7.5, 2.5 (they add up to 70 − 50 = 20) -> £1,500, £1,125, £375.
#   XX-01  lower, 30% to 20%, 10 points; 25/100 at Alder only -> 25%: 0.5 -> 5 points -> £1,000.
#          Alder's part: 30 events allowed; it had 25, so contributed 5: all £1,000 is Alder's.
#   AA-01  higher, 60% to 80%, 40 points; 20/40, 25/35, 10/25 -> 55%: red, £0. Parts 24, 21, 15:
#          Birch is past its part by 4 though the network is not past the threshold.
#   CC-03  higher, 60% to 80%, 10 points; 10/20, 5/20, 10/20 -> 41.7%: red, £0; parts 12 each,
#          nobody past.
#   PR-01  lower, per 1,000, 50 to 30, 10 points; 40/1,000 at Alder, 60/1,000 at Birch -> 50 per
#          1,000, exactly the lower threshold: £0. Alder is 10 events below its part (50).
#
# Earned: £4,000. By list size: £1,333.333…, £1,600, £1,066.666…: in pence 133,333.33,
# 160,000 and 106,666.67 -> rounded down 399,999, the penny left over to Cedar (.67):
# £1,333.33, £1,600.00, £1,066.67. By contribution: Alder £1,500 + £1,000 = £2,500, Birch
# £1,125, Cedar £375.

PERIOD = "2025-09-30"
PCN = "U00001"
NAMES = {"A00001": "Alder Surgery", "A00002": "Birch Practice", "A00003": "Cedar Health"}
SIZES = {"A00001": 10000, "A00002": 12000, "A00003": 8000}
INDICATORS = {
    "AA-01": indicator("percent", "higher", 60, 80, 40),
    "BB-02": indicator("percent", "higher", 50, 90, 30),
    "XX-01": indicator("percent", "lower", 30, 20, 10),
    "CC-03": indicator("percent", "higher", 60, 80, 10),
    "PR-01": indicator("per_1000", "lower", 50, 30, 10),
}
COUNTS = [
    ("A00001", "AA-01", 20, 40), ("A00002", "AA-01", 25, 35), ("A00003", "AA-01", 10, 25),
    ("A00001", "BB-02", 30, 40), ("A00002", "BB-02", 25, 35), ("A00003", "BB-02", 15, 25),
    ("A00001", "XX-01", 25, 100),
    ("A00001", "CC-03", 10, 20), ("A00002", "CC-03", 5, 20), ("A00003", "CC-03", 10, 20),
    ("A00001", "PR-01", 40, 1000), ("A00002", "PR-01", 60, 1000),
]  # fmt: skip


def _orgs(sizes=SIZES) -> pd.DataFrame:
    rows = [{**practice(code, list_size=sizes[code]), "practice_name": name}
            for code, name in NAMES.items()]  # fmt: skip
    return pd.DataFrame(rows)


def _extract(counts=COUNTS) -> pd.DataFrame:
    return pd.DataFrame([count(p, code, n, d, PERIOD, 0) for p, code, n, d in counts])


@pytest.fixture(scope="module")
def network():
    scheme = parse_scheme(scheme_toml(INDICATORS, 200))
    return score(scheme, _orgs(), _extract()), scheme, _orgs()


def _split(network, method="list_size", weight=None, projection=None, orgs=None):
    scored, scheme, own_orgs = network
    orgs = own_orgs if orgs is None else orgs
    return report.payment_split(scored, scheme, orgs, PCN, PERIOD, method, weight, projection)


def _pounds(split, column="payment_share") -> dict:
    return dict(zip(split.practices["practice_code"], split.practices[column], strict=True))


def _projection(rows: dict) -> pd.DataFrame:
    return pd.DataFrame(
        [
            {"indicator_code": code, "payment": amount, "from_period": date(2025, 9, 30)}
            for code, amount in rows.items()
        ]  # fmt: skip
    )


# --- worked by hand -----------------------------------------------------------------------------


def test_contribution_is_the_part_past_the_lower_threshold():
    indicators = parse_scheme(scheme_toml(INDICATORS, 200)).indicators
    bb, xx, pr = indicators["BB-02"], indicators["XX-01"], indicators["PR-01"]
    assert report.needed_for_lower(35, bb) == Fraction(35, 2)  # 50% of 35 is 17.5 patients
    assert report.contribution(25, 35, bb) == Fraction(15, 2)
    assert report.contribution(10, 25, bb) == 0  # below its part of 12.5: 0, never negative
    assert report.contribution(25, 100, xx) == 5  # 30 events allowed, 25 had
    assert report.contribution(35, 100, xx) == 0
    assert report.contribution(40, 1000, pr) == 10  # 50 per 1,000 of 1,000 is 50 events
    assert report.contribution(0, 0, bb) == 0  # no denominator: no figures, nothing


def test_by_list_size_to_the_penny(network):
    split = _split(network)
    assert split.payment == 4000
    assert _pounds(split) == {"A00001": 1333.33, "A00002": 1600.00, "A00003": 1066.67}
    assert _pounds(split, "list_size_share") == pytest.approx(
        {"A00001": 1 / 3, "A00002": 0.4, "A00003": 4 / 15})  # fmt: skip
    table = split.table
    assert list(table["practice_name"]) == [*NAMES.values(), "Network total"]
    assert table["payment_share"].iloc[-1] == 4000
    assert table["list_size"].iloc[-1] == 30000


def test_by_contribution_each_indicator_by_its_own_contributions(network):
    split = _split(network, "contribution")
    assert _pounds(split) == {"A00001": 2500.00, "A00002": 1125.00, "A00003": 375.00}
    assert _pounds(split, "contribution_share") == pytest.approx(
        {"A00001": 2500 / 4000, "A00002": 1125 / 4000, "A00003": 375 / 4000})  # fmt: skip
    # BB-02 and XX-01 earn; Birch is past its part of AA-01 too, but AA-01 earns nothing.
    assert _pounds(split, "indicators_above") == {"A00001": 2, "A00002": 1, "A00003": 1}
    working = split.indicators.set_index(["indicator_code", "practice_code"])
    assert set(working.index.get_level_values(0)) == {"BB-02", "XX-01"}
    assert working.loc[("BB-02", "A00002"), "needed_for_lower"] == 17.5
    assert working.loc[("BB-02", "A00002"), "contribution"] == 7.5
    assert working.loc[("XX-01", "A00002"), "practice_payment"] == 0  # no figures: nothing
    assert working.loc[("XX-01", "A00001"), "practice_payment"] == pytest.approx(1000)


def test_a_mix_weights_each_indicators_split(network):
    # w = 0.25 by list size: Alder 3,000 × (0.25/3 + 0.75 × 1/2) + 1,000 × (0.25/3 + 0.75)
    # = 1,375 + 833.333… = 2,208.333…; Birch 3,000 × (0.1 + 0.75 × 3/8) + 1,000 × 0.1 = 1,243.75;
    # Cedar 3,000 × (0.25 × 4/15 + 0.75 / 8) + 1,000 × 0.25 × 4/15 = 481.25 + 66.666… = 547.916…
    # Pence rounded down: 220,833 + 124,375 + 54,791 = 399,999; the penny to Cedar (.67 > .33).
    split = _split(network, "mix", 0.25)
    assert _pounds(split) == {"A00001": 2208.33, "A00002": 1243.75, "A00003": 547.92}
    assert split.list_size_weight == 0.25
    assert "25% of each indicator's £ is split by list size and 75% by contribution." in (
        " ".join(split.method_words)
    )


def test_projected_money_is_split_by_the_month_it_is_projected_from(network):
    # Projected: BB-02 £6,000 (split by contribution 10 : 7.5 : 2.5), AA-01 £2,000 (Birch the only
    # one past its part), CC-03 £900 (nobody past theirs: by list size, 300 : 360 : 240),
    # PR-01 £500 (Alder only, 10 events below its part).
    projection = _projection({"BB-02": 6000.0, "AA-01": 2000.0, "CC-03": 900.0, "PR-01": 500.0})
    split = _split(network, "contribution", projection=projection)
    assert split.projected == 9400
    assert _pounds(split, "projected_share") == {
        "A00001": 3000 + 300 + 500,
        "A00002": 2250 + 2000 + 360,
        "A00003": 750 + 240,
    }
    assert split.notes == [
        "CC-03 is projected to earn, but no practice is past its part of the lower threshold yet "
        "at 30 Sep 2025, the month its projection is made from, so its projected £ is split by "
        "list size instead of by contribution."
    ]
    assert _pounds(split) == {"A00001": 2500.00, "A00002": 1125.00, "A00003": 375.00}


def test_ties_in_rounding_go_to_the_lower_practice_code():
    # One practice sends 101/200 on a 50% to 90%, 40 point indicator: 50.5%, 1/80 of the scale,
    # 0.5 points, £100. Three equal list sizes: 3,333.33… pence each, 9,999 rounded down, the
    # penny left over to A00001 (all three remainders are a third).
    indicators = {"BB-02": indicator("percent", "higher", 50, 90, 40)}
    scheme = parse_scheme(scheme_toml(indicators, 200))
    orgs = _orgs(dict.fromkeys(NAMES, 5000))
    scored = score(scheme, orgs, _extract([("A00003", "BB-02", 101, 200)]))
    for order in (orgs, orgs.iloc[::-1]):
        split = report.payment_split(scored, scheme, order, PCN, PERIOD)
        assert _pounds(split) == {"A00001": 33.34, "A00002": 33.33, "A00003": 33.33}
    # By contribution, all of it is A00003's: it is the only one with figures.
    split = report.payment_split(scored, scheme, orgs, PCN, PERIOD, "contribution")
    assert _pounds(split) == {"A00001": 0, "A00002": 0, "A00003": 100}


def test_a_practice_without_a_list_size_is_named_and_gets_nothing_by_list_size(network):
    _, scheme, _ = network
    orgs = _orgs({**SIZES, "A00003": None})
    split = report.payment_split(score(scheme, orgs, _extract()), scheme, orgs, PCN, PERIOD)
    assert split.notes == [
        "Cedar Health (A00003) has no list size in the organisation data, so nothing is shared "
        "to them by list size."
    ]
    assert _pounds(split) == {"A00001": 1818.18, "A00002": 2181.82, "A00003": 0}


def test_bad_choices_are_refused_in_words(network):
    scored, scheme, orgs = network
    with pytest.raises(ValueError, match="A mix needs the part split by list size"):
        _split(network, "mix", 1.5)
    with pytest.raises(ValueError, match="Unknown way of splitting the payment"):
        _split(network, "by height")
    with pytest.raises(ValueError, match="list sizes of U00001's member practices are not known"):
        unknown = _orgs(dict.fromkeys(NAMES))
        report.payment_split(score(scheme, unknown, _extract()), scheme, unknown, PCN, PERIOD)
    with pytest.raises(ValueError, match="U00009 has no member practices"):
        report.payment_split(scored, scheme, orgs, "U00009", PERIOD)


def test_nothing_earned_splits_nothing(network):
    scored, scheme, orgs = network
    empty = scored.assign(payment_achieved=0.0)
    split = report.payment_split(empty, scheme, orgs, PCN, PERIOD, "contribution")
    assert split.payment == 0
    assert _pounds(split) == dict.fromkeys(NAMES, 0)
    assert split.practices["share"].isna().all()
    assert split.indicators.empty


# --- properties on random small PCNs ------------------------------------------------------------


@st.composite
def small_pcns(draw):
    """A PCN of 2-5 practices, 1-3 indicators of any unit and direction, small counts."""
    codes = [f"A{i:05d}" for i in range(1, draw(st.integers(2, 5)) + 1)]
    orgs = [practice(code, list_size=draw(st.integers(0, 20000))) for code in codes]
    if not any(o["list_size"] for o in orgs):
        orgs[0]["list_size"] = draw(st.integers(1, 20000))
    indicators = {}
    for n in range(draw(st.integers(1, 3))):
        unit = draw(st.sampled_from(["percent", "percent", "per_1000", "rate"]))
        direction = draw(st.sampled_from(["higher", "lower"]))
        top = {"percent": 10000, "per_1000": 100000, "rate": 100}[unit]
        low = draw(st.integers(0, top - 1))
        high = draw(st.integers(low + 1, top))
        lt, ut = (low, high) if direction == "higher" else (high, low)
        indicators[f"IN-{n:02d}"] = indicator(unit, direction, Decimal(lt).scaleb(-2),
                                              Decimal(ut).scaleb(-2), draw(st.integers(1, 40)))  # fmt: skip
    average = draw(st.one_of(st.none(), st.integers(10000, 60000)))
    toml = scheme_toml(indicators, Decimal(draw(st.integers(100, 30000))).scaleb(-2),
                       national_average_list_size=average)  # fmt: skip
    extract = []
    for p in codes:
        for code, fields in indicators.items():
            if draw(st.integers(0, 4)) == 0:
                continue
            d = draw(st.integers(0, 40))
            most = d if fields["unit"] == "percent" else 3 * d + 3
            extract.append(count(p, code, draw(st.integers(0, most)), d, PERIOD, 0))
    if not extract:  # a file with no rows is refused before scoring
        extract.append(count(codes[0], next(iter(indicators)), 0, 0, PERIOD, 0))
    method = draw(st.sampled_from(["list_size", "contribution", "mix"]))
    weight = draw(st.integers(0, 100)) / 100 if method == "mix" else None
    projected = {code: Fraction(draw(st.integers(0, 900000)), 100) for code in indicators
                 if draw(st.booleans())}  # fmt: skip
    return toml, orgs, extract, method, weight, projected, draw(st.randoms(use_true_random=False))


def _reference_payments(toml, orgs, extract) -> dict[str, Fraction]:
    """Each indicator's PCN £ by tests/reference_scorer.py, as exact fractions."""
    rows = reference_scorer.score(tomllib.loads(toml, parse_float=Decimal), orgs, extract, "pcn",
                                  PERIOD)  # fmt: skip
    return {r["indicator_code"]: Fraction(str(r["payment_achieved"] or 0)) for r in rows}


def _reference_split(toml, orgs, extract, weight, payments=None) -> dict[str, Fraction]:
    """D62 worked independently: each indicator's £ × (w × list size share + (1 − w) ×
    contribution share), contribution LT × D ÷ scale past the practice's part, floored at 0."""
    scheme = tomllib.loads(toml, parse_float=Decimal)["indicators"]
    payments = _reference_payments(toml, orgs, extract) if payments is None else payments
    sizes = {o["practice_code"]: Fraction(o["list_size"] or 0) for o in orgs}
    total_size = sum(sizes.values())
    out = dict.fromkeys(sizes, Fraction(0))
    for code, amount in payments.items():
        fields = scheme[code]
        scale = {"percent": 100, "per_1000": 1000, "rate": 1}[fields["unit"]]
        lt = Fraction(fields["lower_threshold"])
        past = dict.fromkeys(sizes, Fraction(0))
        for row in extract:
            if row["indicator_code"] == code and row["denominator"] > 0:
                part = lt * row["denominator"] / scale
                gap = row["numerator"] - part if fields["direction"] == "higher" else (
                    part - row["numerator"])  # fmt: skip
                past[row["practice_code"]] = max(Fraction(0), gap)
        whole = sum(past.values())
        for p in sizes:
            by_size = sizes[p] / total_size
            by_contribution = past[p] / whole if whole else by_size
            out[p] += amount * (weight * by_size + (1 - weight) * by_contribution)
    return out


def _pence(value) -> int:
    return int(Decimal(repr(value)).scaleb(2).quantize(Decimal(1)))


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(small_pcns())
def test_splits_add_up_to_the_penny_and_follow_the_rules(case):
    toml, orgs, extract, method, weight, projected, rng = case
    scheme = parse_scheme(toml)
    frame = pd.DataFrame(orgs)
    scored = score(scheme, frame, pd.DataFrame(extract, columns=list(count("A", "B", 0, 0, PERIOD,
                                                                            0))))  # fmt: skip
    projection = _projection({code: float(amount) for code, amount in projected.items()})
    split = report.payment_split(scored, scheme, frame, PCN, PERIOD, method, weight, projection)
    pence = [_pence(v) for v in split.practices["payment_share"]]
    # Adds up to the penny, to the network's £ rounded to the nearest penny, never below 0.
    network = sum(_reference_payments(toml, orgs, extract).values(), Fraction(0))
    exact_pence = Decimal(network.numerator) * 100 / Decimal(network.denominator)
    assert sum(pence) == _pence(split.payment)
    assert abs(Decimal(_pence(split.payment)) - exact_pence) <= Decimal("0.5000001")
    assert all(p >= 0 for p in pence)
    # Each practice within a penny and a half of its exact £ (half a penny from rounding the
    # total, under a penny from its own rounding), the reference split worked independently.
    w = {"list_size": 1, "contribution": 0}.get(method) if method != "mix" else Fraction(weight)
    reference = _reference_split(toml, orgs, extract, w)
    for code, got in zip(split.practices["practice_code"], pence, strict=True):
        assert abs(Decimal(got) - Decimal(float(reference[code] * 100))) < Decimal("1.5001")
    # The projected £ the same way: to the penny, each within a penny and a half of its share.
    if not projected:
        assert split.projected is None
    else:
        projected_pence = [_pence(v) for v in split.practices["projected_share"]]
        whole = sum(projected.values(), Fraction(0)) * 100
        assert sum(projected_pence) == _pence(split.projected)
        assert abs(Fraction(_pence(split.projected)) - whole) <= Fraction(1, 2)
        reference = _reference_split(toml, orgs, extract, w, projected)
        for code, got in zip(split.practices["practice_code"], projected_pence, strict=True):
            assert got >= 0
            assert abs(got - reference[code] * 100) < Fraction(3, 2)
    # By list size: within a penny of exactly proportional to the total shown.
    by_size = report.payment_split(scored, scheme, frame, PCN, PERIOD, "list_size")
    total = _pence(by_size.payment)
    sizes = [o["list_size"] for o in orgs]
    for size, got in zip(sizes, by_size.practices["payment_share"], strict=True):
        assert abs(Fraction(_pence(got)) - Fraction(total * size, sum(sizes))) < 1
    # A mix of 1 is the list-size split, a mix of 0 the contribution split, to the penny.
    by_contribution = report.payment_split(scored, scheme, frame, PCN, PERIOD, "contribution")
    for pure, w in ((by_size, 1.0), (by_contribution, 0.0)):
        mix = report.payment_split(scored, scheme, frame, PCN, PERIOD, "mix", w)
        pd.testing.assert_frame_equal(mix.practices, pure.practices)
    # The order of the practices (in the organisations and in the scores) changes nothing.
    shuffled = frame.sample(frac=1, random_state=rng.randint(0, 10**6))
    rows = scored.sample(frac=1, random_state=rng.randint(0, 10**6))
    again = report.payment_split(rows, scheme, shuffled, PCN, PERIOD, method, weight, projection)
    pd.testing.assert_frame_equal(again.practices, split.practices)


def test_shuffled_practices_give_the_same_split_by_hand(network):
    scored, scheme, orgs = network
    rng = random.Random(7)
    for _ in range(3):
        order = orgs.sample(frac=1, random_state=rng.randint(0, 10**6))
        got = report.payment_split(scored, scheme, order, PCN, PERIOD, "mix", 0.25)
        assert _pounds(got) == {"A00001": 2208.33, "A00002": 1243.75, "A00003": 547.92}
