"""Generate the demo ICB: invented organisations, IIF extracts drawn from real public data."""

from __future__ import annotations

import argparse
import calendar
import datetime as dt
import filecmp
import io
import re
import sys
import tempfile
import zipfile
from pathlib import Path

import numpy as np
import pandas as pd
from openpyxl import Workbook, load_workbook
from openpyxl.styles import Font

HERE = Path(__file__).resolve().parent
SOURCES = HERE / "sources"

# ---------------------------------------------------------------------------------------------
# Fixed choices. Every number that shapes the data is named here with the reason for its value.
# ---------------------------------------------------------------------------------------------

SEED = 20261031  # any fixed number; each part of the data draws from its own stream seeded with it
NEVER = 99  # month index meaning "does not happen within the scheme year"

ICB_CODE, ICB_NAME = "QZW", "NHS Wendmoor Integrated Care Board"  # Q + 2: not a real ICB/STP code
PLACES = {  # sub-ICB location code (two digits + letter, none real starts 98) -> name
    "98A": "Hartmouth",
    "98B": "Brackenford",
    "98C": "Fellsey Vale",
}
PRACTICE_PREFIX = "X"  # no English GP practice code starts with X, so no demo code can ever be real

# One row per PCN: name, place, member practices, CAN-04 % and LD-check % at 31 March for an
# average-deprivation patient, LD-check timing, mean IMD decile of its patients. Levels are set by
# hand so that the network results spread across red, amber and green.
PCN_DESIGN = (
    ("Hartmouth Central PCN", "98A", 6, 74, 78, "late", 3.0),
    ("Hartmouth Quayside PCN", "98A", 5, 62, 68, "late", 2.0),
    ("Saltmarket PCN", "98A", 7, 77, 76, "even", 3.5),
    ("Wrenmouth & Inkerby PCN", "98A", 4, 84, 88, "even", 5.0),
    ("Marrowgate PCN", "98A", 5, 61, 64, "late", 2.0),
    ("Hartmouth North PCN", "98A", 6, 77, 80, "late", 4.0),
    ("Brackenford Town PCN", "98B", 5, 77, 84, "even", 6.0),
    ("Northvale PCN", "98B", 7, 76, 78, "late", 6.5),
    ("Oakhollow PCN", "98B", 4, 86, 95, "early", 8.0),
    ("Larkhollow & Pellowick PCN", "98B", 5, 71, 72, "late", 5.5),
    ("Kestrelford PCN", "98B", 6, 83, 84, "even", 7.5),
    ("Sorrelby PCN", "98B", 5, 68, 70, "late", 6.0),
    ("Fellsey Coast PCN", "98C", 5, 63, 66, "late", 3.0),
    ("Upper Fellsey PCN", "98C", 4, 88, 88, "even", 7.5),
    ("Tarnwick PCN", "98C", 6, 79, 80, "late", 6.0),
    ("Sealbridge PCN", "98C", 5, 74, 74, "even", 5.5),
    ("Farrowdale PCN", "98C", 4, 84, 92, "early", 7.0),
)
SPANNING_PCN = "Northvale PCN"  # its last SPANNING_PRACTICES members sit in SPANNING_PLACE
SPANNING_PLACE, SPANNING_PRACTICES = "98C", 2
# Named practices with a role: (PCN, position among its members).
STRONG_PRACTICE = ("Hartmouth Central PCN", 2)  # well above its PCN on both indicators
WEAK_PRACTICE = ("Sorrelby PCN", 1)  # far below its PCN on both indicators
SMALL_PRACTICE = ("Fellsey Coast PCN", 4)  # list 1,500-2,500: small denominators, noisy figures
MISSED_PRACTICE = ("Kestrelford PCN", 3)  # sent nothing for MISSED_PERIOD
MISSED_PERIOD = dt.date(2026, 8, 31)
DIP_PCN, DIP_MONTH = "Tarnwick PCN", 3  # FIT kits ran out in July 2026: a special cause for SPC
DIP_SHIFT = -1.6  # logit shift of that month's CAN-04 referrals (about 25 points lower)
STRONG_SHIFT, WEAK_SHIFT = 1.2, -1.0  # logit shifts of the strong and weak practices
NEW_PRACTICE_NAME = "Emberhithe Health Centre"  # opened 1 May 2026, not yet in any PCN
NEW_PRACTICE_PLACE, NEW_PRACTICE_FIRST_MONTH = "98A", 1  # month index 1 = May
NEW_PRACTICE_LIST = (2_500, 3_500)  # real list sizes in this range are typical of a young practice

# Invented words, none of them found in any real practice, PCN, sub-ICB or ICB name (checked
# against NHS Digital's 2022 and 2025 mappings, ODS epraccur and ePCN).
NAME_STEMS = (
    "Ashwendle", "Barrowick", "Bramblecote", "Brindlecott", "Cobbleford", "Dapplewick", "Elverby",
    "Farrowdale", "Gorsethorpe", "Hallowfield", "Inkerby", "Jessamy", "Kestrelford", "Larkhollow",
    "Marrowgate", "Pellowick", "Quillbrook", "Sorrelby", "Thistlecombe", "Varrowby", "Wrenmouth",
    "Yarrowdene", "Tarnwick", "Sealbridge", "Oakhollow", "Saltmarket", "Hartmouth", "Brackenford",
    "Fellsey", "Northvale", "Skelderby", "Rookhithe", "Wyvernholt", "Copperwick", "Glimmerdale",
    "Hobbleton", "Tillingmere", "Wickerham", "Mossgarth", "Nettleby", "Dunnockfield", "Ravelstone",
    "Harrowmede", "Corriewick", "Dunmarrow", "Mallowby", "Pennycress", "Stonewhistle", "Briarmouth",
    "Sallowfield", "Thrushcombe",
)  # fmt: skip
NAME_FEATURES = ("", " Road", " Lane", " Green", " Park", " Street", " Bridge", " Hill", " Quay")
NAME_SUFFIXES = (
    "Surgery",
    "Medical Centre",
    "Health Centre",
    "Medical Practice",
    "Family Practice",
)

LIST_SIZE_RANGE = (3_000, 25_000)  # about the middle 90% of real practice lists (Jan 2022)
SMALL_LIST_RANGE = (1_500, 2_500)  # the one small practice
LIST_GROWTH = (0.005, 0.02)  # yearly list growth per practice; England grew about 1% a year
LD_RATIO_MAX = 0.025  # real ratios above this are care-home practices that would dominate a PCN
LD_SHARE_14_PLUS = (0.84, 0.92)  # share of the LD register aged 14+ (the HI-01/HI-03 cohort)
LD_REGISTER_GROWTH = 0.04  # yearly new LD diagnoses and registrations: the register creeps up
LD_LEAVE_SHARE = 0.02  # share of the register leaving (moved, died) within a year
LD_PCA_SHARE = 0.12  # non-achievers who declined (a PCA): about 3-4% of the denominator
LD_PCA_BEFORE_YEAR = 0.5  # of those, declines already recorded by 1 April (12-month look-back)
LD_ACHIEVED_WITH_PCA = 0.01  # achievers who had declined earlier: counted as achieved (QOF rule)
LD_PCA_REASONS = (("HLTHCHKDEC", 0.7), ("HLTHAPDEC", 0.3))  # declined check / declined plan
# Share of a year's LD health checks done in each month April..March.
LD_TIMING = {
    "late": (3, 4, 5, 5, 5, 7, 8, 9, 8, 13, 15, 18),  # the usual Q4 rush (NHS Digital LD checks)
    "even": (8, 8, 8, 8, 8, 9, 9, 9, 8, 8, 8, 9),  # recalls spread through the year
    "early": (16, 14, 12, 10, 9, 8, 7, 6, 5, 5, 4, 4),  # a spring recall drive, then birthdays
}
# Chance a practice keeps its own timing rather than its PCN's ("early" PCNs run a PCN-wide drive).
LD_TIMING_SWITCH = 0.2
YEAR_SHIFT = {"2026-27": 0.0, "2025-26": -0.15, "2021-22": -0.1}  # logit: slow yearly improvement
PRACTICE_SD = 0.3  # logit spread of practices around their PCN
YEAR_SD = 0.15  # logit spread of a practice from one year to the next

CAN_REFERRAL_RATE = (0.010, 0.018)  # lower-GI urgent referrals a year as a share of the list
OLDER_PLACE, OLDER_PLACE_REFERRALS = "98C", 1.1  # an older population is referred more often
CAN_SEASON = (1.0, 1.05, 1.0, 1.0, 0.9, 1.0, 1.05, 1.05, 0.85, 1.05, 1.0, 1.05)  # Apr..Mar
CAN_MONTH_SD = 0.2  # logit month-to-month variation in a practice's FIT pathway
CAN_PCA_SHARE = 0.18  # non-achievers with FIT declined or not indicated: ~4% of the denominator
CAN_PCA_REASONS = (("FITNIDAT", 0.4), ("FAECIMMDEC", 0.6))
DEPRIVATION_GRADIENT = {"CAN-04": 0.07, "LD": 0.07}  # logit per IMD decile above 5.5
FLU_DEPRIVATION = {"VI-01": 1.0, "VI-02": 1.5, "VI-03": 2.0}  # uptake points per IMD decile
IMD_PATIENT_SD = 1.6  # spread of patients' IMD deciles around their practice's mean
IMD_PRACTICE_SD = 1.0  # spread of practices' mean IMD decile around their PCN's

AGE_BANDS = {  # (from, to, share): LD register 14+ is young; lower-GI referrals mostly 50+
    "LD": ((14, 17, 9), (18, 24, 16), (25, 34, 18), (35, 44, 15), (45, 54, 15), (55, 64, 14),
           (65, 74, 9), (75, 90, 4)),
    "CAN-04": ((18, 29, 2), (30, 39, 4), (40, 49, 8), (50, 59, 17), (60, 69, 23), (70, 79, 27),
               (80, 89, 16), (90, 99, 3)),
}  # fmt: skip
SEX_SHARES = {"LD": (0.595, 0.4, 0.005), "CAN-04": (0.47, 0.525, 0.005)}  # M, F, U
ETHNIC_GROUPS = (
    "White", "Asian or Asian British", "Black/Black British/Caribbean/African",
    "Mixed or multiple ethnic groups", "Other ethnic group", "Not stated",
)  # fmt: skip
ETHNIC_MIX = {  # ONS 2021 high-level groups; an urban, a suburban and a rural place
    "98A": (0.62, 0.18, 0.08, 0.04, 0.03, 0.05),
    "98B": (0.83, 0.07, 0.02, 0.025, 0.015, 0.04),
    "98C": (0.915, 0.015, 0.005, 0.015, 0.005, 0.045),
}
ETHNIC_CONCENTRATION = 80  # Dirichlet concentration: how closely practices follow their place
SHARE_65_PLUS = {"98A": (0.08, 0.15), "98B": (0.14, 0.22), "98C": (0.20, 0.30)}  # VI-01 cohort
SHARE_AT_RISK = (0.09, 0.13)  # aged 18-64 in a clinical risk group (VI-02 cohort)
SHARE_AGED_2_3 = (0.018, 0.026)  # children aged 2-3 (VI-03 cohort)
SHARE_UNDER_14 = (0.14, 0.19)  # patients under 14 (the HI-03 PAT_AGEU14 exclusion)
# Flu: final uptake (%) around which PCNs sit; PCNs better on the other indicators do better.
FLU_LEVEL = {"VI-01": (83.0, 3.5), "VI-02": (60.0, 8.0), "VI-03": (52.0, 8.0)}  # mean, sd
FLU_RANGE = {"VI-01": (72, 93), "VI-02": (40, 82), "VI-03": (28, 72)}  # practice clip, percent
FLU_CURVE = {  # share of the season's vaccinations given by the end of Sep..Mar (autumn-heavy)
    "VI-01": (0.30, 0.72, 0.88, 0.95, 0.98, 0.995, 1.0),
    "VI-02": (0.18, 0.55, 0.76, 0.88, 0.95, 0.985, 1.0),
    "VI-03": (0.05, 0.35, 0.65, 0.85, 0.94, 0.98, 1.0),
}
FLU_PCA_SHARE = {"VI-01": 0.03, "VI-02": 0.04, "VI-03": 0.05}  # declined: a few % of the cohort
FLU_JOIN_RATE = 0.002  # monthly new registrations joining a flu cohort (share of the cohort)

YEARS = {  # file label -> (first month-end, month-ends written, indicators)
    "2026-27": (dt.date(2026, 4, 30), 7, ("CAN-04", "HI-03")),
    "2025-26": (dt.date(2025, 4, 30), 12, ("CAN-04", "HI-03")),
    "2021-22": (dt.date(2021, 4, 30), 12, ("HI-01", "VI-01", "VI-02", "VI-03")),
}
FLU_FIRST_MONTH = 5  # flu extracts are cumulative from 1 September (month index 5)
CURRENT_YEAR, PATIENT_PERIOD = "2026-27", dt.date(2026, 10, 31)
EXPORT_DATE = dt.datetime(2026, 11, 5, 9, 0, 0)  # fixed workbook timestamp: same bytes every run

GPES_COLUMNS = [
    "QUALITY_SERVICE",
    "NAME",
    "ORG_CODE",
    "ACH_DATE",
    "IND_CODE",
    "FIELD_NAME",
    "VALUE",
]
ORGS_COLUMNS = ["practice_code", "practice_name", "pcn_code", "pcn_name", "place_code",
                "place_name", "icb_code", "icb_name", "list_size"]  # fmt: skip
EXTRACT_COLUMNS = ["practice_code", "indicator_code", "period_end", "numerator", "denominator",
                   "pca_count"]  # fmt: skip
PATIENT_COLUMNS = ["practice_code", "indicator_code", "patient_id", "achieved", "pca", "period_end",
                   "age", "sex", "ethnicity", "imd_decile", "last_activity_date"]  # fmt: skip
WIDE_INDICATORS = ("CAN-04", "HI-03")
WIDE_FIELDS = (("numerator", "Numerator"), ("denominator", "Denominator"), ("pca_count", "PCA"))
PCA_REASONS = CAN_PCA_REASONS + LD_PCA_REASONS  # the GPES PCA rule rows, summing to pca_count
LD_INDICATORS = ("HI-01", "HI-03")
LD_DENOMINATOR_DIP = 3  # most an LD denominator may fall in a month (register changes, new PCAs)

# Lower and upper thresholds, for the summary only (the app reads them from its scheme files).
REFERENCE_THRESHOLDS = {"CAN-04": (65, 80), "HI-03": (60, 80), "HI-01": (60, 80),
                        "VI-01": (80, 86), "VI-02": (57, 90), "VI-03": (45, 82)}  # fmt: skip
OUTPUT_FILES = ("orgs.csv", "extract_2026-27.csv", "extract_2025-26.csv", "extract_2021-22.csv",
                "patients_2026-10-31.csv", "gpes_2026-27.csv", "extract_2026-27.xlsx")  # fmt: skip


# ---------------------------------------------------------------------------------------------
# Small helpers
# ---------------------------------------------------------------------------------------------


def rng_for(*keys: int) -> np.random.Generator:
    """A random stream for one part of the data, so changing one part leaves the others alone."""
    return np.random.default_rng([SEED, *keys])


def logit(p):
    return np.log(p / (1 - p))


def expit(x):
    return 1 / (1 + np.exp(-x))


def month_ends(first: dt.date, count: int) -> list[dt.date]:
    return [d.date() for d in pd.date_range(first, periods=count, freq="ME")]


def month_start(first_end: dt.date, month: int) -> dt.date:
    return (pd.Timestamp(first_end.replace(day=1)) + pd.DateOffset(months=month)).date()


def year_key(label: str) -> int:
    return int(label[:4])


def indicator_key(code: str) -> int:
    return int(re.sub(r"\D", "", code)) + 1000 * (ord(code[0]) - ord("A"))


def draw_choice(rng, n: int, pairs) -> np.ndarray:
    values, weights = zip(*pairs, strict=True)
    return rng.choice(np.array(values), size=n, p=np.array(weights) / sum(weights))


def pick_in_range(rng, values: np.ndarray, low: float, high: float, size: int) -> np.ndarray:
    """Draw from the real values that fall within [low, high]."""
    pool = values[(values >= low) & (values <= high)]
    return rng.choice(pool, size=size)


# ---------------------------------------------------------------------------------------------
# Organisations
# ---------------------------------------------------------------------------------------------


def read_sources() -> dict:
    return {
        "list_sizes": pd.read_csv(SOURCES / "list_sizes_2022-01.csv")[
            "number_of_patients"
        ].to_numpy(),
        "ld_ratios": pd.read_csv(SOURCES / "ld_register_ratios_2020-21.csv")[
            "ld_register_per_patient"
        ].to_numpy(),
        "field_names": pd.read_csv(SOURCES / "ncd_field_names_2025-26.csv", dtype=str),
        "real_codes": set(pd.read_csv(SOURCES / "real_codes.csv", dtype=str)["code"]),
    }


def invent_codes(rng, count: int, prefix: str, real: set[str]) -> list[str]:
    """Distinct codes prefix + 5 digits, none of them real, in ascending order."""
    codes = []
    for number in rng.permutation(np.arange(10_000, 100_000)):
        code = f"{prefix}{number}"
        if code not in real:
            codes.append(code)
        if len(codes) == count:
            return sorted(codes)
    raise RuntimeError("not enough free codes")


def invent_practice_names(rng, count: int) -> list[str]:
    """Distinct fictional names; PCN-name stems are left to the PCNs, others used up to 3 times."""
    pcn_words = " ".join(row[0] for row in PCN_DESIGN)
    combos = [(s, f) for s in NAME_STEMS if s not in pcn_words for f in NAME_FEATURES]
    names, used = [], {}
    for i in rng.permutation(len(combos)):
        stem, feature = combos[i]
        if used.get(stem, 0) >= 3:
            continue
        used[stem] = used.get(stem, 0) + 1
        names.append(f"{stem}{feature} {NAME_SUFFIXES[rng.integers(len(NAME_SUFFIXES))]}")
        if len(names) == count:
            return names
    raise RuntimeError("not enough names")


def practice_role(pcn_name: str, position: int) -> str:
    roles = {STRONG_PRACTICE: "strong", WEAK_PRACTICE: "weak", SMALL_PRACTICE: "small",
             MISSED_PRACTICE: "missed_month"}  # fmt: skip
    return roles.get((pcn_name, position), "")


def build_practices(sources: dict) -> pd.DataFrame:
    """One row per practice: the public orgs columns plus the hidden traits that drive the data."""
    rng = rng_for(1)
    n_members = sum(row[2] for row in PCN_DESIGN)
    codes = invent_codes(rng, n_members + 1, PRACTICE_PREFIX, sources["real_codes"])
    pcn_codes = invent_codes(rng, len(PCN_DESIGN), "U", sources["real_codes"])
    names = invent_practice_names(rng, n_members)
    lists = pick_in_range(rng, sources["list_sizes"], *LIST_SIZE_RANGE, size=n_members)
    ratios = sources["ld_ratios"][sources["ld_ratios"] <= LD_RATIO_MAX]
    rows = []
    for design, pcn_code in zip(PCN_DESIGN, pcn_codes, strict=True):
        pcn_name, place, members, can, ld, timing, imd = design
        for position in range(1, members + 1):
            spans = pcn_name == SPANNING_PCN and position > members - SPANNING_PRACTICES
            rows.append({
                "pcn_code": pcn_code, "pcn_name": pcn_name,
                "place_code": SPANNING_PLACE if spans else place,
                "role": practice_role(pcn_name, position),
                "can_level": can, "ld_level": ld, "pcn_timing": timing, "pcn_imd": imd,
            })  # fmt: skip
    rows.append({
        "pcn_code": "", "pcn_name": "", "place_code": NEW_PRACTICE_PLACE, "role": "new",
        "can_level": 70, "ld_level": 60, "pcn_timing": "late", "pcn_imd": 3.0,
    })  # fmt: skip
    df = pd.DataFrame(rows)
    n = len(df)
    df.insert(0, "practice_code", codes)
    df.insert(1, "practice_name", names + [NEW_PRACTICE_NAME])
    df["place_name"] = df["place_code"].map(PLACES)
    df["icb_code"], df["icb_name"] = ICB_CODE, ICB_NAME
    df["list_size"] = np.append(lists, 0).astype(int)
    small = df["role"] == "small"
    df.loc[small, "list_size"] = pick_in_range(
        rng, sources["list_sizes"], *SMALL_LIST_RANGE, size=small.sum()
    )
    df.loc[df["role"] == "new", "list_size"] = pick_in_range(
        rng, sources["list_sizes"], *NEW_PRACTICE_LIST, size=1
    )
    df["ld_ratio"] = rng.choice(ratios, size=n)
    df["share_14_plus"] = rng.uniform(*LD_SHARE_14_PLUS, size=n)
    df["growth"] = rng.uniform(*LIST_GROWTH, size=n)
    df["imd_mean"] = np.clip(df["pcn_imd"] + rng.normal(0, IMD_PRACTICE_SD, n), 1.5, 9.5)
    df["ethnic_mix"] = [
        rng.dirichlet(np.array(ETHNIC_MIX[p]) * ETHNIC_CONCENTRATION) for p in df["place_code"]
    ]
    df["share_65"] = [rng.uniform(*SHARE_65_PLUS[p]) for p in df["place_code"]]
    df["share_at_risk"] = rng.uniform(*SHARE_AT_RISK, size=n)
    df["share_2_3"] = rng.uniform(*SHARE_AGED_2_3, size=n)
    df["share_u14"] = rng.uniform(*SHARE_UNDER_14, size=n)
    older = np.where(df["place_code"] == OLDER_PLACE, OLDER_PLACE_REFERRALS, 1.0)
    df["can_rate"] = rng.uniform(*CAN_REFERRAL_RATE, size=n) * older
    role_shift = df["role"].map({"strong": STRONG_SHIFT, "weak": WEAK_SHIFT}).fillna(0.0)
    df["can_logit"] = logit(df["can_level"] / 100) + rng.normal(0, PRACTICE_SD, n) + role_shift
    df["ld_logit"] = logit(df["ld_level"] / 100) + rng.normal(0, PRACTICE_SD, n) + role_shift
    switch = (rng.random(n) < LD_TIMING_SWITCH) & (df["pcn_timing"] != "early")
    df["ld_timing"] = np.where(switch, rng.choice(list(LD_TIMING), size=n), df["pcn_timing"])
    df["first_month"] = np.where(df["role"] == "new", NEW_PRACTICE_FIRST_MONTH, 0)
    return df


def orgs_table(practices: pd.DataFrame) -> pd.DataFrame:
    return practices[ORGS_COLUMNS].sort_values("practice_code").reset_index(drop=True)


# ---------------------------------------------------------------------------------------------
# Patient-level simulation (CAN-04 and the LD health checks)
# ---------------------------------------------------------------------------------------------


def draw_ages(rng, n: int, bands) -> np.ndarray:
    lows, highs, weights = (np.array(x) for x in zip(*bands, strict=True))
    band = rng.choice(len(lows), size=n, p=weights / weights.sum())
    return rng.integers(lows[band], highs[band] + 1)


def draw_people(rng, n: int, practice, cohort: str) -> pd.DataFrame:
    imd = np.clip(np.rint(rng.normal(practice.imd_mean, IMD_PATIENT_SD, n)), 1, 10)
    return pd.DataFrame({
        "age": draw_ages(rng, n, AGE_BANDS[cohort]),
        "sex": rng.choice(np.array(["M", "F", "U"]), size=n, p=SEX_SHARES[cohort]),
        "ethnicity": rng.choice(np.array(ETHNIC_GROUPS), size=n, p=practice.ethnic_mix),
        "imd_decile": imd.astype(int),
    })  # fmt: skip


def list_in_year(practice, label: str) -> float:
    years_before = year_key(CURRENT_YEAR) - year_key(label)
    return practice.list_size * (1 - practice.growth) ** years_before


def year_logit(rng, base: float, label: str) -> float:
    return base + YEAR_SHIFT[label] + (rng.normal(0, YEAR_SD) if label != CURRENT_YEAR else 0.0)


def simulate_can04(practice, label: str) -> pd.DataFrame:
    """One row per referred patient: the month they enter and whether they achieved or had a PCA."""
    rng = rng_for(2, year_key(label), practice.Index)
    level = year_logit(rng, practice.can_logit, label)
    expected = list_in_year(practice, label) * practice.can_rate / 12 * np.array(CAN_SEASON)
    counts = rng.poisson(expected)
    counts[: practice.first_month] = 0
    month = np.repeat(np.arange(12), counts)
    people = draw_people(rng, len(month), practice, "CAN-04")
    month_effect = rng.normal(0, CAN_MONTH_SD, 12)
    if practice.pcn_name == DIP_PCN and label == CURRENT_YEAR:
        month_effect[DIP_MONTH] += DIP_SHIFT
    gradient = DEPRIVATION_GRADIENT["CAN-04"] * (people["imd_decile"].to_numpy() - 5.5)
    achieved = rng.random(len(month)) < expit(level + month_effect[month] + gradient)
    pca = ~achieved & (rng.random(len(month)) < CAN_PCA_SHARE)
    people["join_month"] = month
    people["leave_month"] = NEVER
    people["achieved_month"] = np.where(achieved, month, NEVER)
    people["pca_month"] = np.where(pca, month, NEVER)
    people["pca_reason"] = np.where(pca, draw_choice(rng, len(month), CAN_PCA_REASONS), "")
    people["event_day"] = rng.random(len(month))  # where in the month the referral fell
    return people


def simulate_ld(practice, label: str) -> pd.DataFrame:
    """One row per LD-register patient aged 14+: when they joined, left, had a check, declined."""
    rng = rng_for(3, year_key(label), practice.Index)
    level = year_logit(rng, practice.ld_logit, label)
    first = practice.first_month
    register = round(practice.ld_ratio * practice.share_14_plus * list_in_year(practice, label))
    joiners = rng.poisson(register * LD_REGISTER_GROWTH / 12, 12)
    joiners[: first + 1] = 0
    join = np.concatenate([np.full(register, first), np.repeat(np.arange(12), joiners)])
    n = len(join)
    people = draw_people(rng, n, practice, "LD")
    gradient = DEPRIVATION_GRADIENT["LD"] * (people["imd_decile"].to_numpy() - 5.5)
    p_check = expit(level + gradient)
    p_check[people["ethnicity"].to_numpy() == "Not stated"] = 0  # HI-03 needs ethnicity recorded
    checked = rng.random(n) < p_check
    weights = np.array(LD_TIMING[practice.ld_timing], dtype=float)
    check_month = np.full(n, NEVER)
    for j in np.unique(join[checked]):
        w = np.where(np.arange(12) >= j, weights, 0.0)
        who = checked & (join == j)
        check_month[who] = rng.choice(12, size=who.sum(), p=w / w.sum())
    leave_month = np.full(n, NEVER)
    leaves = ~checked & (join < 11) & (rng.random(n) < LD_LEAVE_SHARE)
    leave_month[leaves] = rng.integers(join[leaves] + 1, 12)
    pca_month = np.full(n, NEVER)
    declined = ~checked & (rng.random(n) < LD_PCA_SHARE)
    early = rng.random(n) < LD_PCA_BEFORE_YEAR
    pca_month[declined] = np.where(
        early[declined], join[declined], rng.integers(join[declined], 12)
    )
    changed_mind = checked & (rng.random(n) < LD_ACHIEVED_WITH_PCA)
    pca_month[changed_mind] = rng.integers(join[changed_mind], check_month[changed_mind] + 1)
    people["join_month"] = join
    people["leave_month"] = leave_month
    people["achieved_month"] = check_month
    people["pca_month"] = pca_month
    people["pca_reason"] = np.where(pca_month < NEVER, draw_choice(rng, n, LD_PCA_REASONS), "")
    people["event_day"] = rng.random(n)
    return people


def state_at(people: pd.DataFrame, month: int) -> pd.DataFrame:
    """Each present patient's status at the end of a month (index from April)."""
    present = (people["join_month"] <= month) & (people["leave_month"] > month)
    out = people[present].copy()
    out["achieved"] = out["achieved_month"] <= month
    out["pca"] = out["pca_month"] <= month
    return out


def counts_from_state(state: pd.DataFrame) -> dict:
    """The contract's section 8: numerator, denominator and PCA count from patient rows."""
    numerator = int(state["achieved"].sum())
    not_achieved = ~state["achieved"]
    pca = not_achieved & state["pca"]
    by_reason = state.loc[pca, "pca_reason"].value_counts().to_dict()
    outstanding = int((not_achieved & ~state["pca"]).sum())
    return {
        "numerator": numerator,
        "denominator": numerator + outstanding,
        "pca_count": int(pca.sum()),
        "pca_by_reason": by_reason,
    }


# ---------------------------------------------------------------------------------------------
# Flu (2021/22): counts only, cumulative from 1 September
# ---------------------------------------------------------------------------------------------


def flu_levels(practices: pd.DataFrame) -> pd.DataFrame:
    """Final uptake (fraction) per practice and flu indicator."""
    rng = rng_for(4)
    quality = (practices["can_logit"] + practices["ld_logit"]) / 2
    quality = (quality - quality.mean()) / quality.std()
    out = pd.DataFrame(index=practices.index)
    for code, (mean, sd) in FLU_LEVEL.items():
        deprivation = FLU_DEPRIVATION[code] * (practices["imd_mean"] - 5.5)
        level = mean + 0.7 * sd * quality + deprivation + rng.normal(0, 0.5 * sd, len(practices))
        out[code] = np.clip(level, *FLU_RANGE[code]) / 100
    return out


def simulate_flu(practice, code: str, final: float) -> list[dict]:
    rng = rng_for(5, indicator_key(code), practice.Index)
    list_size = list_in_year(practice, "2021-22")
    share = {
        "VI-01": practice.share_65,
        "VI-02": practice.share_at_risk,
        "VI-03": practice.share_2_3,
    }[code]
    cohort = round(list_size * share)
    curve = np.array(FLU_CURVE[code]) ** rng.uniform(0.8, 1.25)  # each practice's own pace
    pca_curve = np.array(FLU_CURVE["VI-01"])  # declines are recorded when invitations go out
    pca_total = rng.binomial(cohort, FLU_PCA_SHARE[code])
    denominator = cohort - pca_total
    numerator = pca = 0
    rows = []
    for month, (share_done, pca_done) in enumerate(zip(curve, pca_curve, strict=True)):
        denominator += rng.poisson(cohort * FLU_JOIN_RATE) if month else 0
        pca = max(pca, round(pca_total * pca_done))
        target = final * share_done * denominator
        remaining = denominator - numerator
        numerator += rng.binomial(
            remaining, np.clip((target - numerator) / max(remaining, 1), 0, 1)
        )
        rows.append(
            dict(
                month=FLU_FIRST_MONTH + month,
                numerator=numerator,
                denominator=denominator,
                pca_count=pca,
            )
        )
    return rows


# ---------------------------------------------------------------------------------------------
# Building the outputs
# ---------------------------------------------------------------------------------------------


def simulate_patient_indicators(practices: pd.DataFrame) -> dict:
    """(year label, indicator) -> {practice index: patient table} for CAN-04 and the LD checks."""
    sims = {}
    for label, (_, _, indicators) in YEARS.items():
        for code in indicators:
            if code == "CAN-04":
                sims[(label, code)] = {
                    p.Index: simulate_can04(p, label) for p in practices.itertuples()
                }
            elif code in LD_INDICATORS:
                sims[(label, code)] = {
                    p.Index: simulate_ld(p, label) for p in practices.itertuples()
                }
    return sims


def has_period(practice, label: str, month: int, period: dt.date) -> bool:
    if practice.role == "new" and (label != CURRENT_YEAR or month < practice.first_month):
        return False
    return not (practice.role == "missed_month" and period == MISSED_PERIOD)


def count_rows(practices: pd.DataFrame, sims: dict) -> pd.DataFrame:
    """Long table of counts: one row per practice x indicator x period end (with PCA reasons)."""
    rows = []
    for label, (first_end, months, indicators) in YEARS.items():
        periods = month_ends(first_end, 12)
        flu = flu_levels(practices) if any(c.startswith("VI") for c in indicators) else None
        for p in practices.itertuples():
            for code in indicators:
                if code.startswith("VI"):
                    series = simulate_flu(p, code, flu.loc[p.Index, code])
                else:
                    people = sims[(label, code)][p.Index]
                    series = [
                        dict(month=m, **counts_from_state(state_at(people, m)))
                        for m in range(months)
                    ]
                for c in series:
                    period = periods[c["month"]]
                    if c["month"] < months and has_period(p, label, c["month"], period):
                        where = {"year": label, "practice_code": p.practice_code}
                        about = {"list_size": p.list_size, "share_u14": p.share_u14}
                        rows.append(
                            where | {"indicator_code": code, "period_end": period} | c | about
                        )
    return pd.DataFrame(rows)


def tidy_extract(counts: pd.DataFrame, label: str) -> pd.DataFrame:
    out = counts[counts["year"] == label][EXTRACT_COLUMNS].copy()
    out["period_end"] = out["period_end"].map(dt.date.isoformat)
    return out.sort_values(["practice_code", "indicator_code", "period_end"]).reset_index(drop=True)


def last_activity_dates(state: pd.DataFrame, month: int, code: str) -> pd.Series:
    """The date of the last thing that happened: referral, check, decline or a routine contact."""
    event = np.where(
        state["achieved"],
        state["achieved_month"],
        np.where(state["pca"], state["pca_month"], state["join_month"]),
    )
    if code in LD_INDICATORS:  # an outstanding patient's last contact: any month since joining
        outstanding = ~state["achieved"] & ~state["pca"]
        event = np.where(
            outstanding, event + np.floor(state["event_day"] * (month + 1 - event)), event
        )
    first_end = YEARS[CURRENT_YEAR][0]
    starts = pd.to_datetime([month_start(first_end, int(m)) for m in event])
    days = np.array([calendar.monthrange(d.year, d.month)[1] for d in starts])
    dates = starts + pd.to_timedelta(np.floor(state["event_day"].to_numpy() * days), unit="D")
    return dates.strftime("%Y-%m-%d")


def patient_rows(practices: pd.DataFrame, sims: dict) -> pd.DataFrame:
    """Section 8 rows for the latest period of the current year, one per patient and indicator."""
    first_end, _, indicators = YEARS[CURRENT_YEAR]
    month = month_ends(first_end, 12).index(PATIENT_PERIOD)
    frames = []
    for p in practices.itertuples():
        for code in indicators:
            state = state_at(sims[(CURRENT_YEAR, code)][p.Index], month)
            frame = state[["age", "sex", "ethnicity", "imd_decile"]].copy()
            frame["practice_code"], frame["indicator_code"] = p.practice_code, code
            frame["achieved"] = np.where(state["achieved"], "Y", "N")
            frame["pca"] = np.where(state["pca"], "Y", "N")
            frame["period_end"] = PATIENT_PERIOD.isoformat()
            frame["last_activity_date"] = last_activity_dates(state, month, code)
            frames.append(frame)
    out = pd.concat(frames, ignore_index=True)
    out["patient_id"] = [f"DEMO-{i:07d}" for i in range(1, len(out) + 1)]
    return out[PATIENT_COLUMNS]


def gpes_rows(
    counts: pd.DataFrame, practices: pd.DataFrame, field_names: pd.DataFrame
) -> pd.DataFrame:
    """The current year in NHS Digital's GPES long format, fields named as in the CQRS mapping."""
    names = practices.set_index("practice_code")["practice_name"]
    current = counts[counts["year"] == CURRENT_YEAR].sort_values(
        ["practice_code", "period_end", "indicator_code"]
    )
    rows = []
    for c in current.itertuples():
        ind = c.indicator_code.replace("-", "")
        eligible = c.denominator + c.pca_count  # every patient the exclusion rules left in
        under_14 = round(c.list_size * c.share_u14)
        values = {
            "Numerator": c.numerator,
            "Denominator": c.denominator,
            "GICANREF": c.list_size - eligible,  # registered patients with no lower-GI referral
            "PAT_AGEU14": under_14,
            "LD_DAT": c.list_size - under_14 - eligible,  # aged 14+ and not on the LD register
        }
        values |= {reason: c.pca_by_reason.get(reason, 0) for reason, _ in PCA_REASONS}
        head = [
            "NCD",
            names[c.practice_code],
            c.practice_code,
            c.period_end.strftime("%Y%m%d"),
            ind,
        ]
        for f in field_names[field_names["IND_CODE"] == ind].itertuples():
            rows.append([*head, f.FIELD_NAME, int(values[f.SHORT_NAME])])
    return pd.DataFrame(rows, columns=GPES_COLUMNS)


def wide_table(extract: pd.DataFrame, practices: pd.DataFrame) -> pd.DataFrame:
    wide = extract.pivot_table(
        index=["practice_code", "period_end"],
        columns="indicator_code",
        values=["numerator", "denominator", "pca_count"],
        aggfunc="first",
    )
    out = pd.DataFrame(index=wide.index)
    for code in WIDE_INDICATORS:
        short = code.replace("-", "")
        for value, label in WIDE_FIELDS:
            out[f"{short} {label}"] = wide[(value, code)].astype(int)
    out = out.reset_index()
    out.insert(
        1,
        "Practice Name",
        out["practice_code"].map(practices.set_index("practice_code")["practice_name"]),
    )
    return out.rename(columns={"practice_code": "Practice Code", "period_end": "Period End"})


def xlsx_bytes(wide: pd.DataFrame) -> bytes:
    """The wide workbook, with fixed timestamps inside and in the zip so the bytes never change."""
    wb = Workbook()
    ws = wb.active
    ws.title = "IIF extract"
    ws["A1"] = "Network Contract DES - Investment and Impact Fund: practice achievement, 2026/27"
    ws["A1"].font = Font(bold=True, size=12)
    ws["A2"] = f"{ICB_NAME} ({ICB_CODE}) - DEMO DATA: organisations, codes and figures are invented"
    ws.append([])
    ws.append(list(wide.columns))
    for cell in ws[4]:
        cell.font = Font(bold=True)
    for row in wide.itertuples(index=False):
        ws.append([dt.date.fromisoformat(v) if i == 2 else v for i, v in enumerate(row)])
    for (cell,) in ws.iter_rows(min_row=5, min_col=3, max_col=3):
        cell.number_format = "DD/MM/YYYY"
    for column, width in zip("ABCDEFGHI", (14, 34, 12, 16, 18, 10, 16, 18, 10), strict=True):
        ws.column_dimensions[column].width = width
    ws.freeze_panes = "A5"
    notes = wb.create_sheet("Notes")
    for line in (
        "About this extract",
        "Counts are cumulative from 1 April 2026 to each period end, after personalised care",
        "adjustments (PCAs).",
        "CAN04: patients with a lower-GI urgent suspected cancer referral; numerator: those with",
        "a FIT result in the 21 days before the referral.",
        "HI03: LD register aged 14+; numerator: annual health check, health action plan and",
        "ethnicity recorded.",
        "PCA: patients removed from the denominator (FIT declined or not indicated; health check",
        "or action plan declined).",
        "One practice sent no data for 31/08/2026; the newest practice has data from 31/05/2026.",
        "Demo data made by sample_data/generate.py: every organisation, name, code and figure is",
        "invented.",
    ):
        notes.append([line])
    notes["A1"].font = Font(bold=True)
    notes.column_dimensions["A"].width = 110
    wb.properties.creator = "IIF monitor demo data"
    wb.properties.created = EXPORT_DATE
    buffer = io.BytesIO()
    wb.save(buffer)
    return normalise_zip(buffer.getvalue())


def normalise_zip(data: bytes) -> bytes:
    """openpyxl stamps the save time into docProps/core.xml and the zip entries; fix both."""
    stamp = EXPORT_DATE.strftime("%Y-%m-%dT%H:%M:%SZ")
    out = io.BytesIO()
    with (
        zipfile.ZipFile(io.BytesIO(data)) as src,
        zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst,
    ):
        for item in src.infolist():
            content = src.read(item.filename)
            if item.filename == "docProps/core.xml":
                content = re.sub(
                    rb"(<dcterms:modified[^>]*>)[^<]*", rb"\g<1>" + stamp.encode(), content
                )
            info = zipfile.ZipInfo(item.filename, date_time=EXPORT_DATE.timetuple()[:6])
            info.compress_type = zipfile.ZIP_DEFLATED
            dst.writestr(info, content)
    return out.getvalue()


def write_csv(df: pd.DataFrame, path: Path) -> None:
    df.to_csv(path, index=False, lineterminator="\n")


def generate(out_dir: Path) -> None:
    sources = read_sources()
    practices = build_practices(sources)
    sims = simulate_patient_indicators(practices)
    counts = count_rows(practices, sims)
    write_csv(orgs_table(practices), out_dir / "orgs.csv")
    for label in YEARS:
        write_csv(tidy_extract(counts, label), out_dir / f"extract_{label}.csv")
    write_csv(patient_rows(practices, sims), out_dir / f"patients_{PATIENT_PERIOD.isoformat()}.csv")
    write_csv(
        gpes_rows(counts, practices, sources["field_names"]), out_dir / f"gpes_{CURRENT_YEAR}.csv"
    )
    wide = wide_table(tidy_extract(counts, CURRENT_YEAR), practices)
    (out_dir / f"extract_{CURRENT_YEAR}.xlsx").write_bytes(xlsx_bytes(wide))


# ---------------------------------------------------------------------------------------------
# Self-check: re-read the files and assert the invariants the app and its tests rely on
# ---------------------------------------------------------------------------------------------


def check(out_dir: Path) -> None:
    sources = read_sources()
    orgs = pd.read_csv(out_dir / "orgs.csv", dtype=str, keep_default_na=False)
    check_orgs(orgs, sources["real_codes"])
    extracts = {}
    for label, (first_end, months, indicators) in YEARS.items():
        extracts[label] = pd.read_csv(
            out_dir / f"extract_{label}.csv", dtype={"practice_code": str}
        )
        check_extract(extracts[label], orgs, label, month_ends(first_end, months), indicators)
    check_gaps(extracts, orgs)
    current = extracts[CURRENT_YEAR]
    check_patients(
        pd.read_csv(out_dir / f"patients_{PATIENT_PERIOD.isoformat()}.csv", dtype=str), current
    )
    check_gpes(
        pd.read_csv(out_dir / f"gpes_{CURRENT_YEAR}.csv", dtype=str),
        current,
        orgs,
        sources["field_names"],
    )
    check_xlsx(out_dir / f"extract_{CURRENT_YEAR}.xlsx", current)
    check_reproducible(out_dir)
    print("check passed: all invariants hold and a fresh run gives byte-identical files")


def check_orgs(orgs: pd.DataFrame, real: set[str]) -> None:
    assert list(orgs.columns) == ORGS_COLUMNS, "orgs.csv columns"
    members = orgs[orgs["pcn_code"] != ""]
    patterns = {
        "practice_code": r"[A-Z]\d{5}",
        "place_code": r"\d{2}[A-Z]",
        "icb_code": r"Q[A-Z0-9]{2}",
    }
    for column, pattern in patterns.items():
        assert orgs[column].str.fullmatch(pattern).all(), f"bad {column}"
    assert members["pcn_code"].str.fullmatch(r"U\d{5}").all(), "bad pcn_code"
    for column in ("practice_code", "pcn_code", "place_code", "icb_code"):
        clash = set(orgs[column]) & real
        assert not clash, f"{column} collides with real ODS codes: {clash}"
    assert orgs["practice_code"].is_unique and orgs["practice_name"].is_unique
    assert orgs["icb_code"].nunique() == 1 and orgs["place_code"].nunique() == 3
    assert 15 <= members["pcn_code"].nunique() <= 20 and 80 <= len(orgs) <= 100
    assert (orgs["pcn_code"] == "").sum() == 1 and (
        orgs.loc[orgs["pcn_code"] == "", "pcn_name"] == ""
    ).all()
    assert (orgs["list_size"].astype(int) > 0).all()
    assert members.groupby("pcn_code")["pcn_name"].nunique().eq(1).all()
    places = members.groupby("pcn_code")["place_code"].nunique()
    assert (places == 2).sum() == 1 and places.max() == 2, "exactly one PCN spans two places"
    spanning = members[members["pcn_code"] == places.idxmax()].assign(
        list_size=lambda d: d["list_size"].astype(int)
    )
    share = spanning.groupby("place_code")["list_size"].sum()
    assert share.max() > share.min() * 1.5, "the spanning PCN's main place is clear by list share"
    assert (members["list_size"].astype(int) < SMALL_LIST_RANGE[1]).sum() == 1, "one small practice"


def check_extract(ex: pd.DataFrame, orgs, label: str, periods: list[dt.date], indicators) -> None:
    assert list(ex.columns) == EXTRACT_COLUMNS, f"extract_{label} columns"
    assert set(ex["practice_code"]) <= set(orgs["practice_code"]), "unknown practice"
    assert set(ex["indicator_code"]) == set(indicators), f"indicators of {label}"
    expected = {d.isoformat() for d in periods}
    for code, rows in ex.groupby("indicator_code"):
        flu = {d.isoformat() for d in periods[FLU_FIRST_MONTH:]}
        assert set(rows["period_end"]) == (flu if code.startswith("VI") else expected), (
            f"{label} {code} periods"
        )
    for column in ("numerator", "denominator", "pca_count"):
        assert pd.api.types.is_integer_dtype(ex[column]) and (ex[column] >= 0).all(), (
            f"{column} whole, >= 0"
        )
    assert (ex["numerator"] <= ex["denominator"]).all(), "numerator <= denominator"
    assert not ex.duplicated(["practice_code", "indicator_code", "period_end"]).any()
    ordered = ex.sort_values(["practice_code", "indicator_code", "period_end"])
    steps = (
        ordered.groupby(["practice_code", "indicator_code"])[["numerator", "denominator"]]
        .diff()
        .dropna()
    )
    assert (steps["numerator"] >= 0).all(), f"{label}: cumulative numerators never fall"
    ld = ordered.loc[steps.index, "indicator_code"].isin(LD_INDICATORS)
    assert (steps.loc[~ld, "denominator"] >= 0).all(), f"{label}: denominators never fall"
    assert (steps.loc[ld, "denominator"] >= -LD_DENOMINATOR_DIP).all(), (
        f"{label}: LD register dips are tiny"
    )
    pca_share = ex["pca_count"].sum() / ex["denominator"].sum()
    assert 0.01 < pca_share < 0.08, f"{label}: PCA counts a few % of the denominator"


def check_gaps(extracts: dict, orgs: pd.DataFrame) -> None:
    current = extracts[CURRENT_YEAR]
    new = orgs.loc[orgs["pcn_code"] == "", "practice_code"].item()
    assert all(new not in extracts[y]["practice_code"].values for y in YEARS if y != CURRENT_YEAR)
    members = current[current["practice_code"] != new]
    per_practice = members.groupby("practice_code")["period_end"].nunique()
    full = per_practice.max()
    assert (per_practice < full).sum() == 1, "exactly one member practice missed a month"
    missing = members[members["practice_code"] == per_practice.idxmin()]
    assert MISSED_PERIOD.isoformat() not in set(missing["period_end"])


def check_patients(pt: pd.DataFrame, current: pd.DataFrame) -> None:
    assert list(pt.columns) == PATIENT_COLUMNS, "patients columns"
    assert pt["patient_id"].str.fullmatch(r"DEMO-\d{7}").all() and pt["patient_id"].is_unique
    assert pt["achieved"].isin(["Y", "N"]).all() and pt["pca"].isin(["Y", "N"]).all()
    assert (pt["period_end"] == PATIENT_PERIOD.isoformat()).all()
    assert pt["sex"].isin(["M", "F", "U"]).all() and pt["ethnicity"].isin(ETHNIC_GROUPS).all()
    assert pt["imd_decile"].astype(int).between(1, 10).all()
    dates = pd.to_datetime(pt["last_activity_date"], format="%Y-%m-%d")
    assert dates.between(
        pd.Timestamp(YEARS[CURRENT_YEAR][0].replace(day=1)), pd.Timestamp(PATIENT_PERIOD)
    ).all()
    age = pt["age"].astype(int)
    assert (age[pt["indicator_code"] == "HI-03"] >= 14).all() and (
        age[pt["indicator_code"] == "CAN-04"] >= 18
    ).all()
    ld_achieved = pt[(pt["indicator_code"] == "HI-03") & (pt["achieved"] == "Y")]
    assert (ld_achieved["ethnicity"] != "Not stated").all(), "HI-03 needs a recorded ethnicity"
    y_ach, y_pca = pt["achieved"] == "Y", pt["pca"] == "Y"
    counted = pt.assign(numerator=y_ach, denominator=y_ach | ~y_pca, pca_count=~y_ach & y_pca)
    counted = counted.groupby(["practice_code", "indicator_code"])[
        ["numerator", "denominator", "pca_count"]
    ].sum()
    latest = current[current["period_end"] == PATIENT_PERIOD.isoformat()].set_index(
        ["practice_code", "indicator_code"]
    )
    latest = latest[["numerator", "denominator", "pca_count"]]
    assert counted.sort_index().astype(int).equals(latest.sort_index().astype(int)), (
        "patients reproduce counts"
    )


def check_gpes(gpes: pd.DataFrame, current: pd.DataFrame, orgs: pd.DataFrame, field_names) -> None:
    assert list(gpes.columns) == GPES_COLUMNS, "gpes columns"
    assert (gpes["QUALITY_SERVICE"] == "NCD").all() and gpes["ACH_DATE"].str.fullmatch(
        r"\d{8}"
    ).all()
    assert gpes["VALUE"].str.fullmatch(r"\d+").all(), "GPES values are whole numbers >= 0"
    names = orgs.set_index("practice_code")["practice_name"]
    assert (gpes["NAME"] == gpes["ORG_CODE"].map(names)).all(), "NAME is the practice name"
    short = field_names.set_index(["IND_CODE", "FIELD_NAME"])["SHORT_NAME"]
    keys = pd.MultiIndex.from_frame(gpes[["IND_CODE", "FIELD_NAME"]])
    assert keys.isin(short.index).all(), "field names as in the CQRS mapping"
    g = gpes.assign(short=short.reindex(keys).to_numpy(), VALUE=gpes["VALUE"].astype(int))
    g["kind"] = g["short"].where(g["short"].isin(["Numerator", "Denominator"]), "other")
    pca_rules = {r for r, _ in PCA_REASONS}
    g.loc[g["short"].isin(pca_rules), "kind"] = "PCA"
    wide = g.pivot_table(
        index=["ORG_CODE", "ACH_DATE", "IND_CODE"], columns="kind", values="VALUE", aggfunc="sum"
    )
    tidy = current.assign(
        ACH_DATE=current["period_end"].str.replace("-", ""),
        IND_CODE=current["indicator_code"].str.replace("-", ""),
    )
    tidy = tidy.rename(columns={"practice_code": "ORG_CODE"}).set_index(
        ["ORG_CODE", "ACH_DATE", "IND_CODE"]
    )
    wide = wide.reindex(tidy.index)
    assert wide.notna().all().all(), "every tidy row is in the GPES file and vice versa"
    assert len(wide) == len(g.groupby(["ORG_CODE", "ACH_DATE", "IND_CODE"]))
    for mine, theirs in WIDE_FIELDS:
        assert (tidy[mine] == wide[theirs]).all(), f"GPES {theirs} agrees with the tidy extract"
    assert (wide["other"] > 0).all(), "exclusion rows present"
    list_size = orgs.set_index("practice_code")["list_size"].astype(int)
    everyone = wide["other"] + wide["Denominator"] + wide["PCA"]
    partition = everyone.to_numpy() == list_size.reindex(wide.index.get_level_values(0)).to_numpy()
    assert partition.all(), "exclusions + denominator + PCA = list size (rules partition the list)"


def check_xlsx(path: Path, current: pd.DataFrame) -> None:
    wb = load_workbook(path, read_only=True)
    assert wb.sheetnames == ["IIF extract", "Notes"]
    rows = list(wb["IIF extract"].iter_rows(values_only=True))
    header = rows.index(next(r for r in rows if r and r[0] == "Practice Code"))
    assert header > 0, "a title above the table"
    wide = pd.DataFrame(rows[header + 1 :], columns=rows[header])
    wide["Period End"] = pd.to_datetime(wide["Period End"]).dt.strftime("%Y-%m-%d")
    for code in WIDE_INDICATORS:
        short = code.replace("-", "")
        names = {"Practice Code": "practice_code", "Period End": "period_end"}
        names |= {f"{short} {label}": value for value, label in WIDE_FIELDS}
        part = wide.rename(columns=names)
        part = (
            part[EXTRACT_COLUMNS[:1] + EXTRACT_COLUMNS[2:]]
            .set_index(["practice_code", "period_end"])
            .sort_index()
        )
        tidy = current[current["indicator_code"] == code].set_index(["practice_code", "period_end"])
        tidy = tidy[EXTRACT_COLUMNS[3:]].sort_index()
        assert part.astype(int).equals(tidy.astype(int)), (
            f"workbook agrees with the tidy extract for {code}"
        )


def check_reproducible(out_dir: Path) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        generate(Path(tmp))
        for name in OUTPUT_FILES:
            assert filecmp.cmp(out_dir / name, Path(tmp) / name, shallow=False), (
                f"{name} is not reproducible"
            )


# ---------------------------------------------------------------------------------------------


def summary(out_dir: Path) -> None:
    """Per-PCN achievement: the current year by month, and each year's last period with its RAG."""
    orgs = pd.read_csv(out_dir / "orgs.csv", dtype=str, keep_default_na=False)
    orgs = orgs[orgs["pcn_code"] != ""]
    finals = []
    for label in YEARS:
        ex = pd.read_csv(out_dir / f"extract_{label}.csv", dtype={"practice_code": str})
        pcn = ex.merge(orgs, on="practice_code").groupby(
            ["pcn_name", "indicator_code", "period_end"]
        )
        pct = pcn[["numerator", "denominator"]].sum().eval("100 * numerator / denominator").round(1)
        pct = pct.unstack("period_end")
        if label == CURRENT_YEAR:
            print(f"== {label}: PCN achievement (%) by period end ==")
            print(pct.rename(columns=lambda d: d[:7]).to_string())
        last_period = pct.columns[-1][:7]
        last = pct.iloc[:, -1].unstack("indicator_code")
        finals.append(last.rename(columns=lambda c, p=last_period: f"{c} {p}"))
    table = pd.concat(finals, axis=1)
    for column in table.columns:
        low, high = REFERENCE_THRESHOLDS[column.split(" ")[0]]
        table[column] = [
            f"{v:5.1f} {'R' if v <= low else 'G' if v >= high else 'A'}" for v in table[column]
        ]
    print("\n== last period of each year: PCN achievement (%) and status against the thresholds ==")
    print(table.to_string())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument(
        "--check", action="store_true", help="re-read the files and assert the invariants"
    )
    parser.add_argument("--summary", action="store_true", help="print PCN achievement by period")
    args = parser.parse_args()
    if args.check:
        check(HERE)
    elif args.summary:
        summary(HERE)
    else:
        generate(HERE)
        print("wrote " + ", ".join(OUTPUT_FILES))


if __name__ == "__main__":
    sys.exit(main())
