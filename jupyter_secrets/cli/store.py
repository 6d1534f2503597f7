"""``set``, ``get``, ``list``, ``delete`` and ``doctor``: the secret store commands."""

from __future__ import annotations

import argparse
import getpass
import json
import sys
from typing import Any

from ..errors import SecretError


def register(sub: Any) -> None:
    p = sub.add_parser(
        "set", help="store a secret (value from a masked prompt or stdin, never argv)"
    )
    p.add_argument("ref", help="e.g. dev/warehouse/password")
    p.add_argument("--backend", help="store in this backend instead of the routed one")
    p.set_defaults(handler=cmd_set)

    p = sub.add_parser("get", help="check a secret resolves; print it only with --reveal")
    p.add_argument("ref")
    p.add_argument("--reveal", action="store_true", help="print the value to stdout")
    p.set_defaults(handler=cmd_get)

    p = sub.add_parser("list", help="list stored secrets (names and metadata, never values)")
    p.add_argument("scope", nargs="?", help="only this scope, e.g. dev")
    p.add_argument("--json", action="store_true", help="machine-readable output")
    p.set_defaults(handler=cmd_list)

    p = sub.add_parser("delete", help="delete a secret (all its versions)")
    p.add_argument("ref")
    p.add_argument("--backend", help="delete from this backend instead of the routed one")
    p.set_defaults(handler=cmd_delete)

    p = sub.add_parser("doctor", help="which backends work here, and why the others do not")
    p.add_argument("--json", action="store_true", help="machine-readable output")
    p.set_defaults(handler=cmd_doctor)


def _manager() -> Any:
    from ..manager import SecretManager

    manager = SecretManager()
    manager.context["source"] = "cli"
    return manager


def read_value(ref: str) -> str:
    """The new value: a masked prompt on a terminal, else all of stdin minus one trailing newline."""
    if sys.stdin.isatty():
        first = getpass.getpass(f"Value for {ref}: ")
        second = getpass.getpass("Repeat: ")
        if first != second:
            raise SecretError("the two values differ; nothing was stored, run the command again")
        return first
    data = sys.stdin.read()
    return data[:-1] if data.endswith("\n") else data


def cmd_set(args: argparse.Namespace) -> int:
    manager = _manager()
    ref = manager.parse(args.ref)  # fail on a bad ref before asking for the value
    value = read_value(str(ref))
    version = manager.set(ref, value, backend=args.backend)
    target = manager.router.writable_backend_for(ref, args.backend).name
    suffix = f" as version {version}" if version else ""
    print(f"stored {ref} in backend '{target}'{suffix}", file=sys.stderr)
    return 0


def cmd_get(args: argparse.Namespace) -> int:
    value = _manager().get(args.ref, refresh=True)
    if args.reveal:
        sys.stdout.write(value.reveal() + "\n")
    else:
        print(
            f"{value.ref} resolves ({len(value)} characters); add --reveal to print it",
            file=sys.stderr,
        )
    return 0


def cmd_list(args: argparse.Namespace) -> int:
    infos = _manager().list(args.scope)
    if args.json:
        rows = [
            {
                "ref": i.path,
                "backend": i.backend,
                "version": i.version,
                "updated": i.updated.isoformat() if i.updated else None,
            }
            for i in infos
        ]
        print(json.dumps({"secrets": rows}, indent=2))
        return 0
    if not infos:
        print(
            "no secrets found; store one with: jupyter-secrets set dev/db/password", file=sys.stderr
        )
        return 0
    width = max(len(i.path) for i in infos)
    for info in infos:
        updated = info.updated.strftime("%Y-%m-%d %H:%M") if info.updated else "-"
        version = info.version or "-"
        print(f"{info.path:<{width}}  {info.backend:<8}  v{version:<4}  {updated}")
    return 0


def cmd_delete(args: argparse.Namespace) -> int:
    manager = _manager()
    manager.delete(args.ref, backend=args.backend)
    print(f"deleted {args.ref}", file=sys.stderr)
    return 0


def cmd_doctor(args: argparse.Namespace) -> int:
    """Exit 0 when refs with no route have a working backend, else 1."""
    from ..backends.router import Router, format_doctor
    from ..config import default_settings

    rows = Router(default_settings()).doctor()
    if args.json:
        print(json.dumps({"backends": [vars(r) for r in rows]}, indent=2, default=str))
    else:
        print(format_doctor(rows))
    return 0 if any(r.viable and r.is_default for r in rows) else 1
