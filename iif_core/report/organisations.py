"""Organisations to choose from, where one sits, and the members it compares."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import duckdb
import pandas as pd

from iif_core.orgs import load_orgs_frame
from iif_core.report.common import _date, _day, _rows
from iif_core.score import SQL_DIR
from iif_core.words import plural

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


def period_completeness(scored: pd.DataFrame, members: list[str]) -> pd.DataFrame:
    """Per period end scored, latest first: how many of the member practices sent figures for
    it (for any indicator), out of how many, and whether every one did (`complete`)."""
    columns = ["period_end", "practices_with_data", "member_practices", "complete"]
    periods = period_choices(scored)
    if not periods:
        return pd.DataFrame(columns=columns)
    practice_rows = scored[(scored["level"] == "practice") & scored["org_code"].isin(members)]
    sent = practice_rows[practice_rows["practices_with_data"].fillna(0) > 0]
    senders = sent.groupby(pd.to_datetime(sent["period_end"]).dt.date)["org_code"].nunique()
    table = pd.DataFrame({"period_end": periods})
    table["practices_with_data"] = table["period_end"].map(senders).fillna(0).astype(int)
    table["member_practices"] = len(set(members))
    table["complete"] = (table["member_practices"] > 0) & (
        table["practices_with_data"] == table["member_practices"]
    )
    return table[columns]


@dataclass(frozen=True)
class PeriodNote:
    """What the sidebar says of the period ends of a PCN, place or ICB (decisions.md D22)."""

    default: str  # why the default was chosen, in words
    partial: dict  # period end -> "1 of 5 practices": the periods not every member practice sent


def period_note(completeness: pd.DataFrame, default: date | None) -> PeriodNote | None:
    """The words for the period choice of a network, from `period_completeness`; None for a
    practice (no members to wait for) or when nothing is scored."""
    if completeness is None or completeness.empty or default is None:
        return None
    members = int(completeness["member_practices"].iloc[0])
    partial = {
        row.period_end: _practices_words(row.practices_with_data, members)
        for row in completeness.itertuples()
        if not row.complete
    }
    everyone = (
        "both member practices" if members == 2 else f"all {plural(members, 'member practice')}"
    )
    if members == 1:
        everyone = "its one member practice"
    if default not in partial:
        text = f"{_day(default)} is the latest period end with figures from {everyone}."
    else:
        text = (
            f"No period end has figures from {everyone}; {_day(default)} has the most "
            f"({partial[default]})."
        )
    newer = [p for p in partial if p > default]
    if newer:
        latest = max(newer)
        text += (
            f" {_day(latest)} is partial ({partial[latest]} so far): its figures count only "
            "the practices that have sent it."
        )
    return PeriodNote(text, partial)


# The columns that say, on every frame of figures downloaded, whether its period end is partial
# for the organisation chosen (decisions.md D22); GLOSSARY.md defines each.
PARTIAL_COLUMNS = ("period_partial", "period_practices_with_data", "period_member_practices")


def partial_counts(completeness: pd.DataFrame, period) -> tuple[int, int] | None:
    """(practices that sent figures, member practices) when `period` is partial for the
    organisation of `completeness` (`period_completeness`); None when every member practice sent
    it, or for a practice (an empty table: it has no members to wait for)."""
    if completeness is None or completeness.empty or period is None:
        return None
    row = completeness[completeness["period_end"] == _date(period)]
    if row.empty or bool(row["complete"].iloc[0]):
        return None
    return int(row["practices_with_data"].iloc[0]), int(row["member_practices"].iloc[0])


def partial_words(completeness: pd.DataFrame, period) -> str | None:
    """'1 of 5 practices' when `period` is partial for the organisation, else None."""
    counts = partial_counts(completeness, period)
    return None if counts is None else _practices_words(*counts)


def mark_partial(frame: pd.DataFrame, completeness: pd.DataFrame, period=None) -> pd.DataFrame:
    """`frame` with PARTIAL_COLUMNS added: whether the period end of each row is partial for the
    organisation of `completeness`, and how many of its member practices sent it. Every row is of
    `period` when it is given, else of the row's own `period_end`. For a practice (an empty
    `completeness`) nothing is partial and the counts are empty."""
    marked = frame.copy()
    if period is not None:
        periods = pd.Series([_date(period)] * len(marked), index=marked.index, dtype=object)
    else:
        periods = pd.Series(
            [_date(p) for p in marked["period_end"]], index=marked.index, dtype=object
        )
    table = completeness
    if table is None or table.empty:
        table = pd.DataFrame(columns=["period_end", "practices_with_data", "member_practices"])
    by_period = table.set_index("period_end")
    with_data = periods.map(by_period["practices_with_data"].to_dict())
    members = periods.map(by_period["member_practices"].to_dict())
    marked["period_partial"] = (with_data.notna() & (with_data != members)).astype(bool)
    marked["period_practices_with_data"] = with_data.astype("Int64")
    marked["period_member_practices"] = members.astype("Int64")
    return marked


def _practices_words(with_data: int, members: int) -> str:
    return f"{with_data:,} of {plural(members, 'practice')}"


def default_period(
    scored: pd.DataFrame,
    level: str | None = None,
    org_code: str | None = None,
    completeness: pd.DataFrame | None = None,
) -> date | None:
    """The period end shown first (decisions.md D22). A practice, or anyone when no organisation
    is given: the latest period end with data, its own when it has any. A PCN, place or ICB with
    its `period_completeness`: the latest period end for which every member practice sent
    figures; when none is complete, the one with the most practices (the latest of a tie)."""
    if scored is None or scored.empty:
        return None
    table = completeness
    if level not in (None, "practice") and table is not None and not table.empty:
        complete = table[table["complete"]]
        if not complete.empty:
            return complete["period_end"].max()
        if table["practices_with_data"].max() > 0:
            best = table[table["practices_with_data"] == table["practices_with_data"].max()]
            return best["period_end"].max()
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
            f"practice. {self.org_name}'s figures count towards {self.pcn_name}, whose PCN view "
            "shows the money."
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
