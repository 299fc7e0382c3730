"""Driving the served app in Chromium: every wait is for a condition the page shows, never a time.

The app draws `<span data-iif-run="N" hidden>` as the last element of every script run that
finishes (ui/run_end.py), N counting the session's finished runs. A run is complete for a test
when Streamlit says the script is not running, the mark shows a count higher than before the
action, no element is left stale from the run before, and every chart has drawn.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SCREENSHOTS = ROOT / "test-artifacts" / "screenshots"
VIEWPORT = {"width": 1400, "height": 900}
START_SECONDS = 120  # for a fresh server to answer its health check, on a busy machine
RUN_SECONDS = 120  # for one script run to finish and the page to draw, on a busy machine
EXCEPTION = '[data-testid="stException"]'
MARK = "data-iif-run"  # ui/run_end.py MARK_ATTRIBUTE
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser") or "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--disable-background-networking",
    "--disable-component-update", "--no-first-run", "--disable-sync",
]  # fmt: skip

# True when the script run after `after` finished and the page shows all of it. An exception
# shown by Streamlit also ends the wait, so that the test fails on it, with its text.
RUN_FINISHED = """(after) => {
  if (document.querySelector('[data-testid="stException"]')) return true;
  const app = document.querySelector('[data-testid="stApp"]');
  if (!app || app.getAttribute('data-test-script-state') !== 'notRunning') return false;
  const marks = document.querySelectorAll('[data-iif-run]');
  if (marks.length !== 1 || Number(marks[0].getAttribute('data-iif-run')) <= after) return false;
  if (document.querySelector('[data-stale="true"]')) return false;
  const charts = document.querySelectorAll('[data-testid="stVegaLiteChart"]');
  return [...charts].every((chart) => chart.querySelector('canvas, svg'));
}"""
NEXT_FRAME = "() => new Promise((done) => requestAnimationFrame(() => requestAnimationFrame(done)))"


class WaitedTooLong(AssertionError):
    """A condition did not come true in time; the message says which."""


def refuse_outside(context, allowed: tuple[str, ...], counted=lambda request: True) -> list[str]:
    """Let `context` reach only addresses starting with one of `allowed` (and data: and blob:);
    every other request is refused, and those `counted` are listed in what is returned, for the
    test to fail on."""
    outside: list[str] = []

    def route(route):
        request = route.request
        if request.url.startswith((*allowed, "data:", "blob:")):
            return route.continue_()
        if counted(request):
            outside.append(request.url)
        return route.abort()

    context.route("**/*", route)
    return outside


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def start_server(
    folder: Path, environment: dict, arguments: tuple[str, ...] = (), port: int | None = None,
    loopback: bool = True, wait_seconds: float = START_SECONDS,
) -> tuple[subprocess.Popen, str]:  # fmt: skip
    """`streamlit run app.py` on a free loopback port (or `port`), with more `arguments`;
    returns once its health check answers (within `wait_seconds`). `loopback=False` starts it
    as `make run` does, on every interface."""
    port = port or free_port()
    address = ("--server.address", "127.0.0.1") if loopback else ()
    log_path = folder / "server.log"
    with open(log_path, "w") as log:
        process = subprocess.Popen(
            [sys.executable, "-m", "streamlit", "run", "app.py", "--server.headless", "true",
             *address, "--server.port", str(port),
             "--browser.gatherUsageStats", "false", *arguments],
            cwd=ROOT, env={**os.environ, **environment}, stdout=log, stderr=subprocess.STDOUT,
        )  # fmt: skip
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + wait_seconds
    while not _healthy(url):
        try:
            process.wait(timeout=0.3)  # returns at once if the server has died
        except subprocess.TimeoutExpired:
            pass
        if process.poll() is not None or time.monotonic() > deadline:
            stop_server(process)
            raise WaitedTooLong(
                f"the app did not answer its health check within {wait_seconds:g} s: "
                f"{log_path.read_text()}"
            )
    return process, url


def _healthy(url: str) -> bool:
    try:
        with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as answer:
            return answer.status == 200
    except OSError:
        return False


def stop_server(process: subprocess.Popen) -> None:
    process.terminate()
    try:
        process.wait(timeout=20)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


def runs_finished(page) -> int:
    """The session's count of finished runs shown on the page (0 before the first)."""
    mark = page.locator(f"[{MARK}]")
    return int(mark.get_attribute(MARK)) if mark.count() == 1 else 0


def wait_for_run(page, after: int = 0, what: str = "the page") -> int:
    """Wait until a run later than `after` has finished and is drawn; return its count."""
    try:
        page.wait_for_function(RUN_FINISHED, arg=after, timeout=RUN_SECONDS * 1000)
    except Exception as error:  # Playwright's TimeoutError
        raise WaitedTooLong(
            f"{what}: no finished script run after run {after} within {RUN_SECONDS} s "
            f"(script state {page.locator('[data-testid=stApp]').get_attribute('data-test-script-state')!r}, "
            f"mark {runs_finished(page)}, stale elements "
            f"{page.locator('[data-stale=true]').count()})"
        ) from error
    return runs_finished(page)


def open_page(page, url: str, title: str) -> None:
    """Go to a URL in a new session and wait until its page is drawn with this title."""
    page.goto(url)
    wait_for_run(page, 0, f"opening {url}")
    assert_no_exception(page)
    assert page.locator("h1", has_text=title).count(), f"{url} did not show the {title} page"


def rerun_after(page, action: Callable[[], None], what: str) -> None:
    """Do something that makes the app run again (a click, a key), and wait for that run."""
    before = runs_finished(page)
    action()
    wait_for_run(page, before, what)
    assert_no_exception(page)


def click_level(page, level_label: str) -> None:
    sidebar = page.locator('[data-testid="stSidebar"]')
    rerun_after(
        page,
        lambda: sidebar.get_by_role("radio", name=level_label).click(),
        f"choosing the level {level_label}",
    )


def choose_in_selectbox(page, position: int, words: str) -> None:
    """Type into the sidebar's selectbox at `position` and pick the first option offered (a box
    that shows it already is left alone: choosing the same again makes no run to wait for)."""
    box = page.locator('[data-testid="stSidebar"] [data-testid="stSelectbox"]').nth(position)
    if words in box.locator("input").input_value():
        return
    box.click()
    page.keyboard.type(words)
    page.get_by_role("option").filter(has_text=words).first.wait_for(timeout=RUN_SECONDS * 1000)
    rerun_after(page, lambda: page.keyboard.press("Enter"), f"choosing {words!r}")


def assert_no_exception(page) -> None:
    shown = page.locator(EXCEPTION)
    assert shown.count() == 0, shown.first.inner_text()
    assert "Traceback" not in page.locator("body").inner_text()


def screenshot(page, name: str, width: int | None = None) -> None:
    """The whole page: the window made as tall as the page's content first, `width` wide when
    given (a narrow window; a run the new width causes is waited for), else as wide as it is."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    width = width or page.viewport_size["width"]
    if width != page.viewport_size["width"]:
        page.set_viewport_size({"width": width, "height": VIEWPORT["height"]})
        page.evaluate(NEXT_FRAME)
        page.wait_for_function(RUN_FINISHED, arg=runs_finished(page) - 1)
    height = page.evaluate(
        "() => { const e = document.querySelector('[data-testid=stMainBlockContainer]');"
        " return e ? e.scrollHeight : 900; }"
    )
    page.set_viewport_size({"width": width, "height": max(900, int(height) + 80)})
    page.evaluate(NEXT_FRAME)  # the layout at the new height has been painted
    page.screenshot(path=str(SCREENSHOTS / f"{name}.png"))
    page.set_viewport_size({"width": width, "height": VIEWPORT["height"]})
    page.evaluate(NEXT_FRAME)


def chart_screenshot(page, heading: str, name: str) -> None:
    """The first chart after a heading, on its own: what a person sees of that view."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    section = page.locator(f"h3:has-text('{heading}')").first
    section.wait_for(timeout=RUN_SECONDS * 1000)
    charts = page.locator('[data-testid="stVegaLiteChart"]').filter(has=page.locator("canvas, svg"))
    top = section.bounding_box()["y"]
    below = [c for c in charts.all() if c.bounding_box()["y"] > top]
    assert below, f"no drawn chart below the heading {heading!r}"
    below[0].scroll_into_view_if_needed()
    page.evaluate(NEXT_FRAME)
    below[0].screenshot(path=str(SCREENSHOTS / f"{name}.png"))
