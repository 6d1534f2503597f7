"""A dependent system for rotation tests that need no database: a JSON file holding
the SHA-256 of the one password it accepts, changed only by a caller who knows the
current one (as ``ALTER USER`` through a connection made with the old password).
The real one is PostgreSQL, in ``test_postgres_rotation``."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path


def _digest(value: str) -> str:
    return hashlib.sha256(value.encode()).hexdigest()


def create(path: Path, password: str) -> None:
    path.write_text(json.dumps({"accepts": _digest(password), "changes": 0}))


def accepts(path: Path, password: str) -> bool:
    return bool(json.loads(Path(path).read_text())["accepts"] == _digest(password))


def changes(path: Path) -> int:
    return int(json.loads(Path(path).read_text())["changes"])


def change_password(ref: str, old: str, new: str, path: str, refuse: bool = False) -> None:
    """The apply step: log in with ``old``, set ``new``."""
    del ref
    state = json.loads(Path(path).read_text())
    if state["accepts"] != _digest(old):
        raise PermissionError(f"login failed for password {old}")  # masked by the engine
    if refuse:
        raise RuntimeError("the system refuses new passwords today")
    Path(path).write_text(json.dumps({"accepts": _digest(new), "changes": state["changes"] + 1}))


def log_in(ref: str, old: str, new: str, path: str) -> bool:
    """The validate step: the new value logs in."""
    del ref, old
    return accepts(Path(path), new)
