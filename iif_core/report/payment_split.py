"""A PCN's earned and projected £ split between its member practices, to the penny (D62)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import ROUND_HALF_EVEN, Decimal
from fractions import Fraction

import pandas as pd

from iif_core.report.common import _and, _day, _num
from iif_core.report.plan import _members, _pcn_now, _Practice
from iif_core.schemes import Indicator, Scheme
from iif_core.vocabulary import SPLIT_METHOD_WORDS, SPLIT_METHODS

PRACTICE_SPLIT_COLUMNS = (
    "practice_code", "practice_name", "list_size", "list_size_share", "contribution_share",
    "indicators_above", "share", "payment_share", "projected_share",
)  # fmt: skip
INDICATOR_SPLIT_COLUMNS = (
    "kind", "indicator_code", "direction", "period_end", "practice_code", "practice_name",
    "numerator", "denominator", "needed_for_lower", "contribution", "contribution_share",
    "list_size_share", "indicator_payment", "practice_payment", "basis",
)  # fmt: skip
TOTAL_NAME = "Network total"
EARNED, PROJECTED = "earned so far", "projected by the year end"
ROUNDING_WORDS = (
    "Each practice's £ is worked out at full precision, then rounded to whole pence so that "
    "the practices' £ add up exactly to the network's £ (itself rounded to the nearest penny): "
    "every practice first gets its £ rounded down to the penny, and the pennies left over go one "
    "each to the practices that lost most in rounding down; where two lost the same, to the "
    "lower practice code first. So no practice is a penny or more from its exact share of the "
    "network's £ as shown."
)


@dataclass(frozen=True)
class PaymentSplit:
    """A PCN's £ earned so far and projected, split between its member practices."""

    practices: pd.DataFrame  # PRACTICE_SPLIT_COLUMNS, one row per member practice, by code
    indicators: pd.DataFrame  # INDICATOR_SPLIT_COLUMNS: the working, per indicator × practice
    method: str  # one of SPLIT_METHODS
    list_size_weight: float  # 1 is all by list size, 0 all by contribution
    payment: float  # the network's £ earned so far, to the penny: Σ payment_share
    projected: float | None  # the network's £ projected, to the penny: Σ projected_share
    method_words: list[str]  # how the split is made, in plain words (for an expander)
    notes: list[str]  # what is unusual about this split: fallbacks, missing list sizes

    @property
    def rounding_words(self) -> str:
        return ROUNDING_WORDS

    @property
    def table(self) -> pd.DataFrame:
        """The practices' rows and a last row of network totals (shares 1, £ the network's)."""
        total = {column: None for column in PRACTICE_SPLIT_COLUMNS}
        sizes = pd.to_numeric(self.practices["list_size"], errors="coerce")
        total.update(
            practice_code="",
            practice_name=TOTAL_NAME,
            list_size=int(sizes.sum()) if sizes.notna().any() else None,
            list_size_share=1.0 if sizes.fillna(0).sum() > 0 else None,
            contribution_share=1.0 if self.practices["contribution_share"].notna().any() else None,
            share=1.0 if self.practices["share"].notna().any() else None,
            payment_share=self.payment,
            projected_share=self.projected,
        )
        return pd.concat([self.practices, pd.DataFrame([total])], ignore_index=True)[
            list(PRACTICE_SPLIT_COLUMNS)
        ]


# --- contribution ------------------------------------------------------------------------------


def needed_for_lower(denominator: int, indicator: Indicator) -> Fraction:
    """A practice's pro-rata part of what the network needs at the lower threshold: LT × D ÷
    scale, exact (the patients achieving, or for lower-is-better the events allowed)."""
    return Fraction(str(indicator.lower_threshold)) * denominator / indicator.scale


def contribution(numerator: int, denominator: int, indicator: Indicator) -> Fraction:
    """How far a practice is past its part of the lower threshold, never below 0 (D62): patients
    achieving above LT × D ÷ scale (higher is better), or events fewer than it (lower is better);
    0 without a denominator."""
    if not denominator:
        return Fraction(0)
    part = needed_for_lower(denominator, indicator)
    above = numerator - part if indicator.direction == "higher" else part - numerator
    return max(Fraction(0), above)


# --- the split ---------------------------------------------------------------------------------


def payment_split(
    scored: pd.DataFrame,
    scheme: Scheme,
    orgs: pd.DataFrame,
    pcn_code: str,
    period,
    method: str = "list_size",
    list_size_weight: float | None = None,
    projection: pd.DataFrame | None = None,
) -> PaymentSplit:
    """The PCN's £ earned at `period` (its scored rows' payment_achieved) and projected by the
    year end (`projection`, report.projections at PCN level: each indicator's `payment`, from its
    `from_period`), split between its member practices (decisions.md D62).

    `method`: "list_size" (each practice's share of the PCN list size), "contribution" (each
    indicator's £ by how far each practice is past its part of the lower threshold) or "mix",
    with `list_size_weight` (0 to 1) of the £ by list size and the rest by contribution. Each
    practice's £ is rounded to whole pence by largest remainder, so that they add up exactly
    to the network's £ rounded to the nearest penny."""
    weight = _weight(method, list_size_weight)
    period = pd.Timestamp(period).date()
    practices = _members(scored, orgs, pcn_code, period)
    now = _pcn_now(scored, pcn_code, period)
    sizes = {p.code: Fraction(p.list_size or 0) for p in practices}
    total_size = sum(sizes.values())
    size_share = {code: (s / total_size if total_size else None) for code, s in sizes.items()}
    notes = _size_notes(practices)

    earned = {code: _money(now.loc[code, "payment_achieved"]) if code in now.index else Fraction(0)
              for code in scheme.indicators}  # fmt: skip
    earned_rows, earned_by, contribution_by, above, fallback = _split_kind(
        EARNED, scheme, practices, earned, {code: period for code in earned}, weight, size_share
    )
    projected_total, projected_by, projected_rows, money = None, None, [], {}
    if projection is not None and not projection.empty:
        money, months = _projected(projection, scheme)
        at = {code: _members(scored, orgs, pcn_code, month) for code, month in months.items()}
        projected_rows, projected_by, _, _, projected_fallback = _split_kind(
            PROJECTED, scheme, practices, money, months, weight, size_share, at
        )
        fallback |= projected_fallback
        projected_total = _to_pence(sum(money.values(), Fraction(0)))

    needs_sizes = weight > 0 or fallback
    if needs_sizes and not total_size and (any(earned.values()) or any(money.values())):
        raise ValueError(
            f"The list sizes of {pcn_code}'s member practices are not known, so the £ cannot be "
            "split by list size. Upload an organisation file with list sizes, or split by "
            "contribution."
        )
    earned_total = _to_pence(sum(earned.values(), Fraction(0)))
    codes = [p.code for p in practices]
    payment_pence = _largest_remainder(earned_total, earned_by, codes)
    projected_pence = (
        _largest_remainder(projected_total, projected_by, codes)
        if projected_total is not None
        else None
    )
    earned_sum = sum(earned_by.values(), Fraction(0))
    contribution_sum = sum(contribution_by.values(), Fraction(0))
    rows = []
    for p in practices:
        rows.append(
            {
                "practice_code": p.code,
                "practice_name": p.name,
                "list_size": p.list_size,
                "list_size_share": _float(size_share[p.code]),
                "contribution_share": (
                    float(contribution_by[p.code] / contribution_sum) if contribution_sum else None
                ),
                "indicators_above": above[p.code],
                "share": float(earned_by[p.code] / earned_sum) if earned_sum else None,
                "payment_share": payment_pence[p.code] / 100,
                "projected_share": (
                    projected_pence[p.code] / 100 if projected_pence is not None else None
                ),
            }
        )
    notes += [_fallback_note(*found) for found in sorted(fallback, key=_fallback_order)]
    return PaymentSplit(
        practices=pd.DataFrame(rows, columns=list(PRACTICE_SPLIT_COLUMNS)),
        indicators=pd.DataFrame(
            earned_rows + projected_rows, columns=list(INDICATOR_SPLIT_COLUMNS)
        ),  # fmt: skip
        method=method,
        list_size_weight=float(weight),
        payment=earned_total / 100,
        projected=projected_total / 100 if projected_total is not None else None,
        method_words=method_words(method, float(weight), period),
        notes=notes,
    )


def _weight(method: str, list_size_weight) -> Fraction:
    if method not in SPLIT_METHODS:
        raise ValueError(
            f"Unknown way of splitting the payment: {method!r}. Choose list size, contribution "
            "or a mix."
        )
    if method == "list_size":
        return Fraction(1)
    if method == "contribution":
        return Fraction(0)
    weight = _num(list_size_weight)
    if weight is None or not 0 <= weight <= 1:
        raise ValueError(
            "A mix needs the part split by list size as a number from 0 (all by contribution) "
            "to 1 (all by list size)."
        )
    return Fraction(weight)


def _split_kind(kind, scheme, practices, money, months, weight, size_share, at=None):
    """Each practice's exact £ of `kind` (earned or projected), summed over the indicators, with
    the working rows; `at` gives each indicator's practices at its own month (projections)."""
    by_practice = {p.code: Fraction(0) for p in practices}
    by_contribution = {p.code: Fraction(0) for p in practices}
    above = {p.code: 0 for p in practices}
    fallback, rows = set(), []
    for code, indicator in scheme.indicators.items():
        amount = money.get(code, Fraction(0))
        if not amount:
            continue
        members = (at or {}).get(code, practices)
        counts = {m.code: m.counts.get(code) for m in members}
        basis = {pc: contribution(*c[:2], indicator) if c else Fraction(0)
                 for pc, c in counts.items()}  # fmt: skip
        basis_total = sum(basis.values(), Fraction(0))
        for p in practices:
            size_part = size_share[p.code] or Fraction(0)
            if basis_total:
                contribution_part = basis.get(p.code, Fraction(0)) / basis_total
                words = "contribution"
            else:
                contribution_part = size_part
                words = "list size: no practice is past its part of the lower threshold"
                if weight < 1:
                    fallback.add((kind, code, months.get(code)))
            share = weight * size_part + (1 - weight) * contribution_part
            by_practice[p.code] += amount * share
            by_contribution[p.code] += amount * contribution_part
            above[p.code] += int(basis.get(p.code, 0) > 0)
            numerator, denominator = (counts.get(p.code) or (None, None, None))[:2]
            rows.append(
                {
                    "kind": kind,
                    "indicator_code": code,
                    "direction": indicator.direction,
                    "period_end": months.get(code),
                    "practice_code": p.code,
                    "practice_name": p.name,
                    "numerator": numerator,
                    "denominator": denominator,
                    "needed_for_lower": (
                        float(needed_for_lower(denominator, indicator)) if denominator else None
                    ),
                    "contribution": float(basis.get(p.code, 0)),
                    "contribution_share": float(contribution_part),
                    "list_size_share": _float(size_share[p.code]),
                    "indicator_payment": float(amount),
                    "practice_payment": float(amount * share),
                    "basis": words if weight < 1 else "list size",
                }
            )
    return rows, by_practice, by_contribution, above, fallback


def _projected(projection: pd.DataFrame, scheme: Scheme) -> tuple[dict, dict]:
    """Each indicator's projected £ (central) and the month it is projected from."""
    money, months = {}, {}
    for row in projection.to_dict("records"):
        code = row.get("indicator_code")
        amount = _money(row.get("payment"))
        if code not in scheme.indicators or not amount:
            continue
        money[code] = amount
        month = row.get("from_period")
        months[code] = pd.Timestamp(month).date() if month is not None and not pd.isna(month) \
            else None  # fmt: skip
    missing = [code for code, month in months.items() if month is None]
    if missing:
        raise ValueError(f"The projection of {_and(missing)} does not say which month it is from.")
    return money, months


def _money(value) -> Fraction:
    """A £ figure as an exact fraction (the double as stored); a missing one is £0."""
    number = _num(value)
    return Fraction(number) if number else Fraction(0)


def _to_pence(amount: Fraction) -> int:
    """£ to whole pence, to the nearest penny, as the app shows money."""
    pence = Decimal(amount.numerator) * 100 / Decimal(amount.denominator)
    return int(pence.quantize(Decimal(1), rounding=ROUND_HALF_EVEN))


def _largest_remainder(total_pence: int, exact: dict, codes: list[str]) -> dict[str, int]:
    """Whole pence per practice adding up to `total_pence`, in proportion to `exact`: each its
    quota rounded down, the pence left over to the largest remainders (ties: lower code)."""
    weights = sum(exact.values(), Fraction(0))
    if not weights or total_pence <= 0:
        return dict.fromkeys(codes, 0)
    quotas = {code: total_pence * exact[code] / weights for code in codes}
    pence = {code: quota.numerator // quota.denominator for code, quota in quotas.items()}
    left = total_pence - sum(pence.values())
    order = sorted(codes, key=lambda code: (-(quotas[code] - pence[code]), code))
    for code in order[:left]:
        pence[code] += 1
    return pence


def _float(value: Fraction | None) -> float | None:
    return None if value is None else float(value)


def _size_notes(practices: list[_Practice]) -> list[str]:
    unknown = [f"{p.name} ({p.code})" for p in practices if not p.list_size]
    if not unknown:
        return []
    verb = "has" if len(unknown) == 1 else "have"
    return [
        f"{_and(unknown)} {verb} no list size in the organisation data, so nothing is shared to "
        "them by list size."
    ]


def _fallback_order(found: tuple) -> tuple:
    kind, code, _ = found
    return (kind != EARNED, code)


def _fallback_note(kind: str, code: str, month: date | None) -> str:
    """Why an indicator's £ of `kind` is split by list size though contribution was chosen."""
    when = f" at {_day(month)}" if month is not None else ""
    if kind == PROJECTED:
        return (
            f"{code} is projected to earn, but no practice is past its part of the lower "
            f"threshold yet{when}, the month its projection is made from, so its projected £ is "
            "split by list size instead of by contribution."
        )
    return (
        f"No practice is past its part of {code}'s lower threshold{when}, so its £ earned is "
        "split by list size instead of by contribution."
    )


def method_words(method: str, list_size_weight: float, period: date) -> list[str]:
    """How a split is made, in plain words: the method chosen, what contribution means, and
    what the projected £ is split by."""
    size = (
        "By list size: each practice gets the share of the £ that its registered patients are of "
        "the network's list size (from the organisation data), whether or not it sent figures."
    )
    contributions = (
        "By contribution: each indicator's £ is split by how far each practice is past its own "
        "part of the lower threshold. A practice's part is the lower threshold applied to its "
        "own denominator: for an 80% threshold and 200 eligible patients, 160 patients. A "
        "practice with 172 achieving has contributed 12; one at or below its part contributes "
        "0 (it is not charged for being below). For an indicator where fewer is better, a "
        "practice contributes the events it had fewer than its part allows. An indicator that "
        "earns nothing has nothing to split; a practice without figures for it contributes 0."
    )
    label = SPLIT_METHOD_WORDS[method]
    words = [f"Split {label}, using the figures at {_day(period)}."]
    if method == "list_size":
        words.append(size)
    elif method == "contribution":
        words.append(contributions)
    else:
        part = round(list_size_weight * 100)
        words.append(
            f"A mix: {part}% of each indicator's £ is split by list size and {100 - part}% by "
            "contribution."
        )
        words += [size, contributions]
    words.append(
        "The £ projected by the year end is split the same way, each indicator's projected £ by "
        "the practices' figures in the month its projection is made from."
    )
    words.append(
        "This is a way to share the money agreed within the network: NHS England pays the PCN, "
        "and says nothing about how it is shared."
    )
    return words
