"""Organisations to choose from, where one sits, and the members it compares."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import duckdb
import pandas as pd

from iif_core.orgs import load_orgs_frame
from iif_core.report.common import _rows
from iif_core.score import SQL_DIR

# Organisation columns of the tidy organisation table, per level.
ORG_COLUMNS = {
    "practice": ("practice_code", "practice_name"),
    "pcn": ("pcn_code", "pcn_name"),
    "place": ("place_code", "place_name"),
    "icb": ("icb_code", "icb_name"),
}


def pcn_membership(orgs: pd.DataFrame) -> pd.DataFrame:
    """One row per PCN with the one place and ICB it belongs to, by the core's own rule
    (iif_core/sql/01_pcns.sql: the largest share of list size), so the convention lives in one place."""
    if orgs is None or orgs.empty:
        return pd.DataFrame(
            columns=["pcn_code", "pcn_name", "list_size", "member_practices", "place_code",
                     "place_name", "icb_code", "icb_name"]
        )  # fmt: skip
    con = duckdb.connect()
    try:
        load_orgs_frame(con, orgs)
        con.execute((SQL_DIR / "01_pcns.sql").read_text(encoding="utf-8"))
        return con.table("pcns").df()
    finally:
        con.close()


def org_choices(orgs: pd.DataFrame, level: str, only=None) -> pd.DataFrame:
    """The organisations of a level to choose from, sorted by name, with a label that can be
    searched by name or by code: 'Hartmouth Central PCN (U22888)'.

    `orgs` is the tidy organisation table or a scored frame (level, org_code, org_name);
    `only`, if given, keeps just those codes (for example the organisations with data).
    """
    if "level" in orgs.columns:
        frame = orgs.loc[orgs["level"] == level, ["org_code", "org_name"]]
    else:
        code, name = ORG_COLUMNS[level]
        frame = orgs[[code, name]].rename(columns={code: "org_code", name: "org_name"})
    frame = frame.dropna(subset=["org_code"]).drop_duplicates("org_code")
    if only is not None:
        frame = frame[frame["org_code"].isin(list(only))]
    frame = frame.assign(org_name=frame["org_name"].fillna(frame["org_code"]))
    frame = frame.assign(
        label=[
            code if name == code else f"{name} ({code})"
            for code, name in zip(frame["org_code"], frame["org_name"], strict=True)
        ]
    )
    return frame.sort_values(["org_name", "org_code"]).reset_index(drop=True)


def period_choices(scored: pd.DataFrame) -> list[date]:
    """Every period end scored, latest first."""
    if scored is None or scored.empty:
        return []
    periods = pd.to_datetime(scored["period_end"]).dropna().unique()
    return [p.date() for p in sorted(pd.to_datetime(periods), reverse=True)]


def default_period(
    scored: pd.DataFrame, level: str | None = None, org_code: str | None = None
) -> date | None:
    """The latest period end with data (iif-rules.md section 9): for the organisation when one
    is given and it has any, else for anyone."""
    if scored is None or scored.empty:
        return None
    if level is not None and org_code is not None:
        own = _rows(scored, level, org_code)
        if (own["practices_with_data"].fillna(0) > 0).any():
            scored = own
    with_data = scored[scored["practices_with_data"].fillna(0) > 0]
    frame = with_data if not with_data.empty else scored
    return pd.Timestamp(pd.to_datetime(frame["period_end"]).max()).date()


@dataclass(frozen=True)
class OrgContext:
    """Where an organisation sits: its PCN (for a practice) and whether the IIF pays it."""

    level: str
    org_code: str
    org_name: str
    pcn_code: str | None = None
    pcn_name: str | None = None
    in_pcn: bool = True

    @property
    def earns_iif(self) -> bool:
        return self.level != "practice" or self.in_pcn

    @property
    def payment_note(self) -> str | None:
        """Why no £ is shown, in words, or None when £ is shown."""
        if self.level != "practice":
            return None
        if not self.in_pcn:
            return (
                f"{self.org_name} is in no Primary Care Network, so it earns no IIF: the fund pays "
                "PCNs only. Its achievement is shown for information."
            )
        return (
            f"The IIF pays Primary Care Networks, not practices, so no points or £ are shown for a "
            f"practice. {self.org_name}'s figures count towards {self.pcn_name}; choose PCN level "
            "to see the money."
        )


def org_context(orgs: pd.DataFrame, level: str, org_code: str, org_name: str | None = None):
    """The organisation's PCN and whether it earns IIF."""
    name = org_name or org_code
    if level != "practice" or orgs is None or orgs.empty:
        return OrgContext(level, org_code, name)
    row = orgs[orgs["practice_code"] == org_code]
    pcn_code = None if row.empty else row.iloc[0]["pcn_code"]
    if pcn_code is None or pd.isna(pcn_code) or pcn_code in ("", "U"):
        return OrgContext(level, org_code, name, in_pcn=False)
    pcn_name = row.iloc[0]["pcn_name"]
    pcn_name = pcn_code if pcn_name is None or pd.isna(pcn_name) else pcn_name
    return OrgContext(level, org_code, name, pcn_code, pcn_name, in_pcn=True)


def members(
    orgs: pd.DataFrame, level: str, org_code: str, pcns: pd.DataFrame | None = None
) -> tuple[str | None, list[str]]:
    """The member level and the codes of the members compared side by side for an organisation:
    the practices of a PCN, the PCNs of a place or ICB; for a practice, the practices of its PCN."""
    if orgs is None or orgs.empty:
        return None, []
    if level == "practice":
        context = org_context(orgs, level, org_code)
        if not context.in_pcn:
            return "practice", [org_code]
        return members(orgs, "pcn", context.pcn_code, pcns)
    if level == "pcn":
        return "practice", sorted(orgs.loc[orgs["pcn_code"] == org_code, "practice_code"])
    pcns = pcn_membership(orgs) if pcns is None else pcns
    column = "place_code" if level == "place" else "icb_code"
    return "pcn", sorted(pcns.loc[pcns[column] == org_code, "pcn_code"])
