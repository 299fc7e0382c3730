"""The command line: `score` as iif-rules.md section 10 says, and the data store's commands."""

from __future__ import annotations

import argparse
import getpass
import os
import signal
import sys
import threading
from datetime import date
from pathlib import Path

from iif_core import access_cli
from iif_core.problems import InputError, Problem, StoreError
from iif_core.schemes import parse_scheme_year
from iif_core.vocabulary import LEVELS, LIST_KINDS

EXIT_BAD_INPUT = 2  # the input is wrong; the message says what to fix
EXIT_FAILED = 1  # something unexpected; the message says so
REPORT_LIMIT = 500  # lines of problems printed before a count of the rest
DB_HELP = "the data store (default: the environment variable IIF_DB, else data/iif.duckdb)"


def period_argument(text: str) -> str:
    if text == "all":
        return text
    try:
        return date.fromisoformat(text).isoformat()
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"'{text}' is not a date like 2025-09-30 (or 'all')"
        ) from None


def year_argument(text: str) -> str:
    year = parse_scheme_year(text)
    if year is None:
        raise argparse.ArgumentTypeError(f"'{text}' is not a scheme year like 2025/26")
    return year


def date_argument(text: str) -> date:
    """A period end: a date that is the last day of its month."""
    from iif_core.extract import not_a_month_end

    try:
        day = date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"'{text}' is not a date like 2025-09-30") from None
    if problem := not_a_month_end(day):
        raise argparse.ArgumentTypeError(problem)
    return day


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m iif_core", description="Score the Investment and Impact Fund for PCNs."
    )
    commands = parser.add_subparsers(dest="command", required=True)
    score = commands.add_parser(
        "score",
        help="score extracts (or what the data store holds) and write one row per organisation",
        description="Score tidy extract files (--scheme and --extract), or what the data store "
        "holds (--db): then the scheme is the one in use for the year of the stored periods unless "
        "--scheme is given, and when the store holds several years the latest is scored unless "
        "--year says which (the output says so).",
    )
    score.add_argument("--scheme", help="scheme TOML file, or a bundled year such as 2025/26")
    score.add_argument(
        "--orgs",
        action="append",
        help="organisation file (default: the bundled national reference, or with --db the "
        "organisation file in use in the store); give NHS Digital's list-size file as a second "
        "--orgs",
    )
    score.add_argument("--extract", action="append", help="tidy extract CSV")
    score.add_argument("--db", help="score what this data store holds instead of --extract files")
    score.add_argument(
        "--year", type=year_argument, help="with --db: the scheme year to score, such as 2025/26"
    )
    score.add_argument("--level", default="all", choices=[*LEVELS, "all"])
    score.add_argument(
        "--period", default="all", type=period_argument, help="a period end YYYY-MM-DD, or all"
    )
    score.add_argument(
        "--out",
        required=True,
        help="where to write the result: a CSV file, or a Parquet file when the name ends in "
        ".parquet (the same columns and rows, with their types: for DuckDB, pandas or Power BI)",
    )
    score.set_defaults(run=run_score, parser=score)

    ingest = commands.add_parser(
        "ingest",
        help="check files and keep the valid ones in the data store",
        description="Check each FILE (an extract, patient-level list, organisation file or "
        "scheme) and store it in the data store as its own batch. Each file stands alone: a "
        "file with any invalid row is not stored (its problems go to standard error) while "
        "the other files still are; a file stored before is recognised and not stored twice. "
        "Exit status 0 when every file is stored (or was already), 2 when any is not.",
    )
    ingest.add_argument("files", nargs="+", metavar="FILE", help="CSV or Excel file, or TOML")
    ingest.add_argument("--db", help=DB_HELP)
    ingest.add_argument("--who", default=login_name(), help="who is storing it (default: you)")
    ingest.add_argument(
        "--accept-valid",
        action="store_true",
        help="store the valid rows of a file with problems (not for organisation or scheme "
        "files) and write the rejected rows, with the reason for each, to a CSV file",
    )
    ingest.add_argument(
        "--rejected",
        metavar="PATH",
        help="where to write the rejected rows (default: NAME.rejected.csv next to the file; "
        "with one FILE only)",
    )
    ingest.add_argument("--sheet", help="the Excel sheet to read (default: the first)")
    ingest.add_argument(
        "--period-end",
        type=date_argument,
        help="the period end of files that do not say it, YYYY-MM-DD",
    )
    ingest.add_argument(
        "--list",
        dest="list_kind",
        choices=LIST_KINDS,
        help="what a patient-level list holds: cohort (every eligible patient, achieved or not: "
        "its counts replace the stored ones) or outstanding (only patients still to do: it "
        "changes no counts). Default: what the file makes clear; a list that does not is not "
        "stored until you say",
    )
    ingest.set_defaults(run=run_ingest, parser=ingest)

    watch = commands.add_parser(
        "watch",
        help="store each file saved to an inbox folder, then file it as accepted or rejected",
        description="Watch FOLDER, where a clinical system saves its scheduled exports: each "
        "file, once completely written, is checked and stored exactly as an upload (as its own "
        "batch, by 'inbox'), then moved to FOLDER/accepted or FOLDER/rejected with a report "
        "beside it saying what was stored or what is wrong. The same file twice changes "
        "nothing. Runs until stopped (Ctrl+C), or with --once looks once and ends.",
    )
    watch.add_argument("folder", metavar="FOLDER", help="the inbox folder")
    watch.add_argument("--db", help=DB_HELP)
    watch.add_argument(
        "--accept-valid",
        action="store_true",
        help="store the valid rows of a file with problems (its rejected rows are written "
        "beside its report); by default such a file is rejected whole",
    )
    watch.add_argument(
        "--every",
        type=float,
        default=None,
        metavar="SECONDS",
        help="how often to look at the folder (default: 2)",
    )
    watch.add_argument(
        "--settle",
        type=float,
        default=None,
        metavar="SECONDS",
        help="how long a file must be left untouched before it is taken (default: 2)",
    )
    watch.add_argument("--once", action="store_true", help="look once, take what is ready, end")
    watch.set_defaults(run=run_watch, parser=watch)

    batches = commands.add_parser(
        "batches", help="list what the data store holds, newest first, with what is undone"
    )
    batches.add_argument("--db", help=DB_HELP)
    batches.set_defaults(run=run_batches)

    undo = commands.add_parser(
        "undo",
        help="undo one stored batch: what it replaced is in use again",
        description="Undo one batch: what it replaced is in use again. Nothing is deleted; the "
        "batch stays in the history, marked undone.",
    )
    undo.add_argument("batch", type=int, metavar="BATCH", help="the batch number (see batches)")
    undo.add_argument("--db", help=DB_HELP)
    undo.add_argument("--who", default=login_name(), help="who is undoing it (default: you)")
    undo.set_defaults(run=run_undo)

    restore = commands.add_parser(
        "restore",
        help="put an undone batch back in use",
        description="Restore one undone batch: what it holds is in use again, except figures "
        "that later uploads have replaced since.",
    )
    restore.add_argument("batch", type=int, metavar="BATCH", help="the batch number (see batches)")
    restore.add_argument("--db", help=DB_HELP)
    restore.add_argument("--who", default=login_name(), help="who is restoring it (default: you)")
    restore.set_defaults(run=run_restore)
    recover = commands.add_parser(
        "recover",
        help="put the latest good backup in place of a damaged data store",
        description="The data store keeps a checked copy of itself after every upload, undo, "
        "restore, scheme change and change of access (the last 5, in a folder beside it). "
        "This puts the newest copy that reads back in place of the store; the damaged file is "
        "kept beside it, renamed. Anything stored after that copy must be uploaded again.",
    )
    recover.add_argument("--db", help=DB_HELP)
    recover.set_defaults(run=run_recover)
    access_cli.add_commands(commands, login_name())
    return parser


def read_scheme(value: str):
    from iif_core.schemes import bundled_scheme_years, load_bundled_scheme, load_scheme

    if value.replace("-", "/") in bundled_scheme_years() and not Path(value).is_file():
        return load_bundled_scheme(value)
    if not Path(value).is_file():
        raise InputError([Problem(Path(value).name, "the scheme file does not exist")])
    return load_scheme(value)


def login_name() -> str | None:
    try:
        return getpass.getuser()
    except (KeyError, OSError):  # no login name in some containers
        return None


def run_score(args: argparse.Namespace) -> int:
    if args.db is None and not args.extract:
        from iif_core.store import PATH_VARIABLE  # the store's code is not needed for files

        if os.environ.get(PATH_VARIABLE):
            args.db = os.environ[PATH_VARIABLE]  # as the other commands do
    if args.db is not None:
        if args.extract:
            args.parser.error("give --extract files or --db, not both")
        return run_score_stored(args)
    missing = [name for name in ("--scheme", "--extract") if not getattr(args, name[2:])]
    if missing:
        args.parser.error(
            f"the following arguments are required: {', '.join(missing)} "
            "(or --db to score what the data store holds)"
        )
    if args.year:
        args.parser.error("--year is for scoring a data store (--db)")
    from iif_core.score import score_files

    rows = score_files(
        read_scheme(args.scheme), args.orgs, args.extract, args.out, args.level, args.period
    )
    print(f"wrote {rows} rows to {args.out}", file=sys.stderr)
    return 0


def run_score_stored(args: argparse.Namespace) -> int:
    """Score the counts in use in the store, as scoring files would, for one scheme year."""
    from iif_core.orgs import load_orgs
    from iif_core.score import QUIET, load_scheme_tables, run_pipeline, write_score
    from iif_core.store import Store

    with Store(args.db, create=False) as store:
        scheme = read_scheme(args.scheme) if args.scheme else None
        years = store.years()
        year = args.year or (scheme.year if scheme else None)
        if scheme is not None and args.year and scheme.year != args.year:
            raise StoreError(f"--year {args.year} and the {scheme.year} scheme disagree.")
        if not years:
            raise StoreError(f"The data store {store.shown} holds no achievement counts yet.")
        if year is None:
            year = years[-1]
            if len(years) > 1:
                print(
                    f"The data store holds {', '.join(years)}; scoring {year} "
                    "(choose another with --year).",
                    file=sys.stderr,
                )
        elif year not in years:
            raise StoreError(
                f"The data store {store.shown} holds no counts for {year}; it holds "
                f"{', '.join(years)}."
            )
        with store.cursor() as con:
            con.execute(QUIET)
            store.load_current(con, year)
            if args.orgs:
                load_orgs(con, args.orgs)
                report_unknown_practices(con)
            load_scheme_tables(con, scheme or store.scheme(year))
            run_pipeline(con, args.level, args.period)
            rows = con.execute("SELECT count(*) FROM result").fetchall()[0][0]
            if not rows:
                raise StoreError(f"Nothing was written: {why_nothing_scored(con, year)}")
            write_score(con, args.out)
    print(f"wrote {rows} rows to {args.out} ({year}, from the data store)", file=sys.stderr)
    return 0


def why_nothing_scored(con, year: str) -> str:
    """Why the store's counts gave no row at all, in words."""
    practices, known = con.execute(
        "SELECT count(DISTINCT practice_code), "
        "count(DISTINCT practice_code) FILTER (WHERE practice_code IN "
        "(SELECT practice_code FROM orgs)) FROM extract"
    ).fetchone()
    if not practices:
        return f"the data store holds no achievement counts in use for {year}."
    if not known:
        return (
            f"none of the {practices} practices with counts for {year} is in the organisation "
            "file in use (was the organisation file undone?); store one that lists them, or "
            "give --orgs."
        )
    return "no counts in use match the --level and --period asked for."


def report_unknown_practices(con) -> None:
    missing = con.execute(
        "SELECT count(DISTINCT practice_code) FROM extract "
        "WHERE practice_code NOT IN (SELECT practice_code FROM orgs)"
    ).fetchall()[0][0]
    if missing:
        print(
            f"{missing} practice{'s' * (missing != 1)} with stored counts "
            f"{'are' if missing != 1 else 'is'} not in the organisation file and "
            f"{'are' if missing != 1 else 'is'} left out.",
            file=sys.stderr,
        )


def run_ingest(args: argparse.Namespace) -> int:
    """Store each file as its own batch; report each; 2 when any file was not stored."""
    from iif_core.store import Store

    if args.rejected and len(args.files) > 1:
        args.parser.error("--rejected names one file: give one FILE with it")
    status = 0
    with Store(args.db) as store:
        for path in args.files:
            try:
                result = store.ingest(
                    path,
                    who=args.who,
                    accept_valid=args.accept_valid,
                    sheet=args.sheet,
                    period_end=args.period_end,
                    list_kind=args.list_kind,
                )
            except StoreError:  # the store, not the file, is at fault: one sentence, stop
                raise
            except InputError as error:  # the file could not be read at all
                count = len(error.problems)
                print(f"{Path(path).name}: nothing was stored: {count} problem"
                      f"{'s' * (count != 1)} to fix.", file=sys.stderr)  # fmt: skip
                print(error.report(REPORT_LIMIT), file=sys.stderr)
                status = EXIT_BAD_INPUT
                continue
            status = max(status, report_ingest(args, path, result))
    return status


def report_ingest(args: argparse.Namespace, path, result) -> int:
    """Say what happened to one file; write its rejected rows when asked. Its exit status."""
    if result.accepted:
        print(result.message)
    else:
        print(result.message, file=sys.stderr)
    problems = list(getattr(result.staged, "problems", None) or [])
    if problems:
        shown = InputError(problems).report(REPORT_LIMIT)
        print(shown, file=sys.stderr)
    if len(result.rejected) and (args.accept_valid or args.rejected):
        out = Path(args.rejected or Path(path).with_suffix(".rejected.csv"))
        from iif_core.formulas import write_safe_csv

        write_safe_csv(result.rejected, out)
        rows = len(result.rejected)
        print(
            f"{rows} rejected row{'s' * (rows != 1)}, with the reason for each, written to {out}",
            file=sys.stderr,
        )
    return 0 if result.accepted else EXIT_BAD_INPUT


def run_watch(args: argparse.Namespace) -> int:
    """Take the inbox's files as they come (or once, with --once); 0 when stopped by Ctrl+C."""
    from iif_core import inbox
    from iif_core.store import Store

    folder = Path(args.folder)
    settle = inbox.SETTLE_SECONDS if args.settle is None else args.settle
    every = inbox.INTERVAL_SECONDS if args.every is None else args.every
    if settle < 0 or every <= 0:
        args.parser.error("--settle must be 0 or more seconds and --every more than 0")
    store = Store(args.db)
    try:
        if args.once:
            with inbox.watching(folder):
                for filed in inbox.scan(
                    store, folder, settle=settle, accept_valid=args.accept_valid
                ):
                    inbox.print_filed(filed)
            return 0
        stop = threading.Event()  # a service manager's stop (SIGTERM) ends it between files
        signal.signal(signal.SIGTERM, lambda *_: stop.set())
        print(f"Watching {folder} (Ctrl+C to stop).", file=sys.stderr, flush=True)
        inbox.watch(
            store,
            folder,
            interval=every,
            settle=settle,
            accept_valid=args.accept_valid,
            on_filed=inbox.print_filed,
            on_error=inbox.print_error,
            stop=stop,
        )
    except inbox.InboxBusy as error:
        print(str(error), file=sys.stderr)
        return EXIT_BAD_INPUT
    except KeyboardInterrupt:
        print("Stopped watching.", file=sys.stderr)
    return 0


BATCH_COLUMNS = {  # what `batches` shows, and the heading for each
    "batch_id": "batch",
    "loaded_at_utc": "stored (UTC)",
    "who": "who",
    "file_name": "file",
    "shape": "read as",
    "stored_rows": "rows stored",
    "periods": "periods",
    "status": "status",
}


def run_batches(args: argparse.Namespace) -> int:
    from iif_core.store import Store

    with Store(args.db, create=False) as store:
        frame = store.batches()
        orgs = store.orgs_source()
    if frame.empty:
        print(f"The data store {store.shown} holds no uploads yet.")
    else:
        table = frame.assign(
            loaded_at_utc=frame["loaded_at_utc"].dt.strftime("%Y-%m-%d %H:%M"),
            periods=[periods_text(a, b, y) for a, b, y in zip(
                frame["first_period"], frame["last_period"], frame["scheme_year"], strict=True)],
        )[list(BATCH_COLUMNS)].rename(columns=BATCH_COLUMNS)  # fmt: skip
        print(table.fillna("").to_string(index=False))
    print(f"\nOrganisations in use: {orgs}.")
    return 0


def periods_text(first, last, scheme_year) -> str:
    if isinstance(scheme_year, str):
        return f"scheme {scheme_year}"
    if first is None or first != first:  # None or NaT
        return ""
    first, last = f"{first:%Y-%m-%d}", f"{last:%Y-%m-%d}"
    return first if first == last else f"{first} to {last}"


def run_undo(args: argparse.Namespace) -> int:
    from iif_core.store import Store

    with Store(args.db, create=False) as store:
        print(store.undo(args.batch, who=args.who))
    return 0


def run_restore(args: argparse.Namespace) -> int:
    from iif_core.store import Store

    with Store(args.db, create=False) as store:
        print(store.restore(args.batch, who=args.who))
    return 0


def run_recover(args: argparse.Namespace) -> int:
    from iif_core import backups
    from iif_core.store import DEFAULT_PATH, PATH_VARIABLE

    store = Path(args.db or os.environ.get(PATH_VARIABLE) or DEFAULT_PATH)
    try:
        backup, kept = backups.recover(store)
    except FileNotFoundError:
        message = f"There is no backup of {store} that can be read, so nothing was changed."
        raise StoreError(message) from None
    batches = backups.readable(store)
    print(f"{store} is now the backup {backup.name} ({batches} batches).")
    if kept is not None:
        print(f"The file it replaces is kept as {kept.name}.")
    return 0


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)

    try:
        return args.run(args)
    except StoreError as error:  # the store is busy, missing or not a store: one sentence
        print(error.message, file=sys.stderr)
        return EXIT_BAD_INPUT
    except InputError as error:
        count = len(error.problems)
        print(f"Nothing was written: {count} problem{'s' * (count != 1)} to fix.", file=sys.stderr)
        print(error.report(REPORT_LIMIT), file=sys.stderr)
        return EXIT_BAD_INPUT
    except Exception as error:  # the user gets a sentence, not a traceback
        if os.environ.get("IIF_DEBUG"):
            raise
        print(f"Nothing was written: something unexpected went wrong ({error}).", file=sys.stderr)
        print("Set IIF_DEBUG=1 to see the technical details.", file=sys.stderr)
        return EXIT_FAILED
