"""Small builders for spec inputs, and one way to run and read back either scorer."""

from __future__ import annotations

import datetime as dt
import json
import math
import tomllib
from decimal import Decimal
from fractions import Fraction

import reference_scorer

COLUMNS = reference_scorer.COLUMNS
KEY = ("level", "org_code", "indicator_code", "period_end")
TEXT_COLUMNS = {"level", "org_code", "org_name", "indicator_code", "status"}
INTEGER_COLUMNS = {
    "practices_with_data",
    "member_practices",
    "numerator",
    "denominator",
    "pca_count",
    "list_size",
    "patients_to_lower",
    "patients_to_upper",
}
SCHEME_YEAR = "2025/26"
PERIOD = "2025-09-30"


# --- inputs -----------------------------------------------------------------------------------


def indicator(unit="percent", direction="higher", lt=80, ut=86, points=40, **more) -> dict:
    return {
        "name": "An indicator",
        "unit": unit,
        "direction": direction,
        "lower_threshold": Decimal(str(lt)),
        "upper_threshold": Decimal(str(ut)),
        "points": points,
        **more,
    }


def _toml_value(value) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return json.dumps(value)
    if isinstance(value, Decimal):
        text = format(value, "f")
        return text if "." in text else text + ".0"
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value)


def scheme_toml(indicators: dict[str, dict], value_per_point=200, **top) -> str:
    """TOML text of a scheme (iif-rules section 10); decimals are written exactly as given."""
    lines = [f'year = "{SCHEME_YEAR}"', f"value_per_point = {_toml_value(value_per_point)}"]
    lines += [f"{key} = {_toml_value(value)}" for key, value in top.items() if value is not None]
    for code, fields in indicators.items():
        lines += ["", f'[indicators."{code}"]']
        lines += [f"{k} = {_toml_value(v)}" for k, v in fields.items() if v is not None]
    return "\n".join(lines) + "\n"


def practice(code, pcn="U00001", place="01A", icb="QAA", list_size=10000) -> dict:
    return {
        "practice_code": code,
        "practice_name": f"Practice {code}",
        "pcn_code": pcn or "",
        "pcn_name": f"PCN {pcn}" if pcn else "",
        "place_code": place,
        "place_name": f"Place {place}",
        "icb_code": icb,
        "icb_name": f"ICB {icb}",
        "list_size": list_size,
    }


def count(code, ind, numerator, denominator, period=PERIOD, pca=None) -> dict:
    row = {
        "practice_code": code,
        "indicator_code": ind,
        "period_end": period,
        "numerator": numerator,
        "denominator": denominator,
    }
    if pca is not None:
        row["pca_count"] = pca
    return row


# --- running ----------------------------------------------------------------------------------


def run_reference(toml_text, orgs, extract, level="all", period="all") -> list[dict]:
    """Score with tests/reference_scorer.py, thresholds read from the TOML as exact decimals."""
    scheme = tomllib.loads(toml_text, parse_float=Decimal)
    return normalise(reference_scorer.score(scheme, orgs, extract, level, period))


def run_engine(toml_text, orgs, extract, level="all", period="all") -> list[dict]:
    """Score with the core's public `score`, on pandas DataFrames as its API takes them."""
    import pandas as pd

    from iif_core.schemes import parse_scheme
    from iif_core.score import score

    scheme = parse_scheme(toml_text, source="spec.toml")
    columns = ["practice_code", "indicator_code", "period_end", "numerator", "denominator"]
    if any("pca_count" in r for r in extract):
        columns.append("pca_count")
    result = score(
        scheme,
        pd.DataFrame(orgs, columns=list(practice("A00000"))),
        pd.DataFrame(extract, columns=columns),
        level=level,
        period=period,
    )
    assert list(result.columns[: len(COLUMNS)]) == COLUMNS
    return normalise(result[COLUMNS].to_dict("records"))


SCORERS = {"reference": run_reference, "engine": run_engine}


# --- reading back -----------------------------------------------------------------------------


def _is_null(value) -> bool:
    if value is None:
        return True
    if isinstance(value, float):  # NaN, also numpy's
        return math.isnan(value)
    return type(value).__name__ in ("NAType", "NaTType")  # pandas.NA, pandas.NaT


def _value(column, value):
    if _is_null(value):
        return None
    if column == "period_end":
        return reference_scorer.as_date(value)
    if column in TEXT_COLUMNS:
        return str(value)
    if column in INTEGER_COLUMNS:
        number = Fraction(value) if isinstance(value, int | Fraction) else Fraction(float(value))
        assert number.denominator == 1, f"{column} is not a whole number: {value!r}"
        return int(number)
    return float(value)


def normalise(rows) -> list[dict]:
    """Rows as plain values: str, date, int, float, None; whatever the implementation returned."""
    return [{c: _value(c, r[c]) for c in COLUMNS} for r in rows]


def key_of(row) -> tuple:
    return tuple(row[c] for c in KEY)


def pick(rows, level, org_code, indicator_code, period=PERIOD) -> dict:
    found = [
        r
        for r in rows
        if key_of(r) == (level, org_code, indicator_code, reference_scorer.as_date(period))
    ]
    assert len(found) == 1, f"{len(found)} rows for {level} {org_code} {indicator_code} {period}"
    return found[0]


def close(got, expected, rel=1e-9) -> bool:
    if got is None or expected is None:
        return got is None and expected is None
    if isinstance(expected, str | dt.date):
        return got == expected
    return math.isclose(float(got), float(expected), rel_tol=rel, abs_tol=1e-9)


def check(row: dict, **expected):
    """Each named column has its expected value: exact for text and counts, 1e-9 for the rest."""
    wrong = {
        column: (row[column], value)
        for column, value in expected.items()
        if not close(row[column], value)
        or (column in INTEGER_COLUMNS and value is not None and row[column] != value)
    }
    assert not wrong, f"{row['level']} {row['org_code']} {row['indicator_code']}: " + ", ".join(
        f"{c} got {g!r} expected {e!r}" for c, (g, e) in wrong.items()
    )


def differences(got_rows, expected_rows, rel=1e-9) -> list[str]:
    """Every difference between two result tables, matched on (level, org, indicator, period)."""
    got = {key_of(r): r for r in got_rows}
    expected = {key_of(r): r for r in expected_rows}
    problems = [f"missing row {k}" for k in sorted(expected.keys() - got.keys(), key=str)]
    problems += [f"extra row {k}" for k in sorted(got.keys() - expected.keys(), key=str)]
    assert len(got) == len(got_rows), "duplicate rows"
    for k in sorted(got.keys() & expected.keys(), key=str):
        for column in COLUMNS:
            g, e = got[k][column], expected[k][column]
            same = g == e if column in INTEGER_COLUMNS | TEXT_COLUMNS else close(g, e, rel)
            if not same:
                problems.append(f"{k} {column}: got {g!r} expected {e!r}")
    return problems
