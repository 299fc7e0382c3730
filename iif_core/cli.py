"""The command line: `python -m iif_core score ...` as iif-rules.md section 10 says."""

from __future__ import annotations

import argparse
import os
import sys
from datetime import date
from pathlib import Path

from iif_core.problems import InputError, Problem

EXIT_BAD_INPUT = 2  # the input is wrong; the message says what to fix
EXIT_FAILED = 1  # something unexpected; the message says so
REPORT_LIMIT = 500  # lines of problems printed before a count of the rest


def period_argument(text: str) -> str:
    if text == "all":
        return text
    try:
        return date.fromisoformat(text).isoformat()
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"'{text}' is not a date like 2025-09-30 (or 'all')"
        ) from None


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m iif_core", description="Score the Investment and Impact Fund for PCNs."
    )
    commands = parser.add_subparsers(dest="command", required=True)
    score = commands.add_parser("score", help="score extracts and write one row per organisation")
    score.add_argument(
        "--scheme", required=True, help="scheme TOML file, or a bundled year such as 2025/26"
    )
    score.add_argument(
        "--orgs",
        action="append",
        help="organisation file (default: the bundled national reference); "
        "give NHS Digital's list-size file as a second --orgs",
    )
    score.add_argument("--extract", action="append", required=True, help="tidy extract CSV")
    score.add_argument("--level", default="all", choices=["practice", "pcn", "place", "icb", "all"])
    score.add_argument(
        "--period", default="all", type=period_argument, help="a period end YYYY-MM-DD, or all"
    )
    score.add_argument("--out", required=True, help="where to write the result CSV")
    score.set_defaults(run=run_score)
    return parser


def read_scheme(value: str):
    from iif_core.schemes import bundled_scheme_years, load_bundled_scheme, load_scheme

    if value.replace("-", "/") in bundled_scheme_years() and not Path(value).is_file():
        return load_bundled_scheme(value)
    if not Path(value).is_file():
        raise InputError([Problem(Path(value).name, "the scheme file does not exist")])
    return load_scheme(value)


def run_score(args: argparse.Namespace) -> int:
    from iif_core.score import score_files

    rows = score_files(
        read_scheme(args.scheme), args.orgs, args.extract, args.out, args.level, args.period
    )
    print(f"wrote {rows} rows to {args.out}", file=sys.stderr)
    return 0


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return args.run(args)
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
