"""Two sources compared on the demo: a national extract made from the practices' own by known changes
(a month missing, a denominator that is the whole list, one indicator off at a PCN's practices);
every planted difference is listed, nothing else, with the £ worked out by the reference scorer."""

import csv
import sys
import tomllib
from datetime import date
from decimal import Decimal
from fractions import Fraction
from pathlib import Path

import pandas as pd
import pytest

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "tests"))
sys.path.insert(0, str(ROOT))

import reference_scorer  # noqa: E402

from iif_core import reconcile  # noqa: E402
from iif_core.store import Store  # noqa: E402
from ui.demo import load_demo  # noqa: E402

YEAR = "2026/27"
GPES = ROOT / "sample_data" / "gpes_2026-27.csv"
SCHEME = ROOT / "iif_core" / "schemes" / "2026-27.toml"
MISSING = ("X10010", "20260930")  # Elverby Hill's September: not in the national extract
WHOLE_LIST = ("X44647", "HI03", "20261031")  # Hobbleton Hill: denominator = its list size
OFF_PCN = "U22888"  # Hartmouth Central: CAN-04 three patients short at every practice in October
OFF = ("CAN04", "20261031", -3)


def is_numerator(field: str) -> bool:
    return field.startswith("Of the denominator")


def is_denominator(field: str) -> bool:
    return not is_numerator(field) and " " in field  # the other long name; PCA rules are codes


def plant(store: Store, folder: Path) -> tuple:
    """Store beside the demo's figures a national extract made from them by the known changes;
    the organisations, list sizes and the practices of the PCN whose CAN-04 is off."""
    orgs = store.orgs()
    sizes = dict(zip(orgs["practice_code"], orgs["list_size"].astype(int), strict=True))
    off_practices = set(orgs.loc[orgs["pcn_code"] == OFF_PCN, "practice_code"])
    with open(GPES, newline="", encoding="utf-8") as source:
        reader = csv.DictReader(source)
        header, rows = reader.fieldnames, list(reader)
    kept = []
    for row in rows:
        practice, when, code = row["ORG_CODE"], row["ACH_DATE"], row["IND_CODE"]
        field = row["FIELD_NAME"]
        if (practice, when) == MISSING:
            continue
        if (practice, code, when) == WHOLE_LIST and is_denominator(field):
            row["VALUE"] = str(sizes[practice])
        if practice in off_practices and (code, when) == OFF[:2] and is_numerator(field):
            row["VALUE"] = str(int(row["VALUE"]) + OFF[2])
        kept.append(row)
    national = folder / "gpes-national.csv"
    with open(national, "w", newline="", encoding="utf-8") as out:
        writer = csv.DictWriter(out, fieldnames=header)
        writer.writeheader()
        writer.writerows(kept)
    result = store.ingest(national, who="test")
    assert result.batch_id is not None, result.message
    return orgs, sizes, off_practices


@pytest.fixture(scope="module")
def planted(tmp_path_factory):
    """The demo store with the changed national extract stored beside the practices' figures."""
    folder = tmp_path_factory.mktemp("reconcile")
    store = Store(folder / "iif.duckdb")
    load_demo(store)
    return (store, *plant(store, folder))


def test_every_planted_difference_is_listed_and_nothing_else(planted):
    store, orgs, sizes, off_practices = planted
    cells = store.source_cells(YEAR)
    found = reconcile.differences(cells, store.counts(YEAR), orgs, store.scheme(YEAR))

    expected = {("X10010", code, date(2026, 9, 30)) for code in ("CAN-04", "HI-03")}
    expected.add(("X44647", "HI-03", date(2026, 10, 31)))
    expected |= {(p, "CAN-04", date(2026, 10, 31)) for p in off_practices}
    listed = set(
        zip(found["practice_code"], found["indicator_code"], found["period_end"], strict=True)
    )
    assert listed == expected
    assert len(found) == len(expected)  # each once
    assert len(cells) == 1256  # every figure of the year compared, September's two included

    by_cell = found.set_index(["practice_code", "indicator_code", "period_end"])
    missing = by_cell.loc[("X10010", "HI-03", date(2026, 9, 30))]
    assert (
        missing["cause"]
        == "Missing from the national extract: only the practice's search has September 2026."
    )
    whole = by_cell.loc[("X44647", "HI-03", date(2026, 10, 31))]
    assert whole["national_denominator"] == sizes["X44647"]
    assert whole["cause"].startswith(
        "The national extract's denominator is the practice's whole list (7,414)"
    )
    for practice in off_practices:
        row = by_cell.loc[(practice, "CAN-04", date(2026, 10, 31))]
        assert row["numerator_difference"] == 3  # the practice's search has three more
        assert row["cause"].startswith(
            f"CAN-04 differs in the same direction at {len(off_practices)} practices"
        )


def test_the_pound_each_difference_moves_is_the_reference_scorers(planted):
    store, orgs, _, _ = planted
    scheme_dict = tomllib.loads(SCHEME.read_text(encoding="utf-8"), parse_float=Decimal)
    in_use = store.counts(YEAR)
    cells = store.source_cells(YEAR)
    found = reconcile.differences(cells, in_use, orgs, store.scheme(YEAR))
    org_rows = orgs.to_dict("records")

    for row in found.to_dict("records"):
        members = set(orgs.loc[orgs["pcn_code"] == row["pcn_code"], "practice_code"])
        others = [
            {"practice_code": c.practice_code, "indicator_code": c.indicator_code,
             "period_end": c.period_end.date(), "numerator": int(c.numerator),
             "denominator": int(c.denominator), "pca_count": int(c.pca_count)}
            for c in in_use.itertuples()
            if c.practice_code in members and c.practice_code != row["practice_code"]
            and c.indicator_code == row["indicator_code"] and c.period_end.date() == row["period_end"]
        ]  # fmt: skip
        pounds = {}
        for side in ("national", "practice"):
            extract = list(others)
            if not pd.isna(row[f"{side}_batch"]):  # the source has the month
                extract.append(
                    {"practice_code": row["practice_code"], "indicator_code": row["indicator_code"],
                     "period_end": row["period_end"], "numerator": int(row[f"{side}_numerator"]),
                     "denominator": int(row[f"{side}_denominator"]),
                     "pca_count": int(row[f"{side}_pca_count"])}
                )  # fmt: skip
            scored = reference_scorer.score(
                scheme_dict, org_rows, extract, "pcn", row["period_end"]
            )
            pcn = [r for r in scored if r["org_code"] == row["pcn_code"]
                   and r["indicator_code"] == row["indicator_code"]]  # fmt: skip
            pounds[side] = Fraction(str(pcn[0]["payment_achieved"] or 0)) if pcn else Fraction(0)
        assert row["payment_national"] == pytest.approx(float(pounds["national"]), abs=1e-6)
        assert row["payment_practice"] == pytest.approx(float(pounds["practice"]), abs=1e-6)
        assert row["payment_effect"] == pytest.approx(
            float(pounds["practice"] - pounds["national"]), abs=1e-6
        )
    # the planted changes move money somewhere: a test of £ that is always 0 would prove nothing
    assert found["payment_effect"].abs().max() > 1


def test_one_source_alone_is_nothing_to_compare(tmp_path):
    store = Store(tmp_path / "iif.duckdb")
    load_demo(store)
    cells = store.source_cells(YEAR)
    assert cells.empty
    found = reconcile.differences(cells, store.counts(YEAR), store.orgs(), store.scheme(YEAR))
    assert found.empty
    assert reconcile.summary(found, 0).startswith("Nothing to compare yet")


def test_the_same_figures_from_both_sources_agree(tmp_path):
    store = Store(tmp_path / "iif.duckdb")
    load_demo(store)
    assert store.ingest(GPES, who="test").batch_id is not None
    cells = store.source_cells(YEAR)
    found = reconcile.differences(cells, store.counts(YEAR), store.orgs(), store.scheme(YEAR))
    assert found.empty and len(cells) == 1256
    assert reconcile.summary(found, len(cells)) == (
        "The national extract and the practices' own searches agree on all 1,256 figures they both hold."
    )
