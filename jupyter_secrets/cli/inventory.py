"""``inventory check`` and ``inventory init``: the secrets inventory (``secrets.yaml``).

``check`` exits 0 when the inventory is clean, 1 when it reports any problem
(one line each, ``path:line: message``), 2 for usage and configuration errors
(no inventory, a file that is not YAML/JSON or not an inventory). ``init``
writes a starting inventory and never overwrites a file unless ``--force``.
"""

from __future__ import annotations

import argparse
import os
import sys
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from ..errors import ConfigError

EXIT_CLEAN, EXIT_PROBLEMS = 0, 1


def register(sub: Any) -> None:
    parser = sub.add_parser(
        "inventory",
        help="the secrets inventory (secrets.yaml): check it against the code and the stores, "
        "or write a starting one",
    )
    commands = parser.add_subparsers(dest="inventory_command", metavar="{check,init}")
    commands.required = True

    p = commands.add_parser(
        "check",
        help="report entries without exactly one owner, a rotation cadence or a matching env, "
        "refs used but not listed, entries no store holds and overdue rotations (exit 1 on any)",
    )
    p.add_argument(
        "paths",
        nargs="*",
        metavar="PATH",
        help="files or directories whose notebooks, code and config are searched for refs "
        "(default: the current directory)",
    )
    p.add_argument(
        "--inventory",
        metavar="FILE",
        help="the inventory (default: secrets.yaml, secrets.yml or secrets.json in the "
        "current directory, else in the first PATH that is a directory)",
    )
    p.add_argument("--format", choices=("text", "json", "sarif"), default="text")
    p.add_argument(
        "--no-store",
        action="store_true",
        help="do not list the secret stores (no stale-entry or overdue-rotation checks), e.g. "
        "in CI without store access",
    )
    p.add_argument(
        "--as-of",
        metavar="DATE",
        type=_moment,
        default=None,
        help="judge overdue rotations as of this ISO 8601 date or time instead of now, e.g. "
        "2025-07-01 to see what will be overdue by then",
    )
    p.set_defaults(handler=cmd_check)

    p = commands.add_parser(
        "init",
        help="write a starting inventory from what the stores hold and the code under PATHS uses",
    )
    p.add_argument(
        "paths",
        nargs="*",
        metavar="PATH",
        help="files or directories searched for refs (default: the current directory)",
    )
    p.add_argument(
        "--output",
        "-o",
        metavar="FILE",
        default="secrets.yaml",
        help="where to write it (default: secrets.yaml; '-' for stdout)",
    )
    p.add_argument("--force", action="store_true", help="overwrite FILE if it exists")
    p.add_argument(
        "--no-store",
        action="store_true",
        help="only the refs the code uses; do not list the secret stores",
    )
    p.set_defaults(handler=cmd_init)


def _moment(text: str) -> datetime:
    try:
        moment = datetime.fromisoformat(text.strip())
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"not an ISO 8601 date or time: {text[:40]!r} (e.g. 2025-07-01 or 2025-07-01T12:00Z)"
        ) from None
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=timezone.utc)


def inventory_path(explicit: str | None, paths: list[str]) -> Path:
    """The inventory to check: ``explicit``, else the current directory's, else the first
    directory among ``paths``'s."""
    from ..inventory import INVENTORY_NAMES, find_inventory

    if explicit:
        return Path(explicit)
    found = find_inventory(".")
    if found is not None:
        return Path(found.name)
    first_dir = next((p for p in paths if os.path.isdir(p)), None)
    if first_dir is not None:
        found = find_inventory(first_dir)
        if found is not None:
            return found
    where = " or ".join(dict.fromkeys([".", *([first_dir] if first_dir else [])]))
    raise ConfigError(
        f"no inventory found ({', '.join(INVENTORY_NAMES)} in {where}); pass --inventory FILE "
        "or write one with: jupyter-secrets inventory init"
    )


def cmd_check(args: argparse.Namespace) -> int:
    from ..inventory import load_inventory
    from ..inventory.check import check
    from ..inventory.formats import summary, to_json, to_sarif, to_text

    paths = args.paths or ["."]
    for path in paths:
        if not os.path.exists(path):
            raise ConfigError(f"no such file or directory: {path}")
    inventory = load_inventory(inventory_path(args.inventory, paths))
    report = check(inventory, paths, store=not args.no_store, now=args.as_of)
    if args.format == "json":
        sys.stdout.write(to_json(report) + "\n")
    elif args.format == "sarif":
        sys.stdout.write(to_sarif(report, version=_version()) + "\n")
    else:
        sys.stdout.write(to_text(report))
        print(summary(report), file=sys.stderr)
    return EXIT_CLEAN if report.clean else EXIT_PROBLEMS


def cmd_init(args: argparse.Namespace) -> int:
    from ..inventory.check import collect_files, read_stores
    from ..inventory.formats import count
    from ..inventory.init import build_inventory
    from ..inventory.refs import refs_in_file

    paths = args.paths or ["."]
    for path in paths:
        if not os.path.exists(path):
            raise ConfigError(f"no such file or directory: {path}")
    to_stdout = args.output == "-"
    target = Path(args.output)
    if not to_stdout and target.exists() and not args.force:
        raise ConfigError(f"{target} exists; pass --force to overwrite it, or -o another file")
    files = collect_files(paths, exclude=[] if to_stdout else [target])
    uses = [use for name in files for use in refs_in_file(name)]
    secrets: list[Any] = []
    if not args.no_store:
        secrets, failures = read_stores()
        for backend, message in failures:
            print(
                f"jupyter-secrets: warning: cannot list backend '{backend}', so its secrets are "
                f"not in the inventory: {message}",
                file=sys.stderr,
            )
    result = build_inventory(uses, secrets, files=len(files), store=not args.no_store)
    if to_stdout:
        sys.stdout.write(result.text)
        where = "stdout"
    else:
        try:
            with open(target, "w" if args.force else "x", encoding="utf-8") as handle:
                handle.write(result.text)
        except FileExistsError:
            raise ConfigError(
                f"{target} exists; pass --force to overwrite it, or -o another file"
            ) from None
        except OSError as exc:
            raise ConfigError(
                f"cannot write {target}: {exc.strerror or type(exc).__name__}"
            ) from None
        where = str(target)
    print(
        f"wrote {count(result.entries, 'entry')} to {where} ({result.from_store} in the "
        f"stores, {result.from_code} used in {count(len(files), 'file')}); "
        "fill in each owner and rotation_days, then run: jupyter-secrets inventory check",
        file=sys.stderr,
    )
    return EXIT_CLEAN


def _version() -> str:
    try:
        from .._version import __version__
    except ImportError:  # a source tree without a build
        return "0"
    return str(__version__)
