"""What-if changes and the best use of patient contacts, scored by the real pipeline (D60)."""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date

import numpy as np
import pandas as pd

from iif_core.report.common import _day, _num, _sum, _threshold_words
from iif_core.schemes import Indicator, Scheme
from iif_core.score import score
from iif_core.words import plural

# £ differences smaller than this are ties (a millionth of a penny): money is a double, and two
# plans whose £ differ only in the last digits earn the same.
TIE = 1e-8
MAX_NETWORKS = 99_999  # stand-in PCN codes are U and five digits
PRACTICE_LETTERS = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"  # stand-in practice codes: a letter, five digits
INTEGER_PROGRAM_SECONDS = 30.0
WHAT_IF_COLUMNS = (
    "indicator_code", "name", "direction", "unit", "patients", "numerator_now",
    "numerator_after", "denominator", "achievement_now", "achievement_after", "status_now",
    "status_after", "points_now", "points_after", "payment_now", "payment_after",
    "payment_difference",
)  # fmt: skip
CHANGE_COLUMNS = (
    "practice_code", "practice_name", "indicator_code", "patients_asked", "patients",
    "numerator_now", "numerator_after", "denominator", "payment_difference", "sentence",
)  # fmt: skip
ALLOCATION_COLUMNS = (
    "indicator_code", "name", "practice_code", "practice_name", "patients", "outstanding",
    "payment_expected",
)  # fmt: skip
PLAN_INDICATOR_COLUMNS = (
    "indicator_code", "name", "direction", "patients", "patients_possible", "patients_to_earn",
    "achievement_now", "achievement_after", "status_now", "status_after", "payment_now",
    "payment_after", "payment_gain", "note",
)  # fmt: skip


@dataclass(frozen=True)
class WhatIf:
    """A PCN re-scored with changed counts: per indicator and per change, now and after."""

    indicators: pd.DataFrame  # WHAT_IF_COLUMNS, one row per indicator of the scheme
    changes: pd.DataFrame  # CHANGE_COLUMNS, one row per change, each scored by itself
    points_now: float
    points_after: float
    payment_now: float
    payment_after: float
    payment_difference: float
    summary: str

    @property
    def sentences(self) -> list[str]:
        return list(self.changes["sentence"])

    @property
    def points_difference(self) -> float:
        return self.points_after - self.points_now


@dataclass(frozen=True)
class Plan:
    """The patients to see, by indicator and practice, that earn the PCN the most £."""

    allocation: pd.DataFrame  # ALLOCATION_COLUMNS, one row per indicator × practice with patients
    by_indicator: pd.DataFrame  # PLAN_INDICATOR_COLUMNS, one row per indicator of the scheme
    contacts: int  # the contacts there are (the overall budget, or the practices' summed)
    patients: int  # the contacts the plan uses: no more than earn something
    payment_gain: float  # £ the plan adds for the PCN
    payment_per_contact: float | None  # payment_gain ÷ patients; None when the plan uses none
    method: str  # "dynamic programming" or "integer programming"
    proven_best: bool  # False only if the integer program stopped at its time limit
    notes: list[str]

    @property
    def summary(self) -> str:
        """The plan in a sentence: what it spends, where, and what it earns."""
        if not self.patients:
            return (
                f"No patient seen with the {plural(self.contacts, 'contact')} would earn the PCN "
                "anything more: see why below."
            )
        where = []
        for code, rows in self.allocation.groupby("indicator_code", sort=False):
            at = ", ".join(
                f"{n:,} at {name}"
                for name, n in zip(rows["practice_name"], rows["patients"], strict=True)
            )
            where.append(f"{int(rows['patients'].sum()):,} on {code} ({at})")
        return (
            f"With {plural(self.contacts, 'contact')}, the best plan sees "
            f"{plural(self.patients, 'patient')}: {'; '.join(where)}. It would earn the "
            f"PCN £{self.payment_gain:,.2f} more, £{self.payment_per_contact:,.2f} for each "
            "patient seen."
        )


# --- the network's counts ---------------------------------------------------------------------


@dataclass
class _Practice:
    code: str
    name: str
    list_size: int | None
    counts: dict  # indicator code -> (numerator, denominator, pca_count), where it sent figures


def _members(scored, orgs, pcn_code: str, period: date) -> list[_Practice]:
    """The PCN's member practices (orgs), with their list sizes and counts at the period."""
    if orgs is None or orgs.empty:
        raise ValueError("The organisations are needed to know which practices are in the PCN.")
    rows = orgs[orgs["pcn_code"] == pcn_code].sort_values("practice_code")
    if rows.empty:
        raise ValueError(f"{pcn_code} has no member practices in the organisations given.")
    own = scored[(scored["level"] == "practice") & scored["org_code"].isin(rows["practice_code"])]
    own = own[pd.to_datetime(own["period_end"]) == pd.Timestamp(period)]
    practices = []
    for org in rows.to_dict("records"):
        mine = own[own["org_code"] == org["practice_code"]]
        sizes = mine["list_size"].dropna()
        size = _num(sizes.iloc[0]) if not sizes.empty else _num(org.get("list_size"))
        counts = {
            row["indicator_code"]: (
                int(row["numerator"]),
                int(row["denominator"]),
                int(_num(row["pca_count"]) or 0),
            )
            for row in mine.to_dict("records")
            if _num(row["numerator"]) is not None and _num(row["denominator"]) is not None
        }
        name = org.get("practice_name")
        name = org["practice_code"] if name is None or pd.isna(name) else str(name)
        practices.append(_Practice(org["practice_code"], name, _whole(size), counts))
    return practices


def _whole(value) -> int | None:
    return None if value is None else round(value)


def _pcn_now(scored, pcn_code: str, period: date) -> pd.DataFrame:
    """The PCN's scored rows at the period, by indicator code."""
    rows = scored[(scored["level"] == "pcn") & (scored["org_code"] == pcn_code)]
    rows = rows[pd.to_datetime(rows["period_end"]) == pd.Timestamp(period)]
    if rows.empty:
        raise ValueError(f"No scores for {pcn_code} at {_day(period)}.")
    return rows.set_index("indicator_code")


def _changed(numerator: int, denominator: int, indicator: Indicator, patients: int):
    """(numerator after, patients counted) for `patients` more completed: one more achieving
    patient (higher is better) or one fewer event (lower is better) each, never below 0 nor,
    for a percentage, above the denominator; a negative number undoes as many."""
    step = patients if indicator.direction == "higher" else -patients
    after = max(0, numerator + step)
    if indicator.unit == "percent":
        after = min(after, denominator)
    counted = after - numerator if indicator.direction == "higher" else numerator - after
    return after, counted


# --- scoring stand-in networks with the real pipeline ----------------------------------------


def _score_networks(scheme: Scheme, networks: list[list[_Practice]], period: date):
    """Score each network (a list of practices with counts) as a PCN of its own with the real
    pipeline; a frame indexed by (network number, indicator code) of its PCN rows."""
    frames = []
    for start in range(0, len(networks), MAX_NETWORKS):
        chunk = networks[start : start + MAX_NETWORKS]
        frames.append(_score_chunk(scheme, chunk, period, first=start))
    if not frames:
        return pd.DataFrame()
    return pd.concat(frames)


def _score_chunk(scheme, networks, period, first: int) -> pd.DataFrame:
    orgs, extract, pcn_number = [], [], {}
    for n, network in enumerate(networks):
        pcn = f"U{n + 1:05d}"
        pcn_number[pcn] = first + n
        for practice in network:
            code = _stand_in_code(len(orgs))
            orgs.append((code, code, pcn, pcn, practice.list_size))
            for indicator_code, (numerator, denominator, pca) in practice.counts.items():
                extract.append(
                    (code, indicator_code, period.isoformat(), numerator, denominator, pca)
                )
    org_columns = ["practice_code", "practice_name", "pcn_code", "pcn_name", "list_size"]
    extract_columns = ["practice_code", "indicator_code", "period_end", "numerator",
                       "denominator", "pca_count"]  # fmt: skip
    if not extract:
        return pd.DataFrame()
    result = score(
        scheme,
        pd.DataFrame(orgs, columns=org_columns),
        pd.DataFrame(extract, columns=extract_columns),
        level="pcn",
        period=period,
    )
    result["network"] = result["org_code"].map(pcn_number)
    return result.set_index(["network", "indicator_code"])


def _stand_in_code(n: int) -> str:
    letter, number = divmod(n, MAX_NETWORKS)
    if letter >= len(PRACTICE_LETTERS):
        raise ValueError("Too many stand-in practices to score in one run.")
    return f"{PRACTICE_LETTERS[letter]}{number + 1:05d}"


# --- what-if ---------------------------------------------------------------------------------


def what_if(scored, scheme: Scheme, pcn_code: str, period, changes, *, orgs) -> WhatIf:
    """The PCN re-scored by the real pipeline with practices' counts changed.

    `changes` is a list of (practice_code, indicator_code, patients): that many more patients
    completed at that practice on that indicator, the denominator unchanged (decisions.md D60:
    for a lower-is-better indicator, that many fewer events; never a numerator below 0 or, for
    a percentage, above the denominator). `orgs` gives the members and their names. The changes
    are scored together (the totals) and each by itself (its sentence); with none, the figures
    are today's and nothing is scored. Nothing is stored."""
    period = pd.Timestamp(period).date()
    practices = _members(scored, orgs, pcn_code, period)
    now = _pcn_now(scored, pcn_code, period)
    asked = [_checked_change(change, scheme, practices) for change in changes]
    together = _with_changes(practices, scheme, asked)
    alone = [_with_changes(practices, scheme, [change]) for change in asked]
    networks = [together[0], *(a[0] for a in alone)] if asked else []
    after = _score_networks(scheme, networks, period)  # none: every network's rows are today's
    indicators = _what_if_rows(scheme, now, _network_rows(after, 0, now), together[1])
    change_rows = [
        _change_row(change, scheme, practices, now, _network_rows(after, n + 1, now), counted)
        for n, (change, (_, counted)) in enumerate(zip(asked, alone, strict=True))
    ]
    totals = _totals(indicators)
    return WhatIf(
        indicators=indicators,
        changes=pd.DataFrame(change_rows, columns=list(CHANGE_COLUMNS)),
        summary=_summary_sentence(len(asked), totals["payment_difference"]),
        **totals,
    )


def _checked_change(change, scheme: Scheme, practices: list[_Practice]) -> tuple:
    practice_code, indicator_code, patients = change
    if practice_code not in {p.code for p in practices}:
        raise ValueError(f"{practice_code} is not a member practice of this PCN.")
    code = scheme.indicator(indicator_code).code
    if int(patients) != patients:
        raise ValueError(f"{practice_code} {code}: patients must be a whole number ({patients}).")
    return practice_code, code, int(patients)


def _with_changes(practices, scheme, changes) -> tuple[list[_Practice], dict]:
    """The practices with the changes applied (each practice × indicator's patients summed, then
    bounded once), and the patients counted for each (practice, indicator)."""
    wanted: dict[tuple, int] = {}
    for practice_code, code, patients in changes:
        wanted[(practice_code, code)] = wanted.get((practice_code, code), 0) + patients
    changed, counted = [], {}
    for practice in practices:
        counts = dict(practice.counts)
        for (practice_code, code), patients in wanted.items():
            if practice_code != practice.code:
                continue
            if code not in counts:
                counted[(practice_code, code)] = 0
                continue
            numerator, denominator, pca = counts[code]
            after, counted[(practice_code, code)] = _changed(
                numerator, denominator, scheme.indicators[code], patients
            )
            counts[code] = (after, denominator, pca)
        changed.append(dataclasses.replace(practice, counts=counts))
    return changed, counted


def _network_rows(after: pd.DataFrame, network: int, now: pd.DataFrame) -> pd.DataFrame:
    """One scored network's rows by indicator; today's where the network could not be scored
    (no member sent figures at the period, so no change can apply)."""
    if after.empty or network not in after.index.get_level_values(0):
        return now
    return after.xs(network, level="network")


def _what_if_rows(scheme, now, after, counted) -> pd.DataFrame:
    records = []
    for code, indicator in scheme.indicators.items():
        before, later = now.loc[code], after.loc[code]
        records.append(
            {
                "indicator_code": code, "name": indicator.name,
                "direction": indicator.direction, "unit": indicator.unit,
                "patients": sum(n for (_, c), n in counted.items() if c == code),
                "numerator_now": _num(before["numerator"]),
                "numerator_after": _num(later["numerator"]),
                "denominator": _num(before["denominator"]),
                "achievement_now": _num(before["achievement"]),
                "achievement_after": _num(later["achievement"]),
                "status_now": before["status"], "status_after": later["status"],
                "points_now": _num(before["points_achieved"]),
                "points_after": _num(later["points_achieved"]),
                "payment_now": _num(before["payment_achieved"]),
                "payment_after": _num(later["payment_achieved"]),
                "payment_difference": _difference(later["payment_achieved"],
                                                  before["payment_achieved"]),
            }
        )  # fmt: skip
    return pd.DataFrame(records, columns=list(WHAT_IF_COLUMNS))


def _difference(after, now) -> float | None:
    after, now = _num(after), _num(now)
    return None if after is None or now is None else after - now


def _totals(indicators: pd.DataFrame) -> dict:
    totals = {
        name: _sum(indicators[column]) or 0.0
        for name, column in (
            ("points_now", "points_now"), ("points_after", "points_after"),
            ("payment_now", "payment_now"), ("payment_after", "payment_after"),
        )
    }  # fmt: skip
    totals["payment_difference"] = totals["payment_after"] - totals["payment_now"]
    return totals


def _change_row(change, scheme, practices, now, after, counted) -> dict:
    practice_code, code, patients = change
    practice = next(p for p in practices if p.code == practice_code)
    indicator = scheme.indicators[code]
    numerator, denominator, _ = practice.counts.get(code, (None, None, None))
    done = counted.get((practice_code, code), 0)
    row = {
        "practice_code": practice_code,
        "practice_name": practice.name,
        "indicator_code": code,
        "patients_asked": patients,
        "patients": done,
        "numerator_now": numerator,
        "numerator_after": None if numerator is None else _changed(
            numerator, denominator, indicator, patients)[0],
        "denominator": denominator,
        "payment_difference": _difference(after.loc[code, "payment_achieved"],
                                          now.loc[code, "payment_achieved"]),
    }  # fmt: skip
    row["sentence"] = change_sentence(row, indicator, now.loc[code], after.loc[code])
    return row


# --- what-if in words ------------------------------------------------------------------------


def change_sentence(change: dict, indicator: Indicator, now: pd.Series, after: pd.Series) -> str:
    """One change in plain words: '17 more patients at Hobbleton Hill Surgery would take HI-03
    past the lower threshold (60%), to 62.1%, and earn £1,994.12.' (pounds and pence, D60)."""
    name, code = change["practice_name"], change["indicator_code"]
    asked, done = change["patients_asked"], change["patients"]
    if change["numerator_now"] is None:
        return f"{name} has no {code} figures for this period, so no patients there can count."
    if now["status"] == "not_in_scheme":
        return f"{code} is not in the scheme on this date: nothing is paid for it."
    if asked == 0:
        return f"No change at {name} on {code}."
    words = _count_words(abs(done), indicator, more=asked > 0)
    prefix = _bounded_words(change, indicator) if done != asked else ""
    if done == 0:
        return prefix + "Nothing changes."
    where = _where_words(indicator, now, after)
    money = _money_change_words(change["payment_difference"], now, after)
    return f"{prefix}{words[0].upper()}{words[1:]} at {name} would take {code} {where} {money}."


def _count_words(count: int, indicator: Indicator, more: bool) -> str:
    higher = indicator.direction == "higher"
    what = "patient" if higher else "event"
    return plural(count, f"{'more' if more == higher else 'fewer'} {what}")


def _bounded_words(change: dict, indicator: Indicator) -> str:
    done, asked = abs(change["patients"]), abs(change["patients_asked"])
    numerator, denominator = change["numerator_now"], change["denominator"]
    room = (
        denominator - numerator
        if (indicator.direction == "higher") == (change["patients_asked"] > 0)
        else numerator
    )
    return (
        f"Only {room:,} of the {asked:,} can count at {change['practice_name']}, so {done:,} do. "
    )


def _where_words(indicator: Indicator, now: pd.Series, after: pd.Series) -> str:
    lt = _threshold_words(float(indicator.lower_threshold), indicator.unit)
    ut = _threshold_words(float(indicator.upper_threshold), indicator.unit)
    to = _achievement_words(_num(after["achievement"]), indicator.unit)
    was = _achievement_words(_num(now["achievement"]), indicator.unit)
    before, later = now["status"], after["status"]
    if before == "green" and later == "green":
        return f"from {was} to {to}, already at or past the upper threshold ({ut}),"
    if later == "green":
        return f"to {to}, which reaches the upper threshold ({ut}),"
    if before == "green":
        return f"from {was} back to {to}, short of the upper threshold ({ut}),"
    if later == "amber" and before == "red":
        return f"past the lower threshold ({lt}), to {to},"
    if later == "red" and before == "amber":
        return f"from {was} back to {to}, not past the lower threshold ({lt}),"
    if later == "red":
        short = _num(after["patients_to_lower"])
        gap = f"; {int(short):,} more in the network reach it" if short else ""
        return f"from {was} to {to}, still not past the lower threshold ({lt}{gap}),"
    return f"from {was} to {to}"


def _money_change_words(difference, now, after) -> str:
    if difference is None:
        return "and change an unknown amount"
    if difference > TIE:
        return f"and earn £{difference:,.2f}"
    if difference < -TIE:
        return f"and lose £{-difference:,.2f}"
    if now["status"] == "green" and after["status"] == "green":
        return "and earn nothing more: all is earned already"
    return "and earn nothing more"


def _achievement_words(value: float | None, unit: str) -> str:
    if value is None:
        return "–"
    return {"percent": f"{value:.1f}%", "per_1000": f"{value:.1f} per 1,000"}.get(
        unit, f"{value:.2f}"
    )


def _summary_sentence(changes: int, difference: float) -> str:
    if changes == 0:
        return "No changes: the figures are today's."
    together = "The change" if changes == 1 else f"All {plural(changes, 'change')} together"
    if difference > TIE:
        return f"{together} would earn the PCN £{difference:,.2f} more."
    if difference < -TIE:
        return f"{together} would lose the PCN £{-difference:,.2f}."
    return f"{together} would not change what the PCN earns."


# --- the best plan ---------------------------------------------------------------------------


@dataclass
class _Work:
    """An indicator the plan can earn on: the patients that can count at each practice, and the
    PCN's £ gained and its scored row for each number of extra patients k (0, 1, ...)."""

    code: str
    outstanding: dict[str, int]  # practice code -> patients that can count there
    gain: np.ndarray  # £ gained with k more patients, k = 0 .. len - 1
    curve: pd.DataFrame  # the pipeline's PCN row with k more patients, by k

    @property
    def patients_to_earn(self) -> int | None:
        """The fewest patients that earn anything (past the lower threshold), if any do."""
        earning = np.flatnonzero(self.gain > TIE)
        return int(earning[0]) if earning.size else None


def best_plan(
    scored,
    scheme: Scheme,
    pcn_code: str,
    period,
    contacts,
    per_practice: Mapping | None = None,
    outstanding=None,
    *,
    orgs,
) -> Plan:
    """The patients to see, by indicator and practice, that earn the PCN the most £.

    `contacts` is the number of patient contacts before the year end, each completing one
    patient (a dict of contacts per practice works as `per_practice`); `per_practice` limits
    each practice (a member not in it has none). Patients come only from those outstanding:
    at most denominator − numerator at a practice on a higher-is-better percentage, and no more
    than `outstanding` gives ((practice_code, indicator_code) -> patients, e.g. from
    `outstanding_from_patients`), the smaller of the two; other indicators only as `outstanding`
    gives them (decisions.md D60). The £ for each number of extra patients comes from the real
    pipeline; dynamic programming over the indicators finds the best totals for an overall
    budget, an integer program (HiGHS) when practices have budgets of their own."""
    period = pd.Timestamp(period).date()
    practices = _members(scored, orgs, pcn_code, period)
    now = _pcn_now(scored, pcn_code, period)
    overall, budgets = _budgets(contacts, per_practice, practices)
    work, notes = _plannable(scheme, now, practices, _outstanding_lists(outstanding, scheme),
                             period)  # fmt: skip
    _add_curves(scheme, now, work, period)
    if budgets is None:
        totals = _best_totals([w.gain for w in work], overall)
        split, method, proven = _greedy_split(work, totals), "dynamic programming", True
    else:
        totals, proven = _integer_program(work, budgets, overall)
        totals = _fewest(work, totals)
        split, method = _split_with_budgets(work, totals, budgets), "integer programming"
    contacts_there = overall if overall is not None else sum(budgets.values())
    return _plan(scheme, now, practices, work, totals, split, notes, contacts_there, method,
                 proven)  # fmt: skip


def outstanding_from_patients(patients: pd.DataFrame) -> dict[tuple[str, str], int]:
    """Patients still to do (not achieved, no PCA; iif-rules.md section 8) per (practice code,
    indicator code) in patient lists such as Store.patients(as_at=...) gives; a practice ×
    indicator with a list but nobody left to do has 0."""
    from iif_core.report.patients import prepare_patients

    if patients is None or patients.empty:
        return {}
    frame = prepare_patients(patients)
    frame["to_do"] = ~frame["achieved"] & ~frame["pca"]
    counts = frame.groupby(["practice_code", "indicator_code"])["to_do"].sum()
    return {key: int(value) for key, value in counts.items()}


def _budgets(contacts, per_practice, practices) -> tuple[int | None, dict | None]:
    """(overall contacts or None, contacts per practice or None), checked."""
    if isinstance(contacts, Mapping):
        if per_practice is not None:
            raise ValueError("Give contacts per practice once: as `contacts` or `per_practice`.")
        contacts, per_practice = None, contacts
    if contacts is None and per_practice is None:
        raise ValueError("Give the number of contacts, overall or per practice.")
    overall = None if contacts is None else _count(contacts, "contacts")
    if per_practice is None:
        return overall, None
    codes = {p.code for p in practices}
    unknown = sorted(set(per_practice) - codes)
    if unknown:
        raise ValueError(f"Not member practices of this PCN: {', '.join(unknown)}.")
    budgets = {code: _count(per_practice.get(code, 0), code) for code in sorted(codes)}
    return overall, budgets


def _count(value, what: str) -> int:
    if int(value) != value or value < 0:
        raise ValueError(f"{what}: contacts must be a whole number, 0 or more ({value}).")
    return int(value)


def _outstanding_lists(outstanding, scheme: Scheme) -> dict[tuple[str, str], int]:
    """`outstanding` as {(practice code, indicator code): patients}: from a mapping, or a frame
    with practice_code, indicator_code and patients_to_do (or patients)."""
    if outstanding is None:
        return {}
    if isinstance(outstanding, pd.DataFrame):
        column = "patients_to_do" if "patients_to_do" in outstanding else "patients"
        outstanding = {
            (row["practice_code"], row["indicator_code"]): row[column]
            for row in outstanding.to_dict("records")
        }
    return {
        (practice, scheme.indicator(code).code): _count(patients, f"{practice} {code}")
        for (practice, code), patients in outstanding.items()
        if scheme.has_indicator(code)
    }


def _plannable(scheme, now, practices, lists, period) -> tuple[list[_Work], dict[str, str]]:
    """The indicators the plan can earn on, with their patients that can count, and for each
    of the others (by code) why not."""
    work, notes = [], {}
    for code, indicator in scheme.indicators.items():
        reason = _not_plannable(scheme, indicator, now.loc[code], period)
        if reason is None:
            can_count = {p.code: _can_count(p, indicator, lists) for p in practices}
            can_count = {practice: n for practice, n in can_count.items() if n > 0}
            reason = _nobody_outstanding(indicator, lists) if not can_count else None
        if reason is not None:
            notes[code] = reason
            continue
        work.append(_Work(code, can_count, np.zeros(1), pd.DataFrame()))
    return work, notes


def _not_plannable(scheme, indicator, row, period) -> str | None:
    if row["status"] == "not_in_scheme":
        return f"not in the scheme on {_day(period)}, so nothing is paid for it."
    if not scheme.paid_at_year_end(indicator.code):
        return scheme.dates_note(indicator.code)
    if row["status"] == "no_data":
        return "no figures for this period."
    if _num(row["payment_available"]) is None:
        return "its £ cannot be worked out (no prevalence), so the plan leaves it out."
    if row["status"] == "green" or not _num(row["patients_to_upper"]):
        return "the upper threshold is reached: nothing more to earn."
    return None


def _can_count(practice: _Practice, indicator: Indicator, lists: dict) -> int:
    """Patients a contact can complete at a practice on an indicator: for a higher-is-better
    percentage those not yet achieved (denominator − numerator), else none unless the patient
    lists give them; for a lower-is-better indicator never more events than were counted."""
    if indicator.code not in practice.counts:
        return 0
    numerator, denominator, _ = practice.counts[indicator.code]
    listed = lists.get((practice.code, indicator.code))
    if indicator.direction == "lower":
        return 0 if listed is None else min(listed, numerator)
    if indicator.unit != "percent":
        return 0 if listed is None else listed
    not_yet = denominator - numerator
    return not_yet if listed is None else min(not_yet, listed)


def _nobody_outstanding(indicator: Indicator, lists: dict) -> str:
    if indicator.direction == "higher" and indicator.unit == "percent":
        return "no patients outstanding that can count."
    if any(code == indicator.code for _, code in lists):
        return "the patient lists hold nobody still to do."
    what = "fewer events" if indicator.direction == "lower" else f"a {indicator.unit} count"
    return (
        f"it counts {what}, and the counts alone do not say which patients a contact could "
        "complete; the plan uses it only with patient lists."
    )


def _add_curves(scheme: Scheme, now: pd.DataFrame, work: list[_Work], period: date) -> None:
    """Each indicator's PCN scored with 0, 1, ... extra patients (up to those that can count,
    and no more than reach the upper threshold) by the real pipeline, in one run: the PCN's £
    depends only on its pooled counts and list size, so each k is a one-practice stand-in."""
    networks, keys = [], []
    for w in work:
        row, indicator = now.loc[w.code], scheme.indicators[w.code]
        most = min(sum(w.outstanding.values()), int(row["patients_to_upper"]))
        step = 1 if indicator.direction == "higher" else -1
        pooled = (int(row["numerator"]), int(row["denominator"]), int(_num(row["pca_count"]) or 0))
        size = _whole(_num(row["list_size"]))
        for k in range(most + 1):
            counts = {w.code: (pooled[0] + step * k, pooled[1], pooled[2])}
            networks.append([_Practice("", "", size, counts)])
            keys.append((w.code, k))
    if not work:
        return
    only_these = dataclasses.replace(
        scheme, indicators={w.code: scheme.indicators[w.code] for w in work}
    )
    scored = _score_networks(only_these, networks, period)
    rows = scored.loc[[(n, code) for n, (code, _) in enumerate(keys)]].reset_index()
    rows["k"] = [k for _, k in keys]
    for w in work:
        w.curve = rows[rows["indicator_code"] == w.code].set_index("k")
        paid = w.curve["payment_achieved"].to_numpy(dtype=float)
        w.gain = paid - paid[0]


def _best_totals(gains: list[np.ndarray], budget: int) -> list[int]:
    """Patients per indicator earning the most £ in all with at most `budget` patients, by
    dynamic programming over the indicators: best[b] is the most £ with b patients for the
    indicators so far. Exact: every total of each indicator is tried (only the totals where
    its £ rises can do better than fewer). Ties go to fewer patients, then to the indicator
    earlier in the scheme."""
    budget = min(budget, sum(len(g) - 1 for g in gains))
    best, choices = np.zeros(budget + 1), []
    for gain in gains:
        new, choice = best.copy(), np.zeros(budget + 1, dtype=np.int64)
        for k in np.flatnonzero(np.diff(gain) > 0) + 1:
            if k > budget:
                break
            candidate = best[: budget + 1 - k] + gain[k]
            better = candidate > new[k:] + TIE
            new[k:][better] = candidate[better]
            choice[k:][better] = k
        best = new
        choices.append(choice)
    used = int(np.flatnonzero(best >= best[-1] - TIE)[0])
    totals = []
    for choice in reversed(choices):
        totals.append(int(choice[used]))
        used -= totals[-1]
    return totals[::-1]


def _greedy_split(work: list[_Work], totals: list[int]) -> dict[tuple[str, str], int]:
    """Each indicator's patients over its practices, most outstanding first (ties by code): any
    split earns the PCN the same, as it is paid on the pooled figure."""
    split = {}
    for w, total in zip(work, totals, strict=True):
        left = total
        for practice in _preference(w):
            take = min(left, w.outstanding[practice])
            if take:
                split[(w.code, practice)] = take
            left -= take
    return split


def _preference(w: _Work) -> list[str]:
    return sorted(w.outstanding, key=lambda practice: (-w.outstanding[practice], practice))


def _integer_program(work, budgets: dict, overall: int | None) -> tuple[list[int], bool]:
    """The best totals when practices have budgets of their own, by a mixed-integer program
    (scipy's HiGHS, no optimality gap allowed). Patients x[i, p] per indicator and practice
    within what can count there and the practice's budget (and the overall budget); for each
    indicator y = 1 when it is taken past the lower threshold (its first earning total m or
    more, never beyond the upper threshold u), and £ w no more than its straight line from m
    (the pipeline's £ is linear in between) nor its full £ at u. Returns the totals and
    whether HiGHS proved them best (False only at its time limit)."""
    pairs = [(i, p) for i, w in enumerate(work) for p in w.outstanding if budgets.get(p, 0) > 0]
    n = len(work)
    if not pairs or all(w.patients_to_earn is None for w in work):
        return [0] * n, True
    rows = _Constraints(len(pairs) + 2 * n)  # x for each pair, then y and w for each indicator
    for i, w in enumerate(work):
        mine = {j: 1.0 for j, (pi, _) in enumerate(pairs) if pi == i}
        _indicator_constraints(rows, w, mine, y=len(pairs) + i, money=len(pairs) + n + i)
    for practice, budget in budgets.items():
        rows.add({j: 1.0 for j, (_, p) in enumerate(pairs) if p == practice}, 0, budget)
    if overall is not None:
        rows.add(dict.fromkeys(range(len(pairs)), 1.0), 0, overall)
    high = [work[i].outstanding[p] for i, p in pairs] + [1] * n + [w.gain[-1] for w in work]
    cost = np.r_[np.zeros(len(pairs) + n), -np.ones(n)]
    from scipy.optimize import milp  # loaded when a plan is made, not with the app

    result = milp(
        cost,
        integrality=np.r_[np.ones(len(pairs) + n), np.zeros(n)],
        bounds=(np.zeros(len(cost)), np.array(high, dtype=float)),
        constraints=rows.constraint(),
        options={"mip_rel_gap": 0.0, "time_limit": INTEGER_PROGRAM_SECONDS},
    )
    if result.x is None:
        return [0] * n, False
    patients = np.round(result.x[: len(pairs)]).astype(int)
    totals = [0] * n
    for (i, _), count in zip(pairs, patients, strict=True):
        totals[i] += int(count)
    return totals, result.status == 0


class _Constraints:
    """A linear program's constraints, low ≤ row · x ≤ high, added one row at a time."""

    def __init__(self, size: int):
        self.size, self.rows, self.low, self.high = size, [], [], []

    def add(self, coefficients: dict, low: float, high: float) -> None:
        row = np.zeros(self.size)
        for index, value in coefficients.items():
            row[index] += value
        self.rows.append(row)
        self.low.append(low)
        self.high.append(high)

    def constraint(self):  # a scipy.optimize.LinearConstraint
        from scipy.optimize import LinearConstraint

        return LinearConstraint(np.array(self.rows), self.low, self.high)


def _indicator_constraints(rows: _Constraints, w: _Work, mine: dict, y: int, money: int) -> None:
    """One indicator's part of the program: patients 0, or from its first earning total to the
    upper threshold; £ under its line and its full £ (none where nothing can earn)."""
    first, last = w.patients_to_earn, len(w.gain) - 1
    if first is None:
        rows.add(mine, 0, 0)
        return
    slope = _slope(w.gain, first, last)
    rows.add({**mine, y: -first}, 0, np.inf)
    rows.add({**mine, y: -last}, -np.inf, 0)
    rows.add({money: 1.0, y: -w.gain[last]}, -np.inf, 0)
    line = {j: -slope for j in mine}
    rows.add({**line, money: 1.0, y: -(w.gain[first] - slope * first)}, -np.inf, 0)


def _slope(gain: np.ndarray, first: int, last: int) -> float:
    """£ a patient between the thresholds: the pipeline's £ is a straight line from the first
    earning total up to the one before the upper threshold (the last step may be shorter)."""
    if last - 1 > first:
        return float(gain[last - 1] - gain[first]) / (last - 1 - first)
    return float(gain[last] - gain[first]) if last > first else 0.0


def _fewest(work: list[_Work], totals: list[int]) -> list[int]:
    """Each total cut to the fewest patients that earn as much (a plan needs no patients who
    add nothing)."""
    return [
        int(np.flatnonzero(w.gain >= w.gain[total] - TIE)[0])
        for w, total in zip(work, totals, strict=True)
    ]


def _split_with_budgets(work, totals, budgets) -> dict[tuple[str, str], int]:
    """Each indicator's total over its practices within the practices' budgets, preferring the
    practices with the most outstanding (ties by code): among the splits the budgets allow, the
    one with the least sum over patients of their practice's place in that order (an integer
    program; the totals came from a split that exists, so one always does)."""
    pairs = [(i, p) for i, w in enumerate(work) for p in w.outstanding if budgets.get(p, 0) > 0]
    pairs = [(i, p) for i, p in pairs if totals[i] > 0]
    if not pairs:
        return {}
    rank = {(i, p): n for i, w in enumerate(work) for n, p in enumerate(_preference(w))}
    rows, lower, upper = [], [], []
    for i, total in enumerate(totals):
        if total > 0:
            rows.append([1.0 if pi == i else 0.0 for pi, _ in pairs])
            lower.append(total)
            upper.append(total)
    for practice, budget in budgets.items():
        rows.append([1.0 if p == practice else 0.0 for _, p in pairs])
        lower.append(0)
        upper.append(budget)
    from scipy.optimize import (  # loaded when a plan is made, not with the app
        LinearConstraint,
        milp,
    )

    result = milp(
        np.array([rank[pair] + 1.0 for pair in pairs]),
        integrality=np.ones(len(pairs)),
        bounds=(np.zeros(len(pairs)), np.array([work[i].outstanding[p] for i, p in pairs])),
        constraints=LinearConstraint(np.array(rows), lower, upper),
        options={"time_limit": INTEGER_PROGRAM_SECONDS},
    )
    if result.x is None:
        raise RuntimeError("No split of the plan's patients fits the practices' budgets.")
    patients = np.round(result.x).astype(int)
    return {(work[i].code, p): int(n) for (i, p), n in zip(pairs, patients, strict=True) if n}


def _plan(scheme, now, practices, work, totals, split, notes, contacts, method, proven) -> Plan:
    chosen = {w.code: (w, total) for w, total in zip(work, totals, strict=True)}
    notes = {**notes, **_unfunded_notes(scheme, work, totals)}
    indicators = [
        _plan_indicator_row(
            scheme.indicators[code], now.loc[code], *chosen.get(code, (None, 0)), notes.get(code)
        )  # fmt: skip
        for code in scheme.indicators
    ]
    gain = float(sum(w.gain[total] for w, total in chosen.values()))
    used = int(sum(totals))
    words = [f"{code}: {notes[code]}" for code in scheme.indicators if code in notes]
    if used < contacts:
        words.append(
            f"{contacts - used:,} of the {plural(contacts, 'contact')} are left over: no more "
            "patients would earn the PCN anything."
        )
    return Plan(
        allocation=_allocation(scheme, practices, work, totals, split),
        by_indicator=pd.DataFrame(indicators, columns=list(PLAN_INDICATOR_COLUMNS)),
        contacts=contacts,
        patients=used,
        payment_gain=gain,
        payment_per_contact=gain / used if used else None,
        method=method,
        proven_best=proven,
        notes=words,
    )


def _allocation(scheme, practices, work, totals, split) -> pd.DataFrame:
    """One row per indicator × practice with patients; the indicator's £ is shared over its
    practices in proportion to their patients (the PCN is paid on the pooled figure)."""
    names = {p.code: p.name for p in practices}
    rows = []
    for w, total in zip(work, totals, strict=True):
        for practice in _preference(w):
            patients = split.get((w.code, practice), 0)
            if patients:
                rows.append({
                    "indicator_code": w.code, "name": scheme.indicators[w.code].name,
                    "practice_code": practice, "practice_name": names[practice],
                    "patients": patients, "outstanding": w.outstanding[practice],
                    "payment_expected": float(w.gain[total]) * patients / total,
                })  # fmt: skip
    return pd.DataFrame(rows, columns=list(ALLOCATION_COLUMNS))


def _plan_indicator_row(indicator, now: pd.Series, w: _Work | None, total: int, note):
    after = w.curve.loc[total] if w is not None else now
    return {
        "indicator_code": indicator.code, "name": indicator.name,
        "direction": indicator.direction, "patients": total,
        "patients_possible": sum(w.outstanding.values()) if w is not None else 0,
        "patients_to_earn": w.patients_to_earn if w is not None else None,
        "achievement_now": _num(now["achievement"]),
        "achievement_after": _num(after["achievement"]),
        "status_now": now["status"], "status_after": after["status"],
        "payment_now": _num(now["payment_achieved"]),
        "payment_after": _num(after["payment_achieved"]),
        "payment_gain": float(w.gain[total]) if w is not None else 0.0,
        "note": note,
    }  # fmt: skip


def _unfunded_notes(scheme, work, totals) -> dict[str, str]:
    """Why an indicator the plan could earn on gets no patients."""
    notes = {}
    for w, total in zip(work, totals, strict=True):
        if total:
            continue
        indicator = scheme.indicators[w.code]
        lt = _threshold_words(float(indicator.lower_threshold), indicator.unit)
        first = w.patients_to_earn
        notes[w.code] = (
            f"the {_patients(sum(w.outstanding.values()))} outstanding cannot take it past the "
            f"lower threshold ({lt}), so they would earn nothing."
            if first is None
            else f"the first £ needs {_patients(first)} (past the lower threshold, {lt}); the "
            "contacts earn more elsewhere, or are too few."
        )
    return notes


def _patients(count: int) -> str:
    return f"{count:,} patient" + ("" if count == 1 else "s")
