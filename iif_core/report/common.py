"""Small helpers the report's sections share: a status in words, lookups, sums, phrases."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pandas as pd

from iif_core.schemes import VALUE_WORDS, Indicator, Scheme
from iif_core.vocabulary import STATUS_SYMBOLS, STATUS_WORDS


def status_label(status: str) -> str:
    """A status as a symbol and words: '✔ Full points'."""
    status = status if status in STATUS_WORDS else "no_data"
    return f"{STATUS_SYMBOLS[status]} {STATUS_WORDS[status]}"


def _num(value) -> float | None:
    """A number from a frame cell, or None for a missing value."""
    if value is None:
        return None
    try:
        if pd.isna(value):
            return None
    except (TypeError, ValueError):
        return None
    return float(value)


def _date(value) -> date | None:
    if value is None or (not isinstance(value, date) and pd.isna(value)):
        return None
    return pd.Timestamp(value).date()


def _rows(scored: pd.DataFrame, level: str, org_code: str | None = None) -> pd.DataFrame:
    selected = scored[scored["level"] == level]
    if org_code is not None:
        selected = selected[selected["org_code"] == org_code]
    return selected


def _at_period(frame: pd.DataFrame, period) -> pd.DataFrame:
    if period is None:
        return frame.iloc[0:0]
    return frame[pd.to_datetime(frame["period_end"]) == pd.Timestamp(period)]


def is_unadjusted(scheme: Scheme, indicator: Indicator | None = None) -> bool:
    """True when payments cannot be adjusted as the rules say: no national average list size, or
    a prevalence-adjusted indicator without a national prevalence (iif-rules.md section 5)."""
    if scheme.national_average_list_size is None:
        return True
    indicators = [indicator] if indicator is not None else list(scheme.indicators.values())
    return any(i.prevalence_adjusted and i.national_prevalence is None for i in indicators)


def unconfirmed_values(scheme: Scheme) -> list[str]:
    """Each value of the scheme that no published source confirms, in words: 'value of a
    point', 'HI-03 upper threshold' (decisions.md D28)."""
    found = [VALUE_WORDS[name] for name in scheme.values if not scheme.value_confirmed(name)]
    for code, indicator in scheme.indicators.items():
        found += [f"{code} {words}" for words in indicator_unconfirmed(indicator)]
    return found


def indicator_unconfirmed(indicator: Indicator) -> list[str]:
    """The indicator's values that no published source confirms, in words."""
    return [VALUE_WORDS[name] for name in indicator.values if not indicator.value_confirmed(name)]


def _sum(series: pd.Series) -> float | None:
    values = pd.to_numeric(series, errors="coerce").dropna()
    return float(values.sum()) if not values.empty else None


def _min(series: pd.Series) -> float | None:
    values = pd.to_numeric(series, errors="coerce").dropna()
    return float(values.min()) if not values.empty else None


def _max(series: pd.Series) -> float | None:
    values = pd.to_numeric(series, errors="coerce").dropna()
    return float(values.max()) if not values.empty else None


def _shortfall(numerator, denominator, indicator: Indicator) -> float | None:
    """Patients (or events) short of the upper threshold, signed, exact to the patient's fraction."""
    n, d = _num(numerator), _num(denominator)
    if n is None or d is None or d == 0:
        return None
    target = Decimal(str(indicator.upper_threshold)) * Decimal(int(d)) / indicator.scale
    gap = target - Decimal(int(n)) if indicator.direction == "higher" else Decimal(int(n)) - target
    return float(gap)


def _empty(columns) -> pd.DataFrame:
    return pd.DataFrame(columns=list(columns))


def _threshold_words(value: float, unit: str) -> str:
    text = f"{value:g}"
    return {"percent": f"{text}%", "per_1000": f"{text} per 1,000"}.get(unit, text)


def _day(value) -> str:
    value = pd.Timestamp(value)
    return f"{value.day} {value:%b %Y}"


def _and(words: list[str]) -> str:
    return words[0] if len(words) == 1 else ", ".join(words[:-1]) + " and " + words[-1]
