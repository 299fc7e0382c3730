"""The Inequalities page through AppTest on the demo: the gap and the Core20 share worked out
afresh from the patient-list files, small groups hidden in every table, the gap by month once
a second month's lists are stored, and its charts' marks named."""

import csv
import math
import sys
from datetime import date
from pathlib import Path

import pandas as pd
import pytest
from scipy.stats import norm

sys.path.insert(0, str(Path(__file__).resolve().parent))

from test_pages import OCTOBER_LISTS, no_exception, open_app, texts  # noqa: E402

from iif_core.store import Store  # noqa: E402
from ui import charts  # noqa: E402

SORRELBY = "U68825"  # sample_data/orgs.csv: Sorrelby PCN, both fifths large enough in the demo
BRACKENFORD_TOWN = "U54335"  # its HI-03 most deprived fifth is under 10 patients
PRACTICE = "X65163"  # Tillingmere Family Practice, in Sorrelby PCN
NOVEMBER = "2026-11-30"
TABLE_COLUMNS = {"group", "patients_shown", "achieved", "outstanding", "achievement"}


def demo_rows(practices: set[str], indicator: str) -> list[dict]:
    with open(OCTOBER_LISTS, newline="", encoding="utf-8") as handle:
        return [r for r in csv.DictReader(handle)
                if r["practice_code"] in practices and r["indicator_code"] == indicator]  # fmt: skip


def members(path: Path, pcn: str) -> set[str]:
    orgs = Store(path).orgs()
    return set(orgs.loc[orgs["pcn_code"] == pcn, "practice_code"])


def fifths(rows: list[dict]) -> dict[int, tuple[int, int]]:
    """(achieved, eligible) of the most (1) and least (5) deprived fifths, counted by hand:
    eligible = achieved, or not achieved without a PCA; deciles 1-2 are quintile 1."""
    found = {1: [0, 0], 5: [0, 0]}
    for row in rows:
        quintile = math.ceil(int(row["imd_decile"]) / 2)
        if quintile in found and (row["achieved"] == "Y" or row["pca"] == "N"):
            found[quintile][0] += row["achieved"] == "Y"
            found[quintile][1] += 1
    return {q: (a, n) for q, (a, n) in found.items()}


def gap_points(rows: list[dict]) -> float:
    counts = fifths(rows)
    return 100 * (counts[1][0] / counts[1][1] - counts[5][0] / counts[5][1])


def open_at(path_pcn: str, indicator: str, level: str = "pcn", code: str | None = None):
    at = open_app("inequalities", level)
    at.selectbox(key=f"org_{level}").set_value(code or path_pcn).run()
    at.segmented_control(key="indicator").set_value(indicator).run()
    no_exception(at)
    return at


def group_tables(at) -> list[pd.DataFrame]:
    return [t.value for t in at.dataframe if TABLE_COLUMNS <= set(t.value.columns)]


def test_the_gap_and_the_core20_share_of_a_pcn_from_the_files(demo_db):
    rows = demo_rows(members(demo_db, SORRELBY), "CAN-04")
    expected = gap_points(rows)
    eligible = [r for r in rows if r["achieved"] == "Y" or r["pca"] == "N"]
    to_do = [r for r in eligible if r["achieved"] == "N"]
    core20 = sum(int(r["imd_decile"]) <= 2 for r in to_do)
    at = open_at(SORRELBY, "CAN-04")
    written = texts(at)
    assert at.title[0].value == "Inequalities"
    most, least = (100 * a / n for a, n in fifths(rows).values())
    assert f"{most:.0f}% of eligible patients in the most deprived fifth" in written
    assert f"against {least:.0f}% in the least deprived" in written
    assert f"a gap of {round(abs(expected), 1):g} points" in written
    assert ("lower" if expected < 0 else "higher") + " for the most deprived" in written
    assert f"Of the {len(to_do):,} patients still to do, {core20:,} " in written
    metrics = {m.label: m.value for m in at.metric}
    assert metrics["Gap (points)"] == f"{expected:+.1f}"
    (a1, n1), (a5, n5) = fifths(rows).values()
    assert metrics["Ratio"] == f"{(a1 / n1) / (a5 / n5):.2f}"
    assert metrics["Core20 share"] == f"{100 * core20 / len(to_do):.0f}%"
    for heading in ("Deprivation (IMD quintile)", "Ethnic group", "Age band", "Sex"):
        assert heading in [s.value for s in at.subheader]
    assert "The figures by deprivation (IMD quintile)" in written
    assert "How these figures are worked out, and the small-group rule" in written
    assert at.download_button(key="inequalities_download_csv") is not None
    sexes = next(t for t in group_tables(at) if set(t["group"]) <= {"F", "M", "Not recorded"})
    by_hand = pd.Series([r["sex"] for r in eligible]).value_counts()
    assert {g: int(n.replace(",", "")) for g, n in zip(sexes["group"], sexes["patients_shown"],
                                                        strict=True)} == by_hand.to_dict()  # fmt: skip


def wilson_by_hand(a: int, n: int) -> tuple[float, float]:
    z = norm.ppf(0.975)
    centre, spread = (a + z * z / 2) / (n + z * z), z * math.sqrt(a * (n - a) / n + z * z / 4)
    return (100 * (centre - spread / (n + z * z)), 100 * (centre + spread / (n + z * z)))


def test_a_practice_shows_small_groups_as_fewer_than_ten_and_no_figure(demo_db):
    at = open_at(SORRELBY, "HI-03", level="practice", code=PRACTICE)
    tables = group_tables(at)
    assert len(tables) == 4
    hidden = pd.concat(tables)
    hidden = hidden[hidden["patients_shown"].isin(["fewer than 10", "hidden"])]
    assert len(hidden) > 0  # one practice's lists have small groups
    figures = ["achieved", "outstanding", "achievement", "achievement_lower", "achievement_upper"]
    assert hidden[figures].isna().all().all()
    # every group shown has at least 10 patients, and its interval is Wilson's, by hand
    shown = pd.concat(tables)
    shown = shown[~shown["patients_shown"].isin(["fewer than 10", "hidden"])]
    assert len(shown) > 0
    for _, row in shown.iterrows():
        n = int(str(row["patients_shown"]).replace(",", ""))
        assert n >= 10
        low, high = wilson_by_hand(int(row["achieved"]), n)
        assert (row["achievement_lower"], row["achievement_upper"]) == pytest.approx((low, high))


def november_lists(folder: Path, practices: set[str]) -> Path:
    """The demo's October lists of these practices as November's, with the first half of the
    most deprived fifth's CAN-04 patients still to do now achieved."""
    with open(OCTOBER_LISTS, newline="", encoding="utf-8") as handle:
        rows = [r for r in csv.DictReader(handle) if r["practice_code"] in practices]
    to_do = [r for r in rows if r["indicator_code"] == "CAN-04" and r["achieved"] == "N"
             and r["pca"] == "N" and int(r["imd_decile"]) <= 2]  # fmt: skip
    for row in to_do[: len(to_do) // 2]:
        row["achieved"] = "Y"
    for row in rows:
        row["period_end"] = NOVEMBER
    path = folder / "patients_november.csv"
    with open(path, "w", newline="", encoding="utf-8") as out:
        writer = csv.DictWriter(out, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    return path


def test_the_gap_by_month_once_two_months_of_lists_are_stored(demo_db, tmp_path):
    practices = members(demo_db, SORRELBY)
    october = gap_points(demo_rows(practices, "CAN-04"))
    path = november_lists(tmp_path, practices)
    with open(path, newline="", encoding="utf-8") as handle:
        november = gap_points(
            [r for r in csv.DictReader(handle) if r["indicator_code"] == "CAN-04"]
        )
    assert november > october  # the most deprived fifth caught up a little
    at = open_at(SORRELBY, "CAN-04")
    assert "The gap by month shows once there are lists for two or more period ends" in texts(at)
    assert len(at.get("vega_lite_chart")) == 4  # the groups' charts; no gap by month yet
    Store(demo_db).ingest(path, who="Test Manager")
    at = open_at(SORRELBY, "CAN-04")
    at.selectbox(key="period_end").set_value(date(2026, 11, 30)).run()
    no_exception(at)
    assert (
        f"The gap was {october:+.0f} points at 31 Oct 2026 and {november:+.0f} at 30 Nov 2026 "
        "(2 period ends with lists)."
    ) in texts(at)
    assert "The gap by month shows once" not in texts(at)
    charts_drawn = at.get("vega_lite_chart")
    assert len(charts_drawn) == 5  # one per group dimension and the gap by month
    assert {m.label: m.value for m in at.metric}["Gap (points)"] == f"{november:+.1f}"


def test_no_gap_when_a_fifth_is_too_small_says_why(demo_db):
    rows = demo_rows(members(demo_db, BRACKENFORD_TOWN), "HI-03")
    assert fifths(rows)[1][1] < 10  # the demo's most deprived fifth here is small
    at = open_at(BRACKENFORD_TOWN, "HI-03")
    assert "no gap can be shown (too few patients in the most deprived fifth to compare)" in (
        texts(at)
    )
    assert {m.label: m.value for m in at.metric}["Gap (points)"] == "–"


def test_a_year_without_lists_says_how_to_provide_them(demo_db):
    at = open_app("inequalities")
    at.selectbox(key="scheme_year").set_value("2025/26").run()
    no_exception(at)
    assert "No patient-level list is stored for the 2025/26 scheme" in texts(at)


# --- the charts' marks ------------------------------------------------------------------------


def layers(chart) -> list[dict]:
    spec = chart.to_dict()
    return [(layer, spec["datasets"][layer["data"]["name"]]) for layer in spec["layer"]]


def test_every_mark_of_the_charts_is_named_and_a_hidden_group_carries_no_figure():
    groups = pd.DataFrame({
        "group": ["1 (most deprived)", "2", "5 (least deprived)"], "order": [1, 2, 5],
        "patients": [40, None, 30], "patients_shown": ["40", "fewer than 10", "30"],
        "achieved": [10, None, 20], "outstanding": [30, None, 10],
        "achievement": [25.0, None, 66.7], "achievement_lower": [14.2, None, 48.8],
        "achievement_upper": [40.1, None, 80.8], "suppressed": [False, True, False],
        "note": ["", "fewer than 10 patients: not shown", ""],
    })  # fmt: skip
    drawn = layers(charts.equity_chart(groups, "Deprivation (IMD quintile)", overall=52.9))
    for layer, _ in drawn:
        assert layer["encoding"]["tooltip"], layer["mark"]
    hidden = [rows for layer, rows in drawn if layer["mark"]["type"] == "text"]
    assert hidden and [r["group"] for r in hidden[0]] == ["2"]
    assert all(r[c] is None or (isinstance(r[c], float) and math.isnan(r[c]))
               for r in hidden[0] for c in ("patients", "achieved", "achievement"))  # fmt: skip
    assert hidden[0][0]["note"] == "fewer than 10 patients: not shown"
    lines = [rows for layer, rows in drawn if layer["mark"]["type"] == "rule" and len(rows) == 1]
    assert lines == [[{"achievement": 52.9, "line": "All eligible patients"}]]
    trend = pd.DataFrame({
        "period_end": [date(2026, 10, 31), date(2026, 11, 30)],
        "most_deprived_achievement": [30.0, 35.0], "least_deprived_achievement": [60.0, 61.0],
        "gap_points": [-30.0, -26.0], "gap_lower": [-45.0, -40.0], "gap_upper": [-12.0, -9.0],
    })  # fmt: skip
    for layer, _ in layers(charts.gap_trend_chart(trend)):
        assert layer["encoding"]["tooltip"], layer["mark"]
