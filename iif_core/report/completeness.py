"""Who sent figures and who did not: missing practices, as a table and in words."""

from __future__ import annotations

import pandas as pd

from iif_core import signals
from iif_core.report.common import _and, _date, _day, _empty
from iif_core.report.levels import practices_in
from iif_core.report.organisations import pcn_membership
from iif_core.vocabulary import AREA_LEVELS, LEVEL_NOUNS
from iif_core.words import plural

NAMES_IN_A_SENTENCE = 6  # practices named in a sentence before "and 3 more"


def missing_practices(
    scored: pd.DataFrame,
    orgs: pd.DataFrame,
    pcns: pd.DataFrame | None,
    level: str,
    org_code: str,
    period=None,
    indicator_code: str | None = None,
) -> pd.DataFrame:
    """The member practices of a PCN, place or ICB that sent no figures (for the indicator, or for
    any indicator) for a period end for which other members did, so that the organisation's
    figure is short of them: practice_code, practice_name, pcn_name, period_end; for one period
    end or every one scored. A month nobody sent is no data rather than incomplete data, and a
    practice's own figures are all there is to a practice: neither has anyone missing."""
    return Missing(scored, orgs, pcns, level, org_code).practices(period, indicator_code)


class Missing:
    """Who sent what, for the member practices of one organisation, found in one pass over its
    rows; `practices` then answers missing_practices for any period end and indicator."""

    COLUMNS = ["practice_code", "practice_name", "pcn_name", "period_end"]

    def __init__(self, scored, orgs, pcns, level: str, org_code: str):
        self.codes: list[str] = []
        if level == "practice" or scored is None or scored.empty:
            return
        pcns = pcn_membership(orgs) if pcns is None else pcns
        self.codes = practices_in(orgs, pcns, level, org_code)
        if not self.codes:
            return
        ends = pd.to_datetime(scored["period_end"])
        self.periods = [pd.Timestamp(p) for p in sorted(ends.unique())]
        mine = (scored["level"] == "practice") & scored["org_code"].isin(self.codes)
        sent = (mine & (scored["practices_with_data"].fillna(0) > 0)).to_numpy()
        self.sent: dict[str, set] = {}  # by indicator: (practice, period end) that sent it
        self.sent_any: set = set()
        nanoseconds = ends.to_numpy()[sent].astype("datetime64[ns]").astype("int64").tolist()
        for code, indicator, end in zip(
            scored["org_code"].to_numpy()[sent].tolist(),
            scored["indicator_code"].to_numpy()[sent].tolist(),
            nanoseconds,
            strict=True,
        ):  # period ends as whole nanoseconds (Timestamp.value): quick to make and to hash
            self.sent.setdefault(indicator, set()).add((code, end))
            self.sent_any.add((code, end))
        members = orgs[orgs["practice_code"].isin(self.codes)]
        self.names = dict(zip(members["practice_code"], members["practice_name"], strict=True))
        self.pcn_names = dict(zip(members["practice_code"], members["pcn_name"], strict=True))

    def practices(self, period=None, indicator_code: str | None = None) -> pd.DataFrame:
        """missing_practices of this organisation, for `period` (or every period end scored) and
        `indicator_code` (or any indicator)."""
        if not self.codes:
            return _empty(self.COLUMNS)
        sent = self.sent_any if indicator_code is None else self.sent.get(indicator_code, set())
        periods = [pd.Timestamp(period)] if period is not None else self.periods
        periods = [p for p in periods if any((code, p.value) in sent for code in self.codes)]
        missing = [(code, p) for p in periods for code in self.codes if (code, p.value) not in sent]
        rows = [
            (code, self.names.get(code) or code, self.pcn_names.get(code), p) for code, p in missing
        ]
        frame = pd.DataFrame(rows, columns=self.COLUMNS)
        return frame.sort_values(["period_end", "practice_name"]).reset_index(drop=True)


def missing_text(missing: pd.DataFrame, level: str) -> str | None:
    """Who is missing, in words: 'No figures from Ashwendle Bridge Family Practice (X61454) for
    31 Aug 2026, so the PCN's figures count only the practices that sent them.' Practices
    missing the same months are named together; None if nobody is missing."""
    if missing is None or missing.empty:
        return None
    by_months: dict[tuple, list[str]] = {}  # practices missing the same months, together
    for (code, name), group in missing.groupby(["practice_code", "practice_name"], sort=False):
        months = tuple(_day(p) for p in sorted(group["period_end"]))
        details = [code] if name != code else []
        if level in AREA_LEVELS and pd.notna(group["pcn_name"].iloc[0]):
            details.append(str(group["pcn_name"].iloc[0]))
        by_months.setdefault(months, []).append(
            f"{name} ({', '.join(details)})" if details else name
        )
    shown, count = [], 0
    for months, labels in by_months.items():
        kept = labels[: max(0, NAMES_IN_A_SENTENCE - count)]
        count += len(labels)
        if kept:
            shown.append(f"{_and(kept)} for {_and(list(months))}")
    if count > NAMES_IN_A_SENTENCE:
        shown.append(plural(count - NAMES_IN_A_SENTENCE, "more practice"))
    return (
        f"No figures from {_and(shown)}, so the {LEVEL_NOUNS.get(level, 'organisation')}'s "
        "figures count only the practices that sent them."
    )


def incomplete_notes(
    scored: pd.DataFrame,
    orgs: pd.DataFrame,
    pcns: pd.DataFrame | None,
    level: str,
    org_code: str,
    period,
    indicator_codes: list[str],
) -> list[str]:
    """Who is missing, for a page that shows several indicators: one sentence when the same
    practices are missing for every indicator that has a gap, else one per indicator."""
    missing = Missing(scored, orgs, pcns, level, org_code)
    texts = {code: missing_text(missing.practices(period, code), level) for code in indicator_codes}
    found = {code: text for code, text in texts.items() if text}
    if len(set(found.values())) == 1 and len(found) == len(texts):
        return list(set(found.values()))
    return [f"{code}: {text}" for code, text in found.items()]


def data_completeness(
    scored: pd.DataFrame,
    orgs: pd.DataFrame,
    pcns: pd.DataFrame | None,
    level: str,
    org_code: str,
    period=None,
) -> pd.DataFrame:
    """Per member practice: the period ends it sent up to `period`, the ones it missed, its
    latest period end and how many months that is behind `period` (staleness). A month counts
    as sent when the practice sent figures for any indicator."""
    columns = [
        "practice_code", "practice_name", "pcn_name", "periods_sent", "periods_missing",
        "missing_period_ends", "latest_period_end", "months_behind", "data_note",
    ]  # fmt: skip
    if scored is None or scored.empty:
        return _empty(columns)
    pcns = pcn_membership(orgs) if pcns is None else pcns
    codes = practices_in(orgs, pcns, level, org_code)
    read = ["level", "org_code", "org_name", "period_end", "practices_with_data"]
    rows = scored[read]  # the columns it reads: filtering the rest was most of the work
    rows = rows[(rows["level"] == "practice") & rows["org_code"].isin(codes)]
    if period is not None:
        rows = rows[pd.to_datetime(rows["period_end"]) <= pd.Timestamp(period)]
        latest = pd.Timestamp(period)
    else:
        latest = pd.to_datetime(scored["period_end"]).max()
    if rows.empty:
        return _empty(columns)
    per_month = (
        rows.groupby(["org_code", "org_name", "period_end"], as_index=False)["practices_with_data"]
        .max()
    )  # fmt: skip
    table = signals.completeness(per_month)
    found = set(table["practice_code"])
    orgs = orgs[orgs["practice_code"].isin(codes)]  # the members' names, not all of England's
    names = dict(zip(orgs["practice_code"], orgs["practice_name"], strict=True))
    periods = per_month["period_end"].nunique()
    extra = [
        {"practice_code": c, "practice_name": names.get(c, c), "periods_sent": 0,
         "periods_missing": periods, "missing_period_ends": "every month",
         "latest_period_end": None}
        for c in codes if c not in found
    ]  # fmt: skip
    if extra:
        table = pd.concat([table, pd.DataFrame(extra)], ignore_index=True)
    pcn_names = dict(zip(orgs["practice_code"], orgs["pcn_name"], strict=True))
    table["pcn_name"] = table["practice_code"].map(pcn_names)
    table["months_behind"] = [
        None if _date(p) is None else signals.months_to_year_end(_date(p), latest.date())
        for p in table["latest_period_end"]
    ]
    table["data_note"] = [_data_note(row) for row in table.to_dict("records")]
    table = table.sort_values(
        ["periods_missing", "practice_name"], ascending=[False, True]
    ).reset_index(drop=True)
    return table[columns]


def _data_note(row: dict) -> str:
    if not row["periods_sent"]:
        return "Sent nothing this year"
    behind = row["months_behind"] or 0
    if behind > 0:
        return f"Behind: nothing since {_day(row['latest_period_end'])}"
    if row["periods_missing"]:
        return f"Missed {row['periods_missing']} month" + (
            "s" if row["periods_missing"] > 1 else ""
        )
    return "Complete"


def completeness_summary(table: pd.DataFrame) -> str:
    """One sentence over the completeness table: everyone complete, or who is missing what."""
    if table.empty:
        return "No member practices are known for this organisation."
    gaps = table[table["periods_missing"] > 0]
    total = len(table)
    if gaps.empty and total == 1:
        return "The practice sent figures for every month so far."
    if gaps.empty:
        return f"All {plural(total, 'member practice')} sent figures for every month so far."
    behind = int((table["months_behind"].fillna(1) > 0).sum())
    text = f"{len(gaps):,} of {plural(total, 'member practice')} missed at least one month"
    if not behind:
        return text + "."
    verb = "has" if behind == 1 else "have"
    return text + f"; {behind:,} of them {verb} sent nothing for the latest month."
