"""The gate's words, in one place: policies, actions, origins and failure kinds.

``src/vocabulary.ts`` holds the same unions for the frontend; a test compares them.
"""

from __future__ import annotations

from typing import Literal, get_args

#: What a save that holds a secret does, strictest first.
Policy = Literal["block", "strip", "warn", "off"]
POLICIES: tuple[Policy, ...] = get_args(Policy)

#: What the gate did with one save (a report's ``action``).
Action = Literal["blocked", "stripped", "warned", "refused", "unscanned", "clean"]
ACTIONS: tuple[Action, ...] = get_args(Action)

#: Which way of writing a file the gate judged.
Origin = Literal["save", "upload", "rename", "copy", "checkpoint"]

#: Why content could not be scanned (see ``scanning.ScanFailed``).
FailureKind = Literal["input", "too_large", "timeout", "crash"]
#: The HTTP status of a save refused for each kind of failure.
FAILURE_STATUS: dict[FailureKind, int] = {
    "input": 400,
    "too_large": 413,
    "timeout": 503,
    "crash": 500,
}
