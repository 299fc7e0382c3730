"""Year-end projection: achievement, status, points and £ at the year end, back-tested."""

from __future__ import annotations

from datetime import date

import numpy as np
import pandas as pd

from iif_core import signals
from iif_core.report.common import (
    _at_period,
    _day,
    _empty,
    _num,
    _rows,
    _sum,
    status_label,
)
from iif_core.report.organisations import pcn_membership
from iif_core.schemes import Indicator, Scheme, scheme_start_year
from iif_core.score import score
from iif_core.vocabulary import AREA_LEVELS, STATUS_SYMBOLS, STATUSES, STATUSES_WITH_DATA

PROJECTION_METHODS = {"last_year_shape": "last year's shape", "recent_pace": "recent pace"}
BACKTEST_HOW = {"recent pace": "at the recent pace", "last year's shape": "by last year's shape"}
PROJECTION_COLUMNS = (
    "indicator_code", "name", "unit", "direction", "lower_threshold", "upper_threshold",
    "method", "method_label", "method_words", "from_period", "achievement_from", "months_left",
    "year_end", "achievement", "achievement_low", "achievement_high", "numerator",
    "denominator", "status", "status_label", "pcn_status_text", "points_available", "points",
    "points_low", "points_high", "payment", "payment_low", "payment_high", "points_now",
    "payment_now", "pace_needed", "pace_so_far", "backtest_from", "backtest_method",
    "backtest_achievement", "backtest_low", "backtest_high", "backtest_actual",
    "backtest_within", "message",
)  # fmt: skip


def measurement_start(scored: pd.DataFrame, scheme: Scheme, indicator_code: str) -> date:
    """The month an indicator's cumulative counts start: the scheme's first day, unless the
    indicator's figures begin later than the other indicators' in the same year (flu counts from
    1 September), when it is the first day of its first month with figures."""
    return measurement_starts(scored, scheme).get(indicator_code, _scheme_start(scheme))


def measurement_starts(scored: pd.DataFrame, scheme: Scheme) -> dict[str, date]:
    """measurement_start of every indicator with figures in `scored`, found in one pass."""
    start = _scheme_start(scheme)
    if scored is None or scored.empty:
        return {}
    with_data = scored[scored["practices_with_data"].fillna(0) > 0]
    if with_data.empty:
        return {}
    months = pd.to_datetime(with_data["period_end"])
    first_any = months.min()
    firsts = months.groupby(with_data["indicator_code"].to_numpy()).min()
    return {
        code: first.date().replace(day=1) if first > first_any else start
        for code, first in firsts.items()
    }


def _scheme_start(scheme: Scheme) -> date:
    return scheme.start_date or date(scheme_start_year(scheme.year), 4, 1)


def _complete_rows(rows: pd.DataFrame) -> pd.DataFrame:
    """Months with every member practice's figures, in order: a missing upload is not a fall."""
    if rows is None or rows.empty:
        return _empty(["period_end", "numerator", "denominator"])
    kept = rows.dropna(subset=["numerator", "denominator"])
    kept = kept[kept["practices_with_data"] >= kept["member_practices"]]
    return kept.sort_values("period_end")


def projections(
    scored: pd.DataFrame,
    scheme: Scheme,
    orgs: pd.DataFrame,
    pcns: pd.DataFrame | None,
    level: str,
    org_code: str,
    period,
    last_year: pd.DataFrame | None = None,
    last_scheme: Scheme | None = None,
    year_before: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """Per indicator of the scheme, the projected position at the year end as at `period`.

    Achievement with its 95% band (signals.project: last year's shape when `last_year` has this
    month and the year end, else the recent pace), from the latest month with every member's
    figures; the status, points and £ of the projected counts by the real scoring pipeline
    (`score_projected`; for a place or ICB each PCN projected and scored on its own, and summed);
    the patients a month needed to reach the upper threshold; and how the same method did on
    last year (signals.backtest, from the same month).
    """
    pcns = pcn_membership(orgs) if pcns is None and level in AREA_LEVELS else pcns
    year_end = signals.scheme_end(scheme)
    pays = level != "practice"
    now = _at_period(_rows(scored, level, org_code), period).set_index("indicator_code")
    levels = {level, "pcn"} if level in AREA_LEVELS else {level}  # the organisation and its PCNs
    this_year, previous = _Lookup(scored, levels), _Lookup(last_year, levels)
    before_that = _Lookup(year_before, levels)
    records, stand_ins = [], []
    starts = measurement_starts(scored, scheme)
    last_starts = measurement_starts(last_year, last_scheme) if last_scheme is not None else {}
    for code, indicator in scheme.indicators.items():
        record = {
            "indicator_code": code, "name": indicator.name, "unit": indicator.unit,
            "direction": indicator.direction, "year_end": year_end,
            "lower_threshold": float(indicator.lower_threshold),
            "upper_threshold": float(indicator.upper_threshold),
            "points_available": (
                _num(now.loc[code, "points_available"]) if pays and code in now.index else None
            ),
            "points_now": _num(now.loc[code, "points_achieved"]) if code in now.index else None,
            "payment_now": _num(now.loc[code, "payment_achieved"]) if code in now.index else None,
        }  # fmt: skip
        if not scheme.paid_at_year_end(code):
            # Withdrawn before the year end: nothing of it is paid then (decisions.md D27).
            record.update(
                points_available=None,
                status="not_in_scheme",
                message=f"{scheme.dates_note(code)} Nothing to project.",
            )
            records.append(record)
            continue
        start = starts.get(code, _scheme_start(scheme))
        own = this_year.rows(level, org_code, code, period)
        before = previous.rows(level, org_code, code)
        projected = _project_one(own, indicator, scheme, start, before)
        if projected is None:
            sent = _num(now.loc[code, "practices_with_data"]) if code in now.index else None
            record["message"] = _no_projection_message(own, bool(sent), year_end)
            records.append(record)
            continue
        latest = own.iloc[-1]
        record.update(_projection_fields(projected, latest, indicator, start, year_end))
        if level in AREA_LEVELS:
            for pcn in _member_pcns(pcns, level, org_code):
                pcn_rows = this_year.rows("pcn", pcn, code, period)
                pcn_before = previous.rows("pcn", pcn, code)
                pcn_projection = _project_one(pcn_rows, indicator, scheme, start, pcn_before)
                if pcn_projection is not None:
                    stand_ins += _stand_ins(("member", pcn), pcn_projection,
                                            pcn_rows.iloc[-1], indicator)  # fmt: skip
        stand_ins += _stand_ins(("own", org_code), projected, latest, indicator)
        record.update(
            _backtest_fields(last_year, previous, last_scheme, last_starts, before_that, level,
                             org_code, indicator, pd.Timestamp(latest["period_end"]).month)
        )  # fmt: skip
        records.append(record)
    scores = score_projected(scheme, pd.DataFrame(stand_ins), year_end)
    frame = pd.DataFrame.from_records([_with_scores(r, scores, level, pays) for r in records])
    for column in PROJECTION_COLUMNS:
        if column not in frame.columns:
            frame[column] = None
    return frame[list(PROJECTION_COLUMNS)]


def projection_totals(frame: pd.DataFrame) -> dict:
    """The projections summed over the indicators: points and £ (with the sums of the bands'
    ends) and the count of indicators projected at each status."""
    totals = {
        key: _sum(frame[key]) if key in frame else None
        for key in ("points", "points_low", "points_high", "payment", "payment_low",
                    "payment_high", "points_available", "payment_now")
    }  # fmt: skip
    statuses = frame["status"].value_counts() if "status" in frame else pd.Series(dtype=int)
    totals.update({f"{s}_count": int(statuses.get(s, 0)) for s in STATUSES})
    totals["projected"] = int(frame["method"].notna().sum()) if "method" in frame else 0
    return totals


def projection_for(frame: pd.DataFrame, indicator_code: str) -> dict:
    """One indicator's row of `projections` as a plain dict, missing values as None."""
    rows = frame[frame["indicator_code"] == indicator_code] if frame is not None else frame
    if rows is None or rows.empty:
        return {**dict.fromkeys(PROJECTION_COLUMNS), "indicator_code": indicator_code,
                "message": "Nothing to project for this indicator."}  # fmt: skip
    return {key: (None if _missing(value) else value) for key, value in rows.iloc[0].items()}


def _missing(value) -> bool:
    try:
        return value is None or bool(pd.isna(value))
    except (TypeError, ValueError):
        return False


class _Lookup:
    """A scored frame's complete months (_complete_rows) by organisation and indicator, found
    once: a place or ICB looks up each of its PCNs for each indicator, which filtering the whole
    frame each time makes slow."""

    def __init__(self, scored: pd.DataFrame | None, levels: set[str]):
        self.groups = {}
        if scored is not None and not scored.empty:
            complete = _complete_rows(scored[scored["level"].isin(levels)])
            self.complete = complete.reset_index(drop=True)
            self.months = pd.to_datetime(self.complete["period_end"]).to_numpy()
            keys = ["level", "org_code", "indicator_code"]
            # each group's positions, in order: a group's rows are made only when asked for
            self.groups = self.complete.groupby(keys, sort=False).indices

    def rows(self, level, org_code, indicator_code, period=None) -> pd.DataFrame:
        """The months with every member's figures, in order (up to `period` when given)."""
        positions = self.groups.get((level, org_code, indicator_code))
        if positions is None:
            return _complete_rows(None)
        if period is not None:
            cut = np.datetime64(pd.Timestamp(period)).astype(self.months.dtype)
            positions = positions[: int(np.searchsorted(self.months[positions], cut, "right"))]
        return self.complete.iloc[positions]


def _project_one(rows, indicator, scheme, start, before) -> dict | None:
    if rows.empty or not (rows["denominator"].iloc[-1] > 0):
        return None
    latest = pd.Timestamp(rows["period_end"].iloc[-1]).date()
    if signals.months_to_year_end(latest, signals.scheme_end(scheme)) <= 0:
        return None
    return signals.project(rows, indicator, scheme, start, before if len(before) else None)


def _no_projection_message(own: pd.DataFrame, has_figures: bool, year_end: date) -> str:
    if own.empty and not has_figures:
        return "No figures for this indicator yet, so nothing to project."
    if own.empty:
        return "No month yet with figures from every member practice, so nothing to project."
    latest = pd.Timestamp(own["period_end"].iloc[-1]).date()
    if signals.months_to_year_end(latest, year_end) <= 0:
        return f"The year has ended: the figures at {_day(year_end)} are final."
    return "No denominator yet, so nothing to project."


def _projection_fields(projected, latest, indicator, start, year_end) -> dict:
    from_period = pd.Timestamp(latest["period_end"]).date()
    months_so_far = signals.months_to_year_end(start, from_period) + 1
    numerator = float(latest["numerator"])
    words = {
        "last_year_shape": (
            f"this year's counts grown as last year's grew from {from_period:%B} to "
            f"{year_end.day} {year_end:%B}"
        ),
        "recent_pace": (
            f"the average monthly increase so far carried on to {year_end.day} {year_end:%B}. "
            "It assumes the rest of the year goes like the months so far, so it over-shoots "
            "work done early in the year (flu in the autumn) and under-shoots work left until "
            "the end (health checks before March); last year's shape allows for that once last "
            "year is stored"
        ),
    }[projected["method"]]
    return {
        "method": projected["method"],
        "method_label": PROJECTION_METHODS[projected["method"]],
        "method_words": words,
        "from_period": from_period,
        "achievement_from": _num(latest.get("achievement")),
        "months_left": projected["months_left"],
        "achievement": projected["achievement"],
        "achievement_low": projected["achievement_low"],
        "achievement_high": projected["achievement_high"],
        "numerator": projected["numerator"],
        "denominator": projected["denominator"],
        "pace_needed": signals.pace_needed(latest, indicator, year_end, projected["denominator"]),
        "pace_so_far": numerator / months_so_far if months_so_far > 0 else None,
    }


def _member_pcns(pcns: pd.DataFrame | None, level: str, org_code: str) -> list[str]:
    if pcns is None or pcns.empty:
        return []
    column = "place_code" if level == "place" else "icb_code"
    return sorted(pcns.loc[pcns[column] == org_code, "pcn_code"])


def _stand_ins(key: tuple, projected: dict, latest: pd.Series, indicator: Indicator) -> list[dict]:
    """Projected pooled counts (central, low and high) as rows for `score_projected`: the
    numerator at each end of the band, the projected denominator, PCAs grown with it."""
    denominator = projected["denominator"]
    grown = denominator / float(latest["denominator"]) if latest["denominator"] else 1.0
    pca = _num(latest.get("pca_count")) or 0.0
    return [
        {"kind": key[0], "indicator_code": indicator.code, "org_code": key[1], "variant": variant,
         "list_size": _num(latest.get("list_size")),
         "numerator": projected[column] * denominator / indicator.scale,
         "denominator": denominator, "pca_count": pca * grown}
        for variant, column in (("central", "achievement"), ("low", "achievement_low"),
                                ("high", "achievement_high"))
    ]  # fmt: skip


def score_projected(scheme: Scheme, counts: pd.DataFrame, period_end: date) -> pd.DataFrame:
    """Status, points and £ of projected pooled counts by the real scoring pipeline.

    Each row of `counts` (indicator_code, list_size, numerator, denominator, pca_count, with any
    other columns kept) becomes a stand-in network of one practice with the network's list size,
    scored at `period_end`; counts are rounded to whole patients first, as an extract holds them.
    Adds status, points_available, points_achieved and payment_achieved."""
    if counts is None or counts.empty:
        return pd.DataFrame(
            columns=["status", "points_available", "points_achieved", "payment_achieved"]
        )
    counts = counts.reset_index(drop=True)
    pcn_codes = [f"U{i:05d}" for i in range(1, len(counts) + 1)]
    practice_codes = [f"Z{i:05d}" for i in range(1, len(counts) + 1)]
    stand_in_orgs = pd.DataFrame(
        {
            "practice_code": practice_codes,
            "practice_name": practice_codes,
            "pcn_code": pcn_codes,
            "pcn_name": pcn_codes,
            "list_size": [
                None if _num(s) is None else round(float(s)) for s in counts["list_size"]
            ],
        }
    )
    numerators = [max(0, round(float(n))) for n in counts["numerator"]]
    denominators = [max(0, round(float(d))) for d in counts["denominator"]]
    extract = pd.DataFrame(
        {
            "practice_code": practice_codes,
            "indicator_code": counts["indicator_code"],
            "period_end": period_end.isoformat(),
            "numerator": [min(n, d) for n, d in zip(numerators, denominators, strict=True)],
            "denominator": denominators,
            "pca_count": [max(0, round(float(p or 0))) for p in counts["pca_count"]],
        }
    )
    scored = score(scheme, stand_in_orgs, extract, level="pcn", period=period_end)
    scored = scored.set_index(["org_code", "indicator_code"])
    keys = list(zip(pcn_codes, counts["indicator_code"], strict=True))
    found = scored.reindex(keys)
    return counts.assign(
        status=found["status"].to_numpy(),
        points_available=found["points_available"].to_numpy(),
        points_achieved=found["points_achieved"].to_numpy(),
        payment_achieved=found["payment_achieved"].to_numpy(),
    )


def _with_scores(record: dict, scores: pd.DataFrame, level: str, pays: bool) -> dict:
    code = record["indicator_code"]
    if scores.empty or record.get("method") is None:
        status = record.get("status") or "no_data"
        return {**record, "status": status, "status_label": status_label(status)}
    mine = scores[scores["indicator_code"] == code]
    own = mine[mine["kind"] == "own"].set_index("variant")
    status = own.loc["central", "status"] if "central" in own.index else "no_data"
    record = {**record, "status": status, "status_label": status_label(status)}
    if not pays:
        return record
    payers = mine[mine["kind"] == ("member" if level in AREA_LEVELS else "own")]
    by_variant = {
        variant: (
            _sum(payers.loc[payers["variant"] == variant, "points_achieved"]),
            _sum(payers.loc[payers["variant"] == variant, "payment_achieved"]),
        )
        for variant in ("central", "low", "high")
    }
    points = [by_variant[v][0] for v in ("low", "high") if by_variant[v][0] is not None]
    money = [by_variant[v][1] for v in ("low", "high") if by_variant[v][1] is not None]
    if record.get("points_available") is None:
        # Not in the scheme at `period` (CAN-04 before October 2024), but it is at the year end.
        central = payers.loc[payers["variant"] == "central", "points_available"]
        record["points_available"] = _sum(central)
    record.update(
        points=by_variant["central"][0],
        payment=by_variant["central"][1],
        points_low=min(points) if points else None,
        points_high=max(points) if points else None,
        payment_low=min(money) if money else None,
        payment_high=max(money) if money else None,
    )
    if level in AREA_LEVELS:
        central = payers[payers["variant"] == "central"]["status"].value_counts()
        record["pcn_status_text"] = "PCNs projected: " + " · ".join(
            f"{STATUS_SYMBOLS[s]} {int(central.get(s, 0))}" for s in STATUSES_WITH_DATA
        )
    return record


def _backtest_fields(last_year, previous, last_scheme, last_starts, before_that, level, org_code,
                     indicator, month):  # fmt: skip
    """How the method would have done last year, projected from the same month (`last_starts`:
    last year's measurement_starts)."""
    if last_year is None or last_year.empty or last_scheme is None:
        return {}
    rows = previous.rows(level, org_code, indicator.code)
    if rows.empty:
        return {}
    year_end = signals.scheme_end(last_scheme)
    final = pd.Timestamp(rows["period_end"].iloc[-1]).date()
    if (final.year, final.month) != (year_end.year, year_end.month):
        return {}  # last year is not complete to its year end: nothing to compare with
    old_indicator = last_scheme.indicators.get(indicator.code, indicator)
    before = before_that.rows(level, org_code, indicator.code)
    result = signals.backtest(
        rows, old_indicator, last_scheme, month,
        last_starts.get(indicator.code, _scheme_start(last_scheme)),
        before if len(before) else None,
    )  # fmt: skip
    if result is None:
        return {}
    months = pd.to_datetime(rows["period_end"])
    return {
        "backtest_from": months[months.dt.month == month].iloc[0].date(),
        "backtest_method": PROJECTION_METHODS[result["method"]],
        "backtest_achievement": result["achievement"],
        "backtest_low": result["achievement_low"],
        "backtest_high": result["achievement_high"],
        "backtest_actual": result["actual"],
        "backtest_within": bool(result["within_band"]),
    }


def backtest_text(row: dict) -> str | None:
    """'Projected from October 2025 at the recent pace, this method said 61.9% (95% band 55.0% to
    68.8%); the year ended at 64.8%, inside the band.' with a warning when it missed."""
    if row.get("backtest_from") is None or pd.isna(row.get("backtest_actual")):
        return None
    unit = row["unit"]
    said = _achievement_words(row["backtest_achievement"], unit)
    low = _achievement_words(row["backtest_low"], unit)
    high = _achievement_words(row["backtest_high"], unit)
    actual = _achievement_words(row["backtest_actual"], unit)
    when = pd.Timestamp(row["backtest_from"])
    how = BACKTEST_HOW.get(row["backtest_method"], row["backtest_method"])
    text = (
        f"Checked on last year: projected from {when:%B %Y} {how}, this method said {said} "
        f"(95% band {low} to {high}); the year ended at {actual}"
    )
    error = float(row["backtest_actual"]) - float(row["backtest_achievement"])
    if row["backtest_within"]:
        return text + ", inside the band."
    direction = "under-shot" if error > 0 else "over-shot"
    text += f": it {direction} by {abs(error):.1f} points, outside its band."
    if error > 0:
        text += (
            " Last year was back-loaded: more was done in its last months than the pace up to "
            f"{when:%B} suggested, so a projection at the recent pace is likely to be too low "
            "again this year."
        )
    else:
        text += (
            f" Last year slowed down after {when:%B}, so a projection at the recent pace is "
            "likely to be too high again this year."
        )
    if row.get("method") == "last_year_shape" and row["backtest_method"] != "last year's shape":
        text += (
            " This year's projection uses last year's shape, which allows for that; it cannot be "
            "checked the same way without the year before last."
        )
    return text


def _achievement_words(value, unit: str) -> str:
    if value is None or pd.isna(value):
        return "–"
    return {"percent": f"{float(value):.1f}%", "per_1000": f"{float(value):.1f} per 1,000"}.get(
        unit, f"{float(value):.2f}"
    )


def projection_path(row: dict) -> pd.DataFrame:
    """The projection as a chart draws it: from the latest month used (no band) to the year end
    (the 95% band), with `shown_at` the period end of each."""
    columns = ["shown_at", "achievement", "low", "high", "label"]
    if row is None or row.get("method") is None or pd.isna(row.get("achievement_from")):
        return _empty(columns)
    unit = row["unit"]
    label = (
        f"Projected {_day(row['year_end'])}: {_achievement_words(row['achievement'], unit)} "
        f"(95% band {_achievement_words(row['achievement_low'], unit)} to "
        f"{_achievement_words(row['achievement_high'], unit)}), {row['method_label']}"
    )
    return pd.DataFrame(
        {
            "shown_at": pd.to_datetime([row["from_period"], row["year_end"]]),
            "achievement": [row["achievement_from"], row["achievement"]],
            "low": [row["achievement_from"], row["achievement_low"]],
            "high": [row["achievement_from"], row["achievement_high"]],
            "label": [label, label],
        }
    )
