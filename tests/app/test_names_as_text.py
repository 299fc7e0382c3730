"""Names from files reach Streamlit only escaped wherever it reads Markdown: every practice, PCN,
place, ICB and indicator name, an indicator's source and an upload's file name hold Markdown
and HTML that would fetch from an outside host, and every string Streamlit would read as
Markdown, on every page at every level, must hold them escaped (ui/format.escape_markdown).

The browser tests (test_nothing_leaves.py) show that nothing is fetched; this finds the one
string that is not escaped, and says where it is."""

import csv
import dataclasses
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest
from streamlit.testing.v1 import element_tree as tree

from iif_core.schemes import bundled_scheme_years
from iif_core.store import Store
from iif_core.vocabulary import LEVELS
from ui import format

ROOT = Path(__file__).resolve().parents[2]
APP = str(ROOT / "app.py")
TIMEOUT = 180
PAGES = ["overview", "variation", "patients", "inequalities", "trends", "payment", "plan", "data",
         "scheme"]  # fmt: skip
OUTSIDE = "192.0.2."  # an address for documentation only: in every payload, nowhere else
FILE_NAME = f"orgs ![f](http:{OUTSIDE}9) **file**.csv"  # a file name cannot hold "/"
UPLOAD_NAME = f"![u](http:{OUTSIDE}8) <img src=x> upload.csv"
INBOX_NAME = f"![i](http:{OUTSIDE}7) <img src=x> **inbox**.csv"
GOOD_ROWS = (
    b"practice_code,indicator_code,period_end,numerator,denominator,pca_count\n"
    b"X10010,HI-03,2026-11-30,30,40,1\n"
)


def hostile(name: str, code: str) -> str:
    """A name as a hostile file might hold it: an image and a link on an outside host, an HTML
    image and bold, each of which Streamlit would act on if it read the name as Markdown."""
    return (
        f"{name} ![{code}](http://{OUTSIDE}1/{code}.png) [link](http://{OUTSIDE}2/) "
        f"<img src='http://{OUTSIDE}3/{code}.gif'> **bold** _{code}_ `code`"
    )


@pytest.fixture
def hostile_db(demo_db, tmp_path) -> list[str]:
    """The demo store with every organisation and indicator renamed, an indicator source and
    an organisation file's name hostile; returns every hostile text stored."""
    with open(ROOT / "sample_data" / "orgs.csv", newline="", encoding="utf-8") as source:
        rows = list(csv.DictReader(source))
    texts = set()
    for row in rows:
        for level in ("practice", "pcn", "place", "icb"):
            if row[f"{level}_code"]:
                row[f"{level}_name"] = hostile(row[f"{level}_name"], row[f"{level}_code"])
                texts.add(row[f"{level}_name"])
    orgs_file = tmp_path / FILE_NAME
    with open(orgs_file, "w", newline="", encoding="utf-8") as out:
        writer = csv.DictWriter(out, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    store = Store(demo_db)
    assert store.ingest(orgs_file, who="test").accepted
    for year in bundled_scheme_years():
        scheme = store.scheme(year)
        indicators = {
            code: dataclasses.replace(
                indicator,
                name=hostile(indicator.name, code),
                source=hostile("Source", code),
                description=hostile("Description", code),
            )
            for code, indicator in scheme.indicators.items()
        }
        for indicator in indicators.values():
            texts |= {indicator.name, indicator.source, indicator.description}
        store.save_scheme(dataclasses.replace(scheme, indicators=indicators), who="test")
    store.close()
    return sorted(texts | {FILE_NAME, UPLOAD_NAME}, key=len, reverse=True)


def nodes(node):
    yield node
    for child in getattr(node, "children", {}).values():
        yield from nodes(child)


def markdown_strings(at: AppTest):
    """(what, string) for every string on the page that Streamlit reads as Markdown: the body
    of text elements; every label and help; the options of radios, segmented controls and
    select sliders (a selectbox's options are plain text)."""
    for node in nodes(at._tree):
        kind = type(node).__name__
        if isinstance(node, tree.Markdown | tree.HeadingBase | tree.AlertBase | tree.Toast):
            yield kind, str(node.value)
        proto = getattr(node, "proto", None)
        for attribute in ("label", "help"):
            text = getattr(proto, attribute, "") if proto is not None else ""
            if isinstance(text, str) and text:
                yield f"{kind} {attribute}", text
        if isinstance(node, tree.Radio | tree.ButtonGroup | tree.SelectSlider):
            for option in node.options:
                yield f"{kind} option", str(option)


def unescaped(at: AppTest, texts: list[str], where: str) -> list[tuple[str, str, str]]:
    """Strings that still show a hostile text once its escaped form is taken out."""
    found = []
    for what, text in markdown_strings(at):
        rest = text
        for hostile_text in texts:
            rest = rest.replace(format.escape_markdown(hostile_text), "")
        if OUTSIDE in rest:
            found.append((where, what, text))
    return found


def test_names_from_files_reach_markdown_only_escaped(hostile_db):
    found = []
    at = AppTest.from_file(APP, default_timeout=TIMEOUT)
    at.run()
    for page in PAGES:
        at.switch_page(f"pages/{page}.py").run()
        for level in LEVELS:
            at.segmented_control(key="level").set_value(level).run()
            assert not at.exception, [e.value for e in at.exception]
            found += unescaped(at, hostile_db, f"{page} at {level}")
            picker = [w for w in at.segmented_control if w.key == "indicator"]
            # Each option is a code, escaped ("HI\\-03").
            codes = (
                [o.split(" · ")[0].replace("\\", "") for o in picker[0].options] if picker else []
            )
            for code in codes:
                at.segmented_control(key="indicator").set_value(code).run()
                assert not at.exception, [e.value for e in at.exception]
                found += unescaped(at, hostile_db, f"{page} at {level}, {code}")
    assert not found, "\n".join(map(str, found))


def test_an_uploads_file_name_reaches_markdown_only_escaped(hostile_db):
    at = AppTest.from_file(APP, default_timeout=TIMEOUT)
    at.run()
    at.switch_page("pages/data.py").run()
    at.file_uploader(key="uploader_0").set_value((UPLOAD_NAME, GOOD_ROWS, "text/csv")).run()
    assert not at.exception, [e.value for e in at.exception]
    assert any(format.escape_markdown(UPLOAD_NAME) in e.label for e in at.expander)
    found = unescaped(at, hostile_db, "data, upload checked")
    at.button(key="store_0").click().run()
    assert not at.exception, [e.value for e in at.exception]
    found += unescaped(at, hostile_db, "data, upload stored")
    assert not found, "\n".join(map(str, found))


def test_a_file_name_from_the_inbox_reaches_markdown_only_escaped(
    hostile_db, tmp_path, monkeypatch
):
    from iif_core import inbox

    folder = tmp_path / "inbox"
    folder.mkdir()
    (folder / INBOX_NAME).write_bytes(GOOD_ROWS.replace(b"30,40", b"thirty,40"))
    store = Store(tmp_path / "iif.duckdb")
    [filed] = inbox.scan(store, folder, settle=0)
    assert filed.outcome == "rejected"
    monkeypatch.setenv("IIF_INBOX", str(folder))
    at = AppTest.from_file(APP, default_timeout=TIMEOUT)
    at.run()
    at.switch_page("pages/data.py").run()
    assert not at.exception, [e.value for e in at.exception]
    assert any(format.escape_markdown(INBOX_NAME) in e.label for e in at.expander)
    found = unescaped(at, [*hostile_db, INBOX_NAME], "data, inbox")
    assert not found, "\n".join(map(str, found))


def test_the_check_finds_a_name_that_is_not_escaped():
    """The check itself: a raw name in a label is found; its escaped form is not."""
    name = hostile("Surgery", "X1")
    raw, safe = AppTest.from_string(
        f"import streamlit as st\nst.checkbox({name!r})"
    ), AppTest.from_string(
        f"import streamlit as st\nfrom ui import format\nst.checkbox(format.escape_markdown({name!r}))"
    )  # fmt: skip
    assert unescaped(raw.run(), [name], "raw")
    assert not unescaped(safe.run(), [name], "escaped")
