"""The ``jupyter-secrets`` command (also ``jupyter secrets``).

Each sub-module registers its sub-commands; this module only wires them and
turns errors into one-line messages and exit codes:
0 success, 1 findings (scan), 2 usage or config error, 3+ see errors.py
(7: a rotation step failed and was rolled back).
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Sequence

from ..errors import SecretError

Handler = Callable[[argparse.Namespace], int]


def build_parser() -> argparse.ArgumentParser:
    from . import audit, inventory, rotate, scan, store

    parser = argparse.ArgumentParser(
        prog="jupyter-secrets",
        description="Keep credentials out of notebooks: fetch them at run time, catch leaks at save.",
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    sub.required = True
    store.register(sub)
    scan.register(sub)
    rotate.register(sub)
    inventory.register(sub)
    audit.register(sub)
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
    except Exception as exc:  # a bug: exit 2, never 1 (which `scan` means as "findings")
        print(f"jupyter-secrets: internal error: {_where(exc)}; please report it", file=sys.stderr)
        return EXIT_INTERNAL


#: A crash is an error, not a finding: CI must not read it as "leak found" nor as clean.
EXIT_INTERNAL = 2


def _where(exc: BaseException) -> str:
    """The exception's type and the innermost frame of ours: never its message or locals,
    which may quote the content being scanned."""
    frame = None
    tb = exc.__traceback__
    while tb is not None:
        if "jupyter_secrets" in tb.tb_frame.f_code.co_filename:
            frame = tb
        tb = tb.tb_next
    if frame is None:
        return type(exc).__name__
    name = frame.tb_frame.f_code.co_filename.rsplit("jupyter_secrets", 1)[-1].lstrip("/\\")
    return f"{type(exc).__name__} in jupyter_secrets/{name}:{frame.tb_lineno}"


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
