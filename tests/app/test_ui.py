"""The app's building blocks without a running app: numbers for people, safe downloads, charts."""

import ast
import io
import itertools
import json
import re
from datetime import date
from pathlib import Path

import openpyxl
import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

from iif_core import report
from ui import charts, format


@pytest.mark.parametrize(
    ("value", "expected"),
    [(82.63888, "82.6%"), (100, "100.0%"), (None, "–"), (float("nan"), "–")],
)
def test_percentages(value, expected):
    assert format.percent(value) == expected


def test_numbers_for_people():
    assert format.money(3518.518518) == "£3,518.52"
    assert format.money(-12) == "-£12.00"
    assert format.money(None) == "–"
    assert format.count(1204) == "1,204"
    assert format.count(241.6) == "242"
    assert format.points(17.592) == "17.59" and format.points(36.0) == "36"
    assert format.achievement(12.345, "per_1000") == "12.3 per 1,000"
    assert format.achievement(0.8512, "rate") == "0.85"
    assert format.threshold(80.0, "percent") == "80%"
    assert format.share(0.944) == "94%"
    assert format.day("2026-10-31") == "31 Oct 2026"
    assert format.long_day(pd.Timestamp("2026-03-01")) == "1 March 2026"
    assert format.plural(1, "patient") == "1 patient" and format.plural(242, "patient") == (
        "242 patients"
    )
    assert format.file_stem("iif-recall", "HI-03", "U22888", None) == "iif-recall-HI-03-U22888"


DANGEROUS = pd.DataFrame(
    {
        "patient_id": ['=HYPERLINK("http://x")', "+1", "-2", "@SUM(A1)", "\tTAB", "\rCR", "ok"],
        "age": [70, 71, 72, 73, 74, 75, -3],
    }
)


def test_csv_downloads_are_formula_safe():
    text = format.csv_bytes(DANGEROUS).decode("utf-8-sig")
    frame = pd.read_csv(io.StringIO(text, newline=""), dtype=str, keep_default_na=False)
    assert frame["patient_id"].tolist()[:6] == [
        "'=HYPERLINK(\"http://x\")", "'+1", "'-2", "'@SUM(A1)", "'\tTAB", "'\rCR",
    ]  # fmt: skip
    assert frame["patient_id"].iloc[6] == "ok"
    assert frame["age"].iloc[6] == "-3"  # numbers stay numbers


def test_excel_downloads_hold_text_never_formulas():
    book = openpyxl.load_workbook(io.BytesIO(format.excel_bytes(DANGEROUS)))
    cells = [row[0] for row in book.active.iter_rows(min_row=2, values_only=False)]
    assert all(cell.data_type != "f" for cell in cells)
    assert cells[0].value == '\'=HYPERLINK("http://x")'
    assert book.active.cell(row=8, column=2).value == -3


def test_a_column_name_is_made_safe_too():
    frame = pd.DataFrame({"=cmd": ["a"]})
    assert format.formula_safe(frame).columns.tolist() == ["'=cmd"]


# --- charts -----------------------------------------------------------------------------------

CARD = pd.DataFrame(
    [{"achievement": 82.6, "lower_threshold": 80.0, "upper_threshold": 86.0, "unit": "percent",
      "direction": "higher", "status": "amber"}]
)  # fmt: skip


def layers(chart) -> list[dict]:
    return chart.to_dict()["layer"]


def test_the_threshold_bar_marks_both_thresholds_and_the_zones():
    spec = charts.threshold_bar_chart(CARD).to_dict()
    data = spec["datasets"]
    marks = [layer["mark"]["type"] if isinstance(layer["mark"], dict) else layer["mark"]
             for layer in spec["layer"]]  # fmt: skip
    assert marks == ["rect", "bar", "rule"]
    rule_data = data[spec["layer"][2]["data"]["name"]]
    assert [row["label"] for row in rule_data] == ["LT 80%", "UT 86%"]
    zones = data[spec["layer"][0]["data"]["name"]]
    assert [(z["start"], z["end"], z["tint"]) for z in zones] == [
        (0, 80, "red"), (80, 86, "amber"), (86, 100, "green"),
    ]  # fmt: skip
    assert "LT 80%" in spec["layer"][0]["encoding"]["x"]["axis"]["labelExpr"]


def test_a_lower_is_better_bar_puts_the_green_zone_low():
    lower = CARD.assign(direction="lower", lower_threshold=30.0, upper_threshold=20.0)
    spec = charts.threshold_bar_chart(lower).to_dict()
    zones = spec["datasets"][spec["layer"][0]["data"]["name"]]
    assert [z["tint"] for z in zones] == ["green", "amber", "red"]


def test_a_card_without_data_draws_no_bar():
    spec = charts.threshold_bar_chart(CARD.assign(achievement=None, status="no_data")).to_dict()
    assert len(spec["layer"]) == 2


def test_the_variation_chart_has_thresholds_and_the_network_line():
    members = pd.DataFrame(
        {
            "org_code": ["A1", "A2"],
            "org_name": ["Alder", "Birch"],
            "achievement": [70.0, 90.0],
            "numerator": [7, 9],
            "denominator": [10, 10],
            "patients_to_upper": [2, 0],
            "status": ["red", "green"],
            "status_label": [report.status_label("red"), report.status_label("green")],
        }
    )
    spec = charts.variation_chart(members, 80, 86, "percent", 80.0, "PCN", "A1").to_dict()
    labels = [row["label"] for row in spec["datasets"][spec["layer"][1]["data"]["name"]]]
    assert labels == ["LT 80%", "UT 86%", "PCN 80.0%"]
    bars = spec["layer"][0]
    assert bars["encoding"]["y"]["sort"] == ["Alder", "Birch"]
    assert bars["encoding"]["color"]["scale"]["domain"][0] == "✔ Full points"


def test_the_trend_chart_draws_three_kinds_of_line_and_the_thresholds():
    series = pd.DataFrame(
        {
            "series": ["PCN", "PCN", "Alder", "PCN last year"],
            "kind": ["this year", "this year", "member", "last year"],
            "period_end": pd.to_datetime(["2026-04-30", "2026-05-31", "2026-04-30", "2025-04-30"]),
            "shown_at": pd.to_datetime(["2026-04-30", "2026-05-31", "2026-04-30", "2026-04-30"]),
            "achievement": [10.0, 20.0, 12.0, 8.0],
            "numerator": [1, 2, 1, 1],
            "denominator": [10, 10, 8, 12],
        }
    )
    chart = charts.trend_chart(series, 60, 80)
    spec = chart.to_dict()
    assert len(spec["layer"]) == 5
    rules = spec["datasets"][spec["layer"][3]["data"]["name"]]
    assert [r["value"] for r in rules] == [60, 80]
    months = spec["datasets"][spec["layer"][2]["data"]["name"]]
    assert [m["month"][:7] for m in months] == ["2026-04", "2026-05"]  # drawn at the month
    assert charts.display_height(chart) > chart.height


def test_payment_and_patient_charts():
    ranking = pd.DataFrame(
        {
            "indicator_code": ["HI-03", "CAN-04"],
            "status_label": ["✖ No points yet", "✔ Full points"],
            "payment_achieved": [0.0, 3812.05],
            "payment_outstanding": [5902.21, 0.0],
        }
    )
    spec = charts.payment_chart(ranking).to_dict()
    parts = {row["part"] for row in spec["datasets"][spec["data"]["name"]]}
    assert parts == {"Earned", "Still available"}
    counts = pd.DataFrame({"practice_code": ["A1"], "practice_name": ["Alder"],
                           "patients_to_do": [5]})  # fmt: skip
    assert charts.worklist_counts_chart(counts).to_dict()["mark"]["type"] == "bar"


def test_the_split_chart_draws_earned_and_projected_bars_per_practice():
    practices = pd.DataFrame(
        {
            "practice_code": ["A00001", "A00002"],
            "practice_name": ["Alder", "Birch"],
            "payment_share": [1333.33, 0.0],
            "projected_share": [2000.0, 1500.5],
        }
    )
    spec = charts.split_chart(practices).to_dict()
    rows = spec["datasets"][spec["data"]["name"]]
    assert {(r["practice_name"], r["part"], r["amount"]) for r in rows} == {
        ("Alder", "£ earned so far", 1333.33), ("Birch", "£ earned so far", 0.0),
        ("Alder", "£ projected by 31 March", 2000.0), ("Birch", "£ projected by 31 March", 1500.5),
    }  # fmt: skip
    assert spec["encoding"]["y"]["sort"] == ["Alder", "Birch"]
    # Without a projection only the earned bars are drawn.
    spec = charts.split_chart(practices.assign(projected_share=None)).to_dict()
    assert {r["part"] for r in spec["datasets"][spec["data"]["name"]]} == {"£ earned so far"}


# --- signal or noise charts -------------------------------------------------------------------


def funnel_frames():
    """Three practices around a PCN at 80%: one inside, one better, one small (hollow)."""
    from iif_core.schemes import parse_scheme
    from iif_core.signals import funnel_curve

    indicator = parse_scheme(
        'year = "2025/26"\nvalue_per_point = 198\n[indicators."HI-03"]\nname = "LD"\n'
        'unit = "percent"\ndirection = "higher"\nlower_threshold = 60\nupper_threshold = 80\n'
        "points = 36\n"
    ).indicator("HI-03")
    members = pd.DataFrame(
        {
            "org_code": ["A1", "B2", "C3"],
            "org_name": ["Alder", "Birch", "Cedar"],
            "numerator": [400, 470, 5],
            "denominator": [500, 500, 10],
            "achievement": [80.0, 94.0, 50.0],
        }
    )
    view = report.funnel(
        report.Variation(members, {"level": "pcn", "achievement": 80.0}, "practice", "A1"),
        indicator,
    )
    assert view.curve.equals(funnel_curve(80.0, indicator, 500))
    return view


def test_the_funnel_has_two_pairs_of_limits_and_the_centre_line():
    view = funnel_frames()
    chart = charts.funnel_chart(view.points, view.curve, "North PCN", "percent")
    spec = chart.to_dict()
    data = spec["datasets"]
    pairs = [layer for layer in spec["layer"] if layer["mark"]["type"] == "line"]
    assert len(pairs) == 2
    for layer, limit in zip(pairs, ("95% limits", "99.8% limits"), strict=True):
        rows = data[layer["data"]["name"]]
        assert {row["limit"] for row in rows} == {limit}
        assert {row["side"] for row in rows} == {"lower", "upper"}  # a lower and an upper line
        assert layer["encoding"]["detail"]["field"] == "side"
    assert pairs[0]["encoding"]["strokeDash"]["scale"]["range"] == [[5, 3], [1, 0]]
    centre = next(layer for layer in spec["layer"] if layer["mark"]["type"] == "rule")
    assert data[centre["data"]["name"]][0]["achievement"] == 80.0
    assert data[centre["data"]["name"]][0]["label"] == "North PCN 80.0"
    points = next(layer for layer in spec["layer"] if layer["mark"]["type"] == "point")
    encoding = points["encoding"]
    assert encoding["shape"]["field"] == encoding["fill"]["field"] == "flag"
    assert encoding["shape"]["scale"]["domain"] == [
        "Better: beyond the 99.8% limit", "Inside the limits", "Small denominator: not judged",
    ]  # fmt: skip
    assert encoding["shape"]["scale"]["range"] == ["triangle-up", "circle", "circle"]
    assert encoding["fill"]["scale"]["range"][-1] == "#FFFFFF"  # small: hollow
    names = [
        row["label"]
        for layer in spec["layer"]
        if layer["mark"]["type"] == "text"
        for row in data[layer["data"]["name"]]
        if "org_code" in row
    ]
    assert sorted(names) == ["Alder", "Birch"]  # the flagged one and the chosen one are named
    assert charts.display_height(chart) > chart.height + 60  # room for the legends below


def test_funnel_labels_of_coincident_points_are_moved_apart():
    named = pd.DataFrame(
        {"label": ["Wrenmouth PCN", "Kestrelford PCN"], "denominator": [251.0, 252.0],
         "achievement": [52.4, 52.2]}
    )  # fmt: skip
    spread = charts._spread_labels(named, 400, 60)
    gap_pixels = abs(spread["label_y"].diff().iloc[1]) * charts.FUNNEL_HEIGHT / 60
    assert gap_pixels >= charts.LABEL_LINE_PIXELS - 1e-9


def spc_table():
    return pd.DataFrame(
        {
            "period_end": pd.to_datetime(["2026-04-30", "2026-05-31", "2026-06-30"]),
            "activity": [10.0, 12.0, 30.0],
            "months_covered": [1, 1, 1],
            "mean": 17.3,
            "lower_limit": 2.0,
            "upper_limit": 28.0,
            "type_label": ["Common cause", "Common cause", "Special cause: improvement"],
            "rule_words": ["none", "none", "outside the process limits"],
        }
    )


def test_the_spc_chart_has_its_mean_limits_and_pace_needed():
    spec = charts.spc_chart(spc_table(), pace_needed=15.0).to_dict()
    data = spec["datasets"]
    rules = {
        data[layer["data"]["name"]][0]["line"]: data[layer["data"]["name"]][0]["value"]
        for layer in spec["layer"]
        if layer["mark"]["type"] == "rule"
    }
    assert rules == {"Mean": 17.3, "Upper process limit": 28.0, "Lower process limit": 2.0,
                     "Pace needed": 15.0}  # fmt: skip
    points = next(layer for layer in spec["layer"] if layer["mark"]["type"] == "point")
    assert points["encoding"]["color"]["scale"]["range"][:3] == ["#7F7F7F", "#0072B2", charts.AMBER]
    tooltip = [t["field"] for t in points["encoding"]["tooltip"]]
    assert "rule_words" in tooltip and "type_label" in tooltip
    without = charts.spc_chart(spc_table()).to_dict()
    assert sum(layer["mark"]["type"] == "rule" for layer in without["layer"]) == 3


def test_the_trend_chart_draws_the_projection_band():
    series = pd.DataFrame(
        {
            "series": ["PCN", "PCN"],
            "kind": ["this year", "this year"],
            "period_end": pd.to_datetime(["2026-09-30", "2026-10-31"]),
            "shown_at": pd.to_datetime(["2026-09-30", "2026-10-31"]),
            "achievement": [35.0, 42.0],
            "numerator": [35, 42],
            "denominator": [100, 100],
        }
    )
    row = {"method": "recent_pace", "method_label": "recent pace", "unit": "percent",
           "from_period": date(2026, 10, 31), "year_end": date(2027, 3, 31),
           "achievement_from": 42.0, "achievement": 77.0, "achievement_low": 70.0,
           "achievement_high": 84.0}  # fmt: skip
    spec = charts.trend_chart(series, 60, 80, "percent", report.projection_path(row)).to_dict()
    assert len(spec["layer"]) == 8
    band = next(layer for layer in spec["layer"] if layer["mark"]["type"] == "area")
    assert band["encoding"]["y"]["field"] == "low" and band["encoding"]["y2"]["field"] == "high"
    rows = spec["datasets"][band["data"]["name"]]
    assert [(r["low"], r["high"]) for r in rows] == [(42.0, 42.0), (70.0, 84.0)]
    assert [r["month"][:7] for r in rows] == ["2026-10", "2027-03"]
    dotted = [
        layer for layer in spec["layer"]
        if layer["mark"]["type"] == "line" and layer["mark"].get("strokeDash") == [2, 3]
    ]  # fmt: skip
    assert len(dotted) == 1


def test_the_trend_chart_marks_a_partial_month_hollow_and_in_words():
    series = pd.DataFrame(
        {
            "series": ["PCN"] * 3 + ["Alder"],
            "kind": ["this year"] * 3 + ["member"],
            "period_end": pd.to_datetime(["2026-09-30", "2026-10-31", "2026-11-30", "2026-11-30"]),
            "shown_at": pd.to_datetime(["2026-09-30", "2026-10-31", "2026-11-30", "2026-11-30"]),
            "achievement": [35.0, 42.0, 30.0, 30.0],
            "numerator": [35, 42, 12, 12],
            "denominator": [100, 100, 40, 40],
            "period_partial": [False, False, True, True],
            "period_practices_with_data": pd.array([5, 5, 1, 1], dtype="Int64"),
            "period_member_practices": pd.array([5, 5, 5, 5], dtype="Int64"),
        }
    )
    spec = charts.trend_chart(series, 60, 80).to_dict()
    hollow = [
        layer for layer in spec["layer"]
        if layer["mark"]["type"] == "point" and layer["mark"].get("fill") == "white"
    ]  # fmt: skip
    assert len(hollow) == 1
    marked = spec["datasets"][hollow[0]["data"]["name"]]
    assert [(m["month"][:7], m["series"]) for m in marked] == [("2026-11", "PCN")]  # its own line
    words = [layer for layer in spec["layer"] if layer["mark"]["type"] == "text"]
    labels = [
        row.get("partial_label") for w in words for row in spec["datasets"][w["data"]["name"]]
    ]
    assert "partial 1/5" in labels
    complete = series.assign(period_partial=False)
    spec = charts.trend_chart(complete, 60, 80).to_dict()
    assert not [layer for layer in spec["layer"] if layer["mark"].get("fill") == "white"]
    assert len(spec["layer"]) == 5


def as_inline(spec: dict) -> dict:
    """Altair's spec with each layer's named dataset written in place, as a hand-made spec has."""
    datasets = spec.get("datasets", {})
    layers = [
        {**layer, "data": {"values": datasets[layer["data"]["name"]]}} for layer in spec["layer"]
    ]
    return {"layer": layers, "height": spec["height"], "usermeta": spec["usermeta"]}


@pytest.mark.parametrize(
    "card",
    [
        CARD,
        CARD.assign(direction="lower", lower_threshold=30.0, upper_threshold=20.0, status="green"),
        CARD.assign(achievement=None, status="no_data"),
        CARD.assign(unit="per_1000", achievement=1650.5, lower_threshold=1450.0,
                    upper_threshold=1100.0, direction="lower", status="red"),
        CARD.assign(unit="rate", achievement=0.31, lower_threshold=0.05, upper_threshold=0.25,
                    status="green"),
        CARD.assign(achievement=100.0, status="green"),
    ],
)  # fmt: skip
def test_the_written_out_threshold_bar_is_the_altair_chart(card):
    altair = as_inline(charts.threshold_bar_chart(card).to_dict())
    assert charts.threshold_bar_spec(card) == json.loads(json.dumps(altair))


# --- counts in words (decisions.md D74) -------------------------------------------------------

ROOT = Path(__file__).resolve().parents[2]
# A noun that follows a count in a sentence; 'points' is left out, since points have decimals.
COUNTED = (
    "patients|practices|files|rows|contacts|months|members|indicators|changes|batches|PCNs|"
    "problems|figures|days|period ends|weeks|events"
)
# After a count: ' patients', ' more patients', ' member practices', or 'file(s)'.
PLURAL_AFTER_A_COUNT = re.compile(
    rf"^\)?:? ?((more|fewer|member|valid|extra) )?({COUNTED})\b|^ ?\w+\(s\)"
)
NOT_COUNTS = {"code", "name", "what", "org_code", "indicator_code"}  # words, never numbers


def plural_written_out(path: Path) -> list[str]:
    """Each f-string in a file with a value followed by a plural noun: '{n} patients'."""
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if not isinstance(node, ast.JoinedStr):
            continue
        for value, text in zip(node.values, node.values[1:], strict=False):
            if (
                isinstance(value, ast.FormattedValue)
                and isinstance(text, ast.Constant)
                and ast.unparse(value.value) not in NOT_COUNTS
                and PLURAL_AFTER_A_COUNT.match(text.value)
            ):
                where = path.relative_to(ROOT) if path.is_relative_to(ROOT) else path.name
                found.append(f"{where}:{node.lineno}: {{{ast.unparse(value.value)}}}{text.value}")
    return found


def test_every_count_in_words_goes_through_the_plural_helper():
    files = [
        ROOT / "app.py", *sorted((ROOT / "pages").glob("*.py")),
        *sorted((ROOT / "ui").glob("*.py")), *sorted((ROOT / "iif_core" / "report").glob("*.py")),
    ]  # fmt: skip
    found = [line for path in files for line in plural_written_out(path)]
    assert not found, "write these with format.plural / iif_core.words.plural:\n" + "\n".join(found)


def test_the_check_finds_a_plural_written_out(tmp_path):
    sample = tmp_path / "sample.py"
    sample.write_text(
        'A = f"{n} patients"\nB = f"Store {n} file(s)"\nC = f"{n:,} more practices"\n'
        'D = f"{format.plural(n, \'patient\')} to go"\nE = f"{code} patients"\n'
    )
    assert [line.split(":")[1] for line in plural_written_out(sample)] == ["1", "2", "3"]


# --- threshold labels never overlap (decisions.md D75) ------------------------------------------


def test_close_labels_take_the_next_line_and_far_ones_share_one():
    assert charts.label_rows([60, 80, 41.6], 100) == [1, 0, 0]  # the PCN's 41.6 beside LT 60
    assert charts.label_rows([10, 50, 90], 100) == [0, 0, 0]
    assert charts.label_rows([60, 62, 64], 100) == [0, 1, 2]


@given(st.lists(st.floats(min_value=0, max_value=100), min_size=1, max_size=6))
def test_labels_on_one_line_are_always_far_enough_apart(values):
    rows = charts.label_rows(values, 100)
    for row in set(rows):
        on_it = sorted(v for v, r in zip(values, rows, strict=True) if r == row)
        assert all(b - a >= charts.LABEL_SHARE * 100 for a, b in itertools.pairwise(on_it))
