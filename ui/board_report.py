"""The board report drawn: a self-contained, print-ready HTML page and the same page as a PDF."""

from __future__ import annotations

import base64
import ctypes
import html
import importlib.util
import json
from functools import lru_cache

import pandas as pd

from iif_core import report
from iif_core.report.board import (
    NO_LIST_ACCESS,
    NO_LISTS,
    ONLY_RECALL_LISTS,
    BoardReport,
    IndicatorPart,
)
from iif_core.vocabulary import (
    EQUITY_DIMENSION_WORDS,
    LEVEL_LABELS,
    LEVEL_NOUNS,
    STATUS_SYMBOLS,
    STATUS_WORDS,
)
from ui import charts, format

CHART_WIDTH = 620  # pixels of a wide chart's plot; the page scales it to the column
BAR_WIDTH = 560
CHART_SCALE = 2  # PNG pixels per chart pixel: sharp on paper
DEPRIVATION = "imd_quintile"  # the dimension the report draws (vocabulary.EQUITY_DIMENSIONS)
PLAN_ROWS = 12
# The libraries WeasyPrint loads and cannot do without, by the names it tries on Linux and macOS
# (weasyprint/text/ffi.py)
PANGO_LIBRARIES = (
    ("libgobject-2.0.so.0", "libgobject-2.0.dylib"),
    ("libpango-1.0.so.0", "libpango-1.0.dylib"),
    ("libharfbuzz.so.0", "libharfbuzz.dylib"),
    ("libfontconfig.so.1", "libfontconfig.dylib"),
    ("libpangoft2-1.0.so.0", "libpangoft2-1.0.dylib"),
)
COMPLETENESS_ROWS = 12  # practices listed in full; past that, only those with months missing  # the plan's allocation rows shown; the Plan page has them all
STYLE = """
@page { size: A4; margin: 16mm 14mm 18mm 14mm;
        @bottom-left { content: string(org); font: 8pt "DejaVu Sans", sans-serif; color: #555; }
        @bottom-right { content: "Page " counter(page) " of " counter(pages);
                        font: 8pt "DejaVu Sans", sans-serif; color: #555; } }
html { font-family: "DejaVu Sans", "Helvetica Neue", Arial, sans-serif; font-size: 9.5pt;
       color: #1b1b1b; line-height: 1.35; }
body { max-width: 190mm; margin: 0 auto; padding: 0 4mm; }
h1 { font-size: 19pt; margin: 0 0 1mm; color: #1F3B57; string-set: org content(); }
h2 { font-size: 13pt; margin: 6mm 0 2mm; color: #1F3B57; border-bottom: 1.5px solid #1F3B57;
     padding-bottom: 1mm; break-after: avoid; }
h3 { font-size: 11pt; margin: 4mm 0 1.5mm; break-after: avoid; }
p { margin: 1.2mm 0; }
.lead { font-size: 11pt; color: #333; margin-bottom: 3mm; }
.meta { color: #444; }
.partial { background: #FBE9C2; border-left: 4px solid #E69F00; padding: 2mm 3mm; }
.note { color: #555; font-size: 8.5pt; }
.tiles { display: flex; gap: 3mm; margin: 3mm 0; }
.tile { flex: 1; border: 1px solid #C9D3DD; border-radius: 2mm; padding: 2mm 3mm; }
.tile .label { font-size: 8.5pt; color: #555; }
.tile .value { font-size: 14pt; font-weight: bold; color: #1F3B57; }
.tile .sub { font-size: 8pt; color: #555; }
table { border-collapse: collapse; width: 100%; margin: 2mm 0; font-size: 8.5pt; }
th, td { border-bottom: 1px solid #DDE3E9; padding: 1mm 1.5mm; text-align: left;
         vertical-align: top; }
th { background: #EEF2F6; font-weight: bold; }
td.n, th.n { text-align: right; white-space: nowrap; }
th.n { white-space: normal; }
tr { break-inside: avoid; }
img.chart { width: 100%; height: auto; display: block; margin: 1mm 0; }
img.bar { width: 80%; }
.keep { break-inside: avoid; }
td.nowrap { white-space: nowrap; }
.indicator { break-before: page; }
.status-green { color: #007A59; font-weight: bold; }
.status-amber { color: #A86B00; font-weight: bold; }
.status-red { color: #B84400; font-weight: bold; }
.status-no_data, .status-not_in_scheme { color: #666; font-weight: bold; }
.section { break-before: page; }
@media print { body { max-width: none; padding: 0; } a { color: inherit; } }
@media screen { body { padding: 8mm; } .indicator, .section { border-top: 1px dashed #bbb;
                margin-top: 8mm; } }
"""


def e(text) -> str:
    """Text from files and the store, escaped for HTML."""
    return html.escape("" if text is None else str(text), quote=True)


def status_html(status: str) -> str:
    status = status or "no_data"
    words = f"{STATUS_SYMBOLS.get(status, '')} {STATUS_WORDS.get(status, status)}"
    return f'<span class="status-{e(status)}">{e(words)}</span>'


@lru_cache(maxsize=64)
def _png(spec_json: str) -> bytes:
    import vl_convert  # here, not at the top: loading it slows every page's first view

    return vl_convert.vegalite_to_png(spec_json, scale=CHART_SCALE, allowed_base_urls=[])


def chart_image(chart, alt: str, width: int = CHART_WIDTH, kind: str = "wide") -> str:
    """An Altair chart (or a Vega-Lite spec) as an <img> holding its PNG, drawn on this machine."""
    if isinstance(chart, dict):
        spec_json = json.dumps({**chart, "width": width}, default=str)
    else:
        spec_json = chart.properties(width=width).to_json()
    data = base64.b64encode(_png(spec_json)).decode("ascii")
    return f'<img class="chart {kind}" alt="{e(alt)}" src="data:image/png;base64,{data}">'


def table_html(rows: list[list[str]], header: list[str], numeric: set[int] = frozenset()) -> str:
    """A table of cells already escaped; columns in `numeric` align right."""
    head = "".join(
        f'<th class="{"n" if i in numeric else ""}">{h}</th>' for i, h in enumerate(header)
    )
    body = "".join(
        "<tr>"
        + "".join(f'<td class="{"n" if i in numeric else ""}">{c}</td>' for i, c in enumerate(row))
        + "</tr>"
        for row in rows
    )
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


# --- the sections ------------------------------------------------------------------------------


def title_section(board: BoardReport) -> str:
    level = LEVEL_LABELS.get(board.level, board.level)
    parts = [
        f"<h1>{e(board.org_name)}</h1>",
        f'<p class="lead">IIF board report · {e(level)} {e(board.org_code)} · scheme year '
        f"{e(board.year)}</p>",
        f'<p class="meta">Figures as at <b>{e(format.long_day(board.period))}</b> (the period end '
        f"chosen) · report made on {e(format.long_day(board.made_on))}.</p>",
        f'<p class="meta">Data completeness: {e(board.completeness_summary)}</p>',
    ]
    if board.partial:
        parts.append(
            f'<p class="partial"><b>Partial figures.</b> Only {e(board.partial)} have sent '
            f"figures for {e(format.day(board.period))}, so the figures count only theirs and "
            "are lower than the truth.</p>"
        )
    if board.context.payment_note:
        parts.append(f'<p class="partial">{e(board.context.payment_note)}</p>')
    return "\n".join(parts)


def headline_section(board: BoardReport) -> str:
    totals, projected = board.overview.totals, board.projection_totals
    tiles = []
    if board.pays:
        tiles += [
            ("Points earned", f"{format.points(totals['points_achieved'])}",
             f"of {format.points(totals['points_available'])} available"),
            ("£ earned so far", format.money(totals["payment_achieved"]),
             f"of {format.money(totals['payment_available'])} available"),
            ("£ still to earn", format.money(totals["payment_outstanding"]),
             "reaching every upper threshold"),
        ]  # fmt: skip
        if projected["projected"]:
            tiles.append(
                (f"Projected at {format.day(board.year_end)}",
                 format.money(projected["payment"], pence=False),
                 f"95% bands {format.money_range(projected['payment_low'], projected['payment_high'])}")
            )  # fmt: skip
    else:
        with_data = sum(totals[f"{s}_count"] for s in ("green", "amber", "red"))
        tiles += [
            ("Indicators with data", f"{with_data} of {totals['indicators']}", ""),
            ("Patients to the upper thresholds", format.count(totals["patients_to_upper"]), ""),
        ]
    counts = " · ".join(
        f"{STATUS_SYMBOLS[s]} {totals[f'{s}_count']} {STATUS_WORDS[s].lower()}"
        for s in ("green", "amber", "red")
    )
    cells = "".join(
        f'<div class="tile"><div class="label">{e(label)}</div><div class="value">{e(value)}'
        f'</div><div class="sub">{e(sub)}</div></div>'
        for label, value, sub in tiles
    )
    rows = []
    for part in board.indicators:
        card, row = part.card, part.projection
        projected_text = (
            f"{format.achievement(row['achievement'], card['unit'])} · {row['status_label']}"
            if not row.get("message")
            else "–"
        )
        money = (
            [format.points(card.get("points_achieved")), format.money(card.get("payment_achieved")),
             format.money(card.get("payment_outstanding"))]
            if board.pays else []
        )  # fmt: skip
        rows.append(
            [e(card["indicator_code"]), e(card["name"]), status_html(card["status"]),
             e(format.achievement(card.get("achievement"), card["unit"])),
             e(f"{format.threshold(card['lower_threshold'], card['unit'])}–"
               f"{format.threshold(card['upper_threshold'], card['unit'])}"),
             *[e(m) for m in money], e(projected_text)]
        )  # fmt: skip
    header = ["Code", "Indicator", "Status", "Achievement", "LT–UT"]
    header += ["Points", "£ earned", "£ to earn"] if board.pays else []
    header += [f"Projected {format.day(board.year_end)}" if board.year_end else "Projected"]
    numeric = {3, 4, 5, 6, 7} if board.pays else {3, 4}
    return (
        "<h2>Headline</h2>"
        f'<div class="tiles">{cells}</div>'
        f"<p>Indicators: {e(counts)}. "
        f"{e(report.scheme_completeness_text(totals, board.level))}.</p>"
        + table_html(rows, header, numeric)
        + '<p class="note">LT and UT: the lower and upper thresholds. Nothing is earned at or '
        "below the lower threshold; every point is earned at the upper. A projection carries "
        "the year on as it is going, to 31 March.</p>"
    )


def indicator_section(board: BoardReport, part: IndicatorPart) -> str:
    card, unit = part.card, part.card["unit"]
    out = [
        '<div class="indicator">',
        f"<h2>{e(card['indicator_code'])}: {e(card['name'])}</h2>",
        f"<p>{status_html(card['status'])}</p>",
    ]
    if card["status"] == "not_in_scheme":
        out.append(f"<p>{e(card.get('dates_note') or 'Not in the scheme on this date.')}</p></div>")
        return "".join(out)
    out.append(chart_image(charts.threshold_bar_chart(pd.DataFrame([card])),
                           f"{card['indicator_code']} against its thresholds", BAR_WIDTH, "bar"))  # fmt: skip
    if card["status"] == "no_data":
        out.append("<p>No data for this period: no member practice sent figures.</p></div>")
        return "".join(out)
    money = (
        f" · {format.points(card['points_achieved'])} of {format.points(card['points_available'])} "
        f"points · {format.money(card['payment_achieved'])} earned of "
        f"{format.money(card['payment_available'])}"
        if board.pays
        else ""
    )
    out.append(
        f"<p><b>{e(format.achievement(card['achievement'], unit))}</b> "
        f"({e(format.count(card['numerator']))} of {e(format.count(card['denominator']))}; "
        f"{e(format.plural(card['pca_count'], 'PCA'))}) · lower threshold "
        f"{e(format.threshold(card['lower_threshold'], unit))} · upper threshold "
        f"{e(format.threshold(card['upper_threshold'], unit))}{e(money)}. "
        f"{e(format.plural(card['patients_to_lower'], 'patient'))} to the lower threshold, "
        f"{e(format.plural(card['patients_to_upper'], 'patient'))} to the upper.</p>"
    )
    if card.get("unconfirmed"):
        out.append(f'<p class="note">Unconfirmed values: {e(", ".join(card["unconfirmed"]))}.</p>')
    out.append(trend_html(part))
    out.append(spc_html(part))
    out.append(members_html(part, unit))
    out.append("</div>")
    return "".join(out)


def trend_html(part: IndicatorPart) -> str:
    card, row = part.card, part.projection
    if part.trend.empty:
        return ""
    chart = charts.trend_chart(
        part.trend, float(card["lower_threshold"]), float(card["upper_threshold"]), card["unit"],
        report.projection_path(row),
    ).properties(height=165)  # fmt: skip
    out = ["<h3>Month by month, and where the year is heading</h3>",
           chart_image(chart, f"Monthly achievement of {card['indicator_code']}")]  # fmt: skip
    if row.get("message"):
        out.append(f"<p>Projection: {e(row['message'])}</p>")
    else:
        band = format.band(
            row["achievement"], row["achievement_low"], row["achievement_high"], card["unit"]
        )
        out.append(
            f"<p><b>Projected at {e(format.day(row['year_end']))}:</b> {e(band)} · "
            f"{e(row['status_label'])}. {e(format.plural(row['pace_needed'], 'patient'))} a "
            f"month needed to end at the upper threshold "
            f"({e(format.count(row['pace_so_far']))} a month so far). Method: "
            f"{e(row['method_label'])}.</p>"
        )
    return "".join(out)


def spc_html(part: IndicatorPart) -> str:
    view = part.spc
    if view is None:
        return ""
    out = ["<h3>Monthly activity: signal or noise</h3>"]
    if view.message:
        return "".join(out) + f"<p>{e(view.message)}</p>"
    chart = charts.spc_chart(view.table, view.pace_needed, legend_columns=4).properties(height=125)
    out.append(chart_image(chart, "Monthly activity with its mean and process limits"))
    words = [report.VARIATION_ICONS[view.variation][1] + "."]
    if view.assurance is not None:
        words.append(report.ASSURANCE_WORDS[view.assurance])
    if view.provisional:
        words.append(f"Provisional limits: {format.plural(len(view.table), 'month')} so far.")
    out.append(f"<p>{e(' '.join(words))}</p>")
    return "".join(out)


def members_html(part: IndicatorPart, unit: str) -> str:
    view = part.members
    if view is None or view.members.empty:
        return ""
    noun = "practices" if view.member_level == "practice" else "PCNs"
    rows = [
        [e(m["org_name"]), e(format.achievement(m["achievement"], unit)), status_html(m["status"]),
         e(format.count(m["patients_to_upper"])), e(format.share(m["gap_share"]))]
        for m in view.members.to_dict("records")
    ]  # fmt: skip
    header = [noun[:-1].capitalize() if noun == "practices" else "PCN", "Achievement", "Status",
              "Patients to UT", "Share of the gap"]  # fmt: skip
    return f"<h3>The {noun} side by side</h3>" + table_html(rows, header, {1, 3, 4})


def practices_section(board: BoardReport) -> str:
    """Every member's achievement on every indicator, in one table."""
    parts = [p for p in board.indicators if p.members is not None and not p.members.members.empty]
    if not parts:
        return ""
    names, cells = {}, {}
    for part in parts:
        for m in part.members.members.to_dict("records"):
            names[m["org_code"]] = m["org_name"]
            cells[(m["org_code"], part.card["indicator_code"])] = (
                f"{STATUS_SYMBOLS.get(m['status'] or 'no_data', '')} "
                f"{format.achievement(m['achievement'], part.card['unit'])}"
            )
    noun = "practices" if parts[0].members.member_level == "practice" else "PCNs"
    codes = [p.card["indicator_code"] for p in parts]
    rows = [
        [e(name), *[e(cells.get((org, code), format.MISSING)) for code in codes]]
        for org, name in sorted(names.items(), key=lambda item: str(item[1]))
    ]
    return (
        f'<div class="section"><h2>The {noun} side by side</h2>'
        f"<p>Each member's achievement at {e(format.day(board.period))}, with its status "
        f"(✔ full points, ◐ earning, ✖ no points yet).</p>"
        + table_html(
            rows,
            [noun[:-1].capitalize() if noun == "practices" else "PCN"] + [e(c) for c in codes],
            set(range(1, len(codes) + 1)),
        )
        + "</div>"
    )


def actions_section(board: BoardReport) -> str:
    plan = board.plan
    if plan is None:
        if board.level == "pcn":
            return ""
        return (
            "<h2>Top actions</h2><p>The plan of where the next patients earn most is made for "
            "one PCN, as it spends the network's contacts and earns the network's £: the board "
            "report of a PCN holds its top actions.</p>"
        )
    out = ["<h2>Top actions: where the next patients earn most</h2>", f"<p>{e(plan.summary)}</p>"]
    if not plan.allocation.empty:
        shown = plan.allocation.sort_values("payment_expected", ascending=False).head(PLAN_ROWS)
        rows = [
            [e(r["practice_name"]), e(r["indicator_code"]), e(format.count(r["patients"])),
             e(format.money(r["payment_expected"]))]
            for r in shown.to_dict("records")
        ]  # fmt: skip
        out.append(table_html(rows, ["Practice", "Indicator", "Patients to see", "£ expected"],
                              {2, 3}))  # fmt: skip
        if len(plan.allocation) > PLAN_ROWS:
            out.append(f'<p class="note">The first {PLAN_ROWS} of '
                       f"{format.plural(len(plan.allocation), 'row')}, most £ first; the Plan "
                       "page has them all.</p>")  # fmt: skip
    out += [f'<p class="note">{e(note)}</p>' for note in plan.notes]
    out.append(
        f'<p class="note">A plan for {e(format.plural(plan.contacts, "contact"))}, the Plan '
        "page's first figure: the Plan page works it out for the contacts the network has, and "
        "names who to call first.</p>"
    )
    return "".join(out)


INEQUALITY_MISSING = {
    NO_LIST_ACCESS: "Your access does not include the patient lists of these practices, so "
    "no breakdown by deprivation can be shown here. Ask your ICB's admin if you need them.",
    NO_LISTS: "No patient-level list is stored for these practices at this period end, so "
    "no breakdown by deprivation can be shown. Store their patient lists on the Data page and "
    "this section shows who is being reached.",
    ONLY_RECALL_LISTS: "The patient lists stored for these practices hold only patients "
    "still to do (recall lists), which cannot show who achieved: no breakdown can be shown.",
}


def inequality_section(board: BoardReport) -> str:
    """Who the work reaches: each indicator's share achieved in the most and least deprived
    fifths of areas, the gap between them and the Core20 share of those still to do, with the
    deprivation chart of the Inequalities page; small groups already hidden by the core."""
    out = ['<div class="section"><h2>Inequalities: who is being reached</h2>']
    found = board.inequalities
    if found is None:
        words = INEQUALITY_MISSING.get(board.inequalities_missing, "No breakdown can be shown.")
        return "".join(out) + f"<p>{e(words)}</p></div>"
    out.append(
        f"<p>From the patients in the stored patient lists in use at "
        f"{e(format.day(board.period))}: the share who achieved in the most deprived fifth of "
        "areas in England (IMD quintile 1, the Core20) against the least deprived fifth "
        "(quintile 5), and where those still to do live.</p>"
    )
    names = {p.card["indicator_code"]: p.card["name"] for p in board.indicators}
    rows = [
        [e(g["indicator_code"]), e(format.count(g["patients"])),
         e(format.percent(g["most_deprived_achievement"], 0)),
         e(format.percent(g["least_deprived_achievement"], 0)), e(_gap_words(g)),
         e(format.percent(g["core20_share_outstanding"], 0))]
        for g in found.gaps.to_dict("records")
    ]  # fmt: skip
    out.append(table_html(
        rows, ["", "Eligible patients", "Most deprived fifth", "Least deprived fifth",
               "Gap in points (95% interval)", "Of those still to do, in the Core20"], {1, 2, 3, 4, 5},
    ))  # fmt: skip
    groups = found.groups[found.groups["dimension"] == DEPRIVATION]
    for code in found.indicators:
        name = names.get(code, code)
        out.append(f'<div class="keep"><h3>{e(code)}: {e(name)}</h3>')
        out += [f"<p>{e(sentence)}</p>" for sentence in found.sentences.get(code, [])]
        ours = groups[groups["indicator_code"] == code]
        if not ours.empty and not ours["suppressed"].all():
            chart = charts.equity_chart(ours, EQUITY_DIMENSION_WORDS[DEPRIVATION])
            out.append(chart_image(chart, f"Share achieved of {code} by deprivation",
                                   BAR_WIDTH, "bar"))  # fmt: skip
        out.append("</div>")
    out += [f'<p class="note">{e(note)}</p>' for note in found.notes]
    out.append(
        f'<p class="note">The Inequalities page shows ethnic group, age band and sex too. To '
        f"keep patients from being recognised, {e(report.SMALL_GROUP_RULE)}</p></div>"
    )
    return "".join(out)


def _gap_words(gap: dict) -> str:
    """'-7.5 (-31 to +19)' (percentage points), or a dash when no gap can be shown."""
    if pd.isna(gap["gap_points"]):
        return format.MISSING
    return f"{gap['gap_points']:+.1f} ({gap['gap_lower']:+.0f} to {gap['gap_upper']:+.0f})"


def scheme_section(board: BoardReport) -> str:
    values = board.scheme_values
    unconfirmed = values[~values["confirmed"]]
    out = ['<div class="section"><h2>The scheme values used</h2>']
    if unconfirmed.empty:
        out.append(f"<p>Every value of the {e(board.year)} scheme ({len(values)}) is confirmed "
                   "by a published NHS England source.</p>")  # fmt: skip
    else:
        out.append(
            f"<p>{len(unconfirmed)} of {len(values)} values of the {e(board.year)} scheme are "
            "not confirmed by a published NHS England source: figures that use them may "
            "change. The Scheme page shows every value's source.</p>"
        )
    rows = [
        [e(r["indicator_code"]), e(r["value_words"]), e(r["figure"]), e(r["confirmed_label"]),
         e(r["source"])]
        for r in values.to_dict("records")
    ]  # fmt: skip
    out.append(table_html(rows, ["", "Value", "Figure", "Confirmed", "Source"], {2}))
    out.append("</div>")
    return "".join(out)


def completeness_section(board: BoardReport) -> str:
    """Each member practice's months sent; past COMPLETENESS_ROWS practices, only those that
    missed a month or are behind (an ICB's 90 practices would fill three pages)."""
    table = board.completeness
    if table.empty or len(table) < 2:
        return ""
    shown = table if len(table) <= COMPLETENESS_ROWS else board.incomplete
    rows = [
        [e(r["practice_name"]), e(format.count(r["periods_sent"])),
         e(format.count(r["periods_missing"])), e(format.day(r["latest_period_end"])),
         e(r["data_note"])]
        for r in shown.to_dict("records")
    ]  # fmt: skip
    out = "<h2>Data completeness by practice</h2>"
    if board.month_notes:
        out += (
            "<p>Months that came late or partial:</p><ul>"
            + "".join(f"<li>{e(note)}</li>" for note in board.month_notes)
            + "</ul>"
        )
    if len(shown) < len(table):
        rest = len(table) - len(shown)
        out += (
            f"<p>{e(format.plural(rest, 'member practice'))} sent figures for every month so "
            "far" + (": the others are below." if len(shown) else ".") + "</p>"
        )
    if shown.empty:
        return out
    return out + table_html(
        rows, ["Practice", "Months sent", "Months missed", "Latest", "Note"], {1, 2}
    )


def board_html(board: BoardReport) -> str:
    """The whole report as one HTML page: its images inlined, nothing fetched from anywhere."""
    noun = LEVEL_NOUNS.get(board.level, board.level)
    body = [title_section(board)]
    if not board.has_data:
        body.append(f"<p>There are no figures for this {e(noun)} at this period end.</p>")
    else:
        body += [headline_section(board), completeness_section(board)]
        body += [indicator_section(board, part) for part in board.indicators]
        body += [practices_section(board), actions_section(board)]
        body.append(inequality_section(board))
    body.append(scheme_section(board))
    title = f"IIF board report: {board.org_name} at {format.day(board.period)}"
    return (
        '<!DOCTYPE html><html lang="en-GB"><head><meta charset="utf-8">'
        '<meta http-equiv="Content-Security-Policy" content="default-src \'none\'; '
        "img-src data:; style-src 'unsafe-inline'\">"
        f"<title>{e(title)}</title><style>{STYLE}</style></head><body>"
        + "\n".join(b for b in body if b)
        + "</body></html>"
    )


@lru_cache(maxsize=1)
def pdf_problem() -> str | None:
    """Why this machine cannot make the PDF, in words (WeasyPrint needs Debian's Pango), or None.
    Found without loading WeasyPrint, which takes over half a second: Overview asks on its first
    view, to offer the PDF button."""
    if importlib.util.find_spec("weasyprint") is None or not all(
        any(_loads(name) for name in names) for names in PANGO_LIBRARIES
    ):
        return (
            "This computer cannot make PDFs (the Pango library is missing; `make pdf-tools` "
            "installs it): download the print page and print it from the browser instead."
        )
    return None


def _loads(library: str) -> bool:
    try:
        ctypes.CDLL(library)
    except OSError:
        return False
    return True


def board_pdf(board: BoardReport, page: str | None = None) -> bytes:
    """The report as an A4 PDF, made from the same HTML page (`page`, when already made)."""
    import weasyprint

    # data: URIs only, every error fatal: the report fetches nothing from anywhere.
    fetcher = weasyprint.URLFetcher(allowed_protocols=("data",), fail_on_errors=True)
    document = weasyprint.HTML(string=page or board_html(board), url_fetcher=fetcher)
    return document.write_pdf()
