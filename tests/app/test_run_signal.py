"""The signal the browser tests wait for: every finished run, of every page, ends with the run mark.

And the rules that keep the tests honest: no test waits for time, and no page ends a run early
without drawing the mark.
"""

import ast
import re
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

ROOT = Path(__file__).resolve().parents[2]
APP = str(ROOT / "app.py")
TIMEOUT = 180  # a guard for one run on a busy machine; AppTest returns when the run ends
PAGES = ("overview", "variation", "patients", "trends", "payment", "data", "scheme")
MARK = re.compile(r'^<span data-iif-run="(\d+)" hidden></span>$')


def last_element(at: AppTest):
    """The last element the run drew in the main area."""
    elements = []

    def walk(node):
        children = getattr(node, "children", None)
        if children:
            for child in children.values():
                walk(child)
        else:
            elements.append(node)

    walk(at.main)
    return elements[-1]


def run_count(at: AppTest) -> int:
    marks = [MARK.match(h.proto.body) for h in at.html]
    marks = [m for m in marks if m]
    assert len(marks) == 1, f"expected one run mark, found {len(marks)}"
    return int(marks[0][1])


@pytest.mark.parametrize("page", PAGES)
@pytest.mark.parametrize("store", ["demo_db", "empty_db"])
def test_every_page_ends_its_run_with_the_mark(page, store, request):
    """With figures, and with none (where most pages end early), the last element drawn is the
    mark, and each further run shows a higher count."""
    request.getfixturevalue(store)
    at = AppTest.from_file(APP, default_timeout=TIMEOUT)
    at.run()
    at.switch_page(f"pages/{page}.py").run()
    assert not at.exception, at.exception
    assert MARK.match(last_element(at).proto.body)
    first = run_count(at)
    at.run()
    assert run_count(at) == first + 1


def python_files(*folders: str):
    for folder in folders:
        yield from sorted((ROOT / folder).rglob("*.py"))


def test_no_test_waits_for_time():
    """Tests wait for conditions: time.sleep appears nowhere under tests/."""
    found = []
    for path in python_files("tests"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom) and node.module == "time":
                found += [f"{path.name}:{node.lineno}" for a in node.names if a.name == "sleep"]
            if isinstance(node, ast.Attribute) and node.attr == "sleep":
                if isinstance(node.value, ast.Name) and node.value.id in ("time", "asyncio"):
                    found.append(f"{path.name}:{node.lineno}")
    assert not found, f"time.sleep used in tests: {found}"


def test_pages_end_early_only_through_run_end():
    """st.stop() directly would end a run without the mark: pages and ui/ use run_end.stop()."""
    found = []
    for path in [*python_files("pages", "ui"), ROOT / "app.py"]:
        if path.name == "run_end.py":
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Attribute) and node.attr == "stop":
                if isinstance(node.value, ast.Name) and node.value.id == "st":
                    found.append(f"{path.relative_to(ROOT)}:{node.lineno}")
    assert not found, f"st.stop() without the run mark: {found}"
