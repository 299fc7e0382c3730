"""Pure Altair chart builders: each takes a DataFrame and returns a chart, drawing nothing."""

from __future__ import annotations

import threading

import altair as alt
import pandas as pd

from iif_core.report import status_label
from iif_core.vocabulary import STATUSES
from iif_core.words import plural

# Okabe-Ito colours, distinguishable with the common colour-vision deficiencies, darkened where
# needed to 3:1 against white at least (WCAG 1.4.11, decisions.md D75); every status is also
# written in words and a symbol, so colour is never the only signal.
AMBER = "#B07400"  # Okabe-Ito orange #E69F00 darkened: 3.9:1 on white (2.3:1 before)
SKY_BLUE = "#2E8BC9"  # Okabe-Ito sky blue #56B4E9 darkened: 3.7:1 on white (2.3:1 before)
STATUS_COLOURS = {
    "green": "#009E73", "amber": AMBER, "red": "#D55E00", "no_data": "#767676",
    "not_in_scheme": "#8C8C8C",
}  # fmt: skip
ZONE_TINTS = {"red": "#F6D5C5", "amber": "#FBE9C2", "green": "#C4E8DC"}  # behind marks only
ORG_COLOUR = "#1F3B57"  # the chosen organisation's line and bars: dark navy
MEMBER_COLOUR = "#7A8A9B"  # its members' lines: muted grey-blue
LAST_YEAR_COLOUR = SKY_BLUE  # dashed
EARNED_COLOUR = "#009E73"
OUTSTANDING_COLOUR = "#8595A6"
THRESHOLD_COLOUR = "#333333"
PERCENT_DOMAIN = (0, 100)
HEADROOM = 1.15  # axis room beyond the largest value for units without a natural maximum
BAR_HEIGHT = 40  # the threshold bar of one card, in pixels
BAR_THICKNESS = 18  # the achievement bar inside it
BAR_AXIS_ROOM = 28  # the threshold bar's axis has labels and no title
AXIS_ROOM = 60  # pixels around a plot for its x axis labels, title and threshold labels
SPLIT_LEGEND_ROOM = 50  # above the split chart: its legend, one entry a line
STATUS_LEGEND_ROOM = 170  # below a plot: the status legend's title and its five lines, with room
LABEL_ROW_PIXELS = 13  # threshold labels too close to share a line take the next one up
LABEL_SHARE = 0.22  # of the x axis: a label this close to the one before takes the next line
DEFAULT_PLOT_HEIGHT = 300
ROW_HEIGHT = 30  # one practice (or PCN) in a side-by-side chart
INTERVENTION_COLOUR = "#6A3D9A"  # interventions marked on the trend: dark purple, solid
INTERVENTION_LABEL_ROWS = 3  # labels of interventions close together take turns at these heights
INTERVENTION_LABEL_PIXELS = 13  # one label row
PARTIAL_POINT_SIZE = 120  # a partial month's hollow point: larger than the filled one it covers
STATUS_LEGEND = [status_label(s) for s in STATUSES]
STATUS_SCALE = alt.Scale(domain=STATUS_LEGEND, range=[STATUS_COLOURS[s] for s in STATUSES])


# Checking a chart against Vega-Lite's schema as it is turned into a spec took most of the time of
# drawing it (about 0.05 s a chart); the charts are the same code every time, so the app skips
# it and the tests check every chart they draw (tests/app/conftest.py sets this, D80).
CHECK_AGAINST_SCHEMA = False
_GLOBALS = threading.Lock()  # Altair's theme and data transformer are settings of the process


def _named_data(data, datasets: dict) -> dict:
    """A data transformer: the frame kept by name beside the spec, for Streamlit to send as
    Arrow (as st.altair_chart does), rather than written into the spec as values."""
    for name, kept in datasets.items():
        if kept is data:  # a frame drawn by several layers is sent once
            return {"name": name}
    name = f"data-{len(datasets)}"
    datasets[name] = data
    return {"name": name}


alt.data_transformers.register("iif_named_data", _named_data)


def vega_lite(chart: alt.TopLevelMixin) -> dict:
    """The Vega-Lite spec of an Altair chart for st.vega_lite_chart, its frames under
    `datasets`, made as st.altair_chart makes it (no theme's default size), checked against the
    schema only when CHECK_AGAINST_SCHEMA is set."""
    datasets: dict = {}
    with _GLOBALS, alt.theme.enable("none"):
        with alt.data_transformers.enable("iif_named_data", datasets=datasets):
            spec = chart.to_dict(validate=CHECK_AGAINST_SCHEMA)
    spec["datasets"] = {**spec.get("datasets", {}), **datasets}
    return spec


def display_height(chart: alt.TopLevelMixin) -> int:
    """The height to give st.altair_chart for a chart: its plot height and room for the axis.
    (Streamlit fits the whole chart into the element's height, so the plot shrinks if this is
    left to the default.)"""
    height = chart.height if isinstance(chart.height, int | float) else DEFAULT_PLOT_HEIGHT
    meta = chart.usermeta if isinstance(chart.usermeta, dict) else {}
    return int(height) + int(meta.get("axis_room", AXIS_ROOM))


def _unit_title(unit: str) -> str:
    return {"percent": "Achievement (%)", "per_1000": "Per 1,000"}.get(unit, "Achievement")


def _domain(values, unit: str) -> tuple[float, float]:
    if unit == "percent":
        return PERCENT_DOMAIN
    finite = [float(v) for v in values if v is not None and pd.notna(v)]
    return (0, (max(finite) if finite else 1) * HEADROOM)


def _threshold_frame(lower: float, upper: float, unit: str) -> pd.DataFrame:
    suffix = "%" if unit == "percent" else ""
    return pd.DataFrame(
        {
            "value": [lower, upper],
            "label": [f"LT {lower:g}{suffix}", f"UT {upper:g}{suffix}"],
            "threshold": ["Lower threshold", "Upper threshold"],
        }
    )


def label_rows(values, span: float, share: float = LABEL_SHARE) -> list[int]:
    """The line each label goes on, 0 the lowest, so that labels along an axis never overlap:
    in the order of their values, a label within `share` of the span of the one before it on a
    line takes the next line up (D75)."""
    rows = [0] * len(values)
    last_on_row: dict[int, float] = {}  # the value of the last label on each line
    for index in sorted(range(len(values)), key=lambda i: float(values[i])):
        value = float(values[index])
        row = 0
        while row in last_on_row and value - last_on_row[row] < share * span:
            row += 1
        rows[index] = row
        last_on_row[row] = value
    return rows


def _threshold_bar_parts(df: pd.DataFrame) -> dict:
    """What a card's threshold bar shows: its zones, bar, threshold marks and x axis."""
    row = df.iloc[0]
    unit, direction = row["unit"], row["direction"]
    lower, upper = float(row["lower_threshold"]), float(row["upper_threshold"])
    value = row["achievement"]
    low, high = _domain([lower, upper, value], unit)
    if direction == "higher":
        zones = [(low, lower, "red"), (lower, upper, "amber"), (upper, high, "green")]
    else:
        zones = [(low, upper, "green"), (upper, lower, "amber"), (lower, high, "red")]
    suffix = "%" if unit == "percent" else ""
    ticks = sorted({low, lower, upper, high})
    names = {lower: f"LT {lower:g}{suffix}", upper: f"UT {upper:g}{suffix}"}
    label_expr = (
        " : ".join(f"datum.value == {t!r} ? '{names.get(t, f'{t:g}')}'" for t in ticks) + " : ''"
    )
    has_value = value is not None and pd.notna(value)
    return {
        "zones": [{"start": a, "end": b, "zone": status_label(z), "tint": z, "row": "achievement"}
                  for a, b, z in zones],
        "bar": [{"start": low, "end": min(float(value), high), "achievement": float(value),
                 "row": "achievement"}] if has_value else None,
        "colour": STATUS_COLOURS.get(row.get("status") or "no_data", ORG_COLOUR),
        "marks": _threshold_frame(lower, upper, unit).to_dict("records"),
        "domain": [low, high], "ticks": ticks, "label_expr": label_expr,
    }  # fmt: skip


def threshold_bar_chart(df: pd.DataFrame) -> alt.Chart:
    """One indicator's achievement as a bar over the zones that earn nothing, part or all of the
    points, with the lower (LT) and upper (UT) thresholds marked. `df` is one card row with
    achievement, lower_threshold, upper_threshold, unit, direction and status. (Overview draws
    threshold_bar_spec, the same chart as a Vega-Lite spec made without Altair.)"""
    parts = _threshold_bar_parts(df)
    x_scale = alt.Scale(domain=parts["domain"], nice=False)
    x_axis = alt.Axis(values=parts["ticks"], labelExpr=parts["label_expr"], title=None,
                      grid=False, labelFontSize=11)  # fmt: skip
    y = alt.Y("row:N", axis=None, title=None)
    background = (
        alt.Chart(pd.DataFrame(parts["zones"]))
        .mark_rect()
        .encode(
            x=alt.X("start:Q", scale=x_scale, axis=x_axis),
            x2="end:Q",
            y=y,
            color=alt.Color(
                "tint:N",
                scale=alt.Scale(domain=list(ZONE_TINTS), range=list(ZONE_TINTS.values())),
                legend=None,
            ),
            tooltip=[alt.Tooltip("zone:N", title="Zone")],
        )
    )
    layers = [background]
    if parts["bar"] is not None:
        layers.append(
            alt.Chart(pd.DataFrame(parts["bar"]))
            .mark_bar(color=parts["colour"], stroke=ORG_COLOUR, strokeWidth=1, size=BAR_THICKNESS)
            .encode(
                x=alt.X("start:Q", scale=x_scale, axis=x_axis),
                x2="end:Q",
                y=y,
                tooltip=[alt.Tooltip("achievement:Q", title="Achievement", format=",.1f")],
            )
        )
    layers.append(
        alt.Chart(pd.DataFrame(parts["marks"]))
        .mark_rule(color=THRESHOLD_COLOUR, strokeWidth=2, strokeDash=[4, 2])
        .encode(x=alt.X("value:Q", scale=x_scale, axis=x_axis), tooltip=["threshold:N", "label:N"])
    )
    return alt.layer(*layers).properties(height=BAR_HEIGHT, usermeta={"axis_room": BAR_AXIS_ROOM})


def threshold_bar_spec(df: pd.DataFrame) -> dict:
    """threshold_bar_chart as the Vega-Lite spec Altair makes of it, written out: Overview draws
    twelve on every organisation it shows, and building and converting each Altair chart takes
    about 0.1 s (tests/app/test_ui.py checks the two are the same chart)."""
    parts = _threshold_bar_parts(df)
    axis = {"grid": False, "labelExpr": parts["label_expr"], "labelFontSize": 11, "title": None,
            "values": parts["ticks"]}  # fmt: skip
    scale = {"domain": parts["domain"], "nice": False}
    y = {"axis": None, "field": "row", "title": None, "type": "nominal"}

    def x(field: str) -> dict:
        return {"axis": axis, "field": field, "scale": scale, "type": "quantitative"}

    layers = [{
        "data": {"values": parts["zones"]},
        "mark": {"type": "rect"},
        "encoding": {
            "color": {"field": "tint", "legend": None, "type": "nominal",
                      "scale": {"domain": list(ZONE_TINTS), "range": list(ZONE_TINTS.values())}},
            "tooltip": [{"field": "zone", "title": "Zone", "type": "nominal"}],
            "x": x("start"), "x2": {"field": "end"}, "y": y,
        },
    }]  # fmt: skip
    if parts["bar"] is not None:
        layers.append({
            "data": {"values": parts["bar"]},
            "mark": {"type": "bar", "color": parts["colour"], "size": BAR_THICKNESS,
                     "stroke": ORG_COLOUR, "strokeWidth": 1},
            "encoding": {
                "tooltip": [{"field": "achievement", "format": ",.1f", "title": "Achievement",
                             "type": "quantitative"}],
                "x": x("start"), "x2": {"field": "end"}, "y": y,
            },
        })  # fmt: skip
    layers.append({
        "data": {"values": parts["marks"]},
        "mark": {"type": "rule", "color": THRESHOLD_COLOUR, "strokeDash": [4, 2], "strokeWidth": 2},
        "encoding": {
            "tooltip": [{"field": "threshold", "type": "nominal"},
                        {"field": "label", "type": "nominal"}],
            "x": x("value"),
        },
    })  # fmt: skip
    return {"layer": layers, "height": BAR_HEIGHT, "usermeta": {"axis_room": BAR_AXIS_ROOM}}


def variation_chart(
    df: pd.DataFrame,
    lower: float,
    upper: float,
    unit: str = "percent",
    parent_achievement: float | None = None,
    parent_label: str = "Network",
    highlight: str | None = None,
) -> alt.Chart:
    """Members side by side: one bar per practice (or PCN), coloured and labelled by status,
    worst first, with the thresholds and the organisation's own achievement drawn across."""
    frame = df.copy()
    frame["status_text"] = frame["status_label"].fillna(STATUS_LEGEND[-1])
    frame["chosen"] = frame["org_code"] == highlight if highlight else False
    frame["counts"] = [
        f"{int(n):,} of {int(d):,}" if pd.notna(n) and pd.notna(d) else "no data"
        for n, d in zip(frame["numerator"], frame["denominator"], strict=True)
    ]
    order = frame["org_name"].tolist()
    low, high = _domain([lower, upper, *frame["achievement"].tolist()], unit)
    y = alt.Y("org_name:N", sort=order, title=None, axis=alt.Axis(labelLimit=260))
    bars = (
        alt.Chart(frame)
        .mark_bar()
        .encode(
            x=alt.X(
                "achievement:Q",
                title=_unit_title(unit),
                scale=alt.Scale(domain=[low, high], nice=False),
            ),
            y=y,
            color=alt.Color(
                "status_text:N",
                scale=STATUS_SCALE,
                title="Status",
                # below the plot, whole: at the right it took the plot's width and cut its labels
                legend=alt.Legend(orient="bottom", labelLimit=320, columns=1),
            ),
            stroke=alt.condition("datum.chosen", alt.value(ORG_COLOUR), alt.value(None)),
            strokeWidth=alt.condition("datum.chosen", alt.value(3), alt.value(0)),
            tooltip=[
                alt.Tooltip("org_name:N", title="Name"),
                alt.Tooltip("org_code:N", title="Code"),
                alt.Tooltip("achievement:Q", title="Achievement", format=",.1f"),
                alt.Tooltip("counts:N", title="Numerator of denominator"),
                alt.Tooltip("patients_to_upper:Q", title="Patients to UT", format=",.0f"),
                alt.Tooltip("status_text:N", title="Status"),
            ],
        )
    )
    marks = _threshold_frame(lower, upper, unit)
    if parent_achievement is not None and pd.notna(parent_achievement):
        suffix = "%" if unit == "percent" else ""
        marks = pd.concat(
            [
                marks,
                pd.DataFrame(
                    {
                        "value": [float(parent_achievement)],
                        "label": [f"{parent_label} {float(parent_achievement):.1f}{suffix}"],
                        "threshold": [parent_label],
                    }
                ),
            ],
            ignore_index=True,
        )
    rules = (
        alt.Chart(marks)
        .mark_rule(strokeWidth=2)
        .encode(
            x="value:Q",
            strokeDash=alt.StrokeDash(
                "threshold:N",
                legend=None,
                scale=alt.Scale(
                    domain=["Lower threshold", "Upper threshold", parent_label],
                    range=[[4, 2], [4, 2], [1, 0]],
                ),
            ),
            color=alt.Color(
                "threshold:N",
                legend=None,
                scale=alt.Scale(
                    domain=["Lower threshold", "Upper threshold", parent_label],
                    range=[THRESHOLD_COLOUR, THRESHOLD_COLOUR, ORG_COLOUR],
                ),
            ),
            tooltip=["label:N"],
        )
    )
    rows = label_rows(marks["value"], high - low)
    marks["label_y"] = [-LABEL_ROW_PIXELS * row for row in rows]
    labels = (
        alt.Chart(marks)
        .mark_text(align="left", dx=3, dy=-6, fontSize=11, color=THRESHOLD_COLOUR)
        .encode(x="value:Q", y=alt.Y("label_y:Q", scale=None), text="label:N")
    )
    height = max(150, ROW_HEIGHT * len(frame))
    return (
        alt.layer(bars, rules, labels)
        .properties(
            height=height,
            usermeta={"axis_room": AXIS_ROOM + STATUS_LEGEND_ROOM + LABEL_ROW_PIXELS * max(rows)},
        )
        .resolve_scale(color="independent", strokeDash="independent")
    )


def trend_chart(
    df: pd.DataFrame,
    lower: float,
    upper: float,
    unit: str = "percent",
    projection: pd.DataFrame | None = None,
    interventions: pd.DataFrame | None = None,
) -> alt.Chart:
    """Monthly achievement: the organisation in bold, its members thin, last year dashed, with
    the thresholds across; with `projection` (iif_core.report.projection_path), a dotted line
    from the latest month to the year end and the shaded 95% band around it. A month of the
    organisation that is partial (`period_partial`: not every member practice has sent it) is a
    hollow point marked 'partial 1/5', so that its dip is not read as a fall. `df` comes from
    iif_core.report.trend; `interventions` (iif_core.report.intervention_marks) are drawn as
    numbered vertical lines."""
    frame = df.dropna(subset=["achievement"]).copy()
    projected = projection is not None and not projection.empty
    # Each period end is drawn at its month ("Oct 2026" for 31 October), so labels and points agree.
    frame["month"] = pd.to_datetime(frame["shown_at"]).dt.to_period("M").dt.to_timestamp()
    frame["actual"] = pd.to_datetime(frame["period_end"]).dt.strftime("%d %b %Y")
    frame["line"] = frame["kind"].map(
        {"this year": "This year", "member": "Members", "last year": "Last year"}
    )
    extra = projection["high"].tolist() if projected else []
    low, high = _domain([lower, upper, *frame["achievement"].tolist(), *extra], unit)
    y_scale = alt.Scale(domain=[low, high])
    y = alt.Y("achievement:Q", title=_unit_title(unit), scale=y_scale)
    x = alt.X("month:T", title="Period end", axis=alt.Axis(format="%b %Y", tickCount="month"))
    tooltip = [
        alt.Tooltip("series:N", title="Name"),
        alt.Tooltip("actual:N", title="Period end"),
        alt.Tooltip("achievement:Q", title="Achievement", format=",.1f"),
        alt.Tooltip("numerator:Q", title="Numerator", format=",.0f"),
        alt.Tooltip("denominator:Q", title="Denominator", format=",.0f"),
    ]
    line_scale = alt.Scale(
        domain=["This year", "Members", "Last year"] + (["Projected"] if projected else []),
        range=[ORG_COLOUR, MEMBER_COLOUR, LAST_YEAR_COLOUR] + ([ORG_COLOUR] if projected else []),
    )
    members = (
        alt.Chart(frame[frame["kind"] == "member"])
        .mark_line(strokeWidth=1, opacity=0.7, point=alt.OverlayMarkDef(size=12))
        .encode(
            x=x,
            y=y,
            detail="series:N",
            color=alt.Color("line:N", scale=line_scale, title="Line"),
            tooltip=tooltip,
        )  # fmt: skip
    )
    last_year = (
        alt.Chart(frame[frame["kind"] == "last year"])
        .mark_line(strokeWidth=2, strokeDash=[6, 3], point=True)
        .encode(x=x, y=y, color=alt.Color("line:N", scale=line_scale), tooltip=tooltip)
    )
    own = (
        alt.Chart(frame[frame["kind"] == "this year"])
        .mark_line(strokeWidth=3.5, point=alt.OverlayMarkDef(size=60, filled=True))
        .encode(x=x, y=y, color=alt.Color("line:N", scale=line_scale), tooltip=tooltip)
    )
    marks = _threshold_frame(lower, upper, unit)
    rules = (
        alt.Chart(marks)
        .mark_rule(color=THRESHOLD_COLOUR, strokeDash=[4, 2], strokeWidth=1.5)
        .encode(y="value:Q", tooltip=["label:N"])
    )
    labels = (
        alt.Chart(marks)
        .mark_text(align="left", dx=4, dy=-7, fontSize=11, color=THRESHOLD_COLOUR)
        .encode(y="value:Q", x=alt.value(0), text="label:N")
    )
    layers = [members, last_year, own, rules, labels]
    layers += _partial_layers(frame[frame["kind"] == "this year"], x, y, tooltip)
    if projected:
        layers += _projection_layers(projection, x, y, y_scale, line_scale)
    layers += _intervention_layers(interventions, x)
    return alt.layer(*layers).properties(height=380)


def _intervention_layers(marks: pd.DataFrame | None, x, words: bool = True) -> list[alt.Chart]:
    """Each intervention as a solid vertical line at its date on the monthly axis, its number
    and (with `words`) the note's first words at the top (close ones at different heights), the
    whole of it in the tooltip. Names and notes are data (text in the chart), never markup."""
    if marks is None or marks.empty:
        return []
    frame = marks[["number", "month", "day", "note", "who", "on", "indicator", "label"]].copy()
    frame["month"] = pd.to_datetime(frame["month"])
    frame["label_y"] = [
        4 + INTERVENTION_LABEL_PIXELS * (i % INTERVENTION_LABEL_ROWS) for i in range(len(frame))
    ]
    tooltip = [
        alt.Tooltip("number:Q", title="Intervention", format="d"),
        alt.Tooltip("day:N", title="Date"),
        alt.Tooltip("note:N", title="What was done"),
        alt.Tooltip("on:N", title="On"),
        alt.Tooltip("indicator:N", title="Indicator"),
        alt.Tooltip("who:N", title="Marked by"),
    ]
    rule = (
        alt.Chart(frame)
        .mark_rule(color=INTERVENTION_COLOUR, strokeWidth=1.5)
        .encode(x=x, tooltip=tooltip)
    )
    shown = "label:N" if words else "number:N"
    halo, text = (
        alt.Chart(frame)
        .mark_text(align="left", baseline="top", dx=3, fontSize=11, color=INTERVENTION_COLOUR,
                   **style)
        .encode(x=x, y=alt.Y("label_y:Q", scale=None), text=shown, tooltip=tooltip)
        for style in ({"stroke": "white", "strokeWidth": 3}, {})
    )  # fmt: skip
    return [rule, halo, text]


def _partial_layers(own: pd.DataFrame, x, y, tooltip) -> list[alt.Chart]:
    """The organisation's partial months: a hollow point over its filled one, and its words."""
    if "period_partial" not in own or not own["period_partial"].any():
        return []
    partial = own[own["period_partial"].astype(bool)].copy()
    counts = list(
        zip(partial["period_practices_with_data"], partial["period_member_practices"], strict=True)
    )
    partial["partial_label"] = [f"partial {int(a):,}/{int(b):,}" for a, b in counts]
    partial["practices_sent"] = [f"{int(a):,} of {plural(b, 'member practice')}" for a, b in counts]
    tooltip = [*tooltip, alt.Tooltip("practices_sent:N", title="Partial: sent by")]
    hollow = (
        alt.Chart(partial)
        .mark_point(
            filled=True,
            fill="white",
            stroke=ORG_COLOUR,
            strokeWidth=2.5,
            size=PARTIAL_POINT_SIZE,
            opacity=1,
        )
        .encode(x=x, y=y, tooltip=tooltip)
    )
    # Below the point, where a dip leaves room, on a white halo so that lines do not cross it.
    halo, words = (
        alt.Chart(partial)
        .mark_text(dy=16, fontSize=11, fontWeight="bold", color=ORG_COLOUR, **style)
        .encode(x=x, y=y, text="partial_label:N")
        for style in ({"stroke": "white", "strokeWidth": 4}, {})
    )
    return [hollow, halo, words]


def _projection_layers(projection: pd.DataFrame, x, y, y_scale, line_scale) -> list[alt.Chart]:
    """The shaded 95% band, the dotted projection and its year-end point."""
    frame = projection.copy()
    frame["month"] = pd.to_datetime(frame["shown_at"]).dt.to_period("M").dt.to_timestamp()
    frame["line"] = "Projected"
    tooltip = [alt.Tooltip("label:N", title="Projection")]
    band = (
        alt.Chart(frame)
        .mark_area(color=ORG_COLOUR, opacity=PROJECTION_OPACITY)
        .encode(x=x, y=alt.Y("low:Q", scale=y_scale), y2="high:Q", tooltip=tooltip)
    )
    line = (
        alt.Chart(frame)
        .mark_line(strokeWidth=2.5, strokeDash=[2, 3])
        .encode(x=x, y=y, color=alt.Color("line:N", scale=line_scale), tooltip=tooltip)
    )
    end = (
        alt.Chart(frame.iloc[[-1]])
        .mark_point(shape="diamond", filled=True, size=120, color=ORG_COLOUR, opacity=1)
        .encode(x=x, y=y, tooltip=tooltip)
    )
    return [band, line, end]


def payment_chart(df: pd.DataFrame) -> alt.Chart:
    """£ earned and £ still available per indicator, as one stacked bar each, ranked as given."""
    frame = df.copy()
    frame["label"] = frame["indicator_code"] + " " + frame["status_label"].fillna("")
    order = frame["label"].tolist()
    long = pd.concat(
        [
            frame.assign(part="Earned", amount=frame["payment_achieved"].fillna(0), order=0),
            frame.assign(
                part="Still available", amount=frame["payment_outstanding"].fillna(0), order=1
            ),
        ],
        ignore_index=True,
    )
    return (
        alt.Chart(long)
        .mark_bar()
        .encode(
            x=alt.X(
                "amount:Q",
                title=None,
                stack="zero",
                axis=alt.Axis(labelExpr="'£' + format(datum.value, ',.0f')"),
            ),
            y=alt.Y("label:N", sort=order, title=None, axis=alt.Axis(labelLimit=260)),
            color=alt.Color(
                "part:N",
                title=None,
                scale=alt.Scale(
                    domain=["Earned", "Still available"],
                    range=[EARNED_COLOUR, OUTSTANDING_COLOUR],
                ),
            ),
            order=alt.Order("order:Q"),
            tooltip=[
                alt.Tooltip("indicator_code:N", title="Indicator"),
                alt.Tooltip("part:N", title="Part"),
                alt.Tooltip("amount:Q", title="£", format=",.2f"),
            ],
        )
        .properties(height=max(90, 42 * len(frame)))
    )


PROJECTED_COLOUR = SKY_BLUE  # money projected, beside the earned


def split_chart(df: pd.DataFrame) -> alt.Chart:
    """Each member practice's share of the PCN's £ earned so far and projected by the year end
    (report.payment_split's practices), as two bars side by side, in the table's order."""
    order = df["practice_name"].tolist()
    parts = {"£ earned so far": "payment_share", "£ projected by 31 March": "projected_share"}
    long = pd.concat(
        [
            df.assign(part=part, amount=pd.to_numeric(df[column], errors="coerce"))
            for part, column in parts.items()
            if column in df and df[column].notna().any()
        ],
        ignore_index=True,
    )
    domain = list(dict.fromkeys(long["part"]))
    colours = {"£ earned so far": EARNED_COLOUR, "£ projected by 31 March": PROJECTED_COLOUR}
    return (
        alt.Chart(long)
        .mark_bar()
        .encode(
            x=alt.X(
                "amount:Q", title=None, axis=alt.Axis(labelExpr="'£' + format(datum.value, ',.0f')")
            ),
            y=alt.Y("practice_name:N", sort=order, title=None, axis=alt.Axis(labelLimit=260)),
            yOffset=alt.YOffset("part:N", sort=domain),
            color=alt.Color(
                "part:N",
                title=None,
                sort=domain,
                scale=alt.Scale(domain=domain, range=[colours[p] for p in domain]),
                legend=alt.Legend(
                    orient="top", direction="vertical", labelLimit=320
                ),  # fits 800 px
            ),
            tooltip=[
                alt.Tooltip("practice_name:N", title="Practice"),
                alt.Tooltip("practice_code:N", title="Code"),
                alt.Tooltip("part:N", title="Part"),
                alt.Tooltip("amount:Q", title="£", format=",.2f"),
            ],
        )
        .properties(
            height=max(90, len(domain) * ROW_HEIGHT * len(df)),
            usermeta={"axis_room": AXIS_ROOM + SPLIT_LEGEND_ROOM},
        )
    )


def worklist_counts_chart(df: pd.DataFrame) -> alt.Chart:
    """Patients still to do per practice, most first."""
    order = df["practice_name"].tolist()
    tooltip = [
        alt.Tooltip("practice_name:N", title="Practice"),
        alt.Tooltip("practice_code:N", title="Code"),
        alt.Tooltip("patients_to_do:Q", title="Patients still to do", format=",.0f"),
    ]
    if "list_period_end" in df:
        tooltip.append(alt.Tooltip("list_period_end:T", title="List date", format="%-d %b %Y"))
    return (
        alt.Chart(df)
        .mark_bar(color=ORG_COLOUR)
        .encode(
            x=alt.X("patients_to_do:Q", title="Patients still to do"),
            y=alt.Y("practice_name:N", sort=order, title=None, axis=alt.Axis(labelLimit=260)),
            tooltip=tooltip,
        )
        .properties(height=max(90, ROW_HEIGHT * len(df)))
    )


def inequality_chart(df: pd.DataFrame) -> alt.Chart:
    """Achievement by deprivation quintile among the eligible patients (1 = most deprived)."""
    frame = df.copy()
    frame["quintile"] = [
        f"{int(q)} (most deprived)" if int(q) == 1 else (
            f"{int(q)} (least deprived)" if int(q) == 5 else f"{int(q)}"
        )
        for q in frame["imd_quintile"]
    ]  # fmt: skip
    return (
        alt.Chart(frame)
        .mark_bar(color=ORG_COLOUR)
        .encode(
            x=alt.X("quintile:N", title="IMD quintile", sort=None, axis=alt.Axis(labelAngle=0)),
            y=alt.Y("achievement:Q", title="Achieved (%)", scale=alt.Scale(domain=[0, 100])),
            tooltip=[
                alt.Tooltip("quintile:N", title="IMD quintile"),
                alt.Tooltip("eligible:Q", title="Eligible patients", format=",.0f"),
                alt.Tooltip("achieved:Q", title="Achieved", format=",.0f"),
                alt.Tooltip("to_do:Q", title="Still to do", format=",.0f"),
                alt.Tooltip("achievement:Q", title="Achieved (%)", format=",.1f"),
            ],
        )
        .properties(height=220)
    )


# --- Signal or noise --------------------------------------------------------------------------

# Funnel flags (iif_core.report.FUNNEL_FLAGS, best first) by colour, shape AND words: blue for
# better, orange for worse (Okabe-Ito, safe for the common colour-vision deficiencies), darker
# beyond the 99.8% limit; a triangle up for better, down for worse; small denominators hollow.
FLAG_COLOURS = ("#0072B2", SKY_BLUE, "#7F7F7F", AMBER, "#D55E00", "#7F7F7F")
FLAG_FILLS = ("#0072B2", SKY_BLUE, "#7F7F7F", AMBER, "#D55E00", "#FFFFFF")
FLAG_SHAPES = ("triangle-up", "triangle-up", "circle", "triangle-down", "triangle-down", "circle")
FUNNEL_POINT_SIZE = 110
FUNNEL_CURVE_FROM = 5  # limits below this denominator are too jagged to draw (and judge nothing)
LABEL_LEFT_FROM = 0.6  # labels of points beyond this share of the x axis go on their left
LABEL_LINE_PIXELS = 13  # a label's height; labels closer than this are moved apart
LABEL_CHARACTER_PIXELS = 6.2  # the width of a character of an 11-pixel label, about
ASSUMED_PLOT_WIDTH = 1000  # pixels: the chart stretches with the page, so this is a guess
FUNNEL_LEGEND_ROOM = 130  # pixels below the plot for its two legends, one entry a line
LIMIT_DASHES = {"95% limits": [5, 3], "99.8% limits": [1, 0]}
LIMIT_COLOUR = "#555555"
FUNNEL_HEIGHT = 380
FUNNEL_PADDING = 4  # points of achievement above and below the points and the limits shown
# Making Data Count's point colours (common cause grey, improvement blue, concern orange,
# neither purple), with a shape for each so that colour is not the only signal.
SPC_TYPE_COLOURS = ("#7F7F7F", "#0072B2", AMBER, "#CC79A7")
SPC_TYPE_SHAPES = ("circle", "square", "diamond", "triangle-up")
TARGET_COLOUR = "#007A59"  # the pace needed, dotted: Okabe-Ito bluish green darkened for its label
SPC_HEIGHT = 300
SPC_LEGEND_ROOM = 90  # below the plot: its point types, one a line
SPC_LABEL_ROOM_DAYS = 50  # either side of the months: the limits named right, the pace left
PROJECTION_OPACITY = 0.18


def funnel_chart(
    points: pd.DataFrame, curve: pd.DataFrame, comparator_label: str, unit: str = "percent"
) -> alt.Chart:
    """Each member's achievement against its denominator, with the organisation's pooled
    achievement as the centre line and the 95% (dashed) and 99.8% (solid) limits narrowing as
    the denominator grows. `points` and `curve` come from iif_core.report.funnel; members outside
    a limit are coloured, shaped and named, small denominators hollow."""
    from iif_core.report import FUNNEL_FLAGS

    frame = points.copy()
    frame["counts"] = [
        f"{int(n):,} of {int(d):,}"
        for n, d in zip(frame["numerator"], frame["denominator"], strict=True)
    ]
    frame["interval"] = [
        f"{low:.1f} to {high:.1f}" if pd.notna(low) else "–"
        for low, high in zip(frame["interval_low"], frame["interval_high"], strict=True)
    ]
    frame["limits_95"] = [
        f"{low:.1f} to {high:.1f}"
        for low, high in zip(frame["lower_95"], frame["upper_95"], strict=True)
    ]
    frame["label"] = [
        name if (judged or chosen) else ""
        for name, judged, chosen in zip(
            frame["org_name"], frame["flag"].isin(FUNNEL_FLAGS[:2] + FUNNEL_FLAGS[3:5]),
            frame["chosen"], strict=True,
        )
    ]  # fmt: skip
    present = [i for i, f in enumerate(FUNNEL_FLAGS) if f in set(frame["flag"])]

    def scale(values):
        return alt.Scale(
            domain=[FUNNEL_FLAGS[i] for i in present], range=[values[i] for i in present]
        )

    largest = float(frame["denominator"].max())
    x_scale = alt.Scale(domain=[0, largest * 1.08], nice=False)
    low, high = _funnel_domain(frame, curve, unit)
    y_scale = alt.Scale(domain=[low, high], nice=False)
    x = alt.X("denominator:Q", title="Denominator (patients eligible)", scale=x_scale)
    y = alt.Y("achievement:Q", title=_unit_title(unit), scale=y_scale)
    limits = curve[curve["denominator"] >= FUNNEL_CURVE_FROM].melt(
        id_vars=["denominator"],
        value_vars=["lower_95", "upper_95", "lower_99.8", "upper_99.8"],
        var_name="line",
        value_name="achievement",
    )
    limits["limit"] = limits["line"].map(lambda name: f"{name.split('_')[1]}% limits")
    limits["side"] = limits["line"].str.split("_").str[0]
    dash = alt.StrokeDash(
        "limit:N",
        title="Control limits",
        scale=alt.Scale(domain=list(LIMIT_DASHES), range=list(LIMIT_DASHES.values())),
        legend=alt.Legend(orient="bottom", direction="vertical", symbolStrokeColor=LIMIT_COLOUR),
    )
    # one entry a line, so that both legends fit side by side in a narrow window (D75)
    legend = alt.Legend(orient="bottom", labelLimit=320, columns=1)
    pairs = [
        alt.Chart(limits[limits["limit"] == name])
        .mark_line(color=LIMIT_COLOUR, strokeWidth=1.4, clip=True)
        .encode(x=x, y=y, detail="side:N", strokeDash=dash,
                tooltip=[alt.Tooltip("limit:N", title="Line"),
                         alt.Tooltip("denominator:Q", title="Denominator", format=",.0f"),
                         alt.Tooltip("achievement:Q", title="Limit", format=",.1f")])
        for name in LIMIT_DASHES
    ]  # fmt: skip
    comparator = float(curve["comparator"].iloc[0])
    centre_frame = pd.DataFrame(
        {"achievement": [comparator], "label": [f"{comparator_label} {comparator:.1f}"]}
    )
    centre_y = alt.Y("achievement:Q", scale=y_scale)
    centre = (
        alt.Chart(centre_frame)
        .mark_rule(color=ORG_COLOUR, strokeWidth=2)
        .encode(y=centre_y, tooltip=[alt.Tooltip("label:N", title="Centre line")])
    )
    centre_label = (
        alt.Chart(centre_frame)
        .mark_text(align="left", dx=4, dy=-7, fontSize=11, color=ORG_COLOUR, fontWeight="bold")
        .encode(y=centre_y, x=alt.value(0), text="label:N")
    )
    marks = (
        alt.Chart(frame)
        .mark_point(filled=True, opacity=1, strokeWidth=1.6, size=FUNNEL_POINT_SIZE)
        .encode(
            x=x,
            y=y,
            shape=alt.Shape(
                "flag:N", title="Where it sits", scale=scale(FLAG_SHAPES), legend=legend
            ),
            fill=alt.Fill("flag:N", title="Where it sits", scale=scale(FLAG_FILLS), legend=legend),
            stroke=alt.Stroke(
                "flag:N", title="Where it sits", scale=scale(FLAG_COLOURS), legend=legend
            ),
            tooltip=[
                alt.Tooltip("org_name:N", title="Name"),
                alt.Tooltip("org_code:N", title="Code"),
                alt.Tooltip("achievement:Q", title="Achievement", format=",.1f"),
                alt.Tooltip("counts:N", title="Numerator of denominator"),
                alt.Tooltip("interval:N", title="Its own 95% interval"),
                alt.Tooltip("limits_95:N", title="95% limits at its size"),
                alt.Tooltip("flag:N", title="Where it sits"),
            ],
        )
    )
    chosen = (
        alt.Chart(frame[frame["chosen"]])
        .mark_point(shape="circle", size=420, strokeWidth=2.5, color=ORG_COLOUR, filled=False)
        .encode(x=x, y=y)
    )
    named = _spread_labels(frame[frame["label"] != ""], largest * 1.08, high - low)
    labels = [
        alt.Chart(part)
        .mark_text(align=align, dx=dx, dy=-2, fontSize=11, color=THRESHOLD_COLOUR)
        .encode(x=x, y=alt.Y("label_y:Q", scale=y_scale), text="label:N")
        for part, align, dx in (
            (named[~named["on_left"]], "left", 9),
            (named[named["on_left"]], "right", -9),
        )
    ]
    return alt.layer(*pairs, centre, centre_label, marks, chosen, *labels).properties(
        height=FUNNEL_HEIGHT, usermeta={"axis_room": AXIS_ROOM + FUNNEL_LEGEND_ROOM}
    )


def _spread_labels(named: pd.DataFrame, x_span: float, y_span: float) -> pd.DataFrame:
    """Where to write each name so that names do not overlap: beside its point (on the left near
    the right edge), moved down a line at a time while it would cover a name already placed."""
    named = named.assign(on_left=named["denominator"] > LABEL_LEFT_FROM * x_span / 1.08)
    x_pixel = ASSUMED_PLOT_WIDTH / x_span
    y_pixel = FUNNEL_HEIGHT / y_span if y_span > 0 else 1.0
    placed, label_y = [], []
    for row in named.sort_values("achievement", ascending=False).itertuples():
        width = len(row.label) * LABEL_CHARACTER_PIXELS
        x0 = row.denominator * x_pixel - (width if row.on_left else 0)
        x1 = x0 + width
        y = row.achievement * y_pixel
        while any(a < x1 and x0 < b and abs(y - c) < LABEL_LINE_PIXELS for a, b, c in placed):
            y -= LABEL_LINE_PIXELS
        placed.append((x0, x1, y))
        label_y.append((row.Index, y / y_pixel))
    return named.assign(label_y=pd.Series(dict(label_y), dtype=float))


def _funnel_domain(points: pd.DataFrame, curve: pd.DataFrame, unit: str) -> tuple[float, float]:
    """The y range: every point and the limits from about the smallest member's size on, with a
    little room; limits at tiny denominators run off the chart rather than flatten it."""
    near = curve[curve["denominator"] >= 0.5 * float(points["denominator"].min())]
    values = [*points["achievement"], *near["lower_99.8"], *near["upper_99.8"]]
    values += [float(curve["comparator"].iloc[0])]
    finite = [float(v) for v in values if pd.notna(v)]
    low, high = min(finite) - FUNNEL_PADDING, max(finite) + FUNNEL_PADDING
    if unit == "percent":
        low, high = max(low, 0.0), min(high, 100.0)
    return (max(low, 0.0), high)


def spc_chart(
    df: pd.DataFrame,
    pace_needed: float | None = None,
    measure: str = "Patients",
    interventions: pd.DataFrame | None = None,
    legend_columns: int = 1,
) -> alt.Chart:
    """An XmR chart of monthly activity: the points coloured and shaped by their Making Data
    Count type (the rule broken in the tooltip), the mean, the process limits, and the pace
    needed to reach the upper threshold when known. `df` is iif_core.report.spc's table;
    `interventions` (iif_core.report.intervention_marks) within the months drawn are vertical
    lines with their numbers, as on the trend chart."""
    from iif_core.report import SPC_TYPES

    frame = df.copy()
    frame["month"] = pd.to_datetime(frame["period_end"]).dt.to_period("M").dt.to_timestamp()
    frame["actual"] = pd.to_datetime(frame["period_end"]).dt.strftime("%d %b %Y")
    title = f"{measure} a month"
    first = frame.iloc[0]
    lines = pd.DataFrame(
        {
            "value": [first["mean"], first["upper_limit"], first["lower_limit"]],
            "line": ["Mean", "Upper process limit", "Lower process limit"],
        }
    )
    if pace_needed is not None:
        needed = pd.DataFrame({"value": [float(pace_needed)], "line": ["Pace needed"]})
        lines = pd.concat([lines, needed], ignore_index=True)
    lines["label"] = [
        f"{name} {value:,.1f}" for name, value in zip(lines["line"], lines["value"], strict=True)
    ]
    values = [*frame["activity"], *lines["value"]]
    y_scale = alt.Scale(domain=[min(0.0, *values), max(values) * 1.12], nice=True)
    # Room on the right of the last month for the lines' labels.
    first, last = frame["month"].min(), frame["month"].max()
    room = pd.DateOffset(days=SPC_LABEL_ROOM_DAYS)
    x_scale = alt.Scale(domain=[(first - room).isoformat(), (last + room).isoformat()])
    x = alt.X(
        "month:T",
        title="Month",
        scale=x_scale,
        axis=alt.Axis(
            format="%b %Y",
            values=[m.isoformat() for m in pd.date_range(first, last, freq="MS")],
        ),
    )
    y = alt.Y("activity:Q", title=title, scale=y_scale)
    types = list(SPC_TYPES.values())
    colours = alt.Scale(domain=types, range=list(SPC_TYPE_COLOURS))
    shapes = alt.Scale(domain=types, range=list(SPC_TYPE_SHAPES))
    # one entry a line on screen: four side by side do not fit a narrow window (D75); a page
    # of fixed width (the board report) may set more
    legend = alt.Legend(orient="bottom", labelLimit=320, title=None, columns=legend_columns)
    line = alt.Chart(frame).mark_line(color=MEMBER_COLOUR, strokeWidth=1.5).encode(x=x, y=y)
    points = (
        alt.Chart(frame)
        .mark_point(filled=True, size=90, opacity=1)
        .encode(
            x=x,
            y=y,
            color=alt.Color("type_label:N", scale=colours, legend=legend),
            shape=alt.Shape("type_label:N", scale=shapes, legend=legend),
            tooltip=[
                alt.Tooltip("actual:N", title="Period end"),
                alt.Tooltip("activity:Q", title=title, format=",.1f"),
                alt.Tooltip("months_covered:Q", title="Months it covers", format="d"),
                alt.Tooltip("type_label:N", title="Point"),
                alt.Tooltip("rule_words:N", title="Rule"),
            ],
        )
    )
    styles = {
        "Mean": ([1, 0], ORG_COLOUR),
        "Upper process limit": ([5, 3], LIMIT_COLOUR),
        "Lower process limit": ([5, 3], LIMIT_COLOUR),
        "Pace needed": ([2, 2], TARGET_COLOUR),
    }
    value = alt.Y("value:Q", scale=y_scale)
    rules = []
    for name, (dash, colour) in styles.items():
        part = lines[lines["line"] == name]
        if part.empty:
            continue
        rules.append(
            alt.Chart(part)
            .mark_rule(strokeWidth=1.8, strokeDash=dash, color=colour)
            .encode(y=value, tooltip=[alt.Tooltip("label:N", title="Line")])
        )
        # The pace needed may lie close to the mean: its name goes on the other side.
        left = name == "Pace needed"
        rules.append(
            alt.Chart(part)
            .mark_text(align="left" if left else "right", dy=-6, fontSize=11, color=colour)
            .encode(y=value, x=alt.value(0 if left else "width"), text="label:N")
        )
    inside = None
    if interventions is not None and not interventions.empty:
        drawn = pd.to_datetime(interventions["month"])
        inside = interventions[(drawn >= first - room) & (drawn <= last + room)]
    # Numbers only: the limits' names are at the top right, and the trend above has the words.
    layers = [*rules, line, points, *_intervention_layers(inside, x, words=False)]
    return alt.layer(*layers).properties(
        height=SPC_HEIGHT, usermeta={"axis_room": AXIS_ROOM + SPC_LEGEND_ROOM}
    )


PLAN_COLOURS = ("#0072B2", AMBER, "#009E73", "#CC79A7", SKY_BLUE, "#D55E00", "#8F7F00")


def plan_chart(allocation: pd.DataFrame) -> alt.Chart:
    """The best plan's patients per practice, stacked by indicator (Okabe-Ito colours)."""
    order = allocation.groupby("practice_name")["patients"].sum().sort_values(ascending=False).index
    codes = sorted(allocation["indicator_code"].unique())
    return (
        alt.Chart(allocation)
        .mark_bar()
        .encode(
            x=alt.X("sum(patients):Q", title="Patients to see"),
            y=alt.Y("practice_name:N", sort=list(order), title=None,
                    axis=alt.Axis(labelLimit=260)),
            color=alt.Color("indicator_code:N", title="Indicator",
                            scale=alt.Scale(domain=codes, range=list(PLAN_COLOURS[: len(codes)]))),
            tooltip=[
                alt.Tooltip("practice_name:N", title="Practice"),
                alt.Tooltip("indicator_code:N", title="Indicator"),
                alt.Tooltip("patients:Q", title="Patients to see", format=",.0f"),
                alt.Tooltip("payment_expected:Q", title="£ expected", format=",.2f"),
            ],
        )
        .properties(height=max(90, ROW_HEIGHT * len(order)))
    )  # fmt: skip


# --- Inequalities -----------------------------------------------------------------------------

HIDDEN_COLOUR = "#7F7F7F"


def equity_chart(groups: pd.DataFrame, label: str, overall: float | None = None) -> alt.LayerChart:
    """Achievement of each group of one dimension with its 95% interval, and a dashed line at
    `overall` (every eligible patient's share) when given; a hidden small group keeps its row,
    written, without a figure (decisions.md D68)."""
    numbers = ("achievement", "achievement_lower", "achievement_upper", "patients", "achieved",
               "outstanding")  # fmt: skip
    frame = groups.assign(**{c: pd.to_numeric(groups[c], errors="coerce") for c in numbers})
    order = list(frame.sort_values("order")["group"])
    y = alt.Y("group:N", title=None, sort=order, axis=alt.Axis(labelLimit=260))
    x_scale = alt.Scale(domain=list(PERCENT_DOMAIN))
    tooltip = [
        alt.Tooltip("group:N", title=label),
        alt.Tooltip("patients_shown:N", title="Eligible patients"),
        alt.Tooltip("achieved:Q", title="Achieved", format=",.0f"),
        alt.Tooltip("outstanding:Q", title="Still to do", format=",.0f"),
        alt.Tooltip("achievement:Q", title="Achieved (%)", format=".1f"),
        alt.Tooltip("achievement_lower:Q", title="95% interval: low (%)", format=".1f"),
        alt.Tooltip("achievement_upper:Q", title="95% interval: high (%)", format=".1f"),
    ]
    shown = alt.Chart(frame[~frame["suppressed"].astype(bool)])
    interval = shown.mark_rule(color=ORG_COLOUR, strokeWidth=2).encode(
        x=alt.X("achievement_lower:Q", title="Achieved (%), with 95% interval", scale=x_scale),
        x2="achievement_upper:Q",
        y=y,
        tooltip=tooltip,
    )
    point = shown.mark_point(color=ORG_COLOUR, filled=True, size=80).encode(
        x=alt.X("achievement:Q", scale=x_scale), y=y, tooltip=tooltip
    )
    hidden = (
        alt.Chart(frame[frame["suppressed"].astype(bool)])
        .mark_text(align="left", dx=4, color=HIDDEN_COLOUR, fontStyle="italic")
        .encode(
            x=alt.datum(0, scale=x_scale),
            y=y,
            text="note:N",
            tooltip=[
                alt.Tooltip("group:N", title=label),
                alt.Tooltip("patients_shown:N", title="Eligible patients"),
                alt.Tooltip("note:N", title="Not shown"),
            ],
        )
    )
    layers = [interval, point, hidden]
    if overall is not None and not pd.isna(overall):
        everyone = pd.DataFrame(
            {"achievement": [float(overall)], "line": ["All eligible patients"]}
        )
        line = alt.Chart(everyone).mark_rule(color=THRESHOLD_COLOUR, strokeDash=[4, 4])
        line = line.encode(
            x=alt.X("achievement:Q", scale=x_scale),
            tooltip=[alt.Tooltip("line:N", title="Line"),
                     alt.Tooltip("achievement:Q", title="Achieved (%)", format=".1f")],
        )  # fmt: skip
        layers.insert(0, line)
    return alt.layer(*layers).properties(height=ROW_HEIGHT * len(frame) + 40)


def gap_trend_chart(trend: pd.DataFrame) -> alt.LayerChart:
    """The gap between the most and least deprived fifths at each period end with lists, with
    its 95% interval; below zero the most deprived achieve less."""
    frame = trend.dropna(subset=["gap_points"]).copy()
    # Each period end is drawn at its month ("Oct 2026" for 31 October), as on the trend chart.
    frame["month"] = pd.to_datetime(frame["period_end"]).dt.to_period("M").dt.to_timestamp()
    frame["actual"] = pd.to_datetime(frame["period_end"]).dt.strftime("%d %b %Y")
    tooltip = [
        alt.Tooltip("actual:N", title="Period end"),
        alt.Tooltip("most_deprived_achievement:Q", title="Most deprived fifth (%)", format=".1f"),
        alt.Tooltip("least_deprived_achievement:Q", title="Least deprived fifth (%)", format=".1f"),
        alt.Tooltip("gap_points:Q", title="Gap (points)", format="+.1f"),
        alt.Tooltip("gap_lower:Q", title="95% interval: low", format="+.1f"),
        alt.Tooltip("gap_upper:Q", title="95% interval: high", format="+.1f"),
    ]
    x = alt.X(
        "month:T", title="Period end", scale=alt.Scale(padding=30),
        axis=alt.Axis(format="%b %Y", tickCount={"interval": "month", "step": 1}),
    )  # fmt: skip
    base = alt.Chart(frame)
    interval = base.mark_rule(color=MEMBER_COLOUR, strokeWidth=3).encode(
        x=x, y=alt.Y("gap_lower:Q", title="Gap: most minus least deprived (points)"),
        y2="gap_upper:Q", tooltip=tooltip,
    )  # fmt: skip
    line = base.mark_line(color=ORG_COLOUR, point=True).encode(
        x=x, y="gap_points:Q", tooltip=tooltip
    )
    zero = (
        alt.Chart(pd.DataFrame({"gap_points": [0.0], "label": ["No gap"]}))
        .mark_rule(color=THRESHOLD_COLOUR, strokeDash=[4, 4])
        .encode(y="gap_points:Q", tooltip=[alt.Tooltip("label:N", title="Line")])
    )
    return alt.layer(zero, interval, line).properties(height=DEFAULT_PLOT_HEIGHT)
