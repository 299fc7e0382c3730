"""The command line's grant, grants, revoke and audit: the first admin, and access without the app."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from iif_core.access import checked_grant
from iif_core.formulas import neutralise_formulas, write_safe_csv
from iif_core.vocabulary import ROLE_WORDS, ROLES

DB_HELP = "the data store (default: the environment variable IIF_DB, else data/iif.duckdb)"
GRANT_COLUMNS = ["grant_id", "email", "role", "org_code", "patient_lists", "granted_at_utc",
                 "granted_by", "revoked_at_utc", "revoked_by"]  # fmt: skip


def add_commands(commands, who_default: str | None) -> None:
    """Add the access commands to the command line's subcommands."""
    roles = "; ".join(f"{role}: {words}" for role, words in ROLE_WORDS.items())
    grant = commands.add_parser(
        "grant",
        help="let a signed-in user see an organisation (or be an admin), in hosted mode",
        description=f"Give EMAIL a ROLE on an organisation (ORG: a practice, PCN, place or ICB "
        f"code; none for admin). The roles: {roles}. Give the first admin this way.",
    )
    grant.add_argument("email", metavar="EMAIL")
    grant.add_argument("role", choices=ROLES, metavar="ROLE", help=", ".join(ROLES))
    grant.add_argument("org", nargs="?", metavar="ORG", help="the organisation's code")
    lists = grant.add_mutually_exclusive_group()
    lists.add_argument("--patients", dest="patient_lists", action="store_true", default=None,
                       help="with the patient lists of its practices")  # fmt: skip
    lists.add_argument("--no-patients", dest="patient_lists", action="store_false",
                       help="without patient lists")  # fmt: skip
    grant.add_argument("--db", help=DB_HELP)
    grant.add_argument("--who", default=who_default, help="who gives it (default: you)")
    grant.set_defaults(run=run_grant)

    listing = commands.add_parser("grants", help="list the grants in use (--all: revoked too)")
    listing.add_argument("--all", action="store_true", help="revoked grants too")
    listing.add_argument("--db", help=DB_HELP)
    listing.set_defaults(run=run_grants)

    revoke = commands.add_parser("revoke", help="revoke a grant (see grants for its number)")
    revoke.add_argument("grant_id", type=int, metavar="GRANT")
    revoke.add_argument("--db", help=DB_HELP)
    revoke.add_argument("--who", default=who_default, help="who revokes it (default: you)")
    revoke.set_defaults(run=run_revoke)

    audit = commands.add_parser(
        "audit", help="the audit trail: sign-ins, patient lists viewed, uploads, grants"
    )
    audit.add_argument("--out", help="write it to this CSV file instead of printing it")
    audit.add_argument("--db", help=DB_HELP)
    audit.set_defaults(run=run_audit)


def run_grant(args: argparse.Namespace) -> int:
    from iif_core.store import Store

    with Store(args.db, create=False) as store:
        grant = checked_grant(args.email, args.role, args.org, store.orgs(), args.patient_lists)
        number = store.add_grant(grant, who=args.who)
    lists = "with" if grant.patient_lists else "without"
    on = f" on {grant.org_code}" if grant.org_code else ""
    print(f"Grant {number}: {grant.email} is {grant.role}{on}, {lists} patient lists.")
    return 0


def run_grants(args: argparse.Namespace) -> int:
    from iif_core.store import Store

    with Store(args.db, create=False) as store:
        frame = store.grants(with_revoked=args.all)
    if frame.empty:
        print("No grants yet: give the first admin with `python -m iif_core grant EMAIL admin`.")
    else:
        print(neutralise_formulas(frame[GRANT_COLUMNS]).fillna("").to_string(index=False))
    return 0


def run_revoke(args: argparse.Namespace) -> int:
    from iif_core.store import Store

    with Store(args.db, create=False) as store:
        print(store.revoke_grant(args.grant_id, who=args.who))
    return 0


def run_audit(args: argparse.Namespace) -> int:
    from iif_core.store import Store

    with Store(args.db, create=False) as store:
        frame = store.audit()
    if args.out is None:
        shown = neutralise_formulas(frame).fillna("").to_string(index=False)
        print(shown if len(frame) else "The audit is empty.")
        return 0
    out = Path(args.out)
    write_safe_csv(frame, out)
    print(f"{len(frame)} audit lines written to {out}.", file=sys.stderr)
    return 0
