"""``jupyter-secrets rotate``: rotate a secret, from flags or a reviewable plan file.

Exit codes: 0 rotated (or the dry run's plan printed); 7 a step failed and the
rotation was rolled back (the message says what was put back); 2 a bad plan or
flag; 3 denied; 4 nothing to rotate; 5 the store is unavailable; 6 read-only.
"""

from __future__ import annotations

import argparse
import shlex
import sys
from pathlib import Path
from typing import Any

from ..errors import ConfigError


def register(sub: Any) -> None:
    p = sub.add_parser(
        "rotate",
        help="rotate a secret: new version, apply, validate, then promote or roll back",
        description="Rotate REF (or every rotation in --plan): a new value (typed, piped or "
        "--generate), an optional apply step, a validation of the new version, then promote it "
        "or roll back. Every step is audited; no value is ever printed.",
    )
    p.add_argument("ref", nargs="?", help="the secret, e.g. prod/warehouse/password")
    p.add_argument(
        "--plan", help="a rotation plan file (rotation.yaml); REF picks one of its rotations"
    )
    p.add_argument(
        "--generate",
        nargs="?",
        const="db-password",
        metavar="POLICY",
        help="generate the new value (policies: db-password [default], api-token, hex-key, alnum)",
    )
    p.add_argument("--length", type=int, help="length of a generated value")
    p.add_argument(
        "--alphabet", help="alphabet of a generated value: alnum, alnum-symbols, hex, urlsafe"
    )
    p.add_argument("--apply", dest="apply_command", metavar="COMMAND",
                   help="a command making the dependent system accept the new value (split like a "
                        "shell line, never run by one); values in $JUPYTER_SECRETS_OLD_VALUE/NEW_VALUE")  # fmt: skip
    p.add_argument("--validate", dest="validate_command", metavar="COMMAND",
                   help="a command that must succeed with the new value")  # fmt: skip
    p.add_argument("--validate-notebook", metavar="NOTEBOOK",
                   help="a notebook run headless with the new version; any error fails it")  # fmt: skip
    p.add_argument("--timeout", type=float, default=60.0, help="seconds per step (default 60)")
    p.add_argument("--backend", help="rotate in this backend instead of the routed one")
    p.add_argument("--approve", metavar="NAME", help="record who approved (a plan's approvers)")
    p.add_argument("--dry-run", action="store_true", help="print the plan, change nothing")
    p.set_defaults(handler=cmd_rotate)


def _plans(args: argparse.Namespace) -> list[Any]:
    from ..rotation.plan import load_plans, plan_from

    if args.plan:
        if args.apply_command or args.validate_command or args.validate_notebook:
            raise ConfigError("give the steps in the plan file or as flags, not both")
        plans = load_plans(args.plan)
        if args.ref:
            chosen = [p for p in plans if p.ref.path == args.ref]
            if not chosen:
                names = ", ".join(p.ref.path for p in plans)
                raise ConfigError(f"{args.plan} has no rotation for {args.ref}; it has {names}")
            plans = chosen
        return plans
    if not args.ref:
        raise ConfigError(
            "name the secret to rotate (jupyter-secrets rotate prod/db/password) or give --plan"
        )
    entry: dict[str, Any] = {"ref": args.ref}
    if args.backend:
        entry["backend"] = args.backend
    if args.generate or args.length or args.alphabet:
        entry["generate"] = {
            "policy": args.generate,
            "length": args.length,
            "alphabet": args.alphabet,
        }
    if args.apply_command:
        entry["apply"] = {"command": _split(args.apply_command, "--apply"), "timeout": args.timeout}
    if args.validate_command and args.validate_notebook:
        raise ConfigError("give one of --validate and --validate-notebook")
    if args.validate_command:
        entry["validate"] = {
            "command": _split(args.validate_command, "--validate"),
            "timeout": args.timeout,
        }
    if args.validate_notebook:
        entry["validate"] = {"notebook": args.validate_notebook, "timeout": args.timeout}
    return [plan_from(entry, "the command line")]


def _split(line: str, flag: str) -> list[str]:
    try:
        argv = shlex.split(line)
    except ValueError:
        raise ConfigError(f"{flag}: unbalanced quotes in the command") from None
    if not argv:
        raise ConfigError(f"{flag}: empty command")
    return argv


def cmd_rotate(args: argparse.Namespace) -> int:
    from ..manager import SecretManager
    from ..rotation.engine import Rotator, plan_lines
    from .store import read_value

    plans = _plans(args)
    manager = SecretManager()
    manager.context["source"] = "cli"
    workdir = Path(args.plan).resolve().parent if args.plan else Path.cwd()

    def say(line: str) -> None:
        print(f"jupyter-secrets: {line}", file=sys.stderr)

    rotator = Rotator(manager, say, workdir)
    if args.dry_run:
        for plan in plans:
            print("\n".join(plan_lines(plan, rotator.backend_of(plan))))
        return 0
    for plan in plans:
        value = None if plan.generate is not None else read_value(plan.ref.path)
        result = rotator.rotate(plan, new_value=value, approver=args.approve)
        old = result.old_version or "-"
        print(
            f"rotated {result.ref} in backend '{result.backend}': version {old} -> {result.new_version or 'current'}"
        )
    return 0
