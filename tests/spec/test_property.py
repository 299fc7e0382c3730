"""The core and the plain-Python reference scorer agree on random organisations and extracts."""

from decimal import ROUND_CEILING, ROUND_FLOOR, Decimal

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from spec.helpers import (
    count,
    differences,
    indicator,
    practice,
    run_engine,
    run_reference,
    scheme_toml,
)

pytestmark = pytest.mark.property

MONTH_ENDS = ["2025-04-30", "2025-06-30", "2025-09-30", "2025-12-31", "2026-03-31"]
ROUNDINGS = [ROUND_FLOOR, ROUND_CEILING]
SCALE = {"percent": 100, "per_1000": 1000, "rate": 1}
CODES = ["VI-01", "HI-03", "CAN-04", "ACC-08"]
# the largest threshold of each unit, so random thresholds stay plausible
THRESHOLD_MAX = {"percent": 100, "per_1000": 2000, "rate": 5}


def decimal_2dp(draw, low: int, high: int) -> Decimal:
    """A decimal with at most 2 places between low and high (in hundredths)."""
    return Decimal(draw(st.integers(low, high))).scaleb(-2)


@st.composite
def organisations(draw) -> list[dict]:
    icbs = ["QAA", "QBB"][: draw(st.integers(1, 2))]
    places = {
        f"0{i}{'ABC'[i - 1]}": draw(st.sampled_from(icbs))
        for i in range(1, draw(st.integers(1, 3)) + 1)
    }
    sizes = st.one_of(st.sampled_from([1000, 2000, 3000]), st.integers(1, 20000))  # ties are likely
    orgs, n = [], 0
    for p in range(1, draw(st.integers(1, 4)) + 1):
        home = draw(st.sampled_from(sorted(places)))
        for _ in range(draw(st.integers(1, 4))):
            n += 1
            # now and then a practice sits in another place: the PCN spans places (maybe ICBs)
            place = draw(st.one_of(st.just(home), st.sampled_from(sorted(places))))
            orgs.append(practice(f"A{n:05d}", f"U{p:05d}", place, places[place], draw(sizes)))
    for _ in range(draw(st.integers(0, 2))):
        n += 1
        place = draw(st.sampled_from(sorted(places)))
        size = draw(st.integers(0, 20000))
        row = practice(f"A{n:05d}", None, place, places[place], size)
        row["pcn_code"] = draw(st.sampled_from(["", None]))
        orgs.append(row)
    return orgs


@st.composite
def schemes(draw) -> tuple[str, dict]:
    indicators = {}
    prevalence_given = draw(st.booleans())
    for code in draw(st.lists(st.sampled_from(CODES), min_size=1, max_size=3, unique=True)):
        unit = draw(st.sampled_from(sorted(THRESHOLD_MAX)))
        direction = draw(st.sampled_from(["higher", "lower"]))
        top = THRESHOLD_MAX[unit] * 100
        low = decimal_2dp(draw, 0, top - 1)
        high = decimal_2dp(draw, int(low * 100) + 1, top)
        lt, ut = (low, high) if direction == "higher" else (high, low)
        extra = {"prevalence_adjusted": draw(st.booleans())}
        if extra["prevalence_adjusted"] and prevalence_given:
            extra["national_prevalence"] = Decimal(draw(st.integers(1, 5000))).scaleb(-4)
        indicators[code] = indicator(unit, direction, lt, ut, draw(st.integers(1, 60)), **extra)
    average = draw(st.one_of(st.none(), st.integers(10000, 60000)))
    value_per_point = decimal_2dp(draw, 100, 30000)
    toml = scheme_toml(indicators, value_per_point, national_average_list_size=average)
    return toml, indicators


@st.composite
def cases(draw):
    orgs = draw(organisations())
    toml, indicators = draw(schemes())
    periods = draw(st.lists(st.sampled_from(MONTH_ENDS), min_size=1, max_size=3, unique=True))
    with_pca = draw(st.booleans())
    extract = []
    for o in orgs:
        for code, ind in indicators.items():
            for period in periods:
                if not draw(st.booleans()) and draw(st.booleans()):  # about a quarter missing
                    continue
                denominator = draw(st.one_of(st.just(0), st.integers(0, 400), st.just(400)))
                if draw(st.booleans()):  # a practice exactly at, or a patient either side of, T
                    threshold = ind[draw(st.sampled_from(["lower_threshold", "upper_threshold"]))]
                    at = threshold * denominator / SCALE[ind["unit"]]
                    numerator = int(at.to_integral_value(draw(st.sampled_from(ROUNDINGS))))
                    numerator = max(0, numerator + draw(st.sampled_from([-1, 0, 0, 1])))
                elif ind["unit"] == "percent":
                    numerator = draw(st.integers(0, denominator))
                else:
                    numerator = draw(st.integers(0, 900))
                if ind["unit"] == "percent":
                    numerator = min(numerator, denominator)
                spelled = draw(st.sampled_from([code, code.replace("-", "")]))
                pca = draw(st.integers(0, 40)) if with_pca else None
                extract.append(
                    count(o["practice_code"], spelled, numerator, denominator, period, pca)
                )
    if not extract:  # at least one row, so that something is scored
        first, pca = orgs[0]["practice_code"], 0 if with_pca else None
        extract.append(count(first, next(iter(indicators)), 1, 1, periods[0], pca))
    return toml, orgs, extract


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(cases())
def test_core_agrees_with_the_reference(case):
    toml, orgs, extract = case
    expected = run_reference(toml, orgs, extract)
    got = run_engine(toml, orgs, extract)
    problems = differences(got, expected, rel=1e-9)
    assert not problems, f"{len(problems)} differences, the first:\n" + "\n".join(problems[:15])


@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(cases(), st.sampled_from(["all", "practice", "pcn", "place", "icb"]), st.data())
def test_core_agrees_with_the_reference_for_one_level_and_period(case, level, data):
    toml, orgs, extract = case
    # a period end of the extracts, or one without data (section 10: "or the one given")
    period = data.draw(st.sampled_from(sorted({r["period_end"] for r in extract} | {"2026-01-31"})))
    expected = run_reference(toml, orgs, extract, level, period)
    got = run_engine(toml, orgs, extract, level, period)
    problems = differences(got, expected, rel=1e-9)
    assert not problems, f"{len(problems)} differences, the first:\n" + "\n".join(problems[:15])
