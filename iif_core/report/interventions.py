"""Interventions on the trend: whose are drawn for an organisation, and the rows the charts draw."""

from __future__ import annotations

import pandas as pd

from iif_core.interventions import drawn_at

LABEL_CHARACTERS = 24  # the note's first characters beside its number at the top of the line
NOT_NAMED = "no name given"  # who added it, when nobody was named (run locally, no name typed)
MARK_COLUMNS = [
    "number", "intervention_id", "org_code", "on", "indicator", "intervention_date", "day",
    "month", "note", "who", "label",
]  # fmt: skip


def marked_orgs(orgs: pd.DataFrame, pcns: pd.DataFrame, level: str, org_code: str) -> list[str]:
    """The organisations whose interventions are drawn on an organisation's trend: itself and
    those it belongs to (a practice's PCN, place and ICB; a PCN's place and ICB; a place's
    ICB), whose work reaches it; and for a PCN its member practices, whose work adds up to the
    PCN's figure. A place's or ICB's members are left out: there are too many to read."""
    codes = [org_code]
    if orgs is None or orgs.empty or org_code is None:
        return codes
    if level == "practice":
        row = orgs[orgs["practice_code"] == org_code]
        above = row[["pcn_code", "place_code", "icb_code"]].stack().dropna().astype(str)
        codes += list(above)
        pcn = row["pcn_code"].dropna()
        if not pcn.empty and pcns is not None:  # the PCN's place and ICB, by the core's rule
            codes += list(pcns.loc[pcns["pcn_code"] == pcn.iloc[0], ["place_code", "icb_code"]]
                          .stack().dropna().astype(str))  # fmt: skip
    elif level == "pcn":
        if pcns is not None:
            codes += list(pcns.loc[pcns["pcn_code"] == org_code, ["place_code", "icb_code"]]
                          .stack().dropna().astype(str))  # fmt: skip
        codes += sorted(orgs.loc[orgs["pcn_code"] == org_code, "practice_code"].astype(str))
    elif level == "place" and pcns is not None:
        codes += list(pcns.loc[pcns["place_code"] == org_code, "icb_code"].dropna().astype(str))
    return list(dict.fromkeys(codes))  # in order, once each


def org_names(orgs: pd.DataFrame, pcns: pd.DataFrame | None = None) -> dict[str, str]:
    """Every organisation's name by its code, at every level, from the organisation file."""
    names: dict[str, str] = {}
    frames = [orgs] + ([pcns] if pcns is not None else [])
    for frame in frames:
        if frame is None or frame.empty:
            continue
        for level in ("practice", "pcn", "place", "icb"):
            code, name = f"{level}_code", f"{level}_name"
            if code in frame and name in frame:
                pairs = frame[[code, name]].dropna()
                names.update(zip(pairs[code].astype(str), pairs[name].astype(str), strict=True))
    return names


def intervention_marks(interventions: pd.DataFrame, names: dict[str, str]) -> pd.DataFrame:
    """The interventions as the charts and the list show them, earliest first, numbered 1, 2,
    ...: the date in words, where it is drawn on the monthly axis (iif_core.interventions.
    drawn_at), the organisation by name, the indicator or 'every indicator', who added it, and
    a short label (its number and the note's first words)."""
    frame = interventions.sort_values(["intervention_date", "intervention_id"]).reset_index(
        drop=True
    )
    dates = pd.to_datetime(frame["intervention_date"])
    marks = pd.DataFrame(
        {
            "number": range(1, len(frame) + 1),
            "intervention_id": frame["intervention_id"].astype(int),
            "org_code": frame["org_code"].astype(str),
            "on": [_named(code, names) for code in frame["org_code"]],
            "indicator": frame["indicator_code"].fillna("every indicator").astype(str),
            "intervention_date": dates.dt.date,
            "day": [f"{d.day} {d:%b %Y}" for d in dates],
            "month": [drawn_at(d.date()) for d in dates],
            "note": frame["note"].astype(str),
            "who": frame["added_by"].fillna(NOT_NAMED).astype(str),
        },
        columns=MARK_COLUMNS[:-1],
    )
    marks["label"] = [f"{n} {_short(note)}" for n, note in zip(marks["number"], marks["note"],
                                                                strict=True)]  # fmt: skip
    return marks[MARK_COLUMNS]


def _named(code: str, names: dict[str, str]) -> str:
    name = names.get(str(code))
    return f"{name} ({code})" if name and name != code else str(code)


def _short(note: str) -> str:
    if len(note) <= LABEL_CHARACTERS:
        return note
    return note[: LABEL_CHARACTERS - 1].rstrip() + "…"
