"""Signal or noise: members in a funnel around their organisation's pooled achievement."""

from __future__ import annotations

import math
from dataclasses import dataclass

import pandas as pd

from iif_core import signals
from iif_core.report.common import _and, _empty, _num, _threshold_words
from iif_core.report.variation import Variation
from iif_core.schemes import Indicator
from iif_core.stats import FUNNEL_COVERAGES, SMALL_DENOMINATOR, wilson_interval
from iif_core.vocabulary import LEVEL_NOUNS

# Where a member sits in the funnel, in words, best first; the chart's colours and shapes follow
# this order, and a flag never rests on colour alone.
FUNNEL_FLAGS = (
    "Better: beyond the 99.8% limit",
    "Better: beyond the 95% limit",
    "Inside the limits",
    "Worse: beyond the 95% limit",
    "Worse: beyond the 99.8% limit",
    "Small denominator: not judged",
)
NAMED_OUTSIDE = 4  # members outside the limits named in the sentence; more are counted
FUNNEL_COLUMNS = (
    "org_code", "org_name", "numerator", "denominator", "achievement", "interval_low",
    "interval_high", "lower_95", "upper_95", "lower_99.8", "upper_99.8", "position", "judgement",
    "flag", "side", "small_denominator", "comparator", "chosen",
)  # fmt: skip


@dataclass
class Funnel:
    """Members of an organisation in a funnel around its pooled achievement for one indicator."""

    points: pd.DataFrame  # one row per member with a denominator (FUNNEL_COLUMNS)
    curve: pd.DataFrame  # the limit lines over the denominators (signals.funnel_curve)
    comparator: float | None  # the organisation's pooled achievement, in the indicator's unit
    comparator_name: str
    comparator_level: str  # "PCN", "place", "ICB": the organisation as a noun
    member_level: str | None
    unit: str
    direction: str
    message: str | None = None  # why there is no funnel, in words

    @property
    def flagged(self) -> pd.DataFrame:
        """Members outside a limit (and not small), furthest out first."""
        out = self.points[self.points["judgement"].notna()].copy()
        out["_far"] = out["position"].str.endswith("99.8")
        return out.sort_values(["_far", "org_name"], ascending=[False, True]).drop(columns="_far")

    @property
    def small(self) -> pd.DataFrame:
        return self.points[self.points["small_denominator"]]


def funnel(view: Variation, indicator: Indicator) -> Funnel:
    """The funnel plot behind a Variation: each member's achievement against its denominator,
    with 95% and 99.8% limits around the organisation's pooled achievement (iif_core.stats:
    exact binomial limits with interpolation, Poisson for rates), and each member's flag."""
    parent = view.parent or {}
    level = LEVEL_NOUNS.get(parent.get("level"), "network")
    name = str(parent.get("org_name") or parent.get("org_code") or level)
    comparator = _num(parent.get("achievement"))
    empty = Funnel(_empty(FUNNEL_COLUMNS), pd.DataFrame(), comparator, name, level,
                   view.member_level, indicator.unit, indicator.direction)  # fmt: skip
    if view.message:
        empty.message = view.message
        return empty
    if comparator is None:
        empty.message = f"{name} has no pooled achievement for this indicator and period."
        return empty
    members = view.members.dropna(subset=["numerator", "denominator"])
    members = members[["org_code", "org_name", "numerator", "denominator", "achievement"]]
    members = members.astype({"numerator": float, "denominator": float, "achievement": float})
    table = signals.funnel_table(members, comparator, indicator)
    if table.empty:
        empty.message = "None of the members has a denominator for this indicator and period."
        return empty
    intervals = [
        wilson_interval(n, d) if indicator.unit == "percent" else (math.nan, math.nan)
        for n, d in zip(table["numerator"], table["denominator"], strict=True)
    ]
    table["interval_low"] = [low * indicator.scale for low, _ in intervals]
    table["interval_high"] = [high * indicator.scale for _, high in intervals]
    table["flag"] = [
        _funnel_flag(p, j) for p, j in zip(table["position"], table["judgement"], strict=True)
    ]
    table["side"] = [
        p.split("_")[0] if p.startswith(("above", "below")) else None for p in table["position"]
    ]
    table["chosen"] = table["org_code"] == view.highlight if view.highlight else False
    curve = signals.funnel_curve(comparator, indicator, float(table["denominator"].max()))
    return Funnel(table[list(FUNNEL_COLUMNS)], curve, comparator, name, level,
                  view.member_level, indicator.unit, indicator.direction)  # fmt: skip


def _funnel_flag(position: str, judgement: str | None) -> str:
    if position == "small":
        return FUNNEL_FLAGS[5]
    if judgement is None or pd.isna(judgement):
        return FUNNEL_FLAGS[2]
    far = position.endswith("99.8")
    if judgement == "better":
        return FUNNEL_FLAGS[0] if far else FUNNEL_FLAGS[1]
    return FUNNEL_FLAGS[4] if far else FUNNEL_FLAGS[3]


def funnel_explanation(view: Funnel) -> dict[str, str]:
    """What the funnel shows in plain words: 'reading' (how to read it), 'finding' (what it
    finds here), 'small' (the small denominators, or '') and 'method'."""
    members = {"practice": "practices", "pcn": "PCNs"}.get(view.member_level, "members")
    member = members[:-1]
    whose = f"the {view.comparator_level}'s"
    rate = _threshold_words(round(view.comparator, 1), view.unit) if view.comparator else "–"
    reading = (
        f"{members[0].upper() + members[1:]} inside the funnel differ from the "
        f"{view.comparator_level} by no more than chance would explain. If every {member} had "
        f"{whose} own rate ({rate}), about 19 in 20 would land inside the dashed 95% lines and "
        "499 in 500 inside the solid 99.8% lines. The lines narrow to the right because a "
        f"bigger {member}'s figure moves less by chance."
    )
    flagged, judged = view.flagged, int((~view.points["small_denominator"]).sum())
    better = "higher" if view.direction == "higher" else "lower"
    if flagged.empty:
        finding = (
            f"No {member} is outside the limits: the differences between the {members} are "
            "within what chance would explain, so none should be singled out on these figures."
        )
    else:
        far = flagged["position"].str.endswith("99.8")
        parts = [
            f"{row.org_name} ({row.judgement}, beyond the {row.position.split('_')[1]}% limit)"
            for row in flagged.itertuples()
        ]
        if len(flagged) <= NAMED_OUTSIDE:
            finding = f"Outside the limits ({better} is better): {_and(parts)}. "
        else:
            counts = flagged["judgement"].value_counts()
            finding = (
                f"{len(flagged)} of {judged} {members} are outside the limits ({better} is "
                f"better): {int(counts.get('better', 0))} better and "
                f"{int(counts.get('worse', 0))} worse, {int(far.sum())} of them beyond the 99.8% "
                f"lines; the table below lists them. With so many outside, the {members} really "
                "do differ, by more than chance would make them. "
            )
        if far.any():
            finding += (
                "Beyond the 99.8% lines is very unlikely to be chance (1 in 500): worth finding "
                "out what is being done differently there. "
            )
        if (~far).any():
            chance = 1 - FUNNEL_COVERAGES[0] ** judged  # at least one of them beyond 95%
            finding += (
                "Beyond only the 95% lines happens by chance to 1 in 20: with "
                f"{judged} {members}, the chance that at least one lands there by chance alone "
                f"is {chance:.0%}. A reason to look, not a verdict."
            )
    small = ""
    if not view.small.empty:
        count = len(view.small)
        noun = member if count == 1 else members
        small = (
            f"{count} {noun} with a denominator under {SMALL_DENOMINATOR} "
            f"{'is' if count == 1 else 'are'} drawn hollow and not judged: at that size a few "
            "patients move the figure by more than the limits allow."
        )
    distribution = (
        "exact binomial limits" if view.unit == "percent" else "exact Poisson limits (a rate)"
    )
    method = (
        f"Method: {distribution} around {whose} pooled achievement at 95% and 99.8% (about 2 and "
        "3 standard deviations), with Spiegelhalter's interpolation so that the lines are "
        "smooth (Spiegelhalter 2005); better or worse follows the indicator's direction. Each "
        f"{member}'s own 95% interval (in the table) is the Wilson score interval."
    )
    chosen = view.points[view.points["chosen"].astype(bool)]
    if not chosen.empty:
        row = chosen.iloc[0]
        where = row["flag"][0].lower() + row["flag"][1:]
        finding = f"{row['org_name']} (ringed): {where}. {finding}"
    return {"reading": reading, "finding": finding.strip(), "small": small, "method": method}
