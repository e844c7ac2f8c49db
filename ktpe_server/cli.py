"""``ktpe-server``: run the server and do the office's admin work.

Exit codes: 0 done, 1 refused (a clear message on stderr), 2 usage error.
"""

from __future__ import annotations

import argparse
import csv
import io
import json
import logging
import sys
from collections.abc import Sequence
from dataclasses import asdict
from datetime import date
from pathlib import Path
from typing import TextIO

from ktpe_desktop.core.errors import KnownError
from ktpe_server import __version__, admin
from ktpe_server.config import db_url_from

log = logging.getLogger("ktpe.server.cli")


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="ktpe-server",
        description="KTP-el Jemput Bola central server and admin tools.",
    )
    p.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    p.add_argument(
        "--db",
        help="database URL (sqlite:///path or postgresql+psycopg://…); "
        "default $KTPE_SERVER_DB or sqlite:///ktpe-server.db",
    )
    sub = p.add_subparsers(dest="command", required=True, metavar="COMMAND")
    # ``--db`` is accepted after the command too (``ktpe-server serve --db URL``).
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--db", dest="db_sub", default=argparse.SUPPRESS, help="database URL")

    serve = sub.add_parser(
        "serve", parents=[common], help="run the HTTP server (migrates the database first)"
    )
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=8765)
    serve.add_argument("--workers", type=int, default=1, help="uvicorn worker processes")
    serve.add_argument("--log-level", default="info")
    serve.add_argument(
        "--log-format",
        choices=("text", "json"),
        default=None,
        help="log lines as text or as JSON objects (default $KTPE_LOG_FORMAT or text)",
    )

    db = sub.add_parser("db", parents=[common], help="database maintenance")
    db_sub = db.add_subparsers(dest="db_command", required=True, metavar="ACTION")
    db_sub.add_parser("upgrade", parents=[common], help="apply the migrations")

    seed = sub.add_parser(
        "seed-demo", parents=[common], help="load the demo campaign, teams tim-01 …"
    )
    seed.add_argument("--today", type=date.fromisoformat, default=None)
    seed.add_argument("--students", type=int, default=4586)

    imp = sub.add_parser("import-schools", parents=[common], help="load schools from a CSV")
    imp.add_argument("file", type=Path)

    roster = sub.add_parser(
        "import-roster", parents=[common], help="load a Dapodik roster file for one school"
    )
    roster.add_argument("file", type=Path)
    roster.add_argument("--school", required=True, help="NPSN")

    team = sub.add_parser("team", parents=[common], help="teams")
    team_sub = team.add_subparsers(dest="team_command", required=True, metavar="ACTION")
    tc = team_sub.add_parser("create", parents=[common], help="create a team")
    tc.add_argument("name")
    team_sub.add_parser("list", parents=[common], help="list teams")

    op = sub.add_parser("operator", parents=[common], help="operators")
    op_sub = op.add_subparsers(dest="operator_command", required=True, metavar="ACTION")
    oa = op_sub.add_parser("add", parents=[common], help="add an operator to a team")
    oa.add_argument("--team", required=True)
    oa.add_argument("--name", required=True)
    oa.add_argument("--nip", default=None, help="18 digits")
    oa.add_argument("--role", choices=("lead", "operator"), default="operator")

    ec = sub.add_parser(
        "enroll-code", parents=[common], help="issue a one-time enrolment code (last line)"
    )
    ec.add_argument("--team", required=True)
    ec.add_argument("--ttl-hours", type=float, default=24.0)

    asg = sub.add_parser("assign", parents=[common], help="assign a school to a team on a day")
    asg.add_argument("--team", required=True)
    asg.add_argument("--school", required=True, help="NPSN")
    asg.add_argument("--date", required=True, type=date.fromisoformat, help="YYYY-MM-DD")

    dev = sub.add_parser("device", parents=[common], help="devices")
    dev_sub = dev.add_subparsers(dest="device_command", required=True, metavar="ACTION")
    dr = dev_sub.add_parser("revoke", parents=[common], help="revoke a device's token")
    dr.add_argument("device_id")
    dev_sub.add_parser("list", parents=[common], help="list devices")

    ou = sub.add_parser("office-user", parents=[common], help="office console accounts")
    ou_sub = ou.add_subparsers(dest="office_user_command", required=True, metavar="ACTION")
    oua = ou_sub.add_parser(
        "add",
        parents=[common],
        help="create an account (the password is asked, or read from standard input)",
    )
    oua.add_argument("username")
    oua.add_argument("--role", choices=("admin", "pemantau"), required=True)
    oua.add_argument("--name", default="", help="display name")
    ou_sub.add_parser("list", parents=[common], help="list accounts")
    oud = ou_sub.add_parser("disable", parents=[common], help="disable an account")
    oud.add_argument("username")
    oue = ou_sub.add_parser("enable", parents=[common], help="enable an account again")
    oue.add_argument("username")

    cp = sub.add_parser("campaign", parents=[common], help="the campaign's set-up")
    cp_sub = cp.add_subparsers(dest="campaign_command", required=True, metavar="ACTION")
    cp_sub.add_parser("show", parents=[common], help="print the set-up (JSON)")
    cs = cp_sub.add_parser(
        "set",
        parents=[common],
        help="change the set-up (name and voting day needed the first time)",
    )
    cs.add_argument("--name")
    cs.add_argument("--voting-day", dest="reference_date", help="YYYY-MM-DD")
    cs.add_argument("--min-recording-age", dest="min_recording_age")
    cs.add_argument("--voting-age", dest="voting_age")
    cs.add_argument("--time-zone", dest="time_zone", choices=("WIB", "WITA", "WIT"))
    cs.add_argument("--retention-days", dest="retention_days")
    cs.add_argument("--government", dest="government_name")
    cs.add_argument("--office-name", dest="office_name")
    cs.add_argument(
        "--letterhead", action="append", help="one letterhead line (repeat, top to bottom)"
    )
    cs.add_argument("--office-address", dest="office_address")
    cs.add_argument("--region-code", dest="region_code")
    cs.add_argument("--head-name", dest="head_name", help="head of office")
    cs.add_argument("--head-nip", dest="head_nip", help="18 digits")
    cs.add_argument(
        "--ba-pattern",
        dest="ba_number_pattern",
        help="Berita Acara number, e.g. '474/BA-{no:02d}/{npsn}/{wilayah}/{bulan_romawi}/{tahun}'",
    )

    rep = sub.add_parser("report", parents=[common], help="reports")
    rep_sub = rep.add_subparsers(dest="report_command", required=True, metavar="REPORT")
    rp = rep_sub.add_parser(
        "progress", parents=[common], help="per school: target, recorded, remaining, anomalies"
    )
    rp.add_argument("--format", choices=("table", "json", "csv"), default="table")
    return p


def _table(rows: Sequence[Sequence[object]], headers: Sequence[str]) -> str:
    cells = [[str(h) for h in headers]] + [["" if c is None else str(c) for c in r] for r in rows]
    widths = [max(len(r[i]) for r in cells) for i in range(len(headers))]
    lines = ["  ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)).rstrip() for r in cells]
    lines.insert(1, "  ".join("-" * w for w in widths))
    return "\n".join(lines)


def run(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    url = db_url_from(getattr(args, "db_sub", None) or args.db)
    out = sys.stdout
    cmd = args.command
    if cmd == "serve":
        return _serve(url, args.host, args.port, args.workers, args.log_level, args.log_format)
    if cmd == "db":
        from ktpe_server.db import current_revision, make_engine, upgrade

        engine = make_engine(url)
        upgrade(engine)
        print(f"database at revision {current_revision(engine)}", file=out)
        return 0
    if cmd == "seed-demo":
        seeded = admin.seed_demo(url, args.today, students=args.students)
        print(
            f"demo campaign {seeded.campaign_id}: {seeded.schools} schools, "
            f"{seeded.students} students, teams {', '.join(seeded.teams)}",
            file=out,
        )
        return 0
    if cmd == "import-schools":
        n = admin.import_schools(url, args.file)
        print(f"{n} schools imported", file=out)
        return 0
    if cmd == "import-roster":
        result = admin.import_roster(url, args.file, args.school)
        print(
            f"{result.imported} students imported, {result.held_back} rows held back, "
            f"{result.warnings} warnings",
            file=out,
        )
        for line in result.errors[:50]:
            print(f"  {line}", file=out)
        return 0 if result.imported or not result.held_back else 1
    if cmd == "team":
        if args.team_command == "create":
            team = admin.create_team(url, args.name)
            print(f"team {team.name} created (id {team.id})", file=out)
            return 0
        teams = admin.list_teams(url)
        print(
            _table(
                [(t.id, t.name, t.operators, t.devices, " ".join(t.schools)) for t in teams],
                ("id", "name", "operators", "devices", "schools"),
            ),
            file=out,
        )
        return 0
    if cmd == "operator":
        op_id = admin.add_operator(url, args.team, args.name, args.nip, args.role)
        print(f"operator {op_id} added to {args.team}", file=out)
        return 0
    if cmd == "enroll-code":
        code = admin.make_enroll_code(url, args.team, args.ttl_hours)
        print(f"one-time enrolment code for {args.team}, valid {args.ttl_hours:g} h:", file=out)
        print(code, file=out)
        return 0
    if cmd == "assign":
        admin.assign(url, args.team, args.school, args.date)
        print(f"{args.school} assigned to {args.team} on {args.date.isoformat()}", file=out)
        return 0
    if cmd == "device":
        if args.device_command == "revoke":
            admin.revoke_device(url, args.device_id)
            print(f"device {args.device_id} revoked", file=out)
            return 0
        devices = admin.list_devices(url)
        print(
            _table(
                [
                    (
                        d.device_id,
                        d.team,
                        d.name,
                        "revoked" if d.revoked else "active",
                        d.contiguous_seq,
                        d.last_seen.isoformat(timespec="seconds") if d.last_seen else "-",
                    )
                    for d in devices
                ],
                ("device_id", "team", "name", "state", "seq", "last_seen"),
            ),
            file=out,
        )
        return 0
    if cmd == "office-user":
        return _office_user(url, args, out)
    if cmd == "campaign":
        return _campaign(url, args, out)
    if cmd == "report":
        rows = admin.progress(url)
        if args.format == "json":
            json.dump([asdict(r) for r in rows], out, indent=2)
            out.write("\n")
        elif args.format == "csv":
            buf = io.StringIO()
            w = csv.writer(buf, lineterminator="\n")
            w.writerow(("npsn", "name", "target", "recorded", "remaining", "anomalies"))
            for r in rows:
                w.writerow((r.npsn, r.name, r.target, r.recorded, r.remaining, r.anomalies))
            out.write(buf.getvalue())
        else:
            print(
                _table(
                    [
                        (r.npsn, r.name, r.target, r.recorded, r.remaining, r.anomalies)
                        for r in rows
                    ],
                    ("npsn", "school", "target", "recorded", "remaining", "anomalies"),
                ),
                file=out,
            )
        return 0
    raise AssertionError(cmd)  # pragma: no cover


def _read_password() -> str:
    import getpass

    if sys.stdin.isatty():
        first = getpass.getpass("Kata sandi / password: ")
        if getpass.getpass("Ulangi / again: ") != first:
            raise KnownError("Kata sandi tidak sama.", "The passwords differ.")
        return first
    return sys.stdin.readline().rstrip("\r\n")


def _office_user(url: str, args: argparse.Namespace, out: TextIO) -> int:
    from ktpe_server.office import accounts
    from ktpe_server.office.audit import CLI_ADDRESS

    engine = admin.engine_for(url)
    actor = f"cli:{getpass_user()}"
    if args.office_user_command == "add":
        info = accounts.add_user(
            engine,
            args.username,
            _read_password(),
            args.role,
            args.name,
            actor=actor,
            address=CLI_ADDRESS,
        )
        print(f"office user {info.username} ({info.role}) created", file=out)
        return 0
    if args.office_user_command in ("disable", "enable"):
        active = args.office_user_command == "enable"
        accounts.set_active(engine, args.username, active, actor="cli", address=CLI_ADDRESS)
        print(f"office user {args.username} {'enabled' if active else 'disabled'}", file=out)
        return 0
    users = accounts.list_users(engine)
    print(
        _table(
            [
                (
                    u.username,
                    u.display_name,
                    u.role,
                    "active" if u.active else "disabled",
                    u.last_login.isoformat(timespec="seconds") if u.last_login else "-",
                )
                for u in users
            ],
            ("username", "name", "role", "state", "last_login"),
        ),
        file=out,
    )
    return 0


def _campaign(url: str, args: argparse.Namespace, out: TextIO) -> int:
    from ktpe_server.office import campaign
    from ktpe_server.office.audit import CLI_ADDRESS

    engine = admin.engine_for(url)
    if args.campaign_command == "show":
        setup = campaign.load(engine)
        if setup is None:
            print("error: no campaign is set up (ktpe-server campaign set …)", file=sys.stderr)
            return 1
        json.dump(setup.as_audit(), out, indent=2, ensure_ascii=False)
        out.write("\n")
        return 0
    values = {
        name: getattr(args, name)
        for name in campaign.FIELD_NAMES
        if getattr(args, name, None) is not None
    }
    setup = campaign.save(engine, values, actor=f"cli:{getpass_user()}", address=CLI_ADDRESS)
    print(f"campaign {setup.id} saved", file=out)
    return 0


def getpass_user() -> str:
    import getpass

    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return "?"


def _serve(
    url: str, host: str, port: int, workers: int, log_level: str, log_format: str | None = None
) -> int:
    import logging.config
    import os

    import uvicorn

    from ktpe_server.db import make_engine, upgrade
    from ktpe_server.logjson import dict_config
    from ktpe_server.logjson import log_format as chosen_format

    config = dict_config(chosen_format(log_format), log_level)
    logging.config.dictConfig(config)
    upgrade(make_engine(url))
    os.environ["KTPE_SERVER_DB"] = url  # the factory (and every worker) reads it
    uvicorn.run(
        "ktpe_server.asgi:app_from_env",
        factory=True,
        host=host,
        port=port,
        workers=workers,
        log_level=log_level,
        log_config=config,
        access_log=False,
    )
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    logging.basicConfig(
        level=logging.WARNING, format="%(asctime)s %(name)s %(levelname)s %(message)s"
    )
    try:
        return run(argv)
    except KnownError as exc:
        print(f"error: {exc.message_en}", file=sys.stderr)
        return 1
    except OSError as exc:
        print(f"error: {exc.strerror or exc}", file=sys.stderr)
        return 1
    except Exception as exc:
        from sqlalchemy.exc import SQLAlchemyError

        if isinstance(exc, SQLAlchemyError):
            print(f"error: database problem ({type(exc).__name__})", file=sys.stderr)
            return 1
        raise


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
