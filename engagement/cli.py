"""`python -m engagement ...`: every command takes --db URL (default ENGAGEMENT_DATABASE_URL, else
data/engagement.db). Exit codes: 0 done, 2 refused with coded problems (listed on stderr), 1 crashed.

The command line acts as the operator of the database (a system actor named after the OS user);
handlers are thin: parse arguments, open a unit of work, call one service, print the result.
"""

from __future__ import annotations

import argparse
import getpass
import json
import os
import sys
from collections.abc import Callable
from pathlib import Path

from engagement.errors import EngagementError, problems_to_csv

Handler = Callable[[argparse.Namespace], int]


def _actor() -> str:
    try:
        return f"cli:{getpass.getuser()}"
    except (KeyError, OSError):  # no passwd entry in some containers
        return "cli"


def _engine(args: argparse.Namespace, *, check_schema: bool = True):  # type: ignore[no-untyped-def]
    from engagement.db import make_engine
    from engagement.migrate import require_current

    engine = make_engine(args.db)
    if check_schema:
        require_current(engine)
    return engine


def _system():  # type: ignore[no-untyped-def]
    from engagement.permissions import Viewer

    return Viewer.system_actor(_actor())


def _viewer(session, username: str | None):  # type: ignore[no-untyped-def]
    """--viewer USER: act with that account's permissions instead of the operator's."""
    if not username:
        return _system()
    from sqlalchemy import select

    from engagement.accounts import viewer_for
    from engagement.errors import fail
    from engagement.models import User

    user = session.scalar(select(User).where(User.username == username))
    if user is None:
        raise fail("E002", f"no user {username!r}", item=username)
    return viewer_for(session, user)


# ------------------------------------------------------------------------------------- db / audit


def cmd_db_upgrade(args: argparse.Namespace) -> int:
    from engagement.migrate import upgrade

    upgrade(_engine(args, check_schema=False))
    print("database is at the current schema")
    return 0


def cmd_audit_verify(args: argparse.Namespace) -> int:
    from engagement import audit
    from engagement.db import read_session

    with read_session(_engine(args)) as session:
        result = audit.verify(session)
    if result.ok:
        print(f"audit trail intact: {result.rows_checked} rows verified")
        return 0
    assert result.problem is not None
    print(result.problem.message(), file=sys.stderr)
    return 2


# --------------------------------------------------------------------------------- import / export


def cmd_import(args: argparse.Namespace) -> int:
    from engagement.db import write_session
    from engagement.ingest.service import import_file

    engine = _engine(args)
    try:
        with write_session(engine) as session:
            result = import_file(session, _system(), Path(args.path), fmt=args.format,
                                 mapping_path=Path(args.mapping) if args.mapping else None,
                                 study_id=args.study, dry_run=args.dry_run)
            if args.dry_run:
                session.rollback()
    except EngagementError as exc:
        if args.report:
            Path(args.report).write_text(problems_to_csv(exc.problems), encoding="utf-8")
        raise
    if args.report:
        Path(args.report).write_text(result.report.to_csv(), encoding="utf-8")
    print(json.dumps({"ok": True, "dry_run": args.dry_run, "counts": result.counts,
                      "warnings": len(result.report.warnings)}, indent=2, sort_keys=True))
    return 0


def cmd_export(args: argparse.Namespace) -> int:
    from engagement.bundle.exporter import export_bundle
    from engagement.db import read_session

    with read_session(_engine(args)) as session:
        counts = export_bundle(session, _system(), Path(args.path),
                               [args.study] if args.study else None)
    print(json.dumps(counts, indent=2))
    return 0


# ------------------------------------------------------------------------------------------ demo


def cmd_demo(args: argparse.Namespace) -> int:
    if args.out:
        from engagement.demo import generate

        counts = generate(Path(args.out), participants=args.participants, seed=args.seed)
        print(json.dumps(counts, indent=2))
        return 0
    if not args.load:
        print("give --out DIR or --load", file=sys.stderr)
        return 2
    from engagement.demo_load import load_demo

    summary = load_demo(_engine(args, check_schema=False), _system(), participants=args.participants, seed=args.seed,
                        only_if_empty=args.if_empty)
    print(json.dumps(summary, indent=2, default=str))
    return 0


# ----------------------------------------------------------------------------------------- users


def cmd_users_add(args: argparse.Namespace) -> int:
    from engagement.accounts import MembershipSpec, add_user
    from engagement.db import write_session

    password = _read_password(args)
    specs = [MembershipSpec(args.study, role, args.site) for role in args.role]
    with write_session(_engine(args)) as session:
        user = add_user(session, _system(), args.username, password, specs,
                        display_name=args.display_name or args.username)
    print(f"created user {user.username} with {', '.join(args.role)} in {args.study}"
          + (f" at site {args.site}" if args.site else ""))
    return 0


def _read_password(args: argparse.Namespace) -> str | None:
    if args.oidc_only:
        return None
    if args.password_env:
        return os.environ[args.password_env]
    if not sys.stdin.isatty():
        return sys.stdin.readline().rstrip("\n")
    first = getpass.getpass("Password: ")
    if getpass.getpass("Again: ") != first:
        from engagement.errors import fail

        raise fail("E003", "the two passwords differ")
    return first


def cmd_users_list(args: argparse.Namespace) -> int:
    from sqlalchemy import select

    from engagement.db import read_session
    from engagement.models import Membership, User

    with read_session(_engine(args)) as session:
        for user in session.scalars(select(User).order_by(User.username)):
            grants = session.scalars(select(Membership).where(Membership.user_id == user.id)).all()
            roles = ", ".join(f"{m.role}@{m.study_id}" + (f"/{m.site_id}" if m.site_id else "")
                              for m in grants)
            print(f"{user.username}\t{'demo' if user.is_demo else 'real'}\t{roles}")
    return 0


# ----------------------------------------------------------------------------------------- parser


def _add_db(p: argparse.ArgumentParser) -> None:
    p.add_argument("--db", metavar="URL", default=None,
                   help="database URL or SQLite path (default: $ENGAGEMENT_DATABASE_URL, "
                        "else data/engagement.db)")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m engagement", description=__doc__.split("\n\n")[0])
    sub = parser.add_subparsers(dest="command", required=True)

    db = sub.add_parser("db", help="database schema").add_subparsers(dest="db_command", required=True)
    p = db.add_parser("upgrade", help="create or migrate the schema, register built-in instruments")
    p.set_defaults(func=cmd_db_upgrade)

    au = sub.add_parser("audit", help="audit trail").add_subparsers(dest="audit_command", required=True)
    p = au.add_parser("verify", help="check the hash chain; exit 2 naming the first bad row")
    p.set_defaults(func=cmd_audit_verify)

    p = sub.add_parser("import", help="import a bundle or a third-party export")
    p.add_argument("path")
    p.add_argument("--format", default="native", choices=["native", "redcap", "qualtrics", "fhir", "table"])
    p.add_argument("--mapping", help="mapping file (JSON) for third-party formats")
    p.add_argument("--study", help="study the third-party data belongs to (default: the only one)")
    p.add_argument("--dry-run", action="store_true", help="check and count, write nothing")
    p.add_argument("--report", help="write every problem and warning to this CSV file")
    p.set_defaults(func=cmd_import)

    p = sub.add_parser("export", help="export a native bundle (folder, or .zip by suffix)")
    p.add_argument("path")
    p.add_argument("--study", help="only this study")
    p.set_defaults(func=cmd_export)

    p = sub.add_parser("demo", help="generate (--out) or load (--load) the demo study")
    p.add_argument("--out", help="write the demo bundle to this folder")
    p.add_argument("--load", action="store_true", help="generate and import it, with demo users")
    p.add_argument("--if-empty", action="store_true", help="with --load: only when no study exists")
    p.add_argument("--participants", type=int, default=600)
    p.add_argument("--seed", type=int, default=7)
    p.set_defaults(func=cmd_demo)

    us = sub.add_parser("users", help="accounts").add_subparsers(dest="users_command", required=True)
    p = us.add_parser("add", help="create a real account (password from a prompt, stdin or --password-env)")
    p.add_argument("username")
    p.add_argument("--study", required=True)
    p.add_argument("--role", required=True, action="append",
                   choices=["advocate", "sponsor", "trial_manager", "admin"])
    p.add_argument("--site", help="site code; omit for study-wide")
    p.add_argument("--display-name")
    p.add_argument("--password-env", help="read the password from this environment variable")
    p.add_argument("--oidc-only", action="store_true", help="no password: sign-in through OIDC only")
    p.set_defaults(func=cmd_users_add)
    p = us.add_parser("list", help="list accounts and their memberships")
    p.set_defaults(func=cmd_users_list)

    from engagement import cli_more

    cli_more.register(sub)
    for action in _all_subparsers(parser):
        if not any(a.dest == "db" for a in action._actions):
            _add_db(action)
    return parser


def _all_subparsers(parser: argparse.ArgumentParser) -> list[argparse.ArgumentParser]:
    found = []
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for child in action.choices.values():
                if not any(isinstance(a, argparse._SubParsersAction) for a in child._actions):
                    found.append(child)
                found.extend(_all_subparsers(child))
    return found


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return args.func(args)
    except EngagementError as exc:
        for problem in exc.problems:
            print(problem.message(), file=sys.stderr)
        return 2
