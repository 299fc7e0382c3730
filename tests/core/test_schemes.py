"""Scheme files: every bundled year validates, every kind of mistake is reported in plain words."""

from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest

from iif_core.problems import InputError
from iif_core.schemes import (
    DIRECTIONS,
    UNIT_SCALES,
    bundled_scheme_years,
    canonical_indicator_code,
    load_bundled_scheme,
    load_scheme,
    parse_scheme,
    parse_scheme_year,
    previous_scheme_year,
    scheme_from_rows,
    scheme_start_year,
    scheme_to_toml,
    scheme_year_for_date,
)

FIXTURES = Path(__file__).parent.parent / "fixtures" / "schemes"
YEARS = ["2020/21", "2021/22", "2022/23", "2023/24", "2024/25", "2025/26", "2026/27"]

SMALL = """
year = "2025/26"
value_per_point = 198
[indicators."HI-03"]
name = "Learning disability health checks"
unit = "percent"
direction = "higher"
lower_threshold = 0.8
upper_threshold = 1.2
points = 36
"""


def problems_of(path: Path) -> list[str]:
    with pytest.raises(InputError) as caught:
        load_scheme(path)
    return [str(problem) for problem in caught.value.problems]


# --- the bundled schemes ---------------------------------------------------------------------


def test_every_year_is_bundled():
    assert bundled_scheme_years() == YEARS


@pytest.mark.parametrize("year", YEARS)
def test_bundled_scheme_validates_with_its_year_and_dates(year):
    scheme = load_bundled_scheme(year)
    start = int(year[:4])
    assert scheme.year == year
    assert scheme.end_date == date(start + 1, 3, 31)
    assert scheme.start_date == (date(2020, 10, 1) if year == "2020/21" else date(start, 4, 1))
    assert scheme.indicators
    for indicator in scheme.indicators.values():
        assert indicator.unit in UNIT_SCALES and indicator.direction in DIRECTIONS
        assert indicator.source, f"{year} {indicator.code} has no source"
        assert indicator.name and indicator.domain and indicator.area and indicator.description
    assert scheme.source


def test_bundled_scheme_accepts_the_file_spelling_of_the_year():
    assert load_bundled_scheme("2025-26") == load_bundled_scheme("2025/26")


def test_unknown_and_malformed_bundled_years():
    with pytest.raises(KeyError):
        load_bundled_scheme("2019/20")
    with pytest.raises(ValueError):
        load_bundled_scheme("last year")


def test_2020_21_confirmed_values():
    scheme = load_bundled_scheme("2020/21")
    assert scheme.value_per_point == 111
    assert sum(i.points for i in scheme.indicators.values()) == 194
    assert len(scheme.indicators) == 6
    assert any(i.direction == "lower" for i in scheme.indicators.values())


def test_2021_22_confirmed_values():
    scheme = load_bundled_scheme("2021/22")
    assert scheme.value_per_point == Decimal("200")
    expected = {"VI-01": (80, 86, 40), "VI-02": (57, 90, 88), "VI-03": (45, 82, 14)}
    for code, (lower, upper, points) in expected.items():
        indicator = scheme.indicator(code)
        assert (indicator.lower_threshold, indicator.upper_threshold, indicator.points) == (
            lower,
            upper,
            points,
        )
        assert indicator.confirmed
    assert sum(i.points for i in scheme.indicators.values()) == 225
    assert not scheme.indicator("HI-01").confirmed


def test_2022_23_confirmed_values():
    scheme = load_bundled_scheme("2022/23")
    pc01 = scheme.indicator("PC-01")
    assert (pc01.unit, pc01.lower_threshold, pc01.upper_threshold) == (
        "percent",
        Decimal("0.8"),
        Decimal("1.2"),
    )
    can01 = scheme.indicator("CAN-01")
    assert (can01.lower_threshold, can01.upper_threshold, can01.points, can01.confirmed) == (
        40,
        80,
        22,
        True,
    )
    for code in ("ES-01", "ES-02", "AC-02", "EHCH-06"):
        assert scheme.indicator(code).direction == "lower"
    acc05 = scheme.indicator("ACC-05")
    assert (acc05.lower_threshold, acc05.upper_threshold, acc05.points) == (0, 100, 48)


def test_2022_23_october_withdrawals_end_on_30_september():
    scheme = load_bundled_scheme("2022/23")
    withdrawn = {code for code, i in scheme.indicators.items() if i.end_date is not None}
    assert withdrawn == {"ACC-02", "ACC-05", "ACC-08", "EHCH-06"}
    for code in withdrawn:
        indicator = scheme.indicator(code)
        assert indicator.end_date == date(2022, 9, 30) and indicator.start_date is None
        assert not scheme.paid_at_year_end(code)
        assert indicator.value_confirmed("points")  # 18, 48, 71 and 27 points, Pulse [25]
        assert not indicator.value_confirmed("end_date")  # the month is stated, not the day
    assert scheme.paid_at_year_end("CAN-01")


def test_2024_25_confirmed_values():
    scheme = load_bundled_scheme("2024/25")
    assert scheme.value_per_point == 198 and scheme.value_confirmed("value_per_point")
    assert scheme.indicator("HI-03").points == 36 and scheme.indicator("CAN-04").points == 22
    can02, can04 = scheme.indicator("CAN-02"), scheme.indicator("CAN-04")
    assert (can02.start_date, can02.end_date) == (None, date(2024, 9, 30))
    assert (can04.start_date, can04.end_date) == (date(2024, 10, 1), None)
    assert can02.value_confirmed("end_date") and can04.value_confirmed("start_date")
    # 58 points in all [17] at every period end: one of CAN-02 and CAN-04 is in the scheme.
    for day in (date(2024, 4, 30), date(2024, 9, 30), date(2024, 10, 31), date(2025, 3, 31)):
        in_scheme = [i for i in scheme.indicators.values() if i.in_scheme_on(day)]
        assert sum(i.points for i in in_scheme) == 58, day
    assert scheme.paid_at_year_end("CAN-04") and not scheme.paid_at_year_end("CAN-02")


@pytest.mark.parametrize("year", YEARS)
def test_every_bundled_value_has_its_own_source_or_says_why_not(year):
    scheme = load_bundled_scheme(year)
    for name in scheme.values:
        assert name in scheme.sources, f"{year} {name}"
        assert scheme.value_confirmed(name) != scheme.sources[name].startswith("Not confirmed")
    for code, indicator in scheme.indicators.items():
        for name in indicator.values:
            text = indicator.sources.get(name)
            assert text, f"{year} {code} {name} has no source of its own"
            if indicator.value_confirmed(name):
                assert "https://" in text, f"{year} {code} {name}: confirmed without a source"
            else:
                assert text.startswith("Not "), f"{year} {code} {name}: unconfirmed, not said"


@pytest.mark.parametrize("year", ["2025/26", "2026/27"])
def test_recent_years_have_can04_and_hi03_unconfirmed(year):
    scheme = load_bundled_scheme(year)
    assert set(scheme.indicators) == {"CAN-04", "HI-03"}
    assert not any(i.confirmed for i in scheme.indicators.values())
    assert not any(i.confirmed_values for i in scheme.indicators.values())
    assert not scheme.confirmed and not scheme.confirmed_values


@pytest.mark.parametrize("year", YEARS)
def test_learning_disability_indicators_are_prevalence_adjusted(year):
    scheme = load_bundled_scheme(year)
    for code in ("HI-01", "HI-03"):
        if scheme.has_indicator(code):
            indicator = scheme.indicator(code)
            assert indicator.prevalence_adjusted
            assert Decimal("0.005") < indicator.national_prevalence < Decimal("0.006")


# --- one bad file per failure mode -----------------------------------------------------------

BAD_FILES = {
    "unknown_top_key.toml": ['unknown key "value_per_pont"', "did you mean value_per_point"],
    "unknown_indicator_key.toml": ["indicator HI-03", 'unknown key "lower_treshold"'],
    "missing_points.toml": ["indicator HI-03", "points is missing"],
    "missing_value_per_point.toml": ["value_per_point is missing"],
    "wrong_type.toml": ["indicator HI-03", "lower_threshold must be a number", '"60"'],
    "bad_unit.toml": ["indicator HI-03", 'unit "percentage"', "percent, per_1000, rate"],
    "bad_direction.toml": ["indicator HI-03", 'direction "up"', "higher, lower"],
    "thresholds_higher_reversed.toml": [
        "indicator HI-03",
        'upper_threshold (60) must be above lower_threshold (80) because direction is "higher"',
    ],
    "thresholds_lower_reversed.toml": [
        "indicator HI-03",
        'upper_threshold (80) must be below lower_threshold (60) because direction is "lower"',
    ],
    "thresholds_equal.toml": ["indicator HI-03", "upper_threshold (80) must be above"],
    "percent_out_of_range.toml": ["indicator HI-03", "upper_threshold (120)", "between 0 and 100"],
    "points_zero.toml": ["indicator HI-03", "points (0) must be more than 0"],
    "value_per_point_zero.toml": ["value_per_point (0) must be more than 0"],
    "list_size_negative.toml": ["national_average_list_size (-48841) must be more than 0"],
    "prevalence_not_fraction.toml": ["indicator HI-03", "national_prevalence (5.2)", "fraction"],
    "prevalence_without_flag.toml": ["indicator HI-03", "prevalence_adjusted is not true"],
    "dates_reversed.toml": ["start_date (2026-03-31) is after end_date (2025-04-01)"],
    "indicator_dates_reversed.toml": [
        "indicator HI-03",
        "start_date (2024-10-01) is after end_date (2024-09-30)",
    ],
    "indicator_date_outside_year.toml": [
        "indicator HI-03",
        "end_date (2023-04-30) is outside the scheme year, which runs from 2022-04-01 to 2023-03-31",
    ],
    "indicator_date_not_a_date.toml": [
        "indicator HI-03",
        'end_date must be a date like 2025-04-01 (found "30 Sep 2024")',
    ],
    "confirmed_unknown_value.toml": [
        "indicator HI-03",
        'confirmed names "upper_treshold"',
        "did you mean upper_threshold?",
    ],
    "confirmed_wrong_type.toml": ["confirmed must be true, false or a list of value names"],
    "bad_year.toml": ['year "2025"', '"2025/26"'],
    "bad_code.toml": ['indicator "03-HI"', "like HI-03 or SMR-01A"],
    "duplicate_code.toml": ["indicator HI-03", 'appears twice (as "HI-03" and "HI03")'],
    "not_toml.toml": ["is not valid TOML", "line 10"],
    "no_indicators.toml": ["has no indicators"],
    "too_many_decimal_places.toml": [
        "indicator HI-03",
        "lower_threshold (60.1234567) may have at most 6 decimal places",
    ],
}


@pytest.mark.parametrize("name", sorted(BAD_FILES))
def test_bad_file_is_reported_with_file_indicator_and_reason(name):
    problems = problems_of(FIXTURES / name)
    assert all(problem.startswith(f"{name}: ") for problem in problems)
    assert any(all(part in problem for part in BAD_FILES[name]) for problem in problems), problems


def test_every_fixture_is_tested():
    names = {path.name for path in FIXTURES.glob("*.toml")}
    assert names == set(BAD_FILES) | {"several_problems.toml"}


def test_not_toml_gives_no_traceback():
    (problem,) = problems_of(FIXTURES / "not_toml.toml")
    assert "Traceback" not in problem


def test_several_problems_are_all_reported_in_file_order():
    problems = problems_of(FIXTURES / "several_problems.toml")
    expected = [
        'unknown key "colour"',
        "value_per_point (0) must be more than 0",
        'indicator HI-03: unit "percentage"',
        "indicator HI-03: points (-1) must be more than 0",
        "indicator CAN-04: upper_threshold (50) must be above lower_threshold (60)",
    ]
    assert len(problems) == len(expected)
    for problem, part in zip(problems, expected, strict=True):
        assert part in problem


def test_missing_file():
    assert problems_of(FIXTURES / "no_such_file.toml") == ["no_such_file.toml: file not found"]


def test_parse_scheme_names_the_given_source():
    with pytest.raises(InputError) as caught:
        parse_scheme("year = 2025", source="upload.toml")
    assert caught.value.problems[0].file == "upload.toml"


def test_a_boolean_is_not_a_number():
    with pytest.raises(InputError, match="points must be a number"):
        parse_scheme(SMALL.replace("points = 36", "points = true"))


def test_a_date_and_time_is_not_a_date():
    with pytest.raises(InputError, match="start_date must be a date"):
        parse_scheme("start_date = 2025-04-01T00:00:00\n" + SMALL)


# --- codes, lookup, years ----------------------------------------------------------------------


@pytest.mark.parametrize(
    "code, expected",
    [
        ("HI-03", "HI-03"),
        ("HI03", "HI-03"),
        ("hi-03", "HI-03"),
        (" HI03 ", "HI-03"),
        ("smr01a", "SMR-01A"),
        ("SMR-01A", "SMR-01A"),
        ("EHCH-06", "EHCH-06"),
        ("HI-03-", None),
        ("03-HI", None),
        ("HI", None),
        ("HI-03AB", None),
        ("", None),
        (None, None),
    ],
)
def test_canonical_indicator_code(code, expected):
    assert canonical_indicator_code(code) == expected


def test_indicator_lookup_with_and_without_hyphen():
    scheme = load_bundled_scheme("2025/26")
    assert scheme.indicator("HI03") is scheme.indicator("hi-03") is scheme.indicator(" HI-03 ")
    assert scheme.has_indicator("can04")
    assert not scheme.has_indicator("VI-01") and not scheme.has_indicator("nonsense")
    with pytest.raises(KeyError):
        scheme.indicator("VI-01")


def test_codes_are_stored_canonically_in_file_order():
    second_table = SMALL[SMALL.index("[indicators") :].replace('"HI-03"', '"CAN-04"')
    scheme = parse_scheme(SMALL.replace('"HI-03"', '"hi03"') + second_table)
    assert list(scheme.indicators) == ["HI-03", "CAN-04"]


@pytest.mark.parametrize(
    "day, year",
    [
        (date(2025, 4, 1), "2025/26"),
        (date(2025, 9, 30), "2025/26"),
        (date(2026, 3, 31), "2025/26"),
        (date(2026, 4, 1), "2026/27"),
        (date(2000, 1, 1), "1999/00"),
    ],
)
def test_scheme_year_for_date(day, year):
    assert scheme_year_for_date(day) == year


@pytest.mark.parametrize(
    "text, year",
    [
        ("2025/26", "2025/26"),
        ("2025-26", "2025/26"),
        (" 2025 / 2026 ", "2025/26"),
        ("1999/00", "1999/00"),
        ("1999/2000", "1999/00"),
        ("2025/27", None),
        ("2025", None),
        ("25/26", None),
        (2025, None),
        (None, None),
    ],
)
def test_scheme_years_are_read_in_every_spelling_and_written_one_way(text, year):
    assert parse_scheme_year(text) == year


def test_a_scheme_year_knows_its_start_and_the_year_before():
    assert scheme_start_year("2025/26") == 2025
    assert previous_scheme_year("2026/27") == "2025/26"
    assert previous_scheme_year("2000/01") == "1999/00"


# --- exactness and round trip ------------------------------------------------------------------


def test_thresholds_are_exact_decimals():
    indicator = parse_scheme(SMALL).indicator("HI-03")
    assert indicator.lower_threshold == Decimal("0.8")
    assert str(indicator.lower_threshold) == "0.8"
    assert isinstance(indicator.points, Decimal) and indicator.points == 36
    assert indicator.scale == 100


@pytest.mark.parametrize("year", YEARS)
def test_round_trip_through_toml(year):
    scheme = load_bundled_scheme(year)
    assert parse_scheme(scheme_to_toml(scheme)) == scheme


def test_round_trip_keeps_small_and_whole_numbers_as_written():
    scheme = parse_scheme(SMALL.replace("points = 36", "points = 36.5"))
    text = scheme_to_toml(scheme)
    assert "lower_threshold = 0.8\n" in text and "points = 36.5\n" in text
    assert parse_scheme(text) == scheme


# --- a scheme from table rows (a CSV upload) ---------------------------------------------------

ROWS = [
    {
        "indicator_code": "HI03",
        "name": "Learning disability health checks",
        "unit": "percent",
        "direction": "higher",
        "lower_threshold": "60",
        "upper_threshold": "80",
        "points": "36",
        "prevalence_adjusted": "true",
        "national_prevalence": "0.005341",
        "domain": "",
    },
    {
        "indicator_code": "CAN-04",
        "name": "FIT before referral",
        "unit": "percent",
        "direction": "higher",
        "lower_threshold": "0.8",
        "upper_threshold": "80",
        "points": "22",
    },
]


def test_scheme_from_rows():
    scheme = scheme_from_rows(
        ROWS, "2025-26", "198", national_average_list_size=48841, start_date="2025-04-01"
    )
    assert scheme.year == "2025/26" and scheme.value_per_point == 198
    assert scheme.start_date == date(2025, 4, 1)
    hi03 = scheme.indicator("HI-03")
    assert hi03.prevalence_adjusted and hi03.national_prevalence == Decimal("0.005341")
    assert hi03.domain is None
    assert scheme.indicator("CAN-04").lower_threshold == Decimal("0.8")
    assert parse_scheme(scheme_to_toml(scheme)) == scheme


def test_scheme_from_rows_reports_row_and_column():
    rows = [dict(ROWS[0], upper_threshold="50", points="many"), dict(ROWS[1], colour="red")]
    with pytest.raises(InputError) as caught:
        scheme_from_rows(rows, "2025/26", 198, file="scheme.csv")
    problems = [str(problem) for problem in caught.value.problems]
    assert problems == [
        "scheme.csv, row 2, column 'points': indicator HI-03: points must be a number"
        ' (found "many")',
        "scheme.csv, row 2, column 'upper_threshold': indicator HI-03: upper_threshold (50) must"
        ' be above lower_threshold (60) because direction is "higher"',
        "scheme.csv, row 3, column 'colour': indicator CAN-04: unknown key \"colour\" (allowed:"
        " name, unit, direction, lower_threshold, upper_threshold, points, prevalence_adjusted,"
        " national_prevalence, domain, area, description, start_date, end_date, confirmed, source,"
        " sources)",
    ]


def test_scheme_from_rows_without_rows_or_code():
    with pytest.raises(InputError, match="has no indicators"):
        scheme_from_rows([], "2025/26", 198)
    with pytest.raises(InputError, match="indicator_code is missing"):
        scheme_from_rows(
            [{k: v for k, v in ROWS[1].items() if k != "indicator_code"}], "2025/26", 1
        )


# --- dates and per-value confirmation (decisions.md D27, D28) -----------------------------------


def test_the_old_form_of_confirmed_still_reads():
    """confirmed = true per indicator confirms every value it gives; D8's top-level pair too."""
    text = SMALL.replace("points = 36", 'points = 36\nconfirmed = true\nsource = "[9]"')
    scheme = parse_scheme("confirmed = true\nnational_average_list_size = 48841\n" + text)
    hi03 = scheme.indicator("HI-03")
    assert hi03.confirmed_values == {"lower_threshold", "upper_threshold", "points"}
    assert hi03.confirmed and hi03.value_source("points") == "[9]"
    assert scheme.confirmed_values == {"value_per_point", "national_average_list_size"}
    unconfirmed = parse_scheme(SMALL)
    assert not unconfirmed.confirmed_values and not unconfirmed.indicator("HI-03").confirmed_values
    assert unconfirmed.indicator("HI-03").start_date is None
    assert unconfirmed.indicator("HI-03").in_scheme_on(date(2026, 3, 31))


def test_confirmed_and_sources_per_value():
    text = SMALL + (
        'confirmed = ["points"]\nsource = "general"\n\n[indicators."HI-03".sources]\n'
        'points = "36: [17]"\nupper_threshold = "Not confirmed: a best estimate."\n'
    )
    hi03 = parse_scheme('confirmed = ["value_per_point"]\n' + text).indicator("HI-03")
    assert hi03.value_confirmed("points") and not hi03.value_confirmed("lower_threshold")
    assert not hi03.confirmed
    assert hi03.value_source("points") == "36: [17]"
    assert hi03.value_source("upper_threshold") == "Not confirmed: a best estimate."
    assert hi03.value_source("lower_threshold") == "general"  # the indicator's, for the rest


def test_a_source_for_a_value_not_given_is_refused():
    with pytest.raises(InputError) as caught:
        parse_scheme(SMALL + '[indicators."HI-03".sources]\nnational_prevalence = "QOF"\n')
    assert 'sources names "national_prevalence", which is not given' in str(caught.value)


def test_an_indicator_may_start_on_the_schemes_first_day_and_end_on_its_last():
    text = SMALL + "start_date = 2025-04-01\nend_date = 2026-03-31\n"
    assert parse_scheme(text).indicator("HI-03").end_date == date(2026, 3, 31)
    with pytest.raises(InputError) as caught:
        parse_scheme(text.replace("2025-04-01", "2025-03-31"))
    assert "start_date (2025-03-31) is outside the scheme year" in str(caught.value)


def test_dates_in_words():
    scheme = load_bundled_scheme("2024/25")
    assert scheme.dates_text("CAN-02") == "until 30 Sep 2024"
    assert scheme.dates_text("CAN-04") == "from 1 Oct 2024"
    assert scheme.dates_text("HI-03") == "the whole year"
    assert scheme.dates_note("CAN-04", date(2024, 9, 30)) == (
        "Starts 1 Oct 2024: not scored or paid before then."
    )
    assert scheme.dates_note("CAN-04", date(2024, 10, 31)) is None
    assert scheme.dates_note("CAN-02", date(2024, 10, 31)) == (
        "Withdrawn after 30 Sep 2024: not scored or paid for later period ends."
    )
    assert scheme.dates_note("CAN-02", date(2024, 9, 30)) == (
        "Withdrawn after 30 Sep 2024: scored until then, not paid at the year end."
    )
    assert scheme.dates_note("HI-03", date(2024, 9, 30)) is None


@pytest.mark.parametrize("year", ["2022/23", "2024/25"])
def test_round_trip_keeps_dates_confirmations_and_sources(year):
    scheme = load_bundled_scheme(year)
    text = scheme_to_toml(scheme)
    again = parse_scheme(text)
    assert again == scheme
    for code, indicator in scheme.indicators.items():
        other = again.indicator(code)
        assert (other.start_date, other.end_date) == (indicator.start_date, indicator.end_date)
        assert other.sources == indicator.sources  # not part of ==, so compared here
    assert again.sources == scheme.sources
    assert "end_date = 2022-09-30" in text or "start_date = 2024-10-01" in text


def test_scheme_from_rows_reads_confirmed_values_written_in_a_cell():
    rows = [
        {"indicator_code": "HI-03", "name": "LD checks", "unit": "percent",
         "direction": "higher", "lower_threshold": "60", "upper_threshold": "80",
         "points": "36", "confirmed": "lower_threshold; points", "end_date": "2025-09-30"},
    ]  # fmt: skip
    hi03 = scheme_from_rows(rows, "2025/26", 198).indicator("HI-03")
    assert hi03.confirmed_values == {"lower_threshold", "points"}
    assert hi03.end_date == date(2025, 9, 30)
