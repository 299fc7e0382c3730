"""Patient lists: the patients still to do, filtered, counted and by deprivation."""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from iif_core.report.common import _and, _day, _num
from iif_core.report.completeness import NAMES_IN_A_SENTENCE

# Age bands for patient lists: children, working age, and the older ages most indicators target.
AGE_BANDS = ((0, 17, "Under 18"), (18, 39, "18-39"), (40, 64, "40-64"), (65, 74, "65-74"))
OLDEST_BAND = (75, "75 and over")
# IMD deciles become quintiles for filtering: decile 1-2 is quintile 1 (most deprived).
DECILES_PER_QUINTILE = 2
YES_WORDS = {"y", "yes", "true", "1", "t"}

WORKLIST_COLUMNS = (
    "practice_code", "practice_name", "indicator_code", "patient_id", "age", "age_band", "sex",
    "ethnicity", "imd_quintile", "last_activity_date", "list_period_end",
)  # fmt: skip
LIST_DATE_COLUMNS = (
    "practice_code", "practice_name", "indicator_code", "list_period_end", "older", "list_note",
)  # fmt: skip
ENDS_COLUMNS = (
    "practice_code", "practice_name", "indicator_code", "first_end", "last_end", "recall_only",
)  # fmt: skip
GAP_COLUMNS = ("imd_quintile", "eligible", "achieved", "to_do", "achievement")
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


def patient_list_dates(
    patients: pd.DataFrame, members: list[str], orgs: pd.DataFrame | None, period
) -> pd.DataFrame:
    """Which list each member practice's patients come from (decisions.md D23): one row per
    member practice × indicator found in the members' lists (practices by name), with the list's
    period end (`list_period_end`, missing when the practice has no list for the indicator),
    `older` when it is before `period`, and a `list_note` in words. `patients` are the lists in use at
    `period` (Store.patients with `as_at`): one list per practice × indicator."""
    return list_dates_from_ends(list_ends(patients), members, orgs, period)


def list_ends(patients: pd.DataFrame) -> pd.DataFrame:
    """Per practice × indicator of (prepared) patient rows: the first and last period end of its
    rows and whether its list holds only patients still to do, as Store.patient_list_summary
    counts them in the store."""
    if patients.empty:
        return pd.DataFrame(columns=list(ENDS_COLUMNS))
    frame = patients.assign(recall_only=recall_list_rows(patients))
    ends = frame.groupby(["practice_code", "indicator_code"]).agg(
        practice_name=("practice_name", "first"),
        first_end=("period_end", "min"),
        last_end=("period_end", "max"),
        recall_only=("recall_only", "any"),
    )
    return ends.reset_index()[list(ENDS_COLUMNS)]


def list_dates_from_ends(
    ends: pd.DataFrame, members: list[str], orgs: pd.DataFrame | None, period
) -> pd.DataFrame:
    """patient_list_dates from the lists' period ends per practice × indicator (list_ends, or
    Store.patient_list_summary)."""
    ours = ends[ends["practice_code"].isin(members)]
    if (ours["first_end"] != ours["last_end"]).any():
        raise ValueError("more than one patient list for a practice and indicator")
    last = dict(zip(zip(ours["practice_code"], ours["indicator_code"], strict=True),
                    ours["last_end"], strict=True))  # fmt: skip
    names = {}
    if orgs is not None and not orgs.empty:
        names = dict(zip(orgs["practice_code"], orgs["practice_name"], strict=True))
    chosen = pd.Timestamp(period) if period is not None else None
    rows = []
    by_name = sorted(set(members), key=lambda code: (str(names.get(code) or code), code))
    for indicator in sorted(ours["indicator_code"].unique(), key=str):
        for code in by_name:
            found = last.get((code, indicator))
            end = None if found is None or pd.isna(found) else pd.Timestamp(found).date()
            older = end is not None and chosen is not None and pd.Timestamp(end) < chosen
            if end is None:
                note = "no list stored" + (f" up to {_day(chosen)}" if chosen is not None else "")
            elif older:
                note = f"older: no list for {_day(chosen)} yet"
            else:
                note = f"the list for {_day(end)}"
            name = names.get(code, code)
            name = code if name is None or pd.isna(name) else str(name)
            rows.append((code, name, indicator, end, older, note))
    return pd.DataFrame(rows, columns=list(LIST_DATE_COLUMNS))


def patient_list_notes(dates: pd.DataFrame, indicator_code: str, period) -> list[str]:
    """What a page says above the patients of an indicator when not every member practice has
    a list for the period chosen: the practices whose lists are older, by the list's date
    (latest first), and the practices with no list at all. Empty when every list is for the
    period chosen."""
    rows = dates[dates["indicator_code"] == indicator_code]
    notes = []
    older = rows[rows["older"]]
    for end in sorted(older["list_period_end"].unique(), reverse=True):
        group = older[older["list_period_end"] == end]
        whose = "practice's list is" if len(group) == 1 else "practices' lists are"
        notes.append(
            f"{len(group)} {whose} from {_day(end)} (no list for {_day(period)} yet): "
            f"{_named(group)}."
        )
    missing = rows[rows["list_period_end"].isna()]
    if not missing.empty:
        notes.append(
            f"No {indicator_code} patient list stored up to {_day(period)} for: {_named(missing)}."
        )
    return notes


def _named(practices: pd.DataFrame) -> str:
    """'Alder Surgery (A00001), Birch Practice (A00002) and 3 more practices', by name."""
    ordered = practices.sort_values(["practice_name", "practice_code"])
    labels = [
        name if name == code else f"{name} ({code})"
        for code, name in zip(ordered["practice_code"], ordered["practice_name"], strict=True)
    ]
    if len(labels) > NAMES_IN_A_SENTENCE:
        rest = len(labels) - NAMES_IN_A_SENTENCE
        labels = labels[:NAMES_IN_A_SENTENCE] + [f"{rest} more practice{'s' * (rest > 1)}"]
    return _and(labels)


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


def options_from_summary(ends: pd.DataFrame, values: pd.DataFrame) -> dict[str, list]:
    """worklist_options from what Store.patient_list_summary counts in the store: the lists'
    practices and indicators (`ends`) and each filter's values (`values`: filter, value)."""

    def found(column):
        return values.loc[values["filter"] == column, "value"].tolist()

    bands = set(found("age_band"))
    return {
        "indicator_code": sorted(ends["indicator_code"].dropna().unique().tolist(), key=str),
        "practice_codes": sorted(ends["practice_code"].dropna().unique().tolist(), key=str),
        "age_bands": [b for b in age_band_order() if b in bands],
        "sexes": sorted(found("sex"), key=str),
        "ethnicities": sorted(found("ethnicity"), key=str),
        "quintiles": sorted(int(q) for q in found("imd_quintile")),
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
    ordered = ordered.assign(list_period_end=ordered["period_end"])
    return ordered[list(WORKLIST_COLUMNS)].reset_index(drop=True)


def worklist_counts(worklist: pd.DataFrame) -> pd.DataFrame:
    """Patients still to do per practice, most first, with the date of the list they are from
    (one list per practice × indicator: decisions.md D23)."""
    keys = ["practice_code", "practice_name", "list_period_end"]
    if worklist.empty:
        return pd.DataFrame(columns=[*keys, "patients_to_do"])
    counts = worklist.groupby(keys, dropna=False).size().rename("patients_to_do").reset_index()
    return counts.sort_values(
        ["patients_to_do", "practice_name"], ascending=[False, True]
    ).reset_index(drop=True)


def recall_list_rows(patients: pd.DataFrame) -> pd.Series:
    """The rows from lists that hold only patients still to do (decisions.md D24)."""
    if "list_kind" not in patients:
        return pd.Series(False, index=patients.index)
    return patients["list_kind"].eq("outstanding").fillna(False).astype(bool)


def recall_list_practices(patients: pd.DataFrame, indicator_code: str | None) -> list[str]:
    """The practices whose list for the indicator holds only patients still to do."""
    rows = patients[recall_list_rows(patients)]
    if indicator_code:
        rows = rows[rows["indicator_code"] == indicator_code]
    names = rows.get("practice_name", rows["practice_code"]).fillna(rows["practice_code"])
    return sorted(set(names))


def recall_practices_from_ends(ends: pd.DataFrame, indicator_code: str | None) -> list[str]:
    """recall_list_practices from the lists per practice × indicator (list_ends, or
    Store.patient_list_summary)."""
    rows = ends[ends["recall_only"].astype(bool)]
    if indicator_code:
        rows = rows[rows["indicator_code"] == indicator_code]
    return sorted(set(rows["practice_name"].fillna(rows["practice_code"])))


@dataclass(frozen=True)
class WorklistView:
    """What the Patients page draws of the patients still to do, counted in the store
    (decisions.md D61): how many in all, the first of them in the page's order (`rows`, at most
    the number asked for), the count per practice (worklist_counts) and the achievement by IMD
    quintile (inequality_gaps)."""

    total: int
    rows: pd.DataFrame
    counts: pd.DataFrame
    gaps: pd.DataFrame

    @property
    def complete(self) -> bool:
        """Whether `rows` holds every patient still to do."""
        return len(self.rows) == self.total


def worklist_view(total: int, rows, counts, gaps) -> WorklistView:
    """A WorklistView from Store.patient_worklist's frames, typed as the pandas path types them
    (IMD quintiles as nullable integers; to do and achievement per quintile worked out here)."""
    rows = rows.assign(imd_quintile=rows["imd_quintile"].astype("Int64"))[list(WORKLIST_COLUMNS)]
    if gaps.empty:
        gaps = pd.DataFrame(columns=list(GAP_COLUMNS))
    else:
        gaps = gaps.assign(imd_quintile=gaps["imd_quintile"].astype("Int64"))
        gaps["to_do"] = gaps["eligible"] - gaps["achieved"]
        gaps["achievement"] = 100 * gaps["achieved"] / gaps["eligible"]
    if counts.empty:
        counts = pd.DataFrame(columns=["practice_code", "practice_name", "list_period_end",
                                       "patients_to_do"])  # fmt: skip
    return WorklistView(int(total), rows.reset_index(drop=True), counts, gaps)


def inequality_gaps(patients: pd.DataFrame, filters: dict | None = None) -> pd.DataFrame:
    """Achievement by IMD quintile among the eligible patients (achieved, or still to do), for
    the period, indicator and practices of `filters`, so the work outstanding can be seen by
    deprivation."""
    filters = filters or {}
    frame = patients[patients["achieved"] | ~patients["pca"]]
    frame = frame[~recall_list_rows(frame)]  # a recall list cannot show who achieved
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
