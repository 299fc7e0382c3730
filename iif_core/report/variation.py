"""Members of an organisation side by side for one indicator, with their share of its gap."""

from __future__ import annotations

import math
from dataclasses import dataclass

import pandas as pd

from iif_core.report.common import _at_period, _empty, _num, _rows, _shortfall, status_label
from iif_core.report.organisations import members, org_context
from iif_core.schemes import Scheme


@dataclass
class Variation:
    """Members of an organisation side by side for one indicator."""

    members: pd.DataFrame  # one row per member, worst first
    parent: dict  # the organisation's own row (achievement, gap, ...)
    member_level: str | None
    highlight: str | None = None  # the chosen practice, at practice level
    message: str | None = None  # why there is nothing to compare, in words


VARIATION_COLUMNS = (
    "org_code", "org_name", "numerator", "denominator", "pca_count", "achievement", "status",
    "status_label", "patients_to_lower", "patients_to_upper", "gap_contribution", "gap_share",
    "list_size",
)  # fmt: skip


def practice_variation(
    scored: pd.DataFrame,
    orgs: pd.DataFrame,
    scheme: Scheme,
    level: str,
    org_code: str,
    indicator_code: str,
    period,
    pcns: pd.DataFrame | None = None,
) -> Variation:
    """The members side by side (practices of a PCN, PCNs of a place or ICB) for an indicator,
    with each member's counts and its contribution to the organisation's gap to the upper
    threshold.

    For a PCN the contribution of a practice is UT × D / scale − N (for lower-is-better,
    N − UT × D / scale): patients short of the upper threshold at that practice, negative when
    the practice is beyond it and pulls the network up. The contributions add up to the PCN's gap
    before rounding up. For a place or ICB each PCN contributes its own patients to the upper
    threshold, which add up to the area's figure exactly.
    """
    indicator = scheme.indicator(indicator_code)
    highlight = org_code if level == "practice" else None
    if level == "practice":
        context = org_context(orgs, level, org_code)
        if not context.in_pcn:
            return Variation(
                _empty(VARIATION_COLUMNS),
                {},
                None,
                highlight,
                f"{org_code} is in no Primary Care Network, so there are no other practices to "
                "compare it with.",
            )
        parent_level, parent_code = "pcn", context.pcn_code
    else:
        parent_level, parent_code = level, org_code
    member_level, codes = members(orgs, parent_level, parent_code, pcns)
    rows = _at_period(_rows(scored, parent_level, parent_code), period)
    rows = rows[rows["indicator_code"] == indicator.code]
    parent = rows.iloc[0].to_dict() if not rows.empty else {}
    parent["level"] = parent_level
    parent["org_code"] = parent_code
    member_rows = _at_period(scored[scored["level"] == member_level], period)
    member_rows = member_rows[
        (member_rows["indicator_code"] == indicator.code) & (member_rows["org_code"].isin(codes))
    ].copy()
    if member_rows.empty:
        return Variation(
            _empty(VARIATION_COLUMNS),
            parent,
            member_level,
            highlight,
            "There is no data for the members of this organisation for this indicator and period.",
        )
    if member_level == "practice":
        member_rows["gap_contribution"] = [
            _shortfall(n, d, indicator) for n, d in
            zip(member_rows["numerator"], member_rows["denominator"], strict=True)
        ]  # fmt: skip
        gap = _shortfall(parent.get("numerator"), parent.get("denominator"), indicator)
    else:
        member_rows["gap_contribution"] = member_rows["patients_to_upper"].astype(float)
        gap = _num(parent.get("patients_to_upper"))
    member_rows["gap_share"] = [
        c / gap if gap and gap > 0 and c is not None and not math.isnan(c) else None
        for c in member_rows["gap_contribution"]
    ]
    member_rows["status_label"] = member_rows["status"].map(status_label)
    parent["gap"] = gap
    parent["status_label"] = status_label(parent.get("status") or "no_data")
    ordered = _worst_first(member_rows, indicator.direction)
    return Variation(ordered[list(VARIATION_COLUMNS)].reset_index(drop=True), parent,
                     member_level, highlight)  # fmt: skip


def _worst_first(frame: pd.DataFrame, direction: str) -> pd.DataFrame:
    """Members ordered from the worst achievement to the best, those without data last."""
    ascending = direction == "higher"
    return frame.sort_values(
        ["achievement", "org_name"], ascending=[ascending, True], na_position="last"
    )
