"""The ``jupyter-secrets`` command (also ``jupyter secrets``).

Each sub-module registers its sub-commands; this module only wires them and
turns errors into one-line messages and exit codes:
0 success, 1 findings (scan), 2 usage or config error, 3+ see errors.py.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Sequence

from ..errors import SecretError

Handler = Callable[[argparse.Namespace], int]


def build_parser() -> argparse.ArgumentParser:
    from . import scan, store

    parser = argparse.ArgumentParser(
        prog="jupyter-secrets",
        description="Keep credentials out of notebooks: fetch them at run time, catch leaks at save.",
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    sub.required = True
    store.register(sub)
    scan.register(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    handler: Handler = args.handler
    try:
        return handler(args)
    except SecretError as exc:
        print(f"jupyter-secrets: error: {exc}", file=sys.stderr)
        return exc.exit_code
    except KeyboardInterrupt:
        print("jupyter-secrets: interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
