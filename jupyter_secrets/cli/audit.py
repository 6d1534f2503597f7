"""``jupyter-secrets audit report``: who read which secret, what was denied, what to clean up.

Exit codes: 0 the report was written; 2 a bad option (a period that is no
duration or date), a log that cannot be read, an inventory that cannot be
used, an output file that cannot be written. Malformed log lines are skipped,
counted in the report and named on stderr (one line per log), never fatal.
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path
from typing import Any

from ..errors import InputError


def register(sub: Any) -> None:
    p = sub.add_parser(
        "audit",
        help="reports over the audit log (who read what, denials, unused secrets)",
        description="Reports over the audit log. Names and counts only: the log never holds a value.",
    )
    commands = p.add_subparsers(dest="audit_command", metavar="COMMAND")
    commands.required = True
    r = commands.add_parser(
        "report",
        help="accesses per secret and user, denied attempts, save refusals, unused secrets, "
        "rotation cadence, reads outside a user's env",
        description="A report over one or more audit logs for a period (default: the last 30 "
        "days): allowed reads per secret and per user, denied attempts with their reasons, "
        "refused saves, reads outside a user's usual scope, and with --inventory the secrets "
        "nobody read (propose cleanup) and those past their rotation cadence.",
    )
    r.add_argument(
        "--log",
        action="append",
        metavar="FILE",
        help="an audit log to read (repeat for logs collected from several users); default: "
        "SecretsConfig.audit_log, else <jupyter data dir>/jupyter_secrets/audit.log",
    )
    r.add_argument(
        "--service",
        metavar="URL",
        help="read the JupyterHub audit service's events URL instead of log files, with an "
        "admin's hub token from $JUPYTERHUB_API_TOKEN (or the variable --token-env names)",
    )
    r.add_argument(
        "--token-env",
        metavar="NAME",
        default="JUPYTERHUB_API_TOKEN",
        help="the environment variable holding the admin's hub token for --service",
    )
    r.add_argument(
        "--since",
        metavar="WHEN",
        help="start of the period: a duration back from now (12h, 30d, 2w), a date "
        "(2026-11-01, UTC) or a time (2026-11-01T08:00Z), or 'all'; default: 30d",
    )
    r.add_argument(
        "--until",
        metavar="WHEN",
        help="end of the period (exclusive; a date includes that whole day); default: now",
    )
    r.add_argument(
        "--inventory",
        metavar="FILE",
        help="the secrets inventory: lists unused secrets and those past their rotation_days",
    )
    r.add_argument(
        "--format",
        choices=("text", "json", "html", "csv"),
        default="text",
        help="text (default), json (the same content, machine-readable), html (one "
        "self-contained file with charts) or csv (one row per fact, kind in 'section')",
    )
    r.add_argument("-o", "--output", metavar="FILE", help="write the report here, not to stdout")
    r.set_defaults(handler=cmd_report)


def _default_log() -> Path:
    from ..audit import default_audit_path
    from ..config import default_settings

    configured = default_settings().audit_log
    return Path(configured).expanduser() if configured else default_audit_path()


def cmd_report(args: argparse.Namespace) -> int:
    from ..audit_report import make_report, render
    from ..audit_report.formats import lines_word

    inventory = Path(args.inventory).expanduser() if args.inventory else None
    service = None
    if args.service:
        if args.log:
            raise InputError("give --log files or --service, not both")
        token = os.environ.get(args.token_env, "")
        if not token:
            raise InputError(f"--service needs an admin's hub token in ${args.token_env}")
        service = (args.service, token)
        logs: list[Path] = []
    else:
        logs = [Path(p).expanduser() for p in args.log] if args.log else [_default_log()]
    report = make_report(logs, args.since, args.until, inventory, service=service)
    text = render(report, args.format)
    for source in report["sources"]:
        if source["skipped"]:
            where = ", ".join(str(n) for n in source["skipped_lines"])
            more = ", ..." if source["skipped"] > len(source["skipped_lines"]) else ""
            print(
                f"jupyter-secrets: skipped {lines_word(source['skipped'])} in "
                f"{source['path']} (line {where}{more})",
                file=sys.stderr,
            )
    inventory_part = report["inventory"]
    if inventory_part is not None and inventory_part["problems"]:
        print(
            f"jupyter-secrets: skipped {len(inventory_part['problems'])} malformed entries in the "
            f"inventory {inventory_part['path']} (jupyter-secrets inventory check lists them)",
            file=sys.stderr,
        )
    if args.output:
        _write(Path(args.output).expanduser(), text)
        print(f"wrote the {args.format} report to {args.output}", file=sys.stderr)
        return 0
    try:
        sys.stdout.write(text)
        sys.stdout.flush()
    except BrokenPipeError:  # `| head`: the reader has what it wanted
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
    return 0


def _write(path: Path, text: str) -> None:
    """Write ``text`` whole or not at all (a temporary file renamed over ``path``)."""
    temporary = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        temporary.write_text(text, encoding="utf-8")
        os.replace(temporary, path)
    except OSError as exc:
        temporary.unlink(missing_ok=True)
        raise InputError(f"cannot write the report to {path}: {exc.strerror}") from None
