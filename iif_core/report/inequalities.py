"""Inequalities: achievement and patients still to do by deprivation, ethnic group, age and sex."""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import pandas as pd

from iif_core.report.common import _day
from iif_core.report.patients import age_band_order, recall_list_rows
from iif_core.stats import Z_95, wilson_interval
from iif_core.vocabulary import EQUITY_DIMENSION_WORDS, EQUITY_DIMENSIONS
from iif_core.words import plural

# The small-group rule (decisions.md D68), in this one place: a group of fewer than SMALL_GROUP
# patients shows "fewer than 10" and nothing else; and in each indicator × dimension, more
# groups are hidden (the smallest first) until the hidden groups together hold at least
# SMALL_GROUP patients, so that no hidden count can be worked out from a total shown elsewhere.
SMALL_GROUP = 10
SMALL_GROUP_TEXT = f"fewer than {SMALL_GROUP}"
HIDDEN_SMALL = f"fewer than {plural(SMALL_GROUP, 'patient')}: not shown"
HIDDEN_BY_SUBTRACTION = "not shown, to protect a smaller group"
SMALL_GROUP_RULE = (
    f"a group of fewer than {plural(SMALL_GROUP, 'patient')} shows no figures, and neither does "
    "the next "
    "smallest group when its figures would let the hidden one be worked out from the total."
)
NOT_RECORDED = "Not recorded"
MOST_DEPRIVED, LEAST_DEPRIVED = 1, 5  # IMD quintiles: 1 is the most deprived fifth (Core20)
QUINTILE_WORDS = {1: "1 (most deprived)", 5: "5 (least deprived)"}

GROUP_COLUMNS = (
    "indicator_code", "dimension", "dimension_label", "group", "order", "patients",
    "patients_shown", "achieved", "outstanding", "achievement", "achievement_lower",
    "achievement_upper", "suppressed", "note",
)  # fmt: skip
GAP_COLUMNS = (
    "indicator_code", "patients", "achieved", "outstanding", "achievement",
    "most_deprived_achievement", "least_deprived_achievement", "gap_points", "gap_lower",
    "gap_upper", "ratio",
    "core20_outstanding", "core20_share_outstanding", "core20_share_lower",
    "core20_share_upper", "core20_share_patients", "note",
)  # fmt: skip
TREND_COLUMNS = (
    "indicator_code", "period_end", "most_deprived_achievement", "least_deprived_achievement",
    "gap_points", "gap_lower", "gap_upper", "note",
)  # fmt: skip

METHOD = f"""
**Who counts.** The patients of each indicator's lists in use at the period end, as on the
Patients page: a patient who achieved counts as achieved (even with a personalised care
adjustment); a patient who did not achieve and has no adjustment is still to do; a patient who
did not achieve and has an adjustment is left out, as IIF leaves them out of the denominator.
Lists that hold only patients still to do (recall lists) cannot show who achieved, so they are
left out here.

**Groups.** Deprivation is the IMD quintile of where the patient lives (deciles 1-2 are quintile
1, the most deprived fifth of areas in England: the Core20). Ethnic group and sex are as the
list records them; age bands are those of the Patients page. Patients with nothing recorded are
a group of their own, so the groups add up to every patient.

**Intervals.** Each share achieved has a 95% Wilson score interval. The gap is the most
deprived fifth's share minus the least deprived fifth's, in percentage points, with a 95%
interval by Newcombe's hybrid score method (his method 10, from the two Wilson intervals); the
ratio is the most deprived fifth's share divided by the least deprived fifth's. The Core20 share
is the part of the patients still to do who live in the most deprived fifth (Wilson interval).

**Small groups.** A group of fewer than {plural(SMALL_GROUP, "patient")} shows "{SMALL_GROUP_TEXT}" and no
other figure. So that no hidden group can be worked out by taking the groups shown from a total
shown elsewhere, the next smallest groups are hidden too until the hidden groups together hold
at least {plural(SMALL_GROUP, "patient")}. A gap or share that would need a hidden figure is not shown.
"""


@dataclass(frozen=True)
class Inequalities:
    """Achievement by group, the deprivation gap, the Core20 share and the gap by month, for the
    practices whose lists were given; every figure of a small group already hidden (D68)."""

    organisation: str
    period_end: object
    groups: pd.DataFrame  # GROUP_COLUMNS: one row per indicator × dimension × group
    gaps: pd.DataFrame  # GAP_COLUMNS: one row per indicator
    trend: pd.DataFrame  # TREND_COLUMNS: one row per indicator × period end with lists
    sentences: dict[str, list[str]]  # per indicator, in plain words: the gap, Core20, the trend
    notes: list[str] = field(default_factory=list)  # what was left out, and why
    method: str = METHOD

    @property
    def indicators(self) -> list[str]:
        return list(self.gaps["indicator_code"])

    def trend_note(self, indicator: str) -> str | None:
        """Why an indicator has no gap by month to draw; None when it has one."""
        months = self.trend[self.trend["indicator_code"] == indicator]
        shown = months.dropna(subset=["gap_points"])
        if len(shown) >= 2:
            return None
        found = f"{len(months)} period end{'s' * (len(months) != 1)} with lists"
        if len(months) > len(shown):
            found += f", {len(shown)} of them with enough patients in both fifths"
        return (
            "The gap by month shows once there are lists for two or more period ends with "
            f"enough patients in both the most and the least deprived fifth; here: {found}."
        )


def eligible_patients(patients: pd.DataFrame) -> pd.DataFrame:
    """The indicator's denominator (iif-rules.md section 8): achieved, or still to do; recall
    lists left out (they cannot show who achieved)."""
    frame = patients[patients["achieved"] | ~patients["pca"]]
    return frame[~recall_list_rows(frame)]


def lists_in_use(history: pd.DataFrame, period) -> pd.DataFrame:
    """For each practice × indicator, the rows of its latest list up to `period` (D23)."""
    ends = pd.to_datetime(history["period_end"])
    upto = history[ends <= pd.Timestamp(period)]
    if upto.empty:
        return upto
    latest = (
        pd.to_datetime(upto["period_end"])
        .groupby([upto["practice_code"], upto["indicator_code"]])
        .transform("max")
    )
    return upto[pd.to_datetime(upto["period_end"]) == latest]


def _labels(frame: pd.DataFrame, dimension: str) -> tuple[pd.Series, dict[str, int]]:
    """Each patient's group in a dimension, in words, and the order the groups are shown in."""
    values = frame[dimension]
    if dimension == "imd_quintile":
        labels = [
            NOT_RECORDED if pd.isna(q) else QUINTILE_WORDS.get(int(q), str(int(q))) for q in values
        ]
        order = {QUINTILE_WORDS.get(q, str(q)): q for q in range(1, 6)}
    elif dimension == "age_band":
        labels = [NOT_RECORDED if pd.isna(v) else str(v) for v in values]
        order = {band: i for i, band in enumerate(age_band_order(), start=1)}
    else:
        labels = [
            NOT_RECORDED if pd.isna(v) or not str(v).strip() else str(v).strip() for v in values
        ]
        order = {v: i for i, v in enumerate(sorted(set(labels) - {NOT_RECORDED}), start=1)}
    order[NOT_RECORDED] = len(order) + 1
    return pd.Series(labels, index=frame.index), order


def hidden_groups(patients: list[int]) -> list[bool]:
    """Which groups of one dimension the small-group rule hides (D68): every group under
    SMALL_GROUP patients, then the smallest shown groups until the hidden ones together hold at
    least SMALL_GROUP patients (or every group is hidden)."""
    hidden = [0 < n < SMALL_GROUP for n in patients]
    while any(hidden) and not all(hidden):
        if sum(n for n, h in zip(patients, hidden, strict=True) if h) >= SMALL_GROUP:
            break
        smallest = min(
            (n, i) for i, (n, h) in enumerate(zip(patients, hidden, strict=True)) if not h
        )
        hidden[smallest[1]] = True
    return hidden


def _percent(low_high: tuple[float, float]) -> tuple[float, float]:
    return (100 * low_high[0], 100 * low_high[1])


def group_rows(eligible: pd.DataFrame, indicator: str) -> list[dict]:
    """One indicator's groups in every dimension, the small-group rule applied."""
    rows = []
    for dimension in EQUITY_DIMENSIONS:
        labels, order = _labels(eligible, dimension)
        done = eligible["achieved"].astype(bool)
        counts = (
            pd.DataFrame({"group": labels, "achieved": done})
            .groupby("group")["achieved"]
            .agg(["size", "sum"])
        )
        counts = counts.loc[sorted(counts.index, key=lambda g: (order.get(g, 0), g))]
        hidden = hidden_groups([int(n) for n in counts["size"]])
        for (group, row), hide in zip(counts.iterrows(), hidden, strict=True):
            n, achieved = int(row["size"]), int(row["sum"])
            record = {
                "indicator_code": indicator,
                "dimension": dimension,
                "dimension_label": EQUITY_DIMENSION_WORDS[dimension],
                "group": group,
                "order": order.get(group, 0),
                "suppressed": hide,
            }
            if hide:
                record |= {
                    "patients_shown": SMALL_GROUP_TEXT if n < SMALL_GROUP else "hidden",
                    "note": HIDDEN_SMALL if n < SMALL_GROUP else HIDDEN_BY_SUBTRACTION,
                }
            else:
                low, high = _percent(wilson_interval(achieved, n))
                record |= {
                    "patients": n, "patients_shown": f"{n:,}", "achieved": achieved,
                    "outstanding": n - achieved, "achievement": 100 * achieved / n,
                    "achievement_lower": low, "achievement_upper": high, "note": "",
                }  # fmt: skip
            rows.append(record)
    return rows


def newcombe_difference(a1: int, n1: int, a2: int, n2: int, z: float = Z_95):
    """p1 - p2 and its interval by Newcombe's hybrid score method (1998, method 10)."""
    p1, p2 = a1 / n1, a2 / n2
    l1, u1 = wilson_interval(a1, n1, z)
    l2, u2 = wilson_interval(a2, n2, z)
    difference = p1 - p2
    lower = difference - math.sqrt((p1 - l1) ** 2 + (u2 - p2) ** 2)
    upper = difference + math.sqrt((u1 - p1) ** 2 + (p2 - l2) ** 2)
    return difference, lower, upper


def _quintile(groups: pd.DataFrame, quintile: int) -> pd.Series | None:
    rows = groups[(groups["dimension"] == "imd_quintile") & (groups["order"] == quintile)]
    rows = rows[rows["group"] != NOT_RECORDED]
    return None if rows.empty else rows.iloc[0]


def gap_row(groups: pd.DataFrame, indicator: str, eligible: pd.DataFrame) -> dict:
    """The gap between the most and least deprived fifths and the Core20 share, from one
    indicator's groups (never from a hidden figure)."""
    n = len(eligible)
    achieved = int(eligible["achieved"].sum())
    row = {"indicator_code": indicator, "note": ""}
    if n < SMALL_GROUP:
        row["note"] = f"too few patients: {SMALL_GROUP_TEXT}"
        return row
    row |= {"patients": n, "achieved": achieved, "outstanding": n - achieved,
            "achievement": 100 * achieved / n}  # fmt: skip
    row |= _gap(groups)
    most = _quintile(groups, MOST_DEPRIVED)
    if most is not None and not most["suppressed"] and n - achieved > 0:
        outstanding = int(most["outstanding"])
        low, high = _percent(wilson_interval(outstanding, n - achieved))
        row |= {
            "core20_outstanding": outstanding,
            "core20_share_outstanding": 100 * outstanding / (n - achieved),
            "core20_share_lower": low,
            "core20_share_upper": high,
            "core20_share_patients": 100 * int(most["patients"]) / n,
        }
    return row


def _gap(groups: pd.DataFrame) -> dict:
    most, least = _quintile(groups, MOST_DEPRIVED), _quintile(groups, LEAST_DEPRIVED)
    for quintile, words in ((most, "most"), (least, "least")):
        if quintile is None:
            return {"note": f"no patients in the {words} deprived fifth"}
        if quintile["suppressed"]:
            return {"note": f"too few patients in the {words} deprived fifth to compare"}
    difference, lower, upper = newcombe_difference(
        int(most["achieved"]), int(most["patients"]), int(least["achieved"]), int(least["patients"])
    )
    ratio = most["achievement"] / least["achievement"] if least["achievement"] > 0 else None
    return {
        "most_deprived_achievement": most["achievement"],
        "least_deprived_achievement": least["achievement"],
        "gap_points": 100 * difference,
        "gap_lower": 100 * lower,
        "gap_upper": 100 * upper,
        "ratio": ratio,
    }


def inequalities(
    patients: pd.DataFrame,
    *,
    period=None,
    history: pd.DataFrame | None = None,
    organisation: str = "these practices",
    indicators: list[str] | None = None,
    indicator_names: dict[str, str] | None = None,
) -> Inequalities:
    """Achievement by IMD quintile, ethnic group, age band and sex per indicator, the gap
    between the most and least deprived fifths, the Core20 share of the patients still to do,
    and the gap by month, every small group hidden (D68).

    `patients`: the prepared lists in use at `period` (report.prepare_patients of
    Store.patients with `as_at`, as the Patients page reads them) of the organisation's
    practices. `history`: optionally every prepared list of the scheme year up to `period` for
    the same practices (Store.patients without `as_at`): the gap by month comes from it, at each
    period end with a list, from the lists in use then. `indicators`: the order to show them in
    (the scheme's); `indicator_names`: for the sentences."""
    names = indicator_names or {}
    eligible = eligible_patients(patients)
    found = sorted(eligible["indicator_code"].dropna().unique(), key=str)
    order = [c for c in (indicators or []) if c in found] + [
        c for c in found if c not in (indicators or [])
    ]
    group_records, gap_records, sentences = [], [], {}
    for code in order:
        ours = eligible[eligible["indicator_code"] == code]
        rows = group_rows(ours, code)
        group_records += rows
        gap_records.append(gap_row(pd.DataFrame(rows), code, ours))
    groups = _frame(group_records, GROUP_COLUMNS)
    gaps = _frame(gap_records, GAP_COLUMNS)
    trend = gap_trend(history, period, order) if history is not None else _frame([], TREND_COLUMNS)
    for record in gap_records:
        code = record["indicator_code"]
        sentences[code] = gap_sentences(
            record, trend[trend["indicator_code"] == code], organisation, names.get(code, code)
        )
    notes = []
    left_out = recall_list_rows(patients)
    if left_out.any():
        practices = sorted(set(patients.loc[left_out, "practice_code"]))
        notes.append(
            "Left out: the recall lists (only patients still to do, which cannot show who "
            f"achieved) of {len(practices)} practice{'s' * (len(practices) != 1)}."
        )
    return Inequalities(organisation, period, groups, gaps, trend, sentences, notes)


def gap_trend(history: pd.DataFrame, period, indicators: list[str]) -> pd.DataFrame:
    """The gap at each period end up to `period` with a list, from the lists in use then (D23),
    each month's groups under the small-group rule."""
    ends = pd.to_datetime(history["period_end"]).dropna()
    if period is not None:
        ends = ends[ends <= pd.Timestamp(period)]
    records = []
    for end in sorted(ends.unique()):
        eligible = eligible_patients(lists_in_use(history, end))
        for code in indicators:
            ours = eligible[eligible["indicator_code"] == code]
            if ours.empty:
                continue
            rows = pd.DataFrame(group_rows(ours, code))
            gap = _gap(rows)
            records.append(
                {"indicator_code": code, "period_end": pd.Timestamp(end).date(), "note": ""} | gap
            )
    return _frame(records, TREND_COLUMNS)


def _frame(records: list[dict], columns) -> pd.DataFrame:
    frame = pd.DataFrame(records, columns=list(columns))
    for column in ("patients", "achieved", "outstanding", "core20_outstanding"):
        if column in frame:
            frame[column] = frame[column].astype("Int64")
    if "suppressed" in frame:  # bool even when empty, so that it can select rows
        frame["suppressed"] = frame["suppressed"].astype(bool)
    return frame


def _points(value: float) -> str:
    """7.49 -> '7.5 points'; 1 -> '1 point'."""
    rounded = round(abs(value), 1)
    return f"{rounded:g} point{'s' * (rounded != 1)}"


def gap_sentences(gap: dict, trend: pd.DataFrame, organisation: str, name: str) -> list[str]:
    """The gap, the Core20 share and the gap's trend of one indicator, in plain words."""
    what = gap["indicator_code"] + (f" ({name})" if name != gap["indicator_code"] else "")
    most = gap.get("most_deprived_achievement")
    if most is None or pd.isna(most):
        said = [f"In {organisation}, {what}: no gap can be shown ({gap['note']})."]
    else:
        least = gap["least_deprived_achievement"]
        difference = gap["gap_points"]
        if round(difference, 1) == 0:
            size = "no gap"
        else:
            side = "lower" if difference < 0 else "higher"
            size = f"a gap of {_points(difference)}, {side} for the most deprived"
        said = [
            f"In {organisation}, {most:.0f}% of eligible patients in the most deprived fifth of "
            f"areas have achieved {what}, against {least:.0f}% in the least deprived: {size} "
            f"(95% interval {gap['gap_lower']:+.0f} to {gap['gap_upper']:+.0f} points)."
        ]
    share = gap.get("core20_share_outstanding")
    if share is not None and not pd.isna(share):
        outstanding = int(gap["outstanding"])
        said.append(
            f"Of the {outstanding:,} patient{'s' * (outstanding != 1)} still to do, "
            f"{int(gap['core20_outstanding']):,} ({share:.0f}%) live in the most deprived fifth "
            f"(Core20), which holds {gap['core20_share_patients']:.0f}% of the eligible patients."
        )
    shown = trend.dropna(subset=["gap_points"]) if not trend.empty else trend
    if len(shown) >= 2:
        first, last = shown.iloc[0], shown.iloc[-1]
        said.append(
            f"The gap was {first['gap_points']:+.0f} points at {_day(first['period_end'])} and "
            f"{last['gap_points']:+.0f} at {_day(last['period_end'])} "
            f"({plural(len(shown), 'period end')} with lists)."
        )
    return said
