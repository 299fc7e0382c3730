"""Many users at once against one served app: page views timed through Streamlit's websocket.

    python bench/bench_sessions.py [--sessions 1,8,20] [--views 10] [--think 0] [--arrive 0]
                                   [--store-folder FOLDER | --demo] [--seed 2025]

It starts one `streamlit run app.py` on a free loopback port (IIF_DB the store, IIF_DEMO=0,
IIF_MODE=local), waits for its health check (/_stcore/health), then, for each number of sessions
given (one round each, in turn, on the same server), opens that many sessions at once as
websocket clients of /_stcore/stream, speaking Streamlit's protobufs as the browser does (no
browser). The store is an England-sized one (bench/england_store.py: built in --store-folder, or
reused when a finished one is there; a temporary folder by default) or, with --demo, a new store
holding the sample data as the app's demo loads it.

A session lands on a page chosen at random, as a browser opening its URL does (rerun_script with
page_name the page's URL path); then each of its page views is one rerun_script with the page's
page_script_hash (as a click in the navigation sends) and the widget states of the sidebar's Level
control and, once the session has seen that level's Organisation box, an organisation chosen at
random from it. The app reads no query parameters, so the query string is always empty. Each view
is timed from sending the rerun to the server's script_finished for it (a run the app restarts
itself, FINISHED_EARLY_FOR_RERUN, is waited through), with a think time of uniform 0..2×--think
seconds between views (seeded); with --arrive, each session opens at a random time within that
many seconds, as people come to the app one after another (by default all open at once). A view
counts as an error when its run draws an exception element, the page is not found, the script
does not compile, it ends without the app's run-end mark (ui/run_end.py), the connection closes
or it takes longer than --timeout.

It prints a markdown table, one row per round: sessions, page views, errors, median, 95th
percentile and slowest view (s), the server's peak resident memory (VmRSS sampled from /proc
every 0.1 s) during the round, the round's wall time, the CPU seconds of the server and of the
clients (this process) and the MiB they received; then the median and slowest per page over all
rounds, and the line naming the machine. It asserts nothing about time.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import platform
import random
import shutil
import signal
import statistics
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests" / "app"))

import browsing  # noqa: E402  the tests' driver of the served app: start, health check, stop

PAGES = ("overview", "variation", "patients", "trends", "payment")
LEVELS = ("practice", "pcn", "place", "icb")  # iif_core.vocabulary.LEVELS
LEVEL_KEY = "level"  # ui/session.py: the sidebar's keys
ORG_PREFIX = "org_"
MARK = 'data-iif-run="'  # ui/run_end.py: what every finished run draws last
START_SECONDS = 180  # for the server to answer its health check on a busy machine
SAMPLE_SECONDS = 0.1  # how often the server's memory is read
MAX_MESSAGE = 256 * 1024 * 1024  # a ForwardMsg may carry a large table


class BenchError(Exception):
    pass


class MemorySampler:
    """The server's resident memory, read from /proc every SAMPLE_SECONDS in a thread."""

    def __init__(self, pid: int):
        self.path = Path(f"/proc/{pid}/status")
        self.peak_kib = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def read(self, field_name: str = "VmRSS") -> int:
        """A field of /proc/PID/status in KiB (0 when it cannot be read: not Linux)."""
        try:
            for line in self.path.read_text().splitlines():
                if line.startswith(field_name + ":"):
                    return int(line.split()[1])
        except OSError:
            pass
        return 0

    def _run(self) -> None:
        while True:
            self.peak_kib = max(self.peak_kib, self.read())
            if self._stop.wait(SAMPLE_SECONDS):
                return

    def __enter__(self) -> MemorySampler:
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        self._thread.join()
        self.peak_kib = max(self.peak_kib, self.read())


# ----- one simulated user ----------------------------------------------------------------------


@dataclass
class View:
    page: str
    level: str | None  # None: the level the session already had (its landing view)
    seconds: float
    errors: list[str] = field(default_factory=list)


@dataclass
class Widget:
    id: str
    options: list[str]


class Session:
    """One browser tab's worth of websocket traffic: a session of the server's."""

    def __init__(
        self, number: int, url: str, rng: random.Random, timeout: float, switch: float = 1.0
    ):
        self.number = number
        self.switch = switch  # the chance that a view chooses another level and organisation
        self.level: str | None = None
        self.org_labels: dict[str, str] = {}  # the organisation chosen at each level
        self.stream = url.replace("http://", "ws://") + "/_stcore/stream"
        self.rng = rng
        self.timeout = timeout
        self.page_hashes: dict[str, str] = {}  # our page name -> page_script_hash
        self.widgets: dict[str, Widget] = {}  # the sidebar's widgets by key, as last drawn
        self.views: list[View] = []
        self.received = 0  # bytes of ForwardMsgs

    async def run(self, views: int, think: float, arrive: float = 0.0) -> list[View]:
        from websockets.asyncio.client import connect
        from websockets.exceptions import WebSocketException

        if arrive:  # people come to the app one after another, not all in the same instant
            await asyncio.sleep(self.rng.uniform(0, arrive))
        try:
            async with connect(
                self.stream,
                subprotocols=["streamlit"],
                max_size=MAX_MESSAGE,
                proxy=None,
                ping_interval=None,  # browsers send no pings; a long run must not time out
                open_timeout=self.timeout,
            ) as socket_:
                for number in range(views):
                    if number and think:
                        await asyncio.sleep(self.rng.uniform(0, 2 * think))
                    view = await self.view(socket_, landing=number == 0)
                    self.views.append(view)
                    if any(e.startswith(("timed out", "connection")) for e in view.errors):
                        break  # the session cannot go on
        except (OSError, TimeoutError, WebSocketException) as error:
            self.views.append(View("(connect)", None, 0.0, [f"connection failed: {error}"]))
        return self.views

    async def view(self, socket_, landing: bool) -> View:
        from streamlit.proto.BackMsg_pb2 import BackMsg

        page = self.rng.choice(PAGES)
        message = BackMsg()
        state = message.rerun_script
        state.query_string = ""  # the app reads no query parameters
        level = None
        if landing or page not in self.page_hashes:
            # A browser opening http://host/variation: the page by its URL path (the default
            # page, Overview, is the bare URL), no widget states yet.
            state.page_name = "" if page == PAGES[0] else page
        else:
            state.page_script_hash = self.page_hashes[page]
        if not landing:
            switching = self.level is None or self.rng.random() < self.switch
            level = self.rng.choice(LEVELS) if switching else self.level
            self._set_widgets(state.widget_states, level, switching)
            self.level = level
        started = time.perf_counter()
        await socket_.send(message.SerializeToString())
        errors = await self._until_finished(socket_, started, page, level)
        return View(page, level, time.perf_counter() - started, errors)

    def _set_widgets(self, widget_states, level: str, switching: bool = True) -> None:
        """The Level control set to `level` and, if this session has seen that level's
        Organisation box, one of its organisations at random (labels, as the browser sends);
        not `switching`, the organisation chosen before at that level."""
        from iif_core.vocabulary import LEVEL_LABELS

        control = self.widgets.get(LEVEL_KEY)
        if control is None:
            return
        state = widget_states.widgets.add()
        state.id = control.id
        state.string_array_value.data.append(LEVEL_LABELS[level])
        box = self.widgets.get(ORG_PREFIX + level)
        if box is not None and box.options:
            state = widget_states.widgets.add()
            state.id = box.id
            if switching or level not in self.org_labels:
                self.org_labels[level] = self.rng.choice(box.options)
            state.string_value = self.org_labels[level]

    async def _until_finished(
        self, socket_, started: float, page: str, level: str | None
    ) -> list[str]:
        """Read ForwardMsgs until the run ends; what went wrong in it, in words (the page and
        level drawn not those asked for included)."""
        from streamlit.proto.ForwardMsg_pb2 import ForwardMsg
        from websockets.exceptions import ConnectionClosed

        errors: list[str] = []
        marked = False
        drawn = {}  # the page (script hash) the run drew, and its Organisation box's key
        deadline = started + self.timeout
        while True:
            try:
                data = await asyncio.wait_for(socket_.recv(), deadline - time.perf_counter())
            except TimeoutError:
                return [*errors, f"timed out after {self.timeout:g} s"]
            except ConnectionClosed as closed:
                return [*errors, f"connection closed ({closed})"]
            self.received += len(data)
            message = ForwardMsg()
            message.ParseFromString(data)
            kind = message.WhichOneof("type")
            if kind == "new_session":  # a run starts (again, when the app reruns itself)
                marked = False
                drawn = {}
            elif kind == "navigation":  # st.navigation: the pages, and the one it runs
                self._learn_pages(message.navigation)
                drawn["page"] = message.navigation.page_script_hash
            elif kind == "delta":
                marked |= self._read_delta(message.delta, errors, drawn)
            elif kind == "page_not_found":
                errors.append(f"page not found (asked for {page})")
            elif kind == "session_event" and message.session_event.HasField(
                "script_compilation_exception"
            ):
                found = message.session_event.script_compilation_exception
                errors.append(f"script compilation error: {found.type}: {found.message}")
            elif kind == "script_finished":
                status = message.script_finished
                if status == ForwardMsg.FINISHED_EARLY_FOR_RERUN:
                    continue  # the app asked for a rerun (st.rerun): wait for that run
                if status == ForwardMsg.FINISHED_WITH_COMPILE_ERROR:
                    errors.append("the script did not compile")
                elif not marked and not errors:
                    errors.append("the run ended without the app's run-end mark")
                if drawn.get("page") != self.page_hashes.get(page):
                    errors.append(f"the run drew another page than {page}")
                if level is not None and drawn.get("org") not in (None, ORG_PREFIX + level):
                    errors.append(f"the run drew {drawn['org']!r}, not the {level} level's box")
                return errors

    def _learn_pages(self, navigation) -> None:
        for app_page in navigation.app_pages:
            name = Path(app_page.url_pathname).name or PAGES[0]
            if app_page.is_default:
                name = PAGES[0]
            self.page_hashes[name] = app_page.page_script_hash

    def _read_delta(self, delta, errors: list[str], drawn: dict) -> bool:
        """Note an exception element and the sidebar's widgets; whether it is the run-end mark."""
        if delta.WhichOneof("type") != "new_element":
            return False
        element = delta.new_element
        kind = element.WhichOneof("type")
        if kind == "exception":
            found = element.exception
            first = found.message.strip().splitlines()[0] if found.message.strip() else ""
            errors.append(f"exception: {found.type}: {first}")
        elif kind == "html":
            return MARK in element.html.body
        elif kind == "button_group" and element.button_group.id.endswith("-" + LEVEL_KEY):
            options = [option.content for option in element.button_group.options]
            self.widgets[LEVEL_KEY] = Widget(element.button_group.id, options)
        elif kind == "selectbox":
            key = element.selectbox.id.rsplit("-", 1)[-1]
            if key.startswith(ORG_PREFIX):
                drawn["org"] = key
                self.widgets[key] = Widget(element.selectbox.id, list(element.selectbox.options))
        return False


# ----- rounds ----------------------------------------------------------------------------------


@dataclass
class Round:
    sessions: int
    views: list[View]
    peak_mib: float
    seconds: float
    server_cpu: float  # seconds of CPU the server used in the round (user + system)
    client_cpu: float  # and this process, the simulated sessions
    received_mib: float  # ForwardMsgs received by all sessions

    @property
    def errors(self) -> list[View]:
        return [v for v in self.views if v.errors]


async def run_round(url: str, sessions: int, args, round_number: int) -> tuple[list[View], int]:
    """Every view of `sessions` sessions at once, and the bytes they received."""
    clients = [
        Session(n, url, random.Random(f"{args.seed}-{round_number}-{n}"), args.timeout, args.switch)
        for n in range(sessions)
    ]
    done = await asyncio.gather(*(c.run(args.views, args.think, args.arrive) for c in clients))
    return [view for views in done for view in views], sum(c.received for c in clients)


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of a process so far, from /proc (0 when it cannot be read)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except (OSError, IndexError):
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def percentile(values: list[float], share: float) -> float:
    """The nearest-rank percentile (0.95: the value 95% of views are at or under)."""
    ordered = sorted(values)
    rank = max(1, -(-len(ordered) * share // 1))
    return ordered[int(rank) - 1]


def print_results(rounds: list[Round], args, store_words: str, server_hwm_mib: float) -> None:
    print(
        f"\nSessions against one served app ({store_words}); {args.views} page views a session, "
        f"think time uniform 0..{2 * args.think:g} s (--think {args.think:g}), another level "
        f"and organisation on {args.switch:.0%} of views (--switch {args.switch:g}), "
        + (
            f"the sessions opening over {args.arrive:g} s (--arrive {args.arrive:g}), "
            if args.arrive
            else "every session opening at once, "
        )
        + "each view timed "
        "from sending the rerun to the server's script_finished; rounds in turn on the same "
        "server (the first meets its empty caches).\n"
    )
    print(
        "| sessions | page views | errors | median (s) | 95th percentile (s) | slowest (s) "
        "| peak RSS (MiB) | round (s) | server CPU (s) | client CPU (s) | received (MiB) |"
    )
    print("|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    for r in rounds:
        times = [v.seconds for v in r.views if not v.errors] or [float("nan")]
        print(
            f"| {r.sessions} | {len(r.views)} | {len(r.errors)} | {statistics.median(times):.2f} "
            f"| {percentile(times, 0.95):.2f} | {max(times):.2f} | {r.peak_mib:.0f} "
            f"| {r.seconds:.1f} | {r.server_cpu:.1f} | {r.client_cpu:.1f} | {r.received_mib:.1f} |"
        )
    every = [v for r in rounds for v in r.views if not v.errors]
    print("\n| page | views | median (s) | slowest (s) |")
    print("|---|---:|---:|---:|")
    for page in PAGES:
        times = [v.seconds for v in every if v.page == page]
        if times:
            print(f"| {page} | {len(times)} | {statistics.median(times):.2f} | {max(times):.2f} |")
    failed = [v for r in rounds for v in r.errors]
    if failed:
        print(f"\n{len(failed)} page view{'s' * (len(failed) != 1)} with errors:")
        for view in failed[:20]:
            print(f"- {view.page} ({view.level or 'landing'}): {'; '.join(view.errors)}")
        if len(failed) > 20:
            print(f"- … and {len(failed) - 20} more")
    print(
        f"\nServer peak RSS over the whole run (VmHWM): {server_hwm_mib:.0f} MiB. "
        f"{platform.platform()}, Python {platform.python_version()}, {os.cpu_count()} cores, "
        f"{date.today().isoformat()}. The clients run on the same machine as the server."
    )


# ----- the command -----------------------------------------------------------------------------


def session_counts(text: str) -> list[int]:
    try:
        counts = [int(part) for part in text.split(",") if part.strip()]
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"'{text}' is not a number or a list like 1,8,20"
        ) from None
    if not counts or min(counts) < 1:
        raise argparse.ArgumentTypeError("give at least one number of sessions, each 1 or more")
    return counts


def prepare_store(args, scratch: Path) -> tuple[Path, str]:
    """The store to serve, and words for it."""
    if args.demo:
        import streamlit.logger

        streamlit.logger.set_log_level("error")  # no "No runtime found" for ui/'s caches
        from iif_core.store import Store
        from ui.demo import load_demo

        path = scratch / "demo" / "iif.duckdb"
        started = time.perf_counter()
        with Store(path) as store:
            load_demo(store)
        print(f"demo store loaded in {time.perf_counter() - started:.1f} s", file=sys.stderr)
        return path, "the demo data"
    from bench import england_store

    folder = Path(args.store_folder) if args.store_folder else scratch / "england"
    path = england_store.build(folder, args.seed)
    return path, "an England-sized store: 6,202 practices, 12 indicators, 12 month ends"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--sessions", type=session_counts, default=[20], help="sessions at once: 20, or 1,8,20"
    )
    parser.add_argument("--views", type=int, default=10, help="page views a session")
    parser.add_argument("--think", type=float, default=0.0, help="mean think time (s)")
    parser.add_argument(
        "--switch",
        type=float,
        default=1.0,
        help="the chance that a view chooses another level and organisation (1: every view; "
        "0.2: a person who mostly stays with their own, switching pages)",
    )
    parser.add_argument(
        "--arrive",
        type=float,
        default=0.0,
        help="sessions open at uniform random times over this many seconds (0: all at once)",
    )
    parser.add_argument("--timeout", type=float, default=300.0, help="longest wait for a view (s)")
    parser.add_argument("--start-timeout", type=float, default=START_SECONDS)
    parser.add_argument("--seed", type=int, default=2025)
    which = parser.add_mutually_exclusive_group()
    which.add_argument("--store-folder", help="build the England store here, or reuse it")
    which.add_argument("--demo", action="store_true", help="serve a new store of the demo data")
    args = parser.parse_args()

    # Stopped with kill (SIGTERM) as with Ctrl-C: the `finally` below stops the server.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(128 + signal.SIGTERM))
    scratch = Path(tempfile.mkdtemp(prefix="iif-bench-sessions-"))
    process = None
    try:
        store, store_words = prepare_store(args, scratch)
        print("starting the app …", file=sys.stderr)
        started = time.perf_counter()
        environment = {"IIF_DB": str(store), "IIF_DEMO": "0", "IIF_MODE": "local"}
        process, url = browsing.start_server(scratch, environment, wait_seconds=args.start_timeout)
        print(f"the app answered in {time.perf_counter() - started:.1f} s", file=sys.stderr)
        rounds = []
        for number, sessions in enumerate(args.sessions):
            print(f"round {number + 1}: {sessions} sessions …", file=sys.stderr)
            started, server, client = (
                time.perf_counter(),
                cpu_seconds(process.pid),
                time.process_time(),
            )
            with MemorySampler(process.pid) as memory:
                views, received = asyncio.run(run_round(url, sessions, args, number))
            rounds.append(
                Round(
                    sessions, views, memory.peak_kib / 1024, time.perf_counter() - started,
                    cpu_seconds(process.pid) - server, time.process_time() - client,
                    received / 2**20,
                )
            )  # fmt: skip
            if process.poll() is not None:
                raise BenchError(f"the server stopped (exit {process.returncode})")
        print_results(rounds, args, store_words, memory.read("VmHWM") / 1024)
        return 0
    except (BenchError, browsing.WaitedTooLong) as error:
        print(f"bench_sessions: {error}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("bench_sessions: interrupted; the server is stopped", file=sys.stderr)
        return 130
    finally:
        if process is not None and process.poll() is None:
            browsing.stop_server(process)
        shutil.rmtree(scratch, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
