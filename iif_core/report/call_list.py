"""Who to call first: the patients still to do in the lists, valued by the best plan (D64)."""

from __future__ import annotations

from datetime import date

import pandas as pd

from iif_core.report.common import _day
from iif_core.report.plan import Plan

CALL_LIST_COLUMNS = (
    "call_order", "practice_code", "practice_name", "patient_id", "indicators", "in_plan",
    "payment_expected", "last_activity_date", "days_since_activity", "reason",
)  # fmt: skip
# What a practice's recall download holds: identifiers and what to do, in the order to call.
RECALL_COLUMNS = (
    "call_order", "practice_code", "practice_name", "patient_id", "indicators", "in_plan",
    "last_activity_date",
)  # fmt: skip
IN_PLAN_WORDS = {True: "in the plan", False: "reserve"}


def call_list(patients: pd.DataFrame, plan: Plan, period, practice_codes=None) -> pd.DataFrame:
    """One row per patient still to do (not achieved, no PCA; iif-rules.md section 8) in the
    lists in use at `period` (Store.patients(as_at=...), prepared), of `practice_codes` (all
    when None), with CALL_LIST_COLUMNS.

    For each practice and indicator the plan sends k contacts to, the k patients it reaches are
    those still to do on most planned indicators, then longest since their last activity (none
    recorded first), then by identifier; each is worth the plan's £ per patient there
    (payment_expected ÷ patients). The others there are a reserve, worth £0 under the plan. A
    patient's £ is the sum over their indicators; the list is ordered by it, then by days since
    last activity, longest first. So the £ of a whole network's list is the plan's, less what
    the plan expects from practices without a list (`unnamed_plan`)."""
    period = pd.Timestamp(period).date()
    to_do = _to_do(patients, practice_codes)
    if to_do.empty:
        return pd.DataFrame(columns=list(CALL_LIST_COLUMNS))
    planned = _planned(plan)
    to_do["each"] = [
        planned.get((p, c), (0, 0.0))[1]
        for p, c in zip(to_do["practice_code"], to_do["indicator_code"], strict=True)
    ]
    to_do["days_since_activity"] = _days_since(to_do["last_activity_date"], period)
    to_do["planned_indicators"] = to_do.groupby(["practice_code", "patient_id"])["each"].transform(
        lambda values: int((values > 0).sum())
    )
    to_do = to_do.sort_values(
        ["practice_code", "indicator_code", "planned_indicators", "days_since_activity",
         "patient_id"],
        ascending=[True, True, False, False, True],
        na_position="first",
    )  # fmt: skip
    rank = to_do.groupby(["practice_code", "indicator_code"]).cumcount()
    reach = [
        planned.get((p, c), (0, 0.0))[0]
        for p, c in zip(to_do["practice_code"], to_do["indicator_code"], strict=True)
    ]
    to_do["in_plan"] = rank.to_numpy() < reach
    to_do["value"] = to_do["each"].where(to_do["in_plan"], 0.0)
    to_do["why"] = [_why(row, planned, plan) for row in to_do.to_dict("records")]
    return _by_patient(to_do, period)


def unnamed_plan(patients: pd.DataFrame, plan: Plan) -> pd.DataFrame:
    """The plan's patients that no list names: per practice and indicator, the contacts the
    plan sends there beyond the patients still to do in that practice's list (a practice with no
    list for the indicator: all of them). Columns practice_code, practice_name, indicator_code,
    patients, payment_expected."""
    to_do = _to_do(patients, None)
    listed = to_do.groupby(["practice_code", "indicator_code"]).size().to_dict()
    rows = []
    for row in plan.allocation.to_dict("records"):
        key = (row["practice_code"], row["indicator_code"])
        missing = int(row["patients"]) - min(int(row["patients"]), listed.get(key, 0))
        if missing > 0:
            each = row["payment_expected"] / row["patients"]
            rows.append(
                {"practice_code": key[0], "practice_name": row["practice_name"],
                 "indicator_code": key[1], "patients": missing,
                 "payment_expected": each * missing}
            )  # fmt: skip
    columns = ["practice_code", "practice_name", "indicator_code", "patients", "payment_expected"]
    return pd.DataFrame(rows, columns=columns)


def recall_list(calls: pd.DataFrame, practice_code: str) -> pd.DataFrame:
    """One practice's part of the call list, in calling order, with RECALL_COLUMNS only."""
    mine = calls[calls["practice_code"] == practice_code]
    return mine[list(RECALL_COLUMNS)].reset_index(drop=True)


# --- inside ---------------------------------------------------------------------------------


def _to_do(patients: pd.DataFrame, practice_codes) -> pd.DataFrame:
    if patients is None or patients.empty:
        return pd.DataFrame(columns=["practice_code", "indicator_code", "patient_id"])
    frame = patients[~patients["achieved"].astype(bool) & ~patients["pca"].astype(bool)]
    if practice_codes is not None:
        frame = frame[frame["practice_code"].isin(list(practice_codes))]
    if "practice_name" not in frame:
        frame = frame.assign(practice_name=frame["practice_code"])
    columns = ["practice_code", "practice_name", "indicator_code", "patient_id",
               "last_activity_date"]  # fmt: skip
    return frame[columns].drop_duplicates(["practice_code", "indicator_code", "patient_id"]).copy()


def _planned(plan: Plan) -> dict[tuple[str, str], tuple[int, float]]:
    """(practice, indicator) -> (patients the plan sends contacts to, £ per patient there)."""
    return {
        (row["practice_code"], row["indicator_code"]): (
            int(row["patients"]),
            row["payment_expected"] / row["patients"] if row["patients"] else 0.0,
        )
        for row in plan.allocation.to_dict("records")
    }


def _days_since(dates: pd.Series, period: date) -> pd.Series:
    when = pd.to_datetime(dates, errors="coerce")
    days = (pd.Timestamp(period) - when).dt.days
    return days.astype("Int64")


def _why(row: dict, planned: dict, plan: Plan) -> str:
    code = row["indicator_code"]
    reach, each = planned.get((row["practice_code"], code), (0, 0.0))
    still = f"{code} still to do"
    if row["in_plan"]:
        return f"{still}: one of the plan's {reach} here, about £{each:,.2f} each"
    if reach:
        return f"{still}: a reserve, after the plan's {reach} here"
    return f"{still}: the plan sends no contacts for it here ({_reason(plan, code)})"


def _reason(plan: Plan, code: str) -> str:
    rows = plan.by_indicator[plan.by_indicator["indicator_code"] == code]
    note = rows["note"].iloc[0] if not rows.empty else None
    if isinstance(note, str) and note:
        return note.rstrip(".")
    if rows.empty or not rows["patients"].iloc[0]:
        return "its patients earn less than others with the contacts there are"
    return "its contacts go to other practices"


def _by_patient(to_do: pd.DataFrame, period: date) -> pd.DataFrame:
    keys = ["practice_code", "practice_name", "patient_id"]
    to_do = to_do.sort_values(["practice_code", "patient_id", "indicator_code"])
    grouped = to_do.groupby(keys, sort=False).agg(
        indicators=("indicator_code", ", ".join),
        in_plan=("in_plan", "any"),
        payment_expected=("value", "sum"),
        last_activity_date=("last_activity_date", "max"),
        days_since_activity=("days_since_activity", "min"),
        reason=("why", "; ".join),
    )
    calls = grouped.reset_index()
    calls["reason"] = [
        _sentence(reason, days, period)
        for reason, days in zip(calls["reason"], calls["days_since_activity"], strict=True)
    ]
    calls = calls.sort_values(
        ["payment_expected", "days_since_activity", "practice_code", "patient_id"],
        ascending=[False, False, True, True],
        na_position="first",
    ).reset_index(drop=True)
    calls["in_plan"] = calls["in_plan"].map(IN_PLAN_WORDS)
    calls["call_order"] = calls.groupby("practice_code").cumcount() + 1
    return calls[list(CALL_LIST_COLUMNS)]


def _sentence(reason: str, days, period: date) -> str:
    if pd.isna(days):
        since = "no activity recorded"
    elif days <= 0:
        since = f"last activity on {_day(period)}"
    else:
        since = f"last activity {days:,} day{'s' if days != 1 else ''} before {_day(period)}"
    return f"{reason[0].upper()}{reason[1:]}; {since}."
