"""Signal or noise: monthly activity as an XmR chart with Making Data Count's rules."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

import pandas as pd

from iif_core import signals
from iif_core.report.common import _empty, _rows
from iif_core.report.completeness import Missing, missing_text
from iif_core.schemes import Scheme
from iif_core.words import plural

NOBODY_SENT = {
    "practice": "The practice sent no figures.",
    "pcn": "No member practice sent figures for this month.",
}
SPC_TYPES = {  # Making Data Count's point types, in words
    "common_cause": "Common cause",
    "special_cause_improvement": "Special cause: improvement",
    "special_cause_concern": "Special cause: concern",
    "special_cause_neutral": "Special cause: neither better nor worse",
}
SPC_RULES = {  # the rules a point breaks, in words
    "outside": "outside the process limits",
    "shift": "a shift: 7 or more in a row on one side of the mean",
    "trend": "a trend: 7 or more in a row rising or falling",
    "two_of_three": "2 of 3 in a row close to a limit (beyond 2 sigma)",
}
# Making Data Count's icons, as a letter and words: (letter, words).
VARIATION_ICONS = {
    "common_cause": ("~", "Common cause: no sign of real change"),
    "improvement_high": ("H", "Special cause improvement: higher"),
    "improvement_low": ("L", "Special cause improvement: lower"),
    "concern_high": ("H", "Special cause concern: higher"),
    "concern_low": ("L", "Special cause concern: lower"),
    "neutral_high": ("H", "Special cause: higher, neither better nor worse"),
    "neutral_low": ("L", "Special cause: lower, neither better nor worse"),
}
ASSURANCE_ICONS = {
    "consistently_passing": ("P", "Consistently passing the pace needed"),
    "consistently_failing": ("F", "Consistently failing the pace needed"),
    "inconsistent": ("?", "Hit and miss against the pace needed"),
}
ASSURANCE_WORDS = {
    "consistently_passing": (
        "Every month the process can be expected to give is above the pace needed: on course, "
        "if nothing changes."
    ),
    "consistently_failing": (
        "Every month the process can be expected to give is below the pace needed: the upper "
        "threshold will be missed unless the pace picks up."
    ),
    "inconsistent": (
        "The pace needed is inside the process limits: some months will reach it and some will "
        "not, so reaching the upper threshold is not assured."
    ),
}


@dataclass
class Spc:
    """The monthly activity behind a cumulative indicator as an XmR chart."""

    table: pd.DataFrame  # one row per month plotted (signals.spc_series, with words)
    variation: str | None = None  # VARIATION_ICONS key of the latest point
    assurance: str | None = None  # ASSURANCE_ICONS key against the pace needed
    pace_needed: float | None = None
    provisional: bool = False
    left_out: pd.DataFrame = field(default_factory=pd.DataFrame)  # months left out, and why
    latest: date | None = None  # the latest month charted (a later partial one is left out)
    message: str | None = None  # why there is no chart, in words


def spc(
    scored: pd.DataFrame,
    orgs: pd.DataFrame,
    pcns: pd.DataFrame | None,
    scheme: Scheme,
    level: str,
    org_code: str,
    indicator_code: str,
    period=None,
    pace_needed: float | None = None,
) -> Spc:
    """Monthly activity (this month's numerator less last month's) up to `period` as an XmR chart
    with Making Data Count's rules, the variation icon of the latest month and the assurance icon
    against `pace_needed` (patients a month to reach the upper threshold). Months in which a
    member practice sent nothing are left out (`left_out` names who): a partial month of a
    network (decisions.md D22) never sets the limits or signals as if it were complete."""
    indicator = scheme.indicator(indicator_code)
    rows = _rows(scored, level, org_code)
    rows = rows[rows["indicator_code"] == indicator.code]
    if period is not None:
        rows = rows[pd.to_datetime(rows["period_end"]) <= pd.Timestamp(period)]
    incomplete = rows[
        rows["numerator"].isna() | (rows["practices_with_data"] < rows["member_practices"])
    ]
    missing = Missing(scored, orgs, pcns, level, org_code)
    left_out = pd.DataFrame(
        {
            "period_end": pd.to_datetime(incomplete["period_end"]).tolist(),
            "who": [
                missing_text(
                    missing.practices(p, indicator.code),
                    level,
                )
                or NOBODY_SENT.get(level, NOBODY_SENT["pcn"])
                for p in incomplete["period_end"]
            ],
        }
    )
    result = signals.spc_series(rows, indicator)
    if result is None:
        complete = len(rows) - len(incomplete)
        return Spc(
            _empty(["period_end", "activity"]),
            left_out=left_out,
            message=(
                "A chart of the monthly activity needs at least "
                f"{plural(signals.MIN_SPC_POINTS, 'month')} in which every member practice sent "
                "figures; "
                f"there {'is' if complete == 1 else 'are'} {complete} so far. It appears as the "
                "months are uploaded."
            ),
        )
    table, chart = result
    table = table.copy()
    table["period_end"] = pd.to_datetime(table["period_end"])
    table["type_label"] = table["point_type"].map(SPC_TYPES)
    table["rule_words"] = [
        "; ".join(SPC_RULES[r] for r in rules.split(", ")) if rules else "none"
        for rules in table["rules"]
    ]
    assurance = (
        chart.assurance(pace_needed, indicator.direction) if pace_needed is not None else None
    )
    return Spc(
        table,
        variation=chart.variation,
        assurance=assurance,
        pace_needed=pace_needed,
        provisional=chart.provisional,
        left_out=left_out,
        latest=table["period_end"].max().date(),
    )
