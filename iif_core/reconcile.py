"""Two sources of the same figures compared: each cell where they differ, the £ it moves for the network, and why."""

from __future__ import annotations

import pandas as pd

from iif_core.schemes import Scheme
from iif_core.score import score
from iif_core.words import plural

# An indicator that differs in one month, in the same direction, at this many practices or more,
# while their other indicators agree that month, looks like a code-mapping break (decisions.md D78).
MAPPING_PRACTICES = 3
SIDES = ("national", "practice")
FIGURES = ("numerator", "denominator", "pca_count")
DIFFERENCE_COLUMNS = [
    "practice_code", "practice_name", "pcn_code", "pcn_name", "indicator_code", "period_end",
    "national_numerator", "national_denominator", "national_pca_count",
    "practice_numerator", "practice_denominator", "practice_pca_count",
    "numerator_difference", "denominator_difference", "pca_difference",
    "payment_national", "payment_practice", "payment_effect", "cause",
    "national_batch", "practice_batch",
]  # fmt: skip


def differing(cells: pd.DataFrame) -> pd.DataFrame:
    """The cells of Store.source_cells where the two sources differ: a figure not equal, or a
    month one source has and the other lacks."""
    if cells.empty:
        return cells
    lacking = cells["national_batch"].isna() | cells["practice_batch"].isna()
    unequal = pd.Series(False, index=cells.index)
    for figure in FIGURES:
        unequal |= cells[f"national_{figure}"].ne(cells[f"practice_{figure}"])
    return cells[lacking | unequal].reset_index(drop=True)


def differences(
    cells: pd.DataFrame, counts: pd.DataFrame, orgs: pd.DataFrame, scheme: Scheme
) -> pd.DataFrame:
    """Every cell where the national extract and the practice's own search differ, with the
    figures side by side, practice minus national, the £ the PCN earns for that indicator and
    month with each source's figure (every other figure as in use, `counts`), the difference
    (£ with the practice's figure less £ with the national one) and the likely cause in words."""
    found = differing(cells)
    if found.empty:
        return pd.DataFrame(columns=DIFFERENCE_COLUMNS)
    found = found.copy()
    found["period_end"] = pd.to_datetime(found["period_end"]).dt.date
    members = orgs.set_index("practice_code")
    for column in ("practice_name", "pcn_code", "pcn_name"):
        found[column] = found["practice_code"].map(members[column])
    for figure, name in zip(FIGURES, ("numerator", "denominator", "pca"), strict=True):
        found[f"{name}_difference"] = found[f"practice_{figure}"] - found[f"national_{figure}"]
    payments = [_payments(row, counts, orgs, scheme) for row in found.to_dict("records")]
    found["payment_national"] = [p[0] for p in payments]
    found["payment_practice"] = [p[1] for p in payments]
    found["payment_effect"] = found["payment_practice"] - found["payment_national"]
    found["cause"] = _causes(found, cells, orgs)
    return found[DIFFERENCE_COLUMNS]


def _payments(row: dict, counts: pd.DataFrame, orgs: pd.DataFrame, scheme: Scheme):
    """£ earned by the practice's PCN for the indicator and month with the national figure,
    and with the practice's, every other member's figure as in use. None for a practice in
    no PCN (IIF pays PCNs)."""
    pcn = row["pcn_code"]
    if not isinstance(pcn, str) or not pcn:
        return None, None
    members = orgs[orgs["pcn_code"] == pcn]
    period_end = pd.Timestamp(row["period_end"])
    others = counts[
        counts["practice_code"].isin(members["practice_code"])
        & (counts["practice_code"] != row["practice_code"])
        & (counts["indicator_code"] == row["indicator_code"])
        & (pd.to_datetime(counts["period_end"]) == period_end)
    ][["practice_code", "indicator_code", "period_end", *FIGURES]]
    earned = []
    for side in SIDES:
        extract = others
        if pd.notna(row[f"{side}_batch"]):
            own = {"practice_code": row["practice_code"], "indicator_code": row["indicator_code"],
                   "period_end": period_end}  # fmt: skip
            own |= {figure: int(row[f"{side}_{figure}"]) for figure in FIGURES}
            extract = pd.concat([others, pd.DataFrame([own])], ignore_index=True)
        earned.append(
            _pcn_payment(extract, members, scheme, pcn, row["indicator_code"], period_end)
        )
    return tuple(earned)


def _pcn_payment(extract, members, scheme, pcn, indicator_code, period_end) -> float:
    if extract.empty:
        return 0.0
    extract = extract.assign(period_end=pd.to_datetime(extract["period_end"]).dt.date)
    result = score(scheme, members, extract, level="pcn", period=period_end.date())
    row = result[(result["org_code"] == pcn) & (result["indicator_code"] == indicator_code)]
    value = row["payment_achieved"].iloc[0] if len(row) else None
    return 0.0 if value is None or pd.isna(value) else float(value)


def _causes(found: pd.DataFrame, cells: pd.DataFrame, orgs: pd.DataFrame) -> list[str]:
    """The likely cause of each difference, in words, where the figures can tell."""
    sizes = orgs.set_index("practice_code")["list_size"]
    mapping = _mapping_breaks(found, cells)
    causes = []
    for row in found.to_dict("records"):
        month = f"{row['period_end']:%B %Y}"
        if pd.isna(row["national_batch"]):
            causes.append(
                f"Missing from the national extract: only the practice's search has {month}."
            )
            continue
        if pd.isna(row["practice_batch"]):
            causes.append(
                f"Missing from the practice's search: only the national extract has {month}."
            )
            continue
        size = sizes.get(row["practice_code"])
        size = None if size is None or pd.isna(size) else int(size)
        whole = [
            side for side in SIDES
            if size and int(row[f"{side}_denominator"]) == size
        ]  # fmt: skip
        if size and len(whole) == 1:
            source = "national extract" if whole[0] == "national" else "practice's search"
            causes.append(
                f"The {source}'s denominator is the practice's whole list ({size:,}): it seems to "
                "count every registered patient rather than those eligible."
            )
            continue
        if size and abs(int(row["denominator_difference"])) == size:
            causes.append(
                f"The denominators differ by exactly the practice's list size ({size:,}): one "
                "source seems to count the whole list on top."
            )
            continue
        key = (row["indicator_code"], row["period_end"])
        if key in mapping:
            causes.append(
                f"{row['indicator_code']} differs in the same direction at {mapping[key]} "
                f"practices in {month} while their other indicators agree: likely a change in "
                f"one clinical system's codes for {row['indicator_code']} (a code-mapping break)."
            )
            continue
        causes.append(
            "The figures differ; no single cause stands out (check the search's dates and codes)."
        )
    return causes


def _mapping_breaks(found: pd.DataFrame, cells: pd.DataFrame) -> dict[tuple, int]:
    """(indicator, month) → how many practices differ, where at least MAPPING_PRACTICES differ
    in the same direction and none of them differs on another indicator that month."""
    both = found[found["national_batch"].notna() & found["practice_batch"].notna()]
    if both.empty:
        return {}
    month = pd.to_datetime(both["period_end"])
    direction = (both["numerator_difference"] + both["denominator_difference"]).apply(
        lambda d: (d > 0) - (d < 0)
    )
    breaks = {}
    frame = both.assign(month=month, direction=direction)
    for (indicator, when), group in frame.groupby(["indicator_code", "month"]):
        if len(group) < MAPPING_PRACTICES or group["direction"].nunique() != 1:
            continue
        elsewhere = frame[
            (frame["month"] == when)
            & (frame["indicator_code"] != indicator)
            & frame["practice_code"].isin(group["practice_code"])
        ]
        if elsewhere.empty:
            breaks[(indicator, when.date())] = len(group)
    return breaks


def summary(found: pd.DataFrame, compared: int) -> str:
    """One sentence: how many figures differ of those both sources hold, and the £ moved."""
    if compared == 0:
        return (
            "Nothing to compare yet: upload NHS Digital's GPES/CQRS extract beside the practices' "
            "own searches (or the other way round) and every figure they both hold is compared here."
        )
    if found.empty:
        return f"The national extract and the practices' own searches agree on all {compared:,} figures they both hold."
    practices = found["practice_code"].nunique()
    largest = found["payment_effect"].abs().max()
    return (
        f"The national extract and the practices' own searches differ on {plural(len(found), 'figure')} "
        f"(of {compared:,} compared) at {plural(practices, 'practice')}; the largest difference "
        f"moves £{0 if pd.isna(largest) else largest:,.2f} at network level. The national extract's "
        "figures are the ones in use: NHS England pays on them."
    )
