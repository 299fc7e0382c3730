"""Numbers and dates for people (82.6%, £3,518.52, 1,204) and formula-safe CSV and Excel files."""

from __future__ import annotations

import re
import string
from datetime import date, datetime

import pandas as pd

# The core's, so that downloads are made safe exactly as the command line's files are.
from iif_core.downloads import csv_bytes, excel_bytes  # noqa: F401 (the app's download files)
from iif_core.formulas import neutralise_formulas as formula_safe  # noqa: F401
from iif_core.words import plural  # noqa: F401 (one rule for every count in words)

MISSING = "–"  # what an empty figure shows as: a dash, never "nan" or "None"


def _missing(value) -> bool:
    if value is None:
        return True
    try:
        return bool(pd.isna(value))
    except (TypeError, ValueError):
        return False


def percent(value, digits: int = 1) -> str:
    """82.639 -> '82.6%'."""
    return MISSING if _missing(value) else f"{float(value):,.{digits}f}%"


def achievement(value, unit: str = "percent") -> str:
    """Achievement in the indicator's unit: '82.6%', '12.3 per 1,000', '0.85'."""
    if _missing(value):
        return MISSING
    if unit == "percent":
        return percent(value)
    if unit == "per_1000":
        return f"{float(value):,.1f} per 1,000"
    return f"{float(value):,.2f}"


def threshold(value, unit: str = "percent") -> str:
    """A threshold as published: '80%', '12.5 per 1,000', '1.2'."""
    if _missing(value):
        return MISSING
    text = f"{float(value):g}"
    return {"percent": f"{text}%", "per_1000": f"{text} per 1,000"}.get(unit, text)


def money(value, pence: bool = True) -> str:
    """3518.52 -> '£3,518.52' (or '£3,519' without pence); negative as '-£12.00'."""
    if _missing(value):
        return MISSING
    amount = float(value)
    sign = "-" if amount < 0 else ""
    body = f"{abs(amount):,.2f}" if pence else f"{abs(amount):,.0f}"
    return f"{sign}£{body}"


def count(value) -> str:
    """1204 -> '1,204'."""
    return MISSING if _missing(value) else f"{int(round(float(value))):,}"


def points(value) -> str:
    """Points to two decimals, whole points without: '17.59', '36'."""
    if _missing(value):
        return MISSING
    amount = float(value)
    return f"{amount:,.0f}" if amount.is_integer() else f"{amount:,.2f}"


def share(value) -> str:
    """A fraction as a whole percentage: 0.94 -> '94%'."""
    return MISSING if _missing(value) else f"{100 * float(value):.0f}%"


def day(value) -> str:
    """A date as people write it: '31 Oct 2026'."""
    if _missing(value):
        return MISSING
    if isinstance(value, str):
        value = date.fromisoformat(value[:10])
    if isinstance(value, datetime | pd.Timestamp):
        value = value.date()
    return f"{value.day} {value:%b %Y}"


def long_day(value) -> str:
    """'31 October 2026'."""
    if _missing(value):
        return MISSING
    value = pd.Timestamp(value).date()
    return f"{value.day} {value:%B %Y}"


def band(value, low, high, unit: str = "percent") -> str:
    """A projection with its band: '76.6% (95% band 67.6% to 85.6%)'."""
    if _missing(value):
        return MISSING
    return (
        f"{achievement(value, unit)} (95% band {achievement(low, unit)} to "
        f"{achievement(high, unit)})"
    )


def money_range(low, high) -> str:
    """'£4,100 to £7,050', whole pounds: a projection is not exact to the penny."""
    if _missing(low) or _missing(high):
        return MISSING
    return f"{money(low, pence=False)} to {money(high, pence=False)}"


# --- Downloads --------------------------------------------------------------------------------


def file_stem(*parts) -> str:
    """A download's file name from words: 'iif-overview-U22888-2026-10-31'."""
    words = []
    for part in parts:
        if _missing(part):
            continue
        text = part.isoformat() if isinstance(part, date) else str(part)
        words.append("".join(c if c.isalnum() else "-" for c in text).strip("-"))
    return "-".join(w for w in words if w) or "iif"


# --- Text from files shown in Markdown -------------------------------------------------------


WORD_JOINER = "\u2060"
AUTOLINK = re.compile(r"(?i)(https?:|ftp:|www\.)")  # the joiner goes before the last character


def escape_markdown_keeping_bold(text: str) -> str:
    """Like escape_markdown, but a text wrapped in ** stays bold."""
    if text.startswith("**") and text.endswith("**"):
        return "**" + escape_markdown(text[2:-2]) + "**"
    return escape_markdown(text)


def escape_markdown(text) -> str:
    """Names from uploaded files may hold Markdown or HTML; show them as written. Every ASCII
    punctuation character is escaped (Markdown allows a backslash before any), so that no image,
    link, HTML, list, heading, entity (&amp;), emoji or icon (:smile:, :material/home:) or colour
    (:red[...]) is made of them; an invisible word joiner after http or www keeps a bare web
    address from being made a link."""
    joined = AUTOLINK.sub(lambda found: found[0][:-1] + WORD_JOINER + found[0][-1], str(text))
    return "".join("\\" + c if c in string.punctuation else c for c in joined)
