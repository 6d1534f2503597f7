"""``set``, ``get``, ``list``, ``delete`` and ``doctor``: the secret store commands.

Every failure is one line on stderr with the exit code of its error (see
errors.py): 5 for a store that is locked, unreadable, corrupted or opened with
the wrong passphrase. ``list`` prints what the other stores hold and still
exits 5 when one store failed: a partial list must not look complete.
``doctor`` exits 1 when the backend that unrouted refs go to does not work.
"""

from __future__ import annotations

import argparse
import getpass
import json
import sys
from typing import Any

from ..errors import InputError


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

    p = sub.add_parser(
        "list",
        help="list stored secrets (names and metadata, never values); exit 5 when a store "
        "could not be read (locked, wrong passphrase), after listing the others",
    )
    p.add_argument("scope", nargs="?", help="only this scope, e.g. dev")
    p.add_argument("--json", action="store_true", help="machine-readable output")
    p.set_defaults(handler=cmd_list)

    p = sub.add_parser("delete", help="delete a secret (all its versions)")
    p.add_argument("ref")
    p.add_argument("--backend", help="delete from this backend instead of the routed one")
    p.set_defaults(handler=cmd_delete)

    p = sub.add_parser(
        "doctor",
        help="which backends work here, and why the others do not (verified: the file store "
        "is decrypted, the keyring reached); exit 1 when the default backend does not work",
    )
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
            raise InputError("the two values differ; nothing was stored, run the command again")
        return first
    try:
        data = sys.stdin.read()
    except UnicodeDecodeError:
        raise InputError(
            f"the value on stdin is not text in the locale's encoding; nothing was stored "
            f"for {ref}: pipe text (base64-encode binary values)"
        ) from None
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
    listing = _manager().listing(args.scope)
    infos, failures = listing.secrets, listing.failures
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
        errors = [{"backend": f.backend, "message": f.message} for f in failures]
        print(json.dumps({"secrets": rows, "errors": errors}, indent=2))
    elif infos:
        width = max(len(i.path) for i in infos)
        for info in infos:
            updated = info.updated.strftime("%Y-%m-%d %H:%M") if info.updated else "-"
            version = info.version or "-"
            print(f"{info.path:<{width}}  {info.backend:<8}  v{version:<4}  {updated}")
    elif not failures:
        print(
            "no secrets found; store one with: jupyter-secrets set dev/db/password", file=sys.stderr
        )
    incomplete = ", so the list is incomplete" if infos else ""
    for failure in failures:
        print(
            f"jupyter-secrets: error: cannot list backend '{failure.backend}'{incomplete}: "
            f"{failure.message}",
            file=sys.stderr,
        )
    return failures[0].error.exit_code if failures else 0


def cmd_delete(args: argparse.Namespace) -> int:
    manager = _manager()
    manager.delete(args.ref, backend=args.backend)
    print(f"deleted {args.ref}", file=sys.stderr)
    return 0


def cmd_doctor(args: argparse.Namespace) -> int:
    """Exit 0 when refs with no route have a working backend (the forced one, else the
    default), else 1 with one line on stderr saying so."""
    from ..backends.router import Router, format_doctor
    from ..config import default_settings
    from ..scanner.registry import detector_failures

    rows = Router(default_settings()).doctor()
    broken = sorted(detector_failures().values(), key=lambda f: f.name)
    if args.json:
        report = {
            "backends": [vars(r) for r in rows],
            "detector_failures": [vars(f) for f in broken],
        }
        print(json.dumps(report, indent=2, default=str))
    else:
        print(format_doctor(rows))
        for failure in broken:
            print(f"no  {failure.describe('detector')}")
    serving = [r for r in rows if r.forced] or [r for r in rows if r.is_default]
    if serving and serving[0].viable:
        return 0
    if serving:
        row = serving[0]
        why = "forced by $JUPYTER_SECRETS_BACKEND" if row.forced else "the default"
        print(
            f"jupyter-secrets: backend '{row.name}' ({why}) does not work here: fix what its "
            "row says, or choose another with SecretsConfig.default_backend",
            file=sys.stderr,
        )
    else:
        print(
            "jupyter-secrets: no writable backend works here: fix what the rows say, or set "
            "SecretsConfig.default_backend",
            file=sys.stderr,
        )
    return 1
