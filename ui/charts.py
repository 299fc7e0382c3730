"""Pure Altair chart builders: each takes a DataFrame and returns a chart, drawing nothing."""

from __future__ import annotations

import altair as alt
import pandas as pd

from iif_core.report import STATUS_SYMBOLS, STATUS_WORDS

# Okabe-Ito colours, distinguishable with the common colour-vision deficiencies; every status is
# also written in words and a symbol, so colour is never the only signal.
STATUS_COLOURS = {"green": "#009E73", "amber": "#E69F00", "red": "#D55E00", "no_data": "#9E9E9E"}
ZONE_TINTS = {"red": "#F6D5C5", "amber": "#FBE9C2", "green": "#C4E8DC"}
ORG_COLOUR = "#1F3B57"  # the chosen organisation's line and bars: dark navy
MEMBER_COLOUR = "#9AA9B8"  # its members' lines: muted grey-blue
LAST_YEAR_COLOUR = "#56B4E9"  # Okabe-Ito sky blue, dashed
EARNED_COLOUR = "#009E73"
OUTSTANDING_COLOUR = "#C9D3DD"
THRESHOLD_COLOUR = "#333333"
PERCENT_DOMAIN = (0, 100)
HEADROOM = 1.15  # axis room beyond the largest value for units without a natural maximum
BAR_HEIGHT = 40  # the threshold bar of one card, in pixels
BAR_THICKNESS = 18  # the achievement bar inside it
BAR_AXIS_ROOM = 28  # the threshold bar's axis has labels and no title
AXIS_ROOM = 60  # pixels around a plot for its x axis labels, title and threshold labels
DEFAULT_PLOT_HEIGHT = 300
ROW_HEIGHT = 30  # one practice (or PCN) in a side-by-side chart
STATUS_LEGEND = [
    f"{STATUS_SYMBOLS[s]} {STATUS_WORDS[s]}" for s in ("green", "amber", "red", "no_data")
]
STATUS_SCALE = alt.Scale(domain=STATUS_LEGEND, range=[STATUS_COLOURS[s] for s in STATUS_COLOURS])


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


def threshold_bar_chart(df: pd.DataFrame) -> alt.Chart:
    """One indicator's achievement as a bar over the zones that earn nothing, part or all of the
    points, with the lower (LT) and upper (UT) thresholds marked. `df` is one card row with
    achievement, lower_threshold, upper_threshold, unit, direction and status."""
    row = df.iloc[0]
    unit, direction = row["unit"], row["direction"]
    lower, upper = float(row["lower_threshold"]), float(row["upper_threshold"])
    value = row["achievement"]
    low, high = _domain([lower, upper, value], unit)
    if direction == "higher":
        zones = [(low, lower, "red"), (lower, upper, "amber"), (upper, high, "green")]
    else:
        zones = [(low, upper, "green"), (upper, lower, "amber"), (lower, high, "red")]
    zone_frame = pd.DataFrame(
        [
            {"start": a, "end": b, "zone": f"{STATUS_SYMBOLS[z]} {STATUS_WORDS[z]}", "tint": z,
             "row": "achievement"}
            for a, b, z in zones
        ]
    )  # fmt: skip
    suffix = "%" if unit == "percent" else ""
    ticks = sorted({low, lower, upper, high})
    names = {lower: f"LT {lower:g}{suffix}", upper: f"UT {upper:g}{suffix}"}
    label_expr = (
        " : ".join(f"datum.value == {t!r} ? '{names.get(t, f'{t:g}')}'" for t in ticks) + " : ''"
    )
    x_scale = alt.Scale(domain=[low, high], nice=False)
    x_axis = alt.Axis(values=ticks, labelExpr=label_expr, title=None, grid=False, labelFontSize=11)
    y = alt.Y("row:N", axis=None, title=None)
    background = (
        alt.Chart(zone_frame)
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
    if value is not None and pd.notna(value):
        status = row.get("status") or "no_data"
        bar_frame = pd.DataFrame(
            {"start": [low], "end": [min(float(value), high)], "achievement": [float(value)],
             "row": ["achievement"]}
        )  # fmt: skip
        layers.append(
            alt.Chart(bar_frame)
            .mark_bar(
                color=STATUS_COLOURS.get(status, ORG_COLOUR),
                stroke=ORG_COLOUR,
                strokeWidth=1,
                size=BAR_THICKNESS,
            )  # fmt: skip
            .encode(
                x=alt.X("start:Q", scale=x_scale, axis=x_axis),
                x2="end:Q",
                y=y,
                tooltip=[alt.Tooltip("achievement:Q", title="Achievement", format=",.1f")],
            )
        )
    marks = _threshold_frame(lower, upper, unit)
    layers.append(
        alt.Chart(marks)
        .mark_rule(color=THRESHOLD_COLOUR, strokeWidth=2, strokeDash=[4, 2])
        .encode(x=alt.X("value:Q", scale=x_scale, axis=x_axis), tooltip=["threshold:N", "label:N"])
    )
    return alt.layer(*layers).properties(height=BAR_HEIGHT, usermeta={"axis_room": BAR_AXIS_ROOM})


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
            color=alt.Color("status_text:N", scale=STATUS_SCALE, title="Status"),
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
    labels = (
        alt.Chart(marks)
        .mark_text(align="left", dx=3, dy=-6, fontSize=11, color=THRESHOLD_COLOUR)
        .encode(x="value:Q", y=alt.value(0), text="label:N")
    )
    height = max(150, ROW_HEIGHT * len(frame))
    return (
        alt.layer(bars, rules, labels)
        .properties(height=height)
        .resolve_scale(color="independent", strokeDash="independent")
    )


def trend_chart(df: pd.DataFrame, lower: float, upper: float, unit: str = "percent") -> alt.Chart:
    """Monthly achievement: the organisation in bold, its members thin, last year dashed, with
    the thresholds across. `df` comes from iif_core.report.trend."""
    frame = df.dropna(subset=["achievement"]).copy()
    # Each period end is drawn at its month ("Oct 2026" for 31 October), so labels and points agree.
    frame["month"] = pd.to_datetime(frame["shown_at"]).dt.to_period("M").dt.to_timestamp()
    frame["actual"] = pd.to_datetime(frame["period_end"]).dt.strftime("%d %b %Y")
    frame["line"] = frame["kind"].map(
        {"this year": "This year", "member": "Members", "last year": "Last year"}
    )
    low, high = _domain([lower, upper, *frame["achievement"].tolist()], unit)
    y = alt.Y("achievement:Q", title=_unit_title(unit), scale=alt.Scale(domain=[low, high]))
    x = alt.X("month:T", title="Period end", axis=alt.Axis(format="%b %Y", tickCount="month"))
    tooltip = [
        alt.Tooltip("series:N", title="Line"),
        alt.Tooltip("actual:N", title="Period end"),
        alt.Tooltip("achievement:Q", title="Achievement", format=",.1f"),
        alt.Tooltip("numerator:Q", title="Numerator", format=",.0f"),
        alt.Tooltip("denominator:Q", title="Denominator", format=",.0f"),
    ]
    line_scale = alt.Scale(
        domain=["This year", "Members", "Last year"],
        range=[ORG_COLOUR, MEMBER_COLOUR, LAST_YEAR_COLOUR],
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
    return alt.layer(members, last_year, own, rules, labels).properties(height=380)


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


def worklist_counts_chart(df: pd.DataFrame) -> alt.Chart:
    """Patients still to do per practice, most first."""
    order = df["practice_name"].tolist()
    return (
        alt.Chart(df)
        .mark_bar(color=ORG_COLOUR)
        .encode(
            x=alt.X("patients_to_do:Q", title="Patients still to do"),
            y=alt.Y("practice_name:N", sort=order, title=None, axis=alt.Axis(labelLimit=260)),
            tooltip=[
                alt.Tooltip("practice_name:N", title="Practice"),
                alt.Tooltip("practice_code:N", title="Code"),
                alt.Tooltip("patients_to_do:Q", title="Patients still to do", format=",.0f"),
            ],
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
