"""A plain-Python IIF scorer written from iif-rules.md sections 3-7, to check the core against."""

from __future__ import annotations

import datetime as dt
import math
from collections import defaultdict
from fractions import Fraction

# Section 10: the output columns, in the contract's order.
COLUMNS = [
    "level",
    "org_code",
    "org_name",
    "indicator_code",
    "period_end",
    "practices_with_data",
    "member_practices",
    "numerator",
    "denominator",
    "pca_count",
    "achievement",
    "lower_threshold",
    "upper_threshold",
    "status",
    "points_available",
    "points_achieved",
    "list_size",
    "list_size_adjustment",
    "prevalence_adjustment",
    "payment_available",
    "payment_achieved",
    "payment_outstanding",
    "patients_to_lower",
    "patients_to_upper",
    "value_per_patient",
]
LEVELS = ("practice", "pcn", "place", "icb")
# Section 2: achievement is shown per 100, per 1,000 or as a plain ratio.
SCALE = {"percent": 100, "per_1000": 1000, "rate": 1}


def exact(value) -> Fraction | None:
    """A number as an exact fraction; floats through their shortest decimal text (0.1 -> 1/10)."""
    if value is None or value == "":
        return None
    if isinstance(value, float):
        return Fraction(repr(value))
    return Fraction(value)


def as_date(value) -> dt.date:
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    return dt.date.fromisoformat(str(value)[:10])


def canonical_code(code: str, scheme_codes) -> str:
    """Section 10 / product: `HI03` and `HI-03` are the same indicator."""
    key = str(code).replace("-", "").strip().upper()
    for known in scheme_codes:
        if known.replace("-", "").upper() == key:
            return known
    raise ValueError(f"unknown indicator {code!r}")


def fraction_earned(indicator: dict, achievement: Fraction) -> Fraction:
    """Section 4: where the achievement sits on the sliding scale, clamped to [0, 1]."""
    lt, ut = exact(indicator["lower_threshold"]), exact(indicator["upper_threshold"])
    if indicator["direction"] == "higher":
        raw = (achievement - lt) / (ut - lt)
    else:
        raw = (lt - achievement) / (lt - ut)
    return min(max(raw, Fraction(0)), Fraction(1))


def status_of(fraction: Fraction | None) -> str:
    if fraction is None:
        return "no_data"
    if fraction == 1:
        return "green"
    if fraction == 0:
        return "red"
    return "amber"


def patients_to(indicator: dict, threshold, numerator: int, denominator: int) -> int:
    """Section 6: whole patients (or events) between the counts and a threshold, never negative."""
    target = exact(threshold) * denominator / SCALE[indicator["unit"]]
    if indicator["direction"] == "higher":
        return max(0, math.ceil(target - numerator))
    return max(0, math.ceil(numerator - target))


def in_dates(ind: dict, period_end: dt.date) -> bool:
    """Decisions D27: an indicator is in the scheme from its start_date to its end_date, both
    included; without them, the whole year."""
    start, end = ind.get("start_date"), ind.get("end_date")
    return (start is None or period_end >= start) and (end is None or period_end <= end)


def sum_or_none(values):
    present = [v for v in values if v is not None]
    return sum(present) if present else None


def score(scheme: dict, orgs: list[dict], extract: list[dict], level="all", period="all"):
    """Rows of section 10 as dicts (exact Fractions, ints, dates, None for null).

    `scheme` is the TOML read as a dict (ideally with parse_float=Decimal), `orgs` and `extract`
    are lists of dicts with the section 10 columns.
    """
    indicators = scheme["indicators"]
    value_per_point = exact(scheme["value_per_point"])
    national_list_size = exact(scheme.get("national_average_list_size"))

    practices = {o["practice_code"]: o for o in orgs}
    list_size = {code: int(exact(o.get("list_size")) or 0) for code, o in practices.items()}
    pcn_of = {code: (o.get("pcn_code") or None) for code, o in practices.items()}
    members = defaultdict(list)
    for code in sorted(practices):
        if pcn_of[code]:
            members[pcn_of[code]].append(code)
    name = {}
    for o in orgs:
        for lvl, column in (("pcn", "pcn"), ("place", "place"), ("icb", "icb")):
            if o.get(f"{column}_code"):
                name.setdefault((lvl, o[f"{column}_code"]), o.get(f"{column}_name"))

    # (practice, indicator, period end) -> (numerator, denominator, PCA count)
    data = {}
    for r in extract:
        if r["practice_code"] not in practices:
            raise ValueError(f"unknown practice {r['practice_code']!r}")
        key = (
            r["practice_code"],
            canonical_code(r["indicator_code"], indicators),
            as_date(r["period_end"]),
        )
        data[key] = (int(r["numerator"]), int(r["denominator"]), int(r.get("pca_count") or 0))

    # Section 10: every period end in the extracts, or the one given (with or without data)
    periods = sorted({period_end for _, _, period_end in data})
    if period != "all":
        periods = [as_date(period)]
    with_data = {practice for practice, _, _ in data}
    scored_pcns = sorted({pcn_of[p] for p in with_data if pcn_of[p]})

    def largest_share(pcn: str, column: str) -> str:
        """Section 7: the place or ICB holding most of the PCN's list size; ties: lowest code."""
        share = defaultdict(int)
        for p in members[pcn]:
            share[practices[p][column]] += list_size[p]
        return min(share, key=lambda code: (-share[code], code))

    # (level, code, name, member practices, member PCNs)
    orgs_scored = []
    for p in sorted(practices):
        if pcn_of[p] in scored_pcns or (pcn_of[p] is None and p in with_data):
            orgs_scored.append(("practice", p, practices[p].get("practice_name"), [p], []))
    for pcn in scored_pcns:
        orgs_scored.append(("pcn", pcn, name[("pcn", pcn)], members[pcn], [pcn]))
    for lvl, column in (("place", "place_code"), ("icb", "icb_code")):
        owner = {pcn: largest_share(pcn, column) for pcn in scored_pcns}
        for code in sorted(set(owner.values())):
            pcns = [pcn for pcn in scored_pcns if owner[pcn] == code]
            pooled = [p for pcn in pcns for p in members[pcn]]
            orgs_scored.append((lvl, code, name[(lvl, code)], pooled, pcns))

    pcn_rows = {}  # (PCN, indicator, period end) -> its row, for the sums at place and ICB
    rows = []
    for lvl, code, org_name, pool, pcns in sorted(orgs_scored, key=lambda o: LEVELS.index(o[0])):
        for indicator_code, ind in indicators.items():
            for period_end in periods:
                counts = [data[k] for p in pool if (k := (p, indicator_code, period_end)) in data]
                row = dict.fromkeys(COLUMNS)
                row.update(
                    level=lvl,
                    org_code=code,
                    org_name=org_name,
                    indicator_code=indicator_code,
                    period_end=period_end,
                    practices_with_data=len(counts),
                    member_practices=len(pool),
                    lower_threshold=exact(ind["lower_threshold"]),
                    upper_threshold=exact(ind["upper_threshold"]),
                )
                n = d = pca = None
                fraction = None
                if counts:
                    n, d, pca = (sum(c[i] for c in counts) for i in range(3))
                    row.update(numerator=n, denominator=d, pca_count=pca)
                if d:
                    achievement = Fraction(SCALE[ind["unit"]] * n, d)
                    fraction = fraction_earned(ind, achievement)
                    row["achievement"] = achievement
                row["status"] = status_of(fraction)

                if lvl == "practice":
                    row["list_size"] = list_size[code]
                    if d:
                        row["patients_to_lower"] = patients_to(ind, ind["lower_threshold"], n, d)
                        row["patients_to_upper"] = patients_to(ind, ind["upper_threshold"], n, d)
                elif lvl == "pcn":
                    points = exact(ind["points"])
                    size = sum(list_size[p] for p in pool)
                    lsa = size / national_list_size if national_list_size else Fraction(1)
                    pa = Fraction(1)
                    national_prevalence = exact(ind.get("national_prevalence"))
                    if ind.get("prevalence_adjusted") and national_prevalence:
                        # Section 5 convention: eligible population before PCAs over the whole list.
                        # With no data at all (or a list of 0) the prevalence is unknown, and so
                        # are the payments (section 5 is silent here; null is the core's reading).
                        pa = None
                        if counts and size:
                            pa = Fraction(d + pca, size) / national_prevalence
                    achieved = points * (fraction or 0)
                    money = None if pa is None else value_per_point * lsa * pa
                    row.update(
                        points_available=points,
                        points_achieved=achieved,
                        list_size=size,
                        list_size_adjustment=lsa,
                        prevalence_adjustment=pa,
                    )
                    if money is not None:
                        row.update(
                            payment_available=points * money,
                            payment_achieved=achieved * money,
                            payment_outstanding=(points - achieved) * money,
                        )
                    if d:
                        row["patients_to_lower"] = patients_to(ind, ind["lower_threshold"], n, d)
                        row["patients_to_upper"] = patients_to(ind, ind["upper_threshold"], n, d)
                    pcn_rows[(code, indicator_code, period_end)] = row
                else:
                    parts = [pcn_rows[(pcn, indicator_code, period_end)] for pcn in pcns]
                    row["list_size"] = sum(part["list_size"] for part in parts)
                    for column in ("points_available", "points_achieved"):
                        row[column] = sum_or_none(part[column] for part in parts)
                    # Sums over the PCNs with a value; null when none has one
                    for column in (
                        "payment_available",
                        "payment_achieved",
                        "payment_outstanding",
                        "patients_to_lower",
                        "patients_to_upper",
                    ):
                        row[column] = sum_or_none(part[column] for part in parts)

                if not in_dates(ind, period_end):
                    # D27: outside its dates nothing is scored or paid, and no work is needed.
                    row["status"] = "not_in_scheme"
                    for column in ("points_available", "points_achieved", "payment_available",
                                   "payment_achieved", "payment_outstanding",
                                   "patients_to_lower", "patients_to_upper"):  # fmt: skip
                        row[column] = None
                if row["payment_outstanding"] is not None and row["patients_to_upper"]:
                    row["value_per_patient"] = row["payment_outstanding"] / row["patients_to_upper"]
                rows.append(row)

    return [r for r in rows if level in ("all", r["level"])]
