"""The scheme as tables a person can read and edit, and a checked scheme from them."""

from __future__ import annotations

import math
from decimal import Decimal

import pandas as pd

from iif_core.report.common import indicator_unconfirmed
from iif_core.schemes import VALUE_WORDS, Scheme, scheme_from_rows

SCHEME_TABLE_COLUMNS = (
    "indicator_code", "name", "dates", "unit", "direction", "lower_threshold", "upper_threshold",
    "points", "prevalence_adjusted", "national_prevalence", "confirmed", "unconfirmed", "area",
    "source",
)  # fmt: skip
VALUE_TABLE_COLUMNS = (
    "indicator_code", "value", "value_words", "figure", "confirmed", "confirmed_label", "source",
)  # fmt: skip
# Columns that only describe (dates and confirmations in words), left out of an editing table.
SHOWN_ONLY = ("dates", "unconfirmed", "confirmed_label")
SCHEME_ROW = "Scheme"  # the indicator_code of the top-level values in the table of values
CONFIRMED_LABELS = {True: "✔ Confirmed", False: "✖ Unconfirmed"}


def scheme_table(scheme: Scheme, editing: bool = False) -> pd.DataFrame:
    """The scheme's indicators as a table a person can read and edit, numbers as floats, with
    the dates each is in the scheme and its unconfirmed values in words (not when `editing`)."""
    rows = []
    for code, i in scheme.indicators.items():
        unconfirmed = indicator_unconfirmed(i)
        rows.append(
            {
                "indicator_code": code,
                "name": i.name,
                "dates": scheme.dates_text(code),
                "unit": i.unit,
                "direction": i.direction,
                "lower_threshold": float(i.lower_threshold),
                "upper_threshold": float(i.upper_threshold),
                "points": float(i.points),
                "prevalence_adjusted": i.prevalence_adjusted,
                "national_prevalence": (
                    float(i.national_prevalence) if i.national_prevalence is not None else None
                ),
                "confirmed": i.confirmed,
                "unconfirmed": ", ".join(unconfirmed) if unconfirmed else "none",
                "area": i.area or i.domain or "",
                "source": i.source or "",
            }
        )
    return _shown(pd.DataFrame(rows, columns=list(SCHEME_TABLE_COLUMNS)), editing)


def scheme_values(scheme: Scheme, editing: bool = False) -> pd.DataFrame:
    """One row per value a source can confirm (the scheme's, then each indicator's): the value,
    its figure as written, whether a published source confirms it and its source in words."""
    rows = [
        _value_row(
            SCHEME_ROW, name, figure, scheme.value_confirmed(name), scheme.value_source(name)
        )
        for name, figure in scheme.values.items()
    ]
    for code, indicator in scheme.indicators.items():
        rows += [
            _value_row(
                code, name, figure, indicator.value_confirmed(name), indicator.value_source(name)
            )
            for name, figure in indicator.values.items()
        ]
    return _shown(pd.DataFrame(rows, columns=list(VALUE_TABLE_COLUMNS)), editing)


def _shown(table: pd.DataFrame, editing: bool) -> pd.DataFrame:
    return table.drop(columns=[c for c in SHOWN_ONLY if c in table]) if editing else table


def unconfirmed_count_text(scheme: Scheme) -> str:
    """'7 of 12 values unconfirmed' or 'Every value confirmed (12)'."""
    values = scheme_values(scheme)
    unconfirmed = int((~values["confirmed"]).sum())
    if not unconfirmed:
        return f"Every value confirmed ({len(values)})"
    noun = "value" if len(values) == 1 else "values"
    return f"{unconfirmed} of {len(values)} {noun} unconfirmed"


def _value_row(code: str, name: str, figure, confirmed: bool, source: str | None) -> dict:
    return {
        "indicator_code": code,
        "value": name,
        "value_words": VALUE_WORDS[name],
        "figure": _figure_text(figure),
        "confirmed": confirmed,
        "confirmed_label": CONFIRMED_LABELS[confirmed],
        "source": source or "",
    }


def _figure_text(figure) -> str:
    if isinstance(figure, Decimal):
        return format(figure.normalize(), "f") if figure == figure.to_integral() else str(figure)
    return str(figure)


def scheme_from_table(
    table: pd.DataFrame,
    scheme: Scheme,
    value_per_point,
    national_average_list_size,
    confirmed: bool | None = None,
    values: pd.DataFrame | None = None,
) -> Scheme:
    """A new scheme from an edited indicator table and top-level values, checked exactly as a
    scheme file is (InputError lists every problem). Words and dates the table does not show
    (domain, description, start and end dates) are kept from `scheme`. Which values are
    confirmed, and their sources, come from an edited `values` table (scheme_values) when given,
    else from `scheme`; `confirmed` true or false marks both top-level values at once (D8)."""
    confirmations, sources = _confirmations(scheme, values)
    rows = []
    for record in table.to_dict("records"):
        code = record.get("indicator_code")
        base = scheme.indicators.get(code)
        row = {
            key: _plain(value)
            for key, value in record.items()
            if key not in ("area", "dates", "unconfirmed", "confirmed")
        }
        if base is not None:
            row["area"] = base.area
            row["domain"] = base.domain
            row["description"] = base.description
            row["start_date"] = base.start_date
            row["end_date"] = base.end_date
        if not row.get("prevalence_adjusted"):
            row["prevalence_adjusted"] = False
        given = {name for name, value in row.items() if value is not None}
        row["confirmed"] = [name for name in confirmations.get(code, ()) if name in given]
        row["sources"] = {
            name: text for name, text in sources.get(code, {}).items() if name in given
        }
        rows.append(row)
    top_confirmed = confirmations.get(SCHEME_ROW, [])
    if confirmed is not None:
        top_confirmed = ["value_per_point", "national_average_list_size"] if confirmed else []
    average = _plain(national_average_list_size)
    if average is None:
        top_confirmed = [name for name in top_confirmed if name != "national_average_list_size"]
    top = {
        "start_date": scheme.start_date.isoformat() if scheme.start_date else None,
        "end_date": scheme.end_date.isoformat() if scheme.end_date else None,
        "source": scheme.source,
        "confirmed": top_confirmed,
        "sources": sources.get(SCHEME_ROW) or None,
        "national_average_list_size": average,
    }
    top = {key: value for key, value in top.items() if value is not None}
    return scheme_from_rows(
        rows, scheme.year, _plain(value_per_point), file="the scheme table", **top
    )


def _confirmations(scheme: Scheme, values: pd.DataFrame | None) -> tuple[dict, dict]:
    """Per indicator code (and SCHEME_ROW) the names of the confirmed values and each value's
    own source: from an edited table of values, else as the scheme has them. A source that is
    only the indicator's (or scheme's) general source is not copied to the value."""
    if values is None:
        confirmations = {SCHEME_ROW: sorted(scheme.confirmed_values)}
        sources = {SCHEME_ROW: dict(scheme.sources)}
        for code, indicator in scheme.indicators.items():
            confirmations[code] = sorted(indicator.confirmed_values)
            sources[code] = dict(indicator.sources)
        return confirmations, sources
    confirmations, sources = {}, {}
    for record in values.to_dict("records"):
        code, name = record["indicator_code"], record["value"]
        if bool(record.get("confirmed")):
            confirmations.setdefault(code, []).append(name)
        text = _plain(record.get("source"))
        base = scheme if code == SCHEME_ROW else scheme.indicators.get(code)
        general = base.source if base is not None else None
        if isinstance(text, str) and text.strip() and text != general:
            sources.setdefault(code, {})[name] = text.strip()
    return confirmations, sources


def _plain(value):
    """A cell as the value a scheme file would hold: whole floats as integers, blanks as None."""
    if hasattr(value, "item"):
        value = value.item()
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return None
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, float):
        return Decimal(str(value))
    return value
