"""What the gate does with a path: pure functions over the admin's settings.

Kept free of tornado and jupyter_server so it can be unit-tested alone and
reused by the REST API (``GET /jupyter-secrets/policy?path=``).
"""

from __future__ import annotations

import fnmatch
import posixpath
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from ..scanner.files import SCANNED_SUFFIXES, is_scanned_name

POLICIES: tuple[str, ...] = ("block", "strip", "warn", "off")
#: Strictest first: where two names of one file disagree, the first of these wins.
_STRICTNESS = ("block", "strip", "warn", "off")

DEFAULT_SCANNED_EXTENSIONS: tuple[str, ...] = SCANNED_SUFFIXES

#: Scopes the REST API (and so JupyterLab) may write by default; prod only via the CLI.
DEFAULT_WRITABLE_SCOPES: tuple[str, ...] = ("dev", "stg")


@dataclass(frozen=True)
class GatePolicy:
    """The effective save policy of one server."""

    default: str = "block"
    overrides: Mapping[str, str] = field(default_factory=dict)
    fail_closed: bool = True
    scanned_extensions: tuple[str, ...] = DEFAULT_SCANNED_EXTENSIONS
    max_scan_bytes: int = 0
    scan_timeout_seconds: float = 0.0
    writable_scopes: tuple[str, ...] = DEFAULT_WRITABLE_SCOPES

    def for_path(self, path: str) -> str:
        """The policy for an API path: the most specific matching glob wins, else the default."""
        clean = path.strip("/")
        best: tuple[int, str] | None = None
        for pattern, policy in self.overrides.items():
            if _matches(clean, pattern.strip("/")):
                specificity = len(pattern.replace("*", "").replace("?", ""))
                if best is None or specificity > best[0]:
                    best = (specificity, policy)
        return best[1] if best else self.default

    def is_scanned(self, path: str) -> bool:
        """True when files at ``path`` are scanned at all (by extension or dotfile name)."""
        return is_scanned_name(path, self.scanned_extensions)

    def to_json(self, path: str | None = None) -> dict[str, Any]:
        data: dict[str, Any] = {
            "policy": self.for_path(path) if path is not None else self.default,
            "default_policy": self.default,
            "fail_closed": self.fail_closed,
            "overrides": dict(self.overrides),
            "scanned_types": list(self.scanned_extensions),
            "limits": {
                "max_scan_bytes": self.max_scan_bytes,
                "scan_timeout_seconds": self.scan_timeout_seconds,
            },
            "writable_scopes": list(self.writable_scopes),
        }
        if path is not None:
            data["path"] = path.strip("/")
            data["scanned"] = self.is_scanned(path) and data["policy"] != "off"
        return data


def _matches(path: str, pattern: str) -> bool:
    # A glob without "/" matches a name anywhere ("*.env"); one with "/"
    # matches from the root ("scratch/*"), and "dir/**" matches everything below.
    if "/" not in pattern:
        return fnmatch.fnmatchcase(posixpath.basename(path), pattern) or fnmatch.fnmatchcase(
            path, pattern
        )
    if pattern.endswith("/**"):
        prefix = pattern[:-3]
        return path == prefix or path.startswith(prefix + "/") or fnmatch.fnmatchcase(path, pattern)
    return fnmatch.fnmatchcase(path, pattern)


def strictest(policies: Iterable[str]) -> str:
    """The strictest of ``policies`` (block > strip > warn > off); "off" for none."""
    chosen = set(policies)
    return next((p for p in _STRICTNESS if p in chosen), "off")


def check_policies(values: Iterable[str], where: str) -> None:
    """Raise ValueError naming ``where`` for any value not in POLICIES."""
    for value in values:
        if value not in POLICIES:
            raise ValueError(
                f"{where}: unknown save policy {value!r}; use one of {', '.join(POLICIES)}"
            )
