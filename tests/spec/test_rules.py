"""One test per rule of iif-rules.md, with expected values worked out by hand in the comments."""

from decimal import Decimal
from fractions import Fraction as F

import pytest

from spec.helpers import PERIOD, check, count, indicator, pick, practice, scheme_toml

# The worked example of section 6 (2021/22 VI-01): 40 points, LT 80, UT 86, £200 a point.
VI01 = {"VI-01": indicator("percent", "higher", lt=80, ut=86, points=40)}
WORKED_ORGS = [
    practice("A00001", list_size=10000),
    practice("A00002", list_size=12000),
    practice("A00003", list_size=8000),
]
WORKED_COUNTS = [
    count("A00001", "VI-01", 1900, 2300),
    count("A00002", "VI-01", 2600, 3100),
    count("A00003", "VI-01", 1450, 1800),
]


def one_practice_pcn(scorer, ind: dict, numerator, denominator, **top):
    """Score one indicator for a PCN of one practice; return the PCN row."""
    rows = scorer(
        scheme_toml({"XX-01": ind}, **top),
        [practice("A00001")],
        [count("A00001", "XX-01", numerator, denominator)],
    )
    return pick(rows, "pcn", "U00001", "XX-01")


# --- section 6: the worked example ------------------------------------------------------------


def test_worked_example_pcn(scorer):
    rows = scorer(scheme_toml(VI01), WORKED_ORGS, WORKED_COUNTS)
    pcn = pick(rows, "pcn", "U00001", "VI-01")
    # N = 1900 + 2600 + 1450 = 5950, D = 2300 + 3100 + 1800 = 7200
    # A = 100 × 5950 / 7200 = 2975/36 = 82.6389 %
    # points = 40 × (2975/36 − 80) / 6 = 40 × (95/36) / 6 = 475/27 = 17.59
    # payment = 475/27 × 200 = 95000/27 = £3,518.52; available 40 × 200 = £8,000
    # to UT: ⌈86 × 7200 / 100 − 5950⌉ = 6192 − 5950 = 242; to LT: 5760 − 5950 < 0 -> 0
    # value per patient = (8000 − 95000/27) / 242 = (121000/27) / 242 = 500/27 = £18.52
    check(
        pcn,
        practices_with_data=3,
        member_practices=3,
        numerator=5950,
        denominator=7200,
        achievement=F(2975, 36),
        lower_threshold=80,
        upper_threshold=86,
        status="amber",
        points_available=40,
        points_achieved=F(475, 27),
        list_size=30000,
        list_size_adjustment=1,
        prevalence_adjustment=1,
        payment_available=8000,
        payment_achieved=F(95000, 27),
        payment_outstanding=F(121000, 27),
        patients_to_lower=0,
        patients_to_upper=242,
        value_per_patient=F(500, 27),
    )
    # ... and the published, rounded figures
    assert round(pcn["achievement"], 3) == 82.639
    assert round(pcn["points_achieved"], 2) == 17.59
    assert round(pcn["payment_achieved"], 2) == 3518.52
    assert pcn["org_name"] == "PCN U00001"


def test_worked_example_practices_have_counts_but_no_points(scorer):
    rows = scorer(scheme_toml(VI01), WORKED_ORGS, WORKED_COUNTS)
    # A00001: 1900/2300 = 82.6087 %, to UT ⌈0.86 × 2300 − 1900⌉ = 1978 − 1900 = 78
    # A00002: 2600/3100 = 83.8710 %, to UT 2666 − 2600 = 66
    # A00003: 1450/1800 = 80.5556 %, to UT 1548 − 1450 = 98; none below LT
    for code, n, d, size, to_upper in [
        ("A00001", 1900, 2300, 10000, 78),
        ("A00002", 2600, 3100, 12000, 66),
        ("A00003", 1450, 1800, 8000, 98),
    ]:
        check(
            pick(rows, "practice", code, "VI-01"),
            org_name=f"Practice {code}",
            practices_with_data=1,
            member_practices=1,
            numerator=n,
            denominator=d,
            pca_count=0,  # section 5: no PCA column means a PCA count of 0
            achievement=F(100 * n, d),
            status="amber",
            points_available=None,  # section 7: IIF pays PCNs
            points_achieved=None,
            list_size=size,
            list_size_adjustment=None,
            prevalence_adjustment=None,
            payment_available=None,
            payment_achieved=None,
            payment_outstanding=None,
            patients_to_lower=0,
            patients_to_upper=to_upper,
            value_per_patient=None,
        )


def test_worked_example_place_and_icb_equal_the_single_pcn(scorer):
    rows = scorer(scheme_toml(VI01), WORKED_ORGS, WORKED_COUNTS)
    for level, code in [("place", "01A"), ("icb", "QAA")]:
        check(
            pick(rows, level, code, "VI-01"),
            org_name=f"{level.title() if level == 'place' else 'ICB'} {code}",
            practices_with_data=3,
            member_practices=3,
            numerator=5950,
            denominator=7200,
            achievement=F(2975, 36),
            status="amber",
            points_available=40,
            points_achieved=F(475, 27),
            list_size=30000,
            list_size_adjustment=None,
            prevalence_adjustment=None,
            payment_available=8000,
            payment_achieved=F(95000, 27),
            payment_outstanding=F(121000, 27),
            patients_to_lower=0,
            patients_to_upper=242,
            value_per_patient=F(500, 27),
        )


# --- section 4: the sliding scale, higher is better -------------------------------------------

# 40 points, LT 80, UT 86, denominator 100, £200 a point (available £8,000)
HIGHER = [
    # id, N, A, status, points = 40 × clamp((A − 80)/6), to LT = ⌈80 − N⌉+, to UT = ⌈86 − N⌉+
    ("exactly at LT", 80, 80, "red", 0, 0, 6),
    ("between", 83, 83, "amber", 20, 0, 3),  # 40 × 3/6
    ("exactly at UT", 86, 86, "green", 40, 0, 0),
    ("beyond UT", 95, 95, "green", 40, 0, 0),
    ("below LT", 50, 50, "red", 0, 30, 36),
    ("nothing achieved", 0, 0, "red", 0, 80, 86),
]


@pytest.mark.parametrize("n, a, status, points, to_lower, to_upper", [h[1:] for h in HIGHER],
                         ids=[h[0] for h in HIGHER])  # fmt: skip
def test_sliding_scale_higher_is_better(scorer, n, a, status, points, to_lower, to_upper):
    pcn = one_practice_pcn(scorer, indicator("percent", "higher", 80, 86, 40), n, 100)
    check(
        pcn,
        achievement=a,
        status=status,
        points_available=40,
        points_achieved=points,
        payment_available=8000,
        payment_achieved=points * 200,
        payment_outstanding=8000 - points * 200,
        patients_to_lower=to_lower,
        patients_to_upper=to_upper,
        # £ outstanding / patients to UT, null when nothing is left to do
        value_per_patient=F(8000 - points * 200, to_upper) if to_upper else None,
    )


# --- section 4: lower is better (hypothetical 30 points, LT 30 %, UT 20 %) --------------------

LOWER = [
    # id, N, D, status, points = 30 × clamp((30 − A)/10),
    # to LT = ⌈N − 30 × D/100⌉ (at least 0), to UT = ⌈N − 20 × D/100⌉ (at least 0)
    ("between: A 24 gives 18 points", 24, 100, "amber", 18, 0, 4),
    ("exactly at LT", 30, 100, "red", 0, 0, 10),
    ("exactly at UT", 20, 100, "green", 30, 0, 0),
    ("worse than LT", 31, 100, "red", 0, 1, 11),
    ("better than UT", 19, 100, "green", 30, 0, 0),
    ("half-way: 47/200 = 23.5 %", 47, 200, "amber", F(39, 2), 0, 7),  # 30 × 6.5/10; 47 − 40
]


@pytest.mark.parametrize("n, d, status, points, to_lower, to_upper", [x[1:] for x in LOWER],
                         ids=[x[0] for x in LOWER])  # fmt: skip
def test_sliding_scale_lower_is_better(scorer, n, d, status, points, to_lower, to_upper):
    pcn = one_practice_pcn(scorer, indicator("percent", "lower", 30, 20, 30), n, d)
    check(
        pcn,
        achievement=F(100 * n, d),
        status=status,
        points_available=30,
        points_achieved=points,
        payment_achieved=points * 200,
        payment_outstanding=(30 - points) * 200,
        patients_to_lower=to_lower,
        patients_to_upper=to_upper,
    )


# --- section 2: units -------------------------------------------------------------------------

UNITS = [
    # id, unit, direction, LT, UT, points, N, D, A, status, points achieved, to LT, to UT
    # 35 per 10,000 = 3.5 per 1,000; 10 × (3.5 − 2)/3 = 5; to UT 5 × 10000/1000 − 35 = 15
    ("per_1000", "per_1000", "higher", 2, 5, 10, 35, 10000, F(7, 2), "amber", 5, 0, 15),
    # numerator above denominator is allowed: 1500 per 1,000; 20 × (1600 − 1500)/200 = 10;
    # to UT ⌈1500 − 1400⌉ = 100
    ("per_1000 N > D", "per_1000", "lower", 1600, 1400, 20, 1500, 1000, 1500, "amber", 10, 0, 100),
    # 2000/2000 = 1.0; 10 × (1.0 − 0.8)/0.4 = 5; to UT 1.2 × 2000 − 2000 = 400
    ("rate", "rate", "higher", "0.8", "1.2", 10, 2000, 2000, 1, "amber", 5, 0, 400),
    # 2500/2000 = 1.25 beyond UT 1.2
    ("rate N > D", "rate", "higher", "0.8", "1.2", 10, 2500, 2000, F(5, 4), "green", 10, 0, 0),
    # background example E: 480 of 48,000 = 1.00 %; 10 × 0.2/0.4 = 5; to UT 576 − 480 = 96
    ("percent of a list", "percent", "higher", "0.8", "1.2", 10, 480, 48000, 1, "amber", 5, 0, 96),
]


@pytest.mark.parametrize(
    "unit, direction, lt, ut, pts, n, d, a, status, points, to_lower, to_upper",
    [u[1:] for u in UNITS],
    ids=[u[0] for u in UNITS],
)
def test_units(scorer, unit, direction, lt, ut, pts, n, d, a, status, points, to_lower, to_upper):
    pcn = one_practice_pcn(scorer, indicator(unit, direction, lt, ut, pts), n, d)
    check(
        pcn,
        numerator=n,
        denominator=d,
        achievement=a,
        lower_threshold=F(lt),
        upper_threshold=F(ut),
        status=status,
        points_achieved=points,
        patients_to_lower=to_lower,
        patients_to_upper=to_upper,
    )


# --- section 6: exact decimal arithmetic at the boundaries ------------------------------------

EXACT = [
    # id, unit, direction, LT, UT, N, D, status, points, to LT, to UT (10 points, £200)
    # 86 % of 7,200 is exactly 6,192: ⌈6192 − 5950⌉ = 242, not 243; 10 × (95/36)/6 = 475/108
    ("86% of 7200", "percent", "higher", "80", "86", 5950, 7200, "amber", F(475, 108), 0, 242),
    # 1.35 % of 48,000 is exactly 648 (binary floating point makes it 648.0000000000001)
    ("at UT 1.35% of 48000", "percent", "higher", "0.8", "1.35", 648, 48000, "green", 10, 0, 0),
    # A = 1.25: 10 × (1.25 − 0.8)/(1.35 − 0.8) = 10 × 0.45/0.55 = 90/11; to UT 648 − 600 = 48
    ("1.35% of 48000", "percent", "higher", "0.8", "1.35", 600, 48000, "amber", F(90, 11), 0, 48),
    # rate UT 1.1 × 100 = 110 exactly (float: 110.00000000000001); to LT 80 − 50 = 30
    ("rate 1.1 x 100", "rate", "higher", "0.8", "1.1", 50, 100, "red", 0, 30, 60),
    # lower: 0.57 × 100 = 57 exactly (float: 56.99999999999999): at UT, nothing left to do
    ("lower at UT 0.57", "rate", "lower", "0.8", "0.57", 57, 100, "green", 10, 0, 0),
    # lower: A = 0.6; 10 × (0.8 − 0.6)/(0.8 − 0.57) = 200/23; to UT ⌈60 − 57⌉ = 3, not 4
    ("lower 0.57 x 100", "rate", "lower", "0.8", "0.57", 60, 100, "amber", F(200, 23), 0, 3),
    # lower percent: 2.05 % of 48,000 = 984 exactly (float: 983.9999999999999)
    ("lower at UT 2.05%", "percent", "lower", "3", "2.05", 984, 48000, "green", 10, 0, 0),
    # 57 % of 100 is 57 (0.57 × 100 in float is 56.99999999999999): exactly at LT
    ("at LT 57% of 100", "percent", "higher", "57", "60", 57, 100, "red", 0, 0, 3),
]


@pytest.mark.parametrize("unit, direction, lt, ut, n, d, status, points, to_lower, to_upper",
                         [e[1:] for e in EXACT], ids=[e[0] for e in EXACT])  # fmt: skip
def test_exact_decimal_boundaries(scorer, unit, direction, lt, ut, n, d, status, points, to_lower,
                                  to_upper):  # fmt: skip
    pcn = one_practice_pcn(scorer, indicator(unit, direction, lt, ut, 10), n, d)
    check(
        pcn,
        status=status,
        points_achieved=points,
        payment_achieved=points * 200,
        patients_to_lower=to_lower,
        patients_to_upper=to_upper,
    )


def test_counts_at_the_largest_a_file_may_hold_stay_exact_at_every_level(scorer):
    # Ten practices, each at the largest count a file may hold (10^9), per 1,000, lower is better.
    # A practice's products stay within 64 bits (1000 × 10^9 × 10^6 = 10^18); the PCN's pass them
    # (1000 × 10^10 × 10^6 = 10^19). Both must still come out exact.
    ind = indicator("per_1000", "lower", "1450", "1100.5", 10)
    orgs = [practice(f"A{n:05d}") for n in range(1, 11)]
    counts = [count(o["practice_code"], "XX-01", 10**9, 1) for o in orgs]
    rows = scorer(scheme_toml({"XX-01": ind}), orgs, counts)
    # practice: ⌈(1000 × 10^9 − 1450 × 1) ÷ 1000⌉ = ⌈999,999,998.55⌉; to UT ⌈999,999,998.8995⌉
    practice_row = pick(rows, "practice", "A00001", "XX-01")
    check(practice_row, patients_to_lower=999_999_999, patients_to_upper=999_999_999)
    # PCN, place and ICB: ⌈10^10 − 14.5⌉ = 9,999,999,986 and ⌈10^10 − 11.005⌉ = 9,999,999,989
    for level, code in [("pcn", "U00001"), ("place", "01A"), ("icb", "QAA")]:
        row = pick(rows, level, code, "XX-01")
        check(row, numerator=10**10, patients_to_lower=9_999_999_986,
              patients_to_upper=9_999_999_989)  # fmt: skip


# --- section 3: no data -----------------------------------------------------------------------


def test_zero_denominator_is_no_data(scorer):
    rows = scorer(scheme_toml(VI01), [practice("A00001")], [count("A00001", "VI-01", 0, 0)])
    # 0/0: achievement null, no_data, 0 points; points and payment available still count
    for level, code in [("practice", "A00001"), ("pcn", "U00001"), ("place", "01A")]:
        check(
            pick(rows, level, code, "VI-01"),
            achievement=None,
            status="no_data",
            patients_to_lower=None,
            patients_to_upper=None,
            value_per_patient=None,
        )
    check(
        pick(rows, "pcn", "U00001", "VI-01"),
        points_available=40,
        points_achieved=0,
        payment_available=8000,
        payment_achieved=0,
        payment_outstanding=8000,
    )


def test_pcn_without_data_for_one_indicator_still_has_its_points_available(scorer):
    scheme = scheme_toml({**VI01, "HI-03": indicator("percent", "higher", 70, 80, 36)})
    rows = scorer(scheme, WORKED_ORGS, WORKED_COUNTS)  # VI-01 counts only
    # HI-03: no practice has data: no_data, 0 of 36 points, £7,200 (36 × 200) all outstanding
    for level, code in [("pcn", "U00001"), ("place", "01A"), ("icb", "QAA")]:
        check(
            pick(rows, level, code, "HI-03"),
            practices_with_data=0,
            member_practices=3,
            achievement=None,
            status="no_data",
            points_available=36,
            points_achieved=0,
            payment_available=7200,
            payment_achieved=0,
            payment_outstanding=7200,
            patients_to_lower=None,
            patients_to_upper=None,
            value_per_patient=None,
        )
    check(pick(rows, "practice", "A00002", "HI-03"), practices_with_data=0, status="no_data")
    check(pick(rows, "pcn", "U00001", "VI-01"), status="amber", points_achieved=F(475, 27))


def test_practice_without_any_data_in_a_scored_pcn_has_no_data_rows(scorer):
    rows = scorer(scheme_toml(VI01), WORKED_ORGS, WORKED_COUNTS[:2])  # A00003 sent nothing
    check(
        pick(rows, "practice", "A00003", "VI-01"),
        practices_with_data=0,
        member_practices=1,
        achievement=None,
        status="no_data",
        list_size=8000,
        patients_to_upper=None,
    )
    # PCN: 4500/5400 = 83.33 %; completeness 2 of 3; list size still counts A00003
    check(
        pick(rows, "pcn", "U00001", "VI-01"),
        practices_with_data=2,
        member_practices=3,
        numerator=4500,
        denominator=5400,
        achievement=F(250, 3),
        list_size=30000,
    )


def test_pcn_with_no_data_at_all_is_not_scored(scorer):
    orgs = WORKED_ORGS + [practice("A00009", pcn="U00009", place="09Z", icb="QZZ")]
    rows = scorer(scheme_toml(VI01), orgs, WORKED_COUNTS)
    codes = {r["org_code"] for r in rows}
    assert codes == {"A00001", "A00002", "A00003", "U00001", "01A", "QAA"}


# --- section 7: levels ------------------------------------------------------------------------


def test_practice_in_no_pcn(scorer):
    orgs = WORKED_ORGS + [
        practice("A00007", pcn=None, place="01A", list_size=5000),  # beside U00001's practices
        practice("A00008", pcn=None, place="08H", icb="QHH", list_size=6000),  # alone in 08H
    ]
    extract = WORKED_COUNTS + [
        count("A00007", "VI-01", 100, 110),
        count("A00008", "VI-01", 200, 210),
    ]
    rows = scorer(scheme_toml(VI01), orgs, extract)
    # practice rows only: its own figures, no points
    check(
        pick(rows, "practice", "A00007", "VI-01"),
        numerator=100,
        denominator=110,
        achievement=F(10000, 110),
        status="green",
        points_achieved=None,
        list_size=5000,
        patients_to_upper=0,  # ⌈94.6 − 100⌉ < 0
    )
    assert {r["level"] for r in rows if r["org_code"] in ("A00007", "A00008")} == {"practice"}
    # no PCN, place or ICB row made from them: 01A still pools only U00001's practices
    assert {(r["level"], r["org_code"]) for r in rows if r["level"] != "practice"} == {
        ("pcn", "U00001"),
        ("place", "01A"),
        ("icb", "QAA"),
    }
    check(pick(rows, "place", "01A", "VI-01"), numerator=5950, denominator=7200, member_practices=3)


def test_place_and_icb_sum_points_and_payments_but_pool_achievement(scorer):
    orgs = WORKED_ORGS + [
        practice("B00001", pcn="U00002", place="01A", list_size=1000),
        practice("C00001", pcn="U00003", place="02B", list_size=2000),
    ]
    extract = WORKED_COUNTS + [
        count("B00001", "VI-01", 90, 100),  # 90 %: green, 40 points, to LT 0, to UT 0
        count("C00001", "VI-01", 70, 100),  # 70 %: red, 0 points, to LT 10, to UT 16
    ]
    rows = scorer(scheme_toml(VI01), orgs, extract)
    # 01A = U00001 + U00002. Pooled: 6040/7300 = 82.74 % (amber); points are the SUM
    # 475/27 + 40 = 1555/27 = 57.59 (pooled 82.74 % would give 18.26); available 2 × 40.
    # To UT summed: 242 + 0 = 242 (pooled would be 6278 − 6040 = 238).
    # £ achieved 95000/27 + 8000 = 311000/27; outstanding 16000 − 311000/27 = 121000/27
    check(
        pick(rows, "place", "01A", "VI-01"),
        practices_with_data=4,
        member_practices=4,
        numerator=6040,
        denominator=7300,
        achievement=F(604000, 7300),
        status="amber",
        points_available=80,
        points_achieved=F(1555, 27),
        list_size=31000,
        payment_available=16000,
        payment_achieved=F(311000, 27),
        payment_outstanding=F(121000, 27),
        patients_to_lower=0,
        patients_to_upper=242,
        value_per_patient=F(121000, 27 * 242),
    )
    # QAA = all three PCNs: 6110/7400 = 82.57 %; points 1555/27 of 120;
    # to LT 0 + 0 + 10 = 10 (pooled 5920 − 6110 < 0 would be 0); to UT 242 + 0 + 16 = 258
    # (pooled 6364 − 6110 = 254); £ achieved 311000/27 of 24000, outstanding 337000/27
    check(
        pick(rows, "icb", "QAA", "VI-01"),
        practices_with_data=5,
        member_practices=5,
        numerator=6110,
        denominator=7400,
        achievement=F(611000, 7400),
        status="amber",
        points_available=120,
        points_achieved=F(1555, 27),
        list_size=33000,
        payment_available=24000,
        payment_achieved=F(311000, 27),
        payment_outstanding=F(337000, 27),
        patients_to_lower=10,
        patients_to_upper=258,
        value_per_patient=F(337000, 27 * 258),
    )
    # a place with a single red PCN
    check(
        pick(rows, "place", "02B", "VI-01"),
        status="red",
        points_available=40,
        points_achieved=0,
        patients_to_lower=10,
        patients_to_upper=16,
        value_per_patient=F(8000, 16),
    )


def test_pcn_spanning_two_places_goes_to_the_larger_list_share(scorer):
    orgs = [
        # U00002: 9,000 patients in 02B, 5,000 + 3,000 = 8,000 in 03C -> 02B, though 03C has
        # more of its practices
        practice("B00001", pcn="U00002", place="02B", list_size=9000),
        practice("B00002", pcn="U00002", place="03C", list_size=5000),
        practice("B00003", pcn="U00002", place="03C", list_size=3000),
        practice("C00001", pcn="U00003", place="03C", list_size=4000),
    ]
    extract = [
        count("B00001", "VI-01", 10, 20),
        count("B00002", "VI-01", 30, 40),
        count("B00003", "VI-01", 50, 60),
        count("C00001", "VI-01", 70, 80),
    ]
    rows = scorer(scheme_toml(VI01), orgs, extract)
    # 02B pools all of U00002: 90/120, three practices, list 17,000; 03C is U00003 alone
    check(
        pick(rows, "place", "02B", "VI-01"),
        member_practices=3,
        numerator=90,
        denominator=120,
        list_size=17000,
        points_available=40,
    )
    check(
        pick(rows, "place", "03C", "VI-01"),
        member_practices=1,
        numerator=70,
        denominator=80,
        list_size=4000,
        points_available=40,
    )
    # each place's counts equal the sum of its PCNs' counts
    for place, pcns in [("02B", ["U00002"]), ("03C", ["U00003"])]:
        row = pick(rows, "place", place, "VI-01")
        for column in ("numerator", "denominator", "member_practices", "practices_with_data"):
            assert row[column] == sum(pick(rows, "pcn", p, "VI-01")[column] for p in pcns)


def test_pcn_split_evenly_goes_to_the_lowest_code(scorer):
    orgs = [
        practice("D00001", pcn="U00004", place="05E", icb="QEE", list_size=6000),
        practice("D00002", pcn="U00004", place="04D", icb="QDD", list_size=6000),
    ]
    extract = [count("D00001", "VI-01", 10, 20), count("D00002", "VI-01", 30, 40)]
    rows = scorer(scheme_toml(VI01), orgs, extract)
    # 6,000 each: the lowest codes win, place 04D and ICB QDD, with both practices
    assert {(r["level"], r["org_code"]) for r in rows if r["level"] in ("place", "icb")} == {
        ("place", "04D"),
        ("icb", "QDD"),
    }
    check(pick(rows, "place", "04D", "VI-01"), member_practices=2, numerator=40, denominator=60)
    check(pick(rows, "icb", "QDD", "VI-01"), member_practices=2, numerator=40, denominator=60)


# --- section 5: payment adjustments -----------------------------------------------------------

# HI-03: 36 points, LT 70, UT 80; PCN list 20,000 + 25,000 + 10,000 = 55,000 (A00003 sends no
# data but its list counts). Counts: 60/80 with 10 PCAs, 70/100 with 5 PCAs.
# A = 100 × 130/180 = 650/9 = 72.22 %; points = 36 × (20/9)/10 = 8; to UT 144 − 130 = 14.
HI03_ORGS = [
    practice("A00001", list_size=20000),
    practice("A00002", list_size=25000),
    practice("A00003", list_size=10000),
]
HI03_COUNTS = [count("A00001", "HI-03", 60, 80, pca=10), count("A00002", "HI-03", 70, 100, pca=5)]
ADJUSTMENTS = [
    # id, national average list size, prevalence adjusted, national prevalence, LSA, PA
    # LSA = 55000/50000 = 11/10; PCN prevalence = (180 + 15)/55000; PA = that / 0.005 = 39/55
    ("both", 50000, True, "0.005", F(11, 10), F(39, 55)),
    ("list size only", 50000, False, None, F(11, 10), 1),
    ("unadjusted: no national figures", None, True, None, 1, 1),
    ("prevalence only", None, True, "0.005", 1, F(39, 55)),
]


@pytest.mark.parametrize("average, adjusted, prevalence, lsa, pa", [a[1:] for a in ADJUSTMENTS],
                         ids=[a[0] for a in ADJUSTMENTS])  # fmt: skip
def test_payment_adjustments(scorer, average, adjusted, prevalence, lsa, pa):
    ind = indicator("percent", "higher", 70, 80, 36, prevalence_adjusted=adjusted)
    if prevalence is not None:
        ind["national_prevalence"] = Decimal(prevalence)
    scheme = scheme_toml({"HI-03": ind}, national_average_list_size=average)
    rows = scorer(scheme, HI03_ORGS, HI03_COUNTS)
    money = 200 * lsa * pa  # £ a point after adjustment; with both: 200 × 11/10 × 39/55 = 156
    check(
        pick(rows, "pcn", "U00001", "HI-03"),
        practices_with_data=2,
        member_practices=3,
        numerator=130,
        denominator=180,
        pca_count=15,
        achievement=F(650, 9),
        status="amber",
        points_achieved=8,
        list_size=55000,
        list_size_adjustment=lsa,
        prevalence_adjustment=pa,
        payment_available=36 * money,  # both: 5,616
        payment_achieved=8 * money,  # both: 1,248
        payment_outstanding=28 * money,  # both: 4,368
        patients_to_upper=14,
        value_per_patient=28 * money / 14,  # both: 312
    )
    check(
        pick(rows, "place", "01A", "HI-03"),
        list_size=55000,
        list_size_adjustment=None,
        prevalence_adjustment=None,
        payment_available=36 * money,
        payment_achieved=8 * money,
    )


# --- section 3: periods -----------------------------------------------------------------------


def test_only_the_period_scored_is_used_nothing_carried_forward(scorer):
    extract = [
        count("A00001", "VI-01", 1800, 2000, period="2025-08-31"),
        count("A00002", "VI-01", 2500, 3000, period="2025-08-31"),
        count("A00001", "VI-01", 1900, 2300, period="2025-09-30"),  # A00002 missing in September
    ]
    rows = scorer(scheme_toml(VI01), WORKED_ORGS, extract)
    assert {r["period_end"].isoformat() for r in rows} == {"2025-08-31", "2025-09-30"}
    # August: 4300/5000 = 86 % exactly: green
    check(
        pick(rows, "pcn", "U00001", "VI-01", "2025-08-31"),
        practices_with_data=2,
        numerator=4300,
        denominator=5000,
        status="green",
        points_achieved=40,
    )
    # September: A00001 alone, 1900/2300; A00002's August figures are not carried forward
    check(
        pick(rows, "pcn", "U00001", "VI-01", "2025-09-30"),
        practices_with_data=1,
        member_practices=3,
        numerator=1900,
        denominator=2300,
        achievement=F(190000, 2300),
    )
    check(pick(rows, "practice", "A00002", "VI-01", "2025-09-30"), status="no_data")


TWO_PERIODS = [
    count(code, "VI-01", n, d, period=p)
    for p in ("2025-08-31", "2025-09-30")
    for code, n, d in (("A00001", 1900, 2300), ("A00002", 2600, 3100), ("A00003", 1450, 1800))
]


@pytest.mark.parametrize("level", ["practice", "pcn", "place", "icb"])
@pytest.mark.parametrize("period", ["2025-08-31", "2025-09-30"])
def test_level_and_period_select_rows(scorer, level, period):
    everything = scorer(scheme_toml(VI01), WORKED_ORGS, TWO_PERIODS)
    chosen = scorer(scheme_toml(VI01), WORKED_ORGS, TWO_PERIODS, level=level, period=period)
    assert chosen
    expected = [
        r for r in everything if r["level"] == level and r["period_end"].isoformat() == period
    ]
    key = lambda r: (r["org_code"], r["indicator_code"])  # noqa: E731
    assert sorted(chosen, key=key) == sorted(expected, key=key)


def test_a_period_given_without_data_is_scored_as_no_data(scorer):
    # section 10: the periods scored are those of the extracts "or the one given"; the PCN is
    # scored (it has data for another period) and nothing is carried forward into October
    rows = scorer(scheme_toml(VI01), WORKED_ORGS, TWO_PERIODS, period="2025-10-31")
    assert len(rows) == 6  # 3 practices, PCN, place, ICB
    for row in rows:
        assert row["period_end"].isoformat() == "2025-10-31"
        check(row, practices_with_data=0, achievement=None, status="no_data")
    check(
        pick(rows, "pcn", "U00001", "VI-01", "2025-10-31"), points_available=40, points_achieved=0
    )


def test_defaults_are_every_level_and_every_period(scorer):
    rows = scorer(scheme_toml(VI01), WORKED_ORGS, TWO_PERIODS)
    # 3 practices + 1 PCN + 1 place + 1 ICB, one indicator, two periods
    assert len(rows) == 12
    assert {r["level"] for r in rows} == {"practice", "pcn", "place", "icb"}


# --- section 10: inputs -----------------------------------------------------------------------


def test_indicator_codes_with_or_without_hyphen(scorer):
    extract = [
        count("A00001", "VI01", 1900, 2300),  # without the hyphen
        count("A00002", "VI-01", 2600, 3100),
        count("A00003", "VI01", 1450, 1800),
    ]
    rows = scorer(scheme_toml(VI01), WORKED_ORGS, extract)
    assert {r["indicator_code"] for r in rows} == {"VI-01"}
    check(
        pick(rows, "pcn", "U00001", "VI-01"),
        numerator=5950,
        denominator=7200,
        patients_to_upper=242,
    )


def test_pca_count_is_summed_and_does_not_change_achievement(scorer):
    extract = [
        count("A00001", "VI-01", 1900, 2300, pca=100),
        count("A00002", "VI-01", 2600, 3100, pca=0),
        count("A00003", "VI-01", 1450, 1800, pca=7),
    ]
    rows = scorer(scheme_toml(VI01), WORKED_ORGS, extract)
    # PCAs are already out of the denominator: achievement stays 5950/7200
    check(pick(rows, "pcn", "U00001", "VI-01"), pca_count=107, achievement=F(2975, 36))
    check(pick(rows, "practice", "A00001", "VI-01"), pca_count=100)


def test_period_on_the_pcn_row_is_the_date_given(scorer):
    rows = scorer(scheme_toml(VI01), WORKED_ORGS, WORKED_COUNTS)
    assert {r["period_end"].isoformat() for r in rows} == {PERIOD}
