"""A straightforward pandas implementation of iif-rules.md: the baseline the core is timed against."""

from __future__ import annotations

import argparse
import sys
import tomllib
from decimal import Decimal

import numpy as np
import pandas as pd

COLUMNS = [
    "level", "org_code", "org_name", "indicator_code", "period_end", "practices_with_data",
    "member_practices", "numerator", "denominator", "pca_count", "achievement", "lower_threshold",
    "upper_threshold", "status", "points_available", "points_achieved", "list_size",
    "list_size_adjustment", "prevalence_adjustment", "payment_available", "payment_achieved",
    "payment_outstanding", "patients_to_lower", "patients_to_upper", "value_per_patient",
]  # fmt: skip
COUNT_COLUMNS = ["practices_with_data", "member_practices", "numerator", "denominator", "pca_count"]
SCALE = {"percent": 100, "per_1000": 1000, "rate": 1}  # iif-rules section 2
KEY = ["indicator_code", "period_end"]


def read_scheme(path: str) -> tuple[pd.DataFrame, float, float | None]:
    """One row per indicator; thresholds also as exact integer ratios for the boundary arithmetic."""
    with open(path, "rb") as f:
        scheme = tomllib.load(f, parse_float=Decimal)
    rows = []
    for code, ind in scheme["indicators"].items():
        lt, ut = Decimal(ind["lower_threshold"]), Decimal(ind["upper_threshold"])
        prevalence = ind.get("national_prevalence") if ind.get("prevalence_adjusted") else None
        rows.append(
            {
                "indicator_code": code,
                "higher": ind["direction"] == "higher",
                "scale": SCALE[ind["unit"]],
                "lower_threshold": float(lt),
                "upper_threshold": float(ut),
                "lt_p": lt.as_integer_ratio()[0],
                "lt_q": lt.as_integer_ratio()[1],
                "ut_p": ut.as_integer_ratio()[0],
                "ut_q": ut.as_integer_ratio()[1],
                "points": float(ind["points"]),
                "adjusted": prevalence is not None,
                "national_prevalence": float(prevalence) if prevalence is not None else np.nan,
            }
        )
    average = scheme.get("national_average_list_size")
    return (
        pd.DataFrame(rows),
        float(scheme["value_per_point"]),
        float(average) if average is not None else None,
    )


def fail(message: str) -> None:
    print(message, file=sys.stderr)
    sys.exit(2)


def read_orgs(path: str) -> pd.DataFrame:
    orgs = pd.read_csv(path, dtype=str, keep_default_na=False)
    orgs["list_size"] = pd.to_numeric(orgs["list_size"], errors="coerce").fillna(0).astype("int64")
    orgs["pcn_code"] = orgs["pcn_code"].replace("", pd.NA)
    return orgs


def read_extracts(paths: list[str], indicators: pd.DataFrame, orgs: pd.DataFrame) -> pd.DataFrame:
    frames = []
    for path in paths:
        frame = pd.read_csv(path, dtype={"practice_code": str, "indicator_code": str})
        if "pca_count" not in frame:
            frame["pca_count"] = 0
        frame["file"] = path
        frame["row"] = np.arange(2, len(frame) + 2)  # spreadsheet rows: the header is row 1
        frames.append(frame)
    extract = pd.concat(frames, ignore_index=True)
    canonical = {c.replace("-", ""): c for c in indicators["indicator_code"]}
    extract["indicator_code"] = (
        extract["indicator_code"].str.upper().str.replace("-", "", regex=False).map(canonical)
    )
    periods = extract["period_end"].astype(str).str[:10]
    extract["period_end"] = periods.map(
        {p: pd.Timestamp(p).date().isoformat() for p in periods.unique()}
    )
    counts = extract[["numerator", "denominator", "pca_count"]].apply(
        pd.to_numeric, errors="coerce"
    )
    percent = extract["indicator_code"].map(indicators.set_index("indicator_code")["scale"]) == 100
    bad = (
        extract["indicator_code"].isna()
        | ~extract["practice_code"].isin(orgs["practice_code"].unique())
        | counts.isna().any(axis=1)
        | (counts < 0).any(axis=1)
        | (counts % 1 != 0).any(axis=1)
        | (percent & (counts["numerator"] > counts["denominator"]))
    )
    if bad.any():
        first = extract[bad].iloc[0]
        fail(f"{first['file']}, row {first['row']}: bad count, practice or indicator")
    extract[["numerator", "denominator", "pca_count"]] = counts.astype("int64")
    return extract.drop(columns=["file", "row"])


def ceil_div(a: pd.Series, b: pd.Series) -> pd.Series:
    return -((-a) // b)


def score_counts(df: pd.DataFrame, indicators: pd.DataFrame, gaps: bool = True) -> pd.DataFrame:
    """Achievement, status and (if `gaps`) the exact patients to each threshold."""
    df = df.merge(indicators, on="indicator_code", how="left")
    n, d = df["numerator"].astype("float64"), df["denominator"].astype("float64")
    has = d > 0
    df["achievement"] = (df["scale"] * n / d).where(has)
    # Exact comparisons with the thresholds: scale × N × q against p × D, in integers
    sn = df["scale"] * df["numerator"].fillna(0).astype("int64")
    den = df["denominator"].fillna(0).astype("int64")
    at_or_past_ut = np.where(
        df["higher"], sn * df["ut_q"] >= df["ut_p"] * den, sn * df["ut_q"] <= df["ut_p"] * den
    )
    at_or_before_lt = np.where(
        df["higher"], sn * df["lt_q"] <= df["lt_p"] * den, sn * df["lt_q"] >= df["lt_p"] * den
    )
    span = df["upper_threshold"] - df["lower_threshold"]
    fraction = ((df["achievement"] - df["lower_threshold"]) / span).clip(0, 1)
    fraction = fraction.mask(at_or_past_ut, 1.0).mask(at_or_before_lt, 0.0).where(has)
    df["fraction"] = fraction
    df["status"] = np.select(
        [~has, fraction == 1, fraction == 0], ["no_data", "green", "red"], default="amber"
    )
    if not gaps:
        return df
    for side, p, q in (("lower", "lt_p", "lt_q"), ("upper", "ut_p", "ut_q")):
        gap = ceil_div(df[p] * den - df[q] * sn, df[q] * df["scale"])
        gap = gap.where(df["higher"], ceil_div(df[q] * sn - df[p] * den, df[q] * df["scale"]))
        df[f"patients_to_{side}"] = gap.clip(lower=0).astype("Int64").where(has)
    return df


def largest_share(members: pd.DataFrame, column: str) -> pd.Series:
    """iif-rules section 7: the place or ICB holding most of a PCN's list; ties: the lowest code."""
    share = members.groupby(["pcn_code", column], as_index=False)["list_size"].sum()
    share = share.sort_values(["pcn_code", "list_size", column], ascending=[True, False, True])
    return share.drop_duplicates("pcn_code").set_index("pcn_code")[column]


def score(indicators, value_per_point, average, orgs, extract) -> pd.DataFrame:
    periods = pd.DataFrame({"period_end": sorted(extract["period_end"].unique())})
    grid_keys = indicators[["indicator_code"]].merge(periods, how="cross")
    with_data = orgs["practice_code"].isin(extract["practice_code"].unique())
    scored_pcns = orgs.loc[with_data, "pcn_code"].dropna().unique()
    members = orgs[orgs["pcn_code"].isin(scored_pcns)]
    practices = pd.concat([members, orgs[with_data & orgs["pcn_code"].isna()]])

    # practice level: every scored practice x indicator x period, with its counts if it sent any
    grid = practices[["practice_code", "practice_name", "pcn_code", "list_size"]].merge(
        grid_keys, how="cross"
    )
    grid = grid.merge(
        extract[["practice_code", *KEY, "numerator", "denominator", "pca_count"]],
        on=["practice_code", *KEY],
        how="left",
    )
    grid["practices_with_data"] = grid["numerator"].notna().astype("int64")
    grid["member_practices"] = 1
    practice_rows = score_counts(grid, indicators).rename(
        columns={"practice_code": "org_code", "practice_name": "org_name"}
    )
    practice_rows["level"] = "practice"

    # PCN level: pooled counts, then points and payments
    by_pcn = grid[grid["pcn_code"].notna()].groupby(["pcn_code", *KEY])
    pcn = by_pcn[["practices_with_data", "member_practices", "list_size"]].sum()
    pcn = pcn.join(by_pcn[["numerator", "denominator", "pca_count"]].sum(min_count=1))
    pcn = pcn.reset_index()
    pcn = score_counts(pcn, indicators)
    pcn["points_available"] = pcn["points"]
    pcn["points_achieved"] = pcn["points"] * pcn["fraction"].fillna(0)
    pcn["list_size_adjustment"] = pcn["list_size"] / average if average else 1.0
    prevalence = (pcn["denominator"] + pcn["pca_count"]) / pcn["list_size"].replace(0, np.nan)
    pcn["prevalence_adjustment"] = (prevalence / pcn["national_prevalence"]).where(
        pcn["adjusted"], 1.0
    )
    money = value_per_point * pcn["list_size_adjustment"] * pcn["prevalence_adjustment"]
    pcn["payment_available"] = pcn["points"] * money
    pcn["payment_achieved"] = pcn["points_achieved"] * money
    pcn["payment_outstanding"] = pcn["payment_available"] - pcn["payment_achieved"]
    names = orgs.drop_duplicates("pcn_code").set_index("pcn_code")["pcn_name"]
    pcn_rows = pcn.assign(
        level="pcn", org_code=pcn["pcn_code"], org_name=pcn["pcn_code"].map(names)
    )

    # place and ICB: counts pooled, points, payments and patients summed over their PCNs
    area_rows = []
    summed = [
        *COUNT_COLUMNS, "list_size", "points_available", "points_achieved", "payment_available",
        "payment_achieved", "payment_outstanding", "patients_to_lower", "patients_to_upper",
    ]  # fmt: skip
    for level, column in (("place", "place"), ("icb", "icb")):
        owner = largest_share(members, f"{column}_code")
        area = (
            pcn[["pcn_code", *KEY, *summed]]
            .assign(org_code=pcn["pcn_code"].map(owner))
            .groupby(["org_code", *KEY], as_index=False)[summed]
            .sum(min_count=1)
        )
        area = score_counts(area, indicators, gaps=False)  # patients to: the PCNs' sums
        area_names = orgs.drop_duplicates(f"{column}_code").set_index(f"{column}_code")
        area["org_name"] = area["org_code"].map(area_names[f"{column}_name"])
        area["level"] = level
        area_rows.append(area)

    result = pd.concat([practice_rows, pcn_rows, *area_rows], ignore_index=True)
    outstanding = result["payment_outstanding"]
    to_upper = result["patients_to_upper"].astype("float64")
    result["value_per_patient"] = (outstanding / to_upper).where(to_upper > 0)
    for column in [*COUNT_COLUMNS, "list_size", "patients_to_lower", "patients_to_upper"]:
        result[column] = result[column].astype("Int64")
    return result.reindex(columns=COLUMNS)


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--scheme", required=True)
    parser.add_argument("--orgs", required=True)
    parser.add_argument("--extract", required=True, action="append")
    parser.add_argument("--out", required=True)
    args = parser.parse_args(argv)
    indicators, value_per_point, average = read_scheme(args.scheme)
    orgs = read_orgs(args.orgs)
    extract = read_extracts(args.extract, indicators, orgs)
    result = score(indicators, value_per_point, average, orgs, extract)
    result.to_csv(args.out, index=False)


if __name__ == "__main__":
    main()
