"""``python -m jupyter_secrets.rotation.call``: runs one plan step's Python callable.

Reads ``{"target", "ref", "old", "new", "args"}`` as JSON on stdin and calls
``target(ref=..., old=..., new=..., **args)``. Returning ``False`` or raising fails
the step; what it says goes to stderr as one line, with both values masked by the
parent. Run in a child process so a hung callable can be stopped.
"""

from __future__ import annotations

import importlib
import json
import sys
from typing import Any


def main() -> int:
    request = json.loads(sys.stdin.read())
    module_name, _, attribute = request["target"].partition(":")
    try:
        target: Any = importlib.import_module(module_name)
        for part in attribute.split("."):
            target = getattr(target, part)
    except (ImportError, AttributeError) as exc:
        print(f"cannot import {request['target']} ({type(exc).__name__})", file=sys.stderr)
        return 3
    try:
        result = target(
            ref=request["ref"], old=request["old"], new=request["new"], **request["args"]
        )
    except Exception as exc:  # its message is masked by the parent before it is shown
        print(f"{type(exc).__name__}: {exc}", file=sys.stderr)
        return 1
    if result is False:
        print("the check returned False", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
