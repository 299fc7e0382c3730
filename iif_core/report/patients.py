"""Patient lists: the patients still to do, filtered, counted and by deprivation."""

from __future__ import annotations

from datetime import date

import pandas as pd

from iif_core.report.common import _num

# Age bands for patient lists: children, working age, and the older ages most indicators target.
AGE_BANDS = ((0, 17, "Under 18"), (18, 39, "18-39"), (40, 64, "40-64"), (65, 74, "65-74"))
OLDEST_BAND = (75, "75 and over")
# IMD deciles become quintiles for filtering: decile 1-2 is quintile 1 (most deprived).
DECILES_PER_QUINTILE = 2
YES_WORDS = {"y", "yes", "true", "1", "t"}

WORKLIST_COLUMNS = (
    "practice_code", "practice_name", "indicator_code", "patient_id", "age", "age_band", "sex",
    "ethnicity", "imd_quintile", "last_activity_date", "period_end",
)  # fmt: skip
FILTER_KEYS = (
    "period_end", "indicator_code", "practice_codes", "age_bands", "sexes", "ethnicities",
    "quintiles",
)  # fmt: skip


def age_band(age) -> str | None:
    value = _num(age)
    if value is None:
        return None
    for low, high, label in AGE_BANDS:
        if low <= value <= high:
            return label
    return OLDEST_BAND[1] if value >= OLDEST_BAND[0] else None


def age_band_order() -> list[str]:
    return [label for _, _, label in AGE_BANDS] + [OLDEST_BAND[1]]


def _yes(value) -> bool:
    if isinstance(value, bool):
        return value
    if value is None or (not isinstance(value, str) and pd.isna(value)):
        return False
    return str(value).strip().lower() in YES_WORDS


def prepare_patients(patients: pd.DataFrame, orgs: pd.DataFrame | None = None) -> pd.DataFrame:
    """Patient-level rows in the app's words: yes/no as booleans, an age band, an IMD quintile
    and the practice's name."""
    frame = patients.copy()
    for column in ("achieved", "pca"):
        frame[column] = [_yes(v) for v in frame[column]] if column in frame else False
    for column in ("age", "sex", "ethnicity", "last_activity_date", "period_end"):
        if column not in frame:
            frame[column] = None
    frame["age_band"] = [age_band(a) for a in frame["age"]]
    if "imd_quintile" in frame and frame["imd_quintile"].notna().any():
        frame["imd_quintile"] = pd.to_numeric(frame["imd_quintile"], errors="coerce")
    elif "imd_decile" in frame:
        deciles = pd.to_numeric(frame["imd_decile"], errors="coerce")
        frame["imd_quintile"] = (deciles + 1) // DECILES_PER_QUINTILE
    else:
        frame["imd_quintile"] = None
    frame["imd_quintile"] = frame["imd_quintile"].astype("Int64")
    if "practice_name" not in frame:
        names = {}
        if orgs is not None and not orgs.empty:
            names = dict(zip(orgs["practice_code"], orgs["practice_name"], strict=True))
        frame["practice_name"] = [names.get(c, c) for c in frame["practice_code"]]
    return frame


def patient_period(patients: pd.DataFrame, period) -> date | None:
    """The period end of the patient lists to use: the one chosen if lists exist for it, else
    the latest before it, else the latest of all."""
    if patients is None or patients.empty or patients["period_end"].isna().all():
        return None
    ends = sorted(pd.to_datetime(patients["period_end"].dropna().unique()))
    if period is not None:
        earlier = [e for e in ends if e <= pd.Timestamp(period)]
        if earlier:
            return earlier[-1].date()
    return ends[-1].date()


def worklist_options(patients: pd.DataFrame) -> dict[str, list]:
    """The values each filter can take, as found in the (prepared) patient rows."""

    def distinct(column):
        values = patients[column].dropna().unique().tolist() if column in patients else []
        return sorted(values, key=str)

    bands = set(distinct("age_band"))
    return {
        "indicator_code": distinct("indicator_code"),
        "practice_codes": distinct("practice_code"),
        "age_bands": [b for b in age_band_order() if b in bands],
        "sexes": distinct("sex"),
        "ethnicities": distinct("ethnicity"),
        "quintiles": [int(q) for q in distinct("imd_quintile")],
    }


def patient_worklist(patients: pd.DataFrame, filters: dict | None = None) -> pd.DataFrame:
    """The patients still to do: not achieved and no personalised care adjustment
    (iif-rules.md section 8), narrowed by the filters given (an empty filter keeps everyone):
    period_end, indicator_code, practice_codes, age_bands, sexes, ethnicities, quintiles."""
    filters = filters or {}
    unknown = set(filters) - set(FILTER_KEYS)
    if unknown:
        raise ValueError(f"unknown filter(s): {', '.join(sorted(unknown))}")
    frame = patients[~patients["achieved"] & ~patients["pca"]]
    if filters.get("period_end") is not None:
        frame = frame[pd.to_datetime(frame["period_end"]) == pd.Timestamp(filters["period_end"])]
    if filters.get("indicator_code"):
        frame = frame[frame["indicator_code"] == filters["indicator_code"]]
    selections = {
        "practice_codes": "practice_code",
        "age_bands": "age_band",
        "sexes": "sex",
        "ethnicities": "ethnicity",
        "quintiles": "imd_quintile",
    }
    for key, column in selections.items():
        chosen = filters.get(key)
        if chosen:
            frame = frame[frame[column].isin(list(chosen))]
    ordered = frame.sort_values(["practice_name", "indicator_code", "patient_id"])
    return ordered[list(WORKLIST_COLUMNS)].reset_index(drop=True)


def worklist_counts(worklist: pd.DataFrame) -> pd.DataFrame:
    """Patients still to do per practice, most first."""
    if worklist.empty:
        return pd.DataFrame(columns=["practice_code", "practice_name", "patients_to_do"])
    counts = (
        worklist.groupby(["practice_code", "practice_name"], dropna=False)
        .size()
        .rename("patients_to_do")
        .reset_index()
    )
    return counts.sort_values(
        ["patients_to_do", "practice_name"], ascending=[False, True]
    ).reset_index(drop=True)


def inequality_gaps(patients: pd.DataFrame, filters: dict | None = None) -> pd.DataFrame:
    """Achievement by IMD quintile among the eligible patients (achieved, or still to do), for
    the period, indicator and practices of `filters`, so the work outstanding can be seen by
    deprivation."""
    filters = filters or {}
    frame = patients[patients["achieved"] | ~patients["pca"]]
    if filters.get("period_end") is not None:
        frame = frame[pd.to_datetime(frame["period_end"]) == pd.Timestamp(filters["period_end"])]
    if filters.get("indicator_code"):
        frame = frame[frame["indicator_code"] == filters["indicator_code"]]
    if filters.get("practice_codes"):
        frame = frame[frame["practice_code"].isin(list(filters["practice_codes"]))]
    frame = frame.dropna(subset=["imd_quintile"])
    if frame.empty:
        return pd.DataFrame(
            columns=["imd_quintile", "eligible", "achieved", "to_do", "achievement"]
        )
    grouped = frame.groupby("imd_quintile").agg(
        eligible=("achieved", "size"), achieved=("achieved", "sum")
    )
    grouped["to_do"] = grouped["eligible"] - grouped["achieved"]
    grouped["achievement"] = 100 * grouped["achieved"] / grouped["eligible"]
    return grouped.reset_index()
