"""The charts' colours against WCAG 2.2 AA, by the WCAG formula: marks 3:1 against the page's
white (non-text contrast, 1.4.11), text 4.5:1 against white and every tint it is drawn on."""

import re
from pathlib import Path

import pytest

from ui import charts

WHITE = "#FFFFFF"
MARKS = 3.0  # WCAG 1.4.11, graphical objects
TEXT = 4.5  # WCAG 1.4.3, text under 18 pt
# Colours in the charts that are only ever backgrounds (the threshold zones behind a bar) or the
# inside of a hollow point, whose outline carries the colour.
BACKGROUNDS = {*charts.ZONE_TINTS.values(), WHITE}
TEXT_COLOURS = (
    charts.THRESHOLD_COLOUR, charts.INTERVENTION_COLOUR, charts.ORG_COLOUR, charts.LIMIT_COLOUR,
    charts.TARGET_COLOUR,
)  # fmt: skip  # the colours labels are written in
HEX = re.compile(r'"(#[0-9A-Fa-f]{6})"')


def luminance(colour: str) -> float:
    """WCAG 2.2's relative luminance of an sRGB colour '#RRGGBB'."""
    channels = [int(colour[i : i + 2], 16) / 255 for i in (1, 3, 5)]
    linear = [c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]


def contrast(one: str, other: str) -> float:
    lighter, darker = sorted((luminance(one), luminance(other)), reverse=True)
    return (lighter + 0.05) / (darker + 0.05)


def test_the_formula_gives_the_known_ratios():
    assert contrast("#000000", WHITE) == pytest.approx(21)
    assert contrast(WHITE, WHITE) == pytest.approx(1)
    assert contrast("#767676", WHITE) == pytest.approx(4.54, abs=0.01)  # the AA grey
    assert contrast("#777777", WHITE) == pytest.approx(4.48, abs=0.01)  # just under it


def every_colour_in_the_charts() -> set[str]:
    """Every colour written in ui/charts.py, so that a new one cannot be missed."""
    text = Path(charts.__file__).read_text(encoding="utf-8")
    return {colour.upper() for colour in HEX.findall(text)}


def test_every_mark_colour_has_3_to_1_against_white():
    colours = every_colour_in_the_charts() - {c.upper() for c in BACKGROUNDS}
    assert len(colours) > 10
    weak = {c: round(contrast(c, WHITE), 2) for c in colours if contrast(c, WHITE) < MARKS}
    assert not weak, f"under {MARKS}:1 against white: {weak}"


def test_labels_have_4_5_to_1_on_white():
    weak = {c: round(contrast(c, WHITE), 2) for c in TEXT_COLOURS if contrast(c, WHITE) < TEXT}
    assert not weak, f"under {TEXT}:1 on white: {weak}"


@pytest.mark.parametrize("tint", charts.ZONE_TINTS.values())
def test_the_threshold_bar_is_readable_on_its_zones(tint):
    """Drawn on the zones: the achievement bar (ORG_COLOUR) and the thresholds' rules."""
    for colour in (charts.ORG_COLOUR, charts.THRESHOLD_COLOUR):
        assert contrast(colour, tint) >= TEXT, (colour, tint, round(contrast(colour, tint), 2))


def test_every_status_has_its_own_colour_and_its_own_words():
    assert len(set(charts.STATUS_COLOURS.values())) == len(charts.STATUS_COLOURS)
    assert len(set(charts.STATUS_LEGEND)) == len(charts.STATUS_LEGEND)  # the legend says it
