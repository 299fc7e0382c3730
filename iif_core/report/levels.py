"""Moving between levels: the organisation that goes with one at another, and which to show."""

from __future__ import annotations

import pandas as pd

from iif_core.vocabulary import LEVELS


def related_org(
    orgs: pd.DataFrame, pcns: pd.DataFrame, from_level: str, from_code: str, to_level: str
) -> str | None:
    """The organisation at `to_level` that goes with one chosen at another level: a practice's
    PCN, place or ICB; the first practice (by name) of a PCN; the first PCN of a place; ...
    None when there is none."""
    if from_code is None or orgs is None or orgs.empty:
        return None
    if from_level == to_level:
        return from_code
    practices = orgs
    if from_level == "practice":
        practices = orgs[orgs["practice_code"] == from_code]
    elif from_level == "pcn":
        practices = orgs[orgs["pcn_code"] == from_code]
    else:
        column = "place_code" if from_level == "place" else "icb_code"
        chosen = pcns.loc[pcns[column] == from_code, "pcn_code"]
        practices = orgs[orgs["pcn_code"].isin(chosen)]
    if practices.empty:
        return None
    if to_level == "practice":
        return practices.sort_values("practice_name").iloc[0]["practice_code"]
    in_pcns = pcns[pcns["pcn_code"].isin(practices["pcn_code"].dropna())]
    if in_pcns.empty:
        return None
    if to_level == "pcn":
        return in_pcns.sort_values("pcn_name").iloc[0]["pcn_code"]
    column = "place_code" if to_level == "place" else "icb_code"
    values = in_pcns[column].dropna()
    return values.mode().iloc[0] if not values.empty else None


def practices_in(orgs: pd.DataFrame, pcns: pd.DataFrame, level: str, org_code: str) -> list[str]:
    """The practice codes an organisation covers: itself, its PCN's members, or the members of
    the PCNs of a place or ICB."""
    if orgs is None or orgs.empty or org_code is None:
        return []
    if level == "practice":
        return [org_code]
    if level == "pcn":
        return sorted(orgs.loc[orgs["pcn_code"] == org_code, "practice_code"])
    column = "place_code" if level == "place" else "icb_code"
    chosen = pcns.loc[pcns[column] == org_code, "pcn_code"]
    return sorted(orgs.loc[orgs["pcn_code"].isin(chosen), "practice_code"])


def goes_with(
    orgs: pd.DataFrame, pcns: pd.DataFrame, level: str, org_code: str, other_level: str, other: str
) -> bool:
    """Whether two organisations share a practice: one is part of the other (a practice and its
    PCN, a PCN and its place or ICB), or they are the same."""
    if level == other_level:
        return org_code == other
    mine = set(practices_in(orgs, pcns, level, org_code))
    return bool(mine) and not mine.isdisjoint(practices_in(orgs, pcns, other_level, other))


def org_trail(
    orgs: pd.DataFrame, pcns: pd.DataFrame, trail: dict[str, str], level: str, org_code: str
) -> dict[str, str]:
    """The organisations last chosen at each level, after `org_code` is chosen at `level`:
    those chosen at other levels stay while they go with it (so the trail is always one chain,
    a practice in its PCN in its place in its ICB), the others are dropped."""
    kept = {
        at: code
        for at, code in trail.items()
        if at != level and goes_with(orgs, pcns, at, code, level, org_code)
    }
    return {**kept, level: org_code}


def org_to_show(
    orgs: pd.DataFrame, pcns: pd.DataFrame, trail: dict[str, str], level: str, codes: list[str]
) -> str | None:
    """The organisation to show on arriving at `level`, one of `codes` (what may be chosen
    there): the one chosen there last, while it goes with the rest of the `trail`; else the one
    that goes with the smallest organisation of the trail (PCN → ICB → Place → PCN comes back
    to the same PCN, through its own place); else the first. None when `codes` is empty."""
    if not codes:
        return None
    if trail.get(level) in codes:
        return trail[level]
    for at in LEVELS:  # smallest first
        if at in trail:
            related = related_org(orgs, pcns, at, trail[at], level)
            if related in codes:
                return related
    return codes[0]
