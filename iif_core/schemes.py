"""IIF schemes as data: read, check and write one year's value per point and indicators."""

from __future__ import annotations

import difflib
import math
import re
import tomllib
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import ClassVar

import tomli_w

from iif_core.problems import InputError, Problem

# iif-rules.md section 2: achievement is shown per 100, per 1,000 or as a plain ratio.
THRESHOLD_DECIMAL_PLACES = 6  # scoring compares thresholds exactly, in whole millionths
UNIT_SCALES = {"percent": 100, "per_1000": 1000, "rate": 1}
# iif-rules.md section 2: stated for every indicator, never inferred from the thresholds.
DIRECTIONS = ("higher", "lower")
# The bundled schemes: one file per financial year, named like 2025-26.toml.
SCHEMES_DIR = Path(__file__).parent / "schemes"
# iif-rules.md section 9: the scheme year runs 1 April - 31 March.
YEAR_START_MONTH = 4

# The values a source can confirm, at the top level and per indicator (decisions.md D8, D28):
# `confirmed` is true (all of them), false (none) or a list of their names, and the table
# `sources` gives each its own source, or says in words why it is not confirmed.
SCHEME_VALUES = ("value_per_point", "national_average_list_size")
INDICATOR_VALUES = (
    "lower_threshold", "upper_threshold", "points", "national_prevalence", "start_date",
    "end_date",
)  # fmt: skip
# Each value in people's words, for the Scheme page and messages.
VALUE_WORDS = {
    "value_per_point": "value of a point",
    "national_average_list_size": "national average list size",
    "lower_threshold": "lower threshold",
    "upper_threshold": "upper threshold",
    "points": "points",
    "national_prevalence": "national prevalence",
    "start_date": "start date",
    "end_date": "end date",
}

# What each key of a scheme file holds. The top-level "confirmed" and "sources" (D8) and the
# indicators' "start_date", "end_date" and "sources" (D27, D28) extend iif-rules.md section 10.
SCHEME_KEYS = {
    "year": "text",
    "value_per_point": "number",
    "national_average_list_size": "number",
    "start_date": "date",
    "end_date": "date",
    "source": "text",
    "confirmed": "values",
    "sources": "notes",
}
SCHEME_REQUIRED = ("year", "value_per_point")
INDICATOR_KEYS = {
    "name": "text",
    "unit": "text",
    "direction": "text",
    "lower_threshold": "number",
    "upper_threshold": "number",
    "points": "number",
    "prevalence_adjusted": "bool",
    "national_prevalence": "number",
    "domain": "text",
    "area": "text",
    "description": "text",
    "start_date": "date",
    "end_date": "date",
    "confirmed": "values",
    "source": "text",
    "sources": "notes",
}
INDICATOR_REQUIRED = ("name", "unit", "direction", "lower_threshold", "upper_threshold", "points")
# How a wrong type is explained to the person fixing the file.
KIND_WORDS = {
    "text": "text in quotes",
    "number": "a number",
    "bool": "true or false",
    "date": "a date like 2025-04-01",
    "values": 'true, false or a list of value names like ["points"]',
    "notes": 'a table of texts, like [indicators."HI-03".sources] with points = "..."',
}
# A code is letters, an optional hyphen, digits and at most one more letter: HI-03, SMR-01A.
CODE_PATTERN = re.compile(r"([A-Z]+)-?([0-9]+[A-Z]?)")
# A scheme year: "2025/26", also accepted as "2025-26" or "2025/2026".
YEAR_PATTERN = re.compile(r"([0-9]{4})\s*[/-]\s*([0-9]{2}|[0-9]{4})")
ABSENT = object()  # an empty cell in a scheme CSV: the key was not given


class _ConfirmedValues:
    """The values a source can confirm (named by VALUE_NAMES), which it confirms, and the source
    of each: shared by a scheme's top level and its indicators (decisions.md D28)."""

    VALUE_NAMES: ClassVar[tuple[str, ...]] = ()

    @property
    def values(self) -> dict:
        """The values a source can confirm that this gives, by name, in file order."""
        return {
            name: getattr(self, name)
            for name in self.VALUE_NAMES
            if getattr(self, name) is not None
        }

    @property
    def confirmed(self) -> bool:
        """True when a source confirms every one of its values."""
        return set(self.values) <= self.confirmed_values

    def value_confirmed(self, name: str) -> bool:
        return name in self.confirmed_values

    def value_source(self, name: str) -> str | None:
        """The source of one value: its own, else the one given for all of them."""
        return self.sources.get(name) or self.source


@dataclass(frozen=True)
class Indicator(_ConfirmedValues):
    """One indicator of one year: thresholds in the unit the user sees, exactly as published,
    the dates it is in the scheme (none: the whole year), and which of its values a source
    confirms."""

    code: str
    name: str
    unit: str
    direction: str
    lower_threshold: Decimal
    upper_threshold: Decimal
    points: Decimal
    prevalence_adjusted: bool = False
    national_prevalence: Decimal | None = None
    domain: str | None = None
    area: str | None = None
    description: str | None = None
    start_date: date | None = None
    end_date: date | None = None
    confirmed_values: frozenset[str] = frozenset()
    source: str | None = None
    sources: dict[str, str] = field(default_factory=dict, hash=False)

    VALUE_NAMES: ClassVar[tuple[str, ...]] = INDICATOR_VALUES

    @property
    def scale(self) -> int:
        return UNIT_SCALES[self.unit]

    def in_scheme_on(self, period_end: date) -> bool:
        """Whether a period end falls within the indicator's dates (decisions.md D27)."""
        return (self.start_date is None or period_end >= self.start_date) and (
            self.end_date is None or period_end <= self.end_date
        )


@dataclass(frozen=True)
class Scheme(_ConfirmedValues):
    """One financial year's IIF: value per point, national average list size and indicators."""

    year: str
    value_per_point: Decimal
    national_average_list_size: Decimal | None
    start_date: date | None
    end_date: date | None
    source: str | None
    confirmed_values: frozenset[str]
    indicators: dict[str, Indicator]
    sources: dict[str, str] = field(default_factory=dict, hash=False)

    VALUE_NAMES: ClassVar[tuple[str, ...]] = SCHEME_VALUES

    def indicator(self, code: str) -> Indicator:
        """The indicator with this code, written with or without the hyphen, in any case."""
        canonical = canonical_indicator_code(code)
        if canonical not in self.indicators:
            raise KeyError(f"{code!r} is not an indicator of the {self.year} scheme")
        return self.indicators[canonical]

    def has_indicator(self, code: str) -> bool:
        return canonical_indicator_code(code) in self.indicators

    @property
    def first_day(self) -> date:
        """The scheme's first day: its start_date, else 1 April (iif-rules.md section 9)."""
        return self.start_date or date(scheme_start_year(self.year), YEAR_START_MONTH, 1)

    @property
    def last_day(self) -> date:
        """The scheme's last day, the year end at which it pays: its end_date, else 31 March."""
        return self.end_date or date(scheme_start_year(self.year) + 1, 3, 31)

    def paid_at_year_end(self, code: str) -> bool:
        """Whether the indicator is in the scheme at the year end, when IIF pays (D27)."""
        return self.indicators[code].in_scheme_on(self.last_day)

    def dates_note(self, code: str, period_end: date | None = None) -> str | None:
        """Why an indicator is not scored at a period end, or not paid at the year end, in
        words; None when it is in the scheme for the whole year (decisions.md D27)."""
        indicator = self.indicators[code]
        start, end = indicator.start_date, indicator.end_date
        if period_end is not None and start is not None and period_end < start:
            return f"Starts {_day_words(start)}: not scored or paid before then."
        if period_end is not None and end is not None and period_end > end:
            return f"Withdrawn after {_day_words(end)}: not scored or paid for later period ends."
        if end is not None and end < self.last_day:
            return (
                f"Withdrawn after {_day_words(end)}: scored until then, not paid at the year end."
            )
        if period_end is None and start is not None and start > self.first_day:
            return f"Starts {_day_words(start)}: scored from then on."
        return None

    def dates_text(self, code: str) -> str:
        """The dates an indicator is in the scheme: 'the whole year', 'from 1 Oct 2024',
        'until 30 Sep 2022' or 'from 1 Jul 2022 to 30 Sep 2022'."""
        indicator = self.indicators[code]
        start = indicator.start_date if indicator.start_date not in (None, self.first_day) else None
        end = indicator.end_date if indicator.end_date not in (None, self.last_day) else None
        if start and end:
            return f"from {_day_words(start)} to {_day_words(end)}"
        if start:
            return f"from {_day_words(start)}"
        if end:
            return f"until {_day_words(end)}"
        return "the whole year"


def _day_words(day: date) -> str:
    return f"{day.day} {day:%b %Y}"


def canonical_indicator_code(code: str) -> str | None:
    """The code in upper case with its hyphen ("hi03" -> "HI-03"), or None if it is not a code."""
    if not isinstance(code, str):
        return None
    match = CODE_PATTERN.fullmatch(code.strip().upper())
    return f"{match[1]}-{match[2]}" if match else None


def parse_scheme(text: str, source: str = "scheme.toml") -> Scheme:
    """A scheme from TOML text; `source` is the file name the problems are reported against."""
    try:
        # parse_float=Decimal keeps 0.8 exactly 0.8, as written in the file.
        data = tomllib.loads(text, parse_float=Decimal)
    except tomllib.TOMLDecodeError as error:
        raise InputError([Problem(file=source, message=f"is not valid TOML: {error}")]) from None
    problems = []
    indicators = data.pop("indicators", {})
    if not isinstance(indicators, dict):
        problems.append(
            Problem(
                file=source,
                message='indicators must be tables, one per indicator, like [indicators."HI-03"]',
            )
        )
        indicators = {}
    entries = [(code, fields, None) for code, fields in indicators.items()]
    return _build_scheme(data, entries, source, problems)


def load_scheme(path) -> Scheme:
    """The scheme in a TOML file, checked; InputError lists every problem found."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise InputError([Problem(file=path.name, message="file not found")]) from None
    except UnicodeDecodeError:
        raise InputError([Problem(file=path.name, message="is not UTF-8 text")]) from None
    return parse_scheme(text, source=path.name)


def bundled_scheme_years() -> list[str]:
    """The years with a scheme file in the package, oldest first: ["2020/21", ...]."""
    return sorted(parse_scheme_year(path.stem) for path in SCHEMES_DIR.glob("*.toml"))


def load_bundled_scheme(year: str) -> Scheme:
    """The package's scheme for "2025/26" (or "2025-26"); KeyError if there is none."""
    canonical = parse_scheme_year(year)
    if canonical is None:
        raise ValueError(f"{year!r} is not a scheme year; write it like '2025/26'")
    path = SCHEMES_DIR / f"{canonical.replace('/', '-')}.toml"
    if not path.exists():
        years = ", ".join(bundled_scheme_years())
        raise KeyError(f"there is no bundled scheme for {canonical}; there are: {years}")
    return load_scheme(path)


def parse_scheme_year(text) -> str | None:
    """ "2025/26", "2025-26" or "2025/2026" as "2025/26"; None if it is not a financial year."""
    match = YEAR_PATTERN.fullmatch(text.strip()) if isinstance(text, str) else None
    if not match:
        return None
    start, end = int(match[1]), int(match[2])
    if end not in (start + 1, (start + 1) % 100):
        return None
    return _year_starting(start)


def scheme_start_year(year: str) -> int:
    """The calendar year a scheme year starts in: "2025/26" -> 2025."""
    return int(year[:4])


def previous_scheme_year(year: str) -> str:
    """The scheme year before: "2026/27" -> "2025/26"."""
    return _year_starting(scheme_start_year(year) - 1)


def scheme_year_for_date(d: date) -> str:
    """The financial year a date falls in: 2026-03-31 -> "2025/26", 2026-04-01 -> "2026/27"."""
    return _year_starting(d.year if d.month >= YEAR_START_MONTH else d.year - 1)


def _year_starting(start: int) -> str:
    """The scheme year that starts in a calendar year: 2025 -> "2025/26"."""
    return f"{start}/{(start + 1) % 100:02d}"


def scheme_to_toml(scheme: Scheme) -> str:
    """The scheme as TOML text that parse_scheme reads back to an equal scheme."""
    top = {"year": scheme.year, "value_per_point": _toml_number(scheme.value_per_point)}
    optional = {
        "national_average_list_size": _toml_number(scheme.national_average_list_size),
        "start_date": scheme.start_date,
        "end_date": scheme.end_date,
        "source": scheme.source,
    }
    top.update({key: value for key, value in optional.items() if value is not None})
    top["confirmed"] = _confirmed_for_file(scheme.confirmed_values, scheme.values)
    if scheme.sources:
        top["sources"] = _in_order(scheme.sources, SCHEME_VALUES)
    top["indicators"] = {}
    for code, indicator in scheme.indicators.items():
        fields = {}
        for key in INDICATOR_KEYS:
            value = getattr(indicator, key)
            if key == "confirmed":
                value = _confirmed_for_file(indicator.confirmed_values, indicator.values)
            elif key == "sources":
                value = _in_order(value, INDICATOR_VALUES) or None
            if value is not None:
                fields[key] = _toml_number(value) if isinstance(value, Decimal) else value
        top["indicators"][code] = fields
    return tomli_w.dumps(top)


def _confirmed_for_file(confirmed: frozenset[str], values: dict):
    """`confirmed` as a person would write it: false for none, true for all, else a list."""
    if not confirmed:
        return False
    if set(values) <= confirmed:
        return True
    return [name for name in values if name in confirmed]


def _in_order(notes: dict, names: tuple) -> dict:
    return {name: notes[name] for name in names if name in notes}


def scheme_from_rows(
    rows: list[dict], year: str, value_per_point, *, file: str = "scheme.csv", **top
) -> Scheme:
    """A scheme from table rows (one per indicator, an indicator_code column and the indicator
    keys as columns), checked like a scheme file; row numbers count the header as row 1."""
    data = _from_text({"year": year, "value_per_point": value_per_point, **top}, SCHEME_KEYS)
    entries = []
    for row_number, row in enumerate(rows, start=2):
        fields = _from_text(row, INDICATOR_KEYS)
        code = fields.pop("indicator_code", fields.pop("code", ABSENT))
        entries.append((code, fields, row_number))
    return _build_scheme(data, entries, file, [])


def _build_scheme(top: dict, entries: list, file: str, problems: list[Problem]) -> Scheme:
    """Check everything, collect every problem, and raise them together or build the scheme."""

    def say(message, row=None, key=None):
        problems.append(Problem(file, message, row=row, column=key if row is not None else None))

    def say_top(message, key):
        say(message, key=key)

    fields = _typed(top, SCHEME_KEYS, SCHEME_REQUIRED, say_top, tables=["indicators"])
    year = fields.get("year")
    if year is not None and parse_scheme_year(year) is None:
        say(f'year "{year}" must be written like "2025/26"', key="year")
    for key in ("value_per_point", "national_average_list_size"):
        if key in fields and fields[key] <= 0:
            say(f"{key} ({_show(fields[key])}) must be more than 0", key=key)
    start, end = fields.get("start_date"), fields.get("end_date")
    if start and end and start > end:
        say(f"start_date ({start}) is after end_date ({end})", key="start_date")
    top_values = {name: fields[name] for name in SCHEME_VALUES if name in fields}
    top_confirmed = _confirmed_values(fields, top_values, SCHEME_VALUES, say_top)
    top_sources = _value_sources(fields, top_values, SCHEME_VALUES, say_top)
    year_start = parse_scheme_year(year) if year is not None else None
    first_day = start or (date(scheme_start_year(year_start), 4, 1) if year_start else None)
    last_day = end or (date(scheme_start_year(year_start) + 1, 3, 31) if year_start else None)

    indicators: dict[str, Indicator] = {}
    first_written: dict[str, str] = {}
    for raw_code, raw_fields, row in entries:
        code = canonical_indicator_code(raw_code)
        label = code or ("(no code)" if raw_code is ABSENT else f'"{raw_code}"')

        def say_here(message, key=None, row=row, label=label):
            say(f"indicator {label}: {message}", row=row, key=key)

        if code is None:
            if raw_code is ABSENT:
                say_here("indicator_code is missing", key="indicator_code")
            else:
                say_here("the code must be letters, a hyphen and digits, like HI-03 or SMR-01A")
        elif code in first_written:
            say_here(f'appears twice (as "{first_written[code]}" and "{raw_code}")')
            continue
        else:
            first_written[code] = raw_code
        if not isinstance(raw_fields, dict):
            say_here(f'must be a table like [indicators."{raw_code}"] with name, unit, ...')
            continue
        checked = _check_indicator(raw_fields, say_here, first_day, last_day)
        if code is not None and checked is not None:
            indicators[code] = Indicator(code=code, **checked)
    if not entries:
        say('has no indicators: add at least one table like [indicators."HI-03"]')

    if problems:
        raise InputError(problems)
    return Scheme(
        year=parse_scheme_year(fields["year"]),
        value_per_point=fields["value_per_point"],
        national_average_list_size=fields.get("national_average_list_size"),
        start_date=start,
        end_date=end,
        source=fields.get("source"),
        confirmed_values=top_confirmed,
        indicators=indicators,
        sources=top_sources,
    )


def _check_indicator(raw_fields: dict, say, first_day, last_day) -> dict | None:
    """One indicator's fields, checked against each other and its dates against the scheme
    year's (`first_day` to `last_day`); None if any of them is wrong."""
    complaints = []

    def complain(message, key=None):
        complaints.append(message)
        say(message, key)

    fields = _typed(raw_fields, INDICATOR_KEYS, INDICATOR_REQUIRED, complain)
    unit, direction = fields.get("unit"), fields.get("direction")
    if unit is not None and unit not in UNIT_SCALES:
        complain(f'unit "{unit}" must be one of: {", ".join(UNIT_SCALES)}', "unit")
    if direction is not None and direction not in DIRECTIONS:
        complain(f'direction "{direction}" must be one of: {", ".join(DIRECTIONS)}', "direction")
    if fields.get("name") is not None and not fields["name"].strip():
        complain("name must not be empty", "name")

    for key in ("lower_threshold", "upper_threshold"):
        value = fields.get(key)
        if value is None:
            continue
        if unit == "percent" and not 0 <= value <= 100:
            complain(
                f'{key} ({_show(value)}) must be between 0 and 100 because unit is "percent"', key
            )
        elif value < 0:
            complain(f"{key} ({_show(value)}) must not be negative", key)
        if value.as_tuple().exponent < -THRESHOLD_DECIMAL_PLACES:
            complain(
                f"{key} ({_show(value)}) may have at most {THRESHOLD_DECIMAL_PLACES} decimal places",
                key,
            )
    lower, upper = fields.get("lower_threshold"), fields.get("upper_threshold")
    if lower is not None and upper is not None:
        if direction == "higher" and not upper > lower:
            complain(
                f"upper_threshold ({_show(upper)}) must be above lower_threshold ({_show(lower)})"
                ' because direction is "higher"',
                "upper_threshold",
            )
        if direction == "lower" and not upper < lower:
            complain(
                f"upper_threshold ({_show(upper)}) must be below lower_threshold ({_show(lower)})"
                ' because direction is "lower" (less is better, so the lower threshold is the'
                " larger number)",
                "upper_threshold",
            )
    if fields.get("points") is not None and fields["points"] <= 0:
        complain(f"points ({_show(fields['points'])}) must be more than 0", "points")

    prevalence = fields.get("national_prevalence")
    if prevalence is not None:
        if not 0 < prevalence < 1:
            complain(
                f"national_prevalence ({_show(prevalence)}) must be a fraction between 0 and 1,"
                " e.g. 0.0052 for 0.52%",
                "national_prevalence",
            )
        if not fields.get("prevalence_adjusted", False):
            complain(
                "national_prevalence is given but prevalence_adjusted is not true: set"
                " prevalence_adjusted = true or remove national_prevalence",
                "national_prevalence",
            )

    start, end = fields.get("start_date"), fields.get("end_date")
    if start is not None and end is not None and start > end:
        complain(f"start_date ({start}) is after end_date ({end})", "start_date")
    for key, day in (("start_date", start), ("end_date", end)):
        if day is None or first_day is None or last_day is None:
            continue
        if not first_day <= day <= last_day:
            complain(
                f"{key} ({day}) is outside the scheme year, which runs from {first_day} to"
                f" {last_day}",
                key,
            )

    values = {name: fields[name] for name in INDICATOR_VALUES if name in fields}
    confirmed = _confirmed_values(fields, values, INDICATOR_VALUES, complain)
    sources = _value_sources(fields, values, INDICATOR_VALUES, complain)
    if complaints:
        return None
    fields.pop("confirmed", None)
    return {**fields, "confirmed_values": confirmed, "sources": sources}


def _confirmed_values(fields: dict, values: dict, names: tuple, say) -> frozenset[str]:
    """`confirmed` read: true is every value given, false none, a list the values it names,
    each of which must be one the table gives."""
    confirmed = fields.get("confirmed", False)
    if confirmed is True:
        return frozenset(values)
    if confirmed is False:
        return frozenset()
    found = set()
    for name in confirmed:
        if _known_value(name, values, names, "confirmed", say):
            found.add(name)
    return frozenset(found)


def _value_sources(fields: dict, values: dict, names: tuple, say) -> dict[str, str]:
    """`sources` read: a text for each value it names, each a value the table gives."""
    sources = fields.get("sources", {})
    return {
        name: text
        for name, text in sources.items()
        if _known_value(name, values, names, "sources", say)
    }


def _known_value(name: str, values: dict, names: tuple, key: str, say) -> bool:
    if name not in names:
        close = difflib.get_close_matches(name, names, n=1)
        hint = f"did you mean {close[0]}?" if close else f"allowed: {', '.join(names)}"
        say(f'{key} names "{name}", which is not a value a source can confirm ({hint})', key)
        return False
    if name not in values:
        say(f'{key} names "{name}", which is not given', key)
        return False
    return True


def _typed(fields: dict, kinds: dict, required: tuple, say, tables=()) -> dict:
    """The fields that are known and have the right type; says what is unknown, wrong or missing.
    `tables` are further names a misspelt key may have meant (the top level's "indicators")."""
    good = {}
    for key, value in fields.items():
        kind = kinds.get(key)
        if kind is None:
            close = difflib.get_close_matches(key, [*kinds, *tables], n=1)
            hint = f"did you mean {close[0]}?" if close else f"allowed: {', '.join(kinds)}"
            say(f'unknown key "{key}" ({hint})', key)
            continue
        converted = _as_kind(value, kind)
        if converted is ABSENT:
            say(f"{key} must be {KIND_WORDS[kind]} (found {_describe(value)})", key)
        else:
            good[key] = converted
    for key in required:
        if key not in fields:
            say(f"{key} is missing", key)
    return good


def _as_kind(value, kind: str):
    """The value as the kind the key holds (numbers become Decimal), or ABSENT if it is not one."""
    if kind == "text" and isinstance(value, str):
        return value
    if kind == "bool" and isinstance(value, bool):
        return value
    if kind == "date" and type(value) is date:
        return value
    if kind == "values" and isinstance(value, bool):
        return value
    if kind == "values" and isinstance(value, list | tuple | set | frozenset):
        if all(isinstance(name, str) for name in value):
            return tuple(value)
    if kind == "notes" and isinstance(value, dict):
        if all(isinstance(text, str) for text in value.values()):
            return dict(value)
    if kind == "number" and not isinstance(value, bool):
        if isinstance(value, int):
            return Decimal(value)
        if isinstance(value, float) and math.isfinite(value):
            return Decimal(str(value))  # str() is the shortest text: 0.8 -> Decimal("0.8")
        if isinstance(value, Decimal) and value.is_finite():
            return value
    return ABSENT


def _from_text(fields: dict, kinds: dict) -> dict:
    """Cells of a scheme table as the values a TOML file would hold; empty cells left out.
    A cell that cannot be read is kept as text so that the type check reports it."""
    converted = {}
    for key, value in fields.items():
        if hasattr(value, "item"):
            value = value.item()  # a numpy scalar from a pandas row
        if value is None or (isinstance(value, float) and math.isnan(value)):
            continue
        if isinstance(value, str):
            value = value.strip()
            if not value:
                continue
            value = _read_text(value, kinds.get(key))
        converted[key] = value
    return converted


def _read_text(text: str, kind: str | None):
    """A cell's text as a number, true/false or a date when the key holds one; else the text."""
    if kind == "number":
        try:
            return Decimal(text)
        except InvalidOperation:
            return text
    if kind in ("bool", "values"):
        words = {"true": True, "yes": True, "1": True, "false": False, "no": False, "0": False}
        if kind == "values" and text.lower() not in words:
            return [name.strip() for name in re.split(r"[,;]", text) if name.strip()]
        return words.get(text.lower(), text)
    if kind == "date":
        try:
            return date.fromisoformat(text)
        except ValueError:
            return text
    return text


def _toml_number(value: Decimal | None):
    """Whole numbers written without a decimal point, so 80 stays 80 in the file."""
    if value is None:
        return None
    return int(value) if value.as_tuple().exponent >= 0 else value


def _show(value: Decimal) -> str:
    return format(value, "f")


def _describe(value) -> str:
    """A value as the person sees it in the file."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return f'"{value}"'
    if isinstance(value, dict):
        return "a table"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, date):
        return value.isoformat()
    return str(value)
