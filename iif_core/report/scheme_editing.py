"""The scheme as a table a person can read and edit, and a checked scheme from it."""

from __future__ import annotations

import math
from decimal import Decimal

import pandas as pd

from iif_core.schemes import Scheme, scheme_from_rows

SCHEME_TABLE_COLUMNS = (
    "indicator_code", "name", "unit", "direction", "lower_threshold", "upper_threshold",
    "points", "prevalence_adjusted", "national_prevalence", "confirmed", "area", "source",
)  # fmt: skip


def scheme_table(scheme: Scheme) -> pd.DataFrame:
    """The scheme's indicators as a table a person can read and edit, numbers as floats."""
    rows = []
    for code, i in scheme.indicators.items():
        rows.append(
            {
                "indicator_code": code,
                "name": i.name,
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
                "area": i.area or i.domain or "",
                "source": i.source or "",
            }
        )
    return pd.DataFrame(rows, columns=list(SCHEME_TABLE_COLUMNS))


def scheme_from_table(
    table: pd.DataFrame,
    scheme: Scheme,
    value_per_point,
    national_average_list_size,
    confirmed: bool | None = None,
) -> Scheme:
    """A new scheme from an edited indicator table and top-level values, checked exactly as a
    scheme file is (InputError lists every problem). Words the table does not show (domain,
    description) are kept from `scheme`."""
    rows = []
    for record in table.to_dict("records"):
        code = record.get("indicator_code")
        base = scheme.indicators.get(code)
        row = {key: _plain(value) for key, value in record.items() if key != "area"}
        if base is not None:
            row["area"] = base.area
            row["domain"] = base.domain
            row["description"] = base.description
        if not row.get("prevalence_adjusted"):
            row["prevalence_adjusted"] = False
        rows.append(row)
    top = {
        "start_date": scheme.start_date.isoformat() if scheme.start_date else None,
        "end_date": scheme.end_date.isoformat() if scheme.end_date else None,
        "source": scheme.source,
        "confirmed": scheme.confirmed if confirmed is None else confirmed,
        "national_average_list_size": _plain(national_average_list_size),
    }
    top = {key: value for key, value in top.items() if value is not None}
    return scheme_from_rows(
        rows, scheme.year, _plain(value_per_point), file="the scheme table", **top
    )


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
