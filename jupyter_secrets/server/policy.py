"""What the gate does with a path: pure functions over the admin's settings.

Kept free of tornado and jupyter_server so it can be unit-tested alone and
reused by the REST API (``GET /jupyter-secrets/policy?path=``).

Two policies apply at each path: the path's policy (``save_policy``, overridden
by ``path_policies``) to verified and likely findings, and the possible policy
(``possible_policy``, overridden by ``possible_path_policies``) to possible
ones, never stricter than the path's: a path whose policy is ``warn`` warns on
everything, and ``off`` scans nothing.
"""

from __future__ import annotations

import fnmatch
import posixpath
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from ..scanner.confidence import LEVELS, POSSIBLE
from ..scanner.files import SCANNED_SUFFIXES, is_scanned_name
from .vocabulary import POLICIES, Policy

#: The default action on findings of confidence "possible" (weak evidence).
DEFAULT_POSSIBLE_POLICY: Policy = "warn"

DEFAULT_SCANNED_EXTENSIONS: tuple[str, ...] = SCANNED_SUFFIXES

#: Scopes the REST API (and so JupyterLab) may write by default; prod only via the CLI.
DEFAULT_WRITABLE_SCOPES: tuple[str, ...] = ("dev", "stg")


@dataclass(frozen=True)
class GatePolicy:
    """The effective save policy of one server."""

    default: Policy = "block"
    overrides: Mapping[str, Policy] = field(default_factory=dict)
    #: The policy for findings of confidence "possible", and its per-path overrides.
    possible: Policy = DEFAULT_POSSIBLE_POLICY
    possible_overrides: Mapping[str, Policy] = field(default_factory=dict)
    fail_closed: bool = True
    scanned_extensions: tuple[str, ...] = DEFAULT_SCANNED_EXTENSIONS
    max_scan_bytes: int = 0
    scan_timeout_seconds: float = 0.0
    writable_scopes: tuple[str, ...] = DEFAULT_WRITABLE_SCOPES
    #: The admin policy's own gate policy: no path is ever less strict than it says.
    floor: GatePolicy | None = None
    #: Where each setting came from (admin policy, user configuration, default).
    sources: Mapping[str, str] = field(default_factory=dict)

    def for_path(self, path: str) -> Policy:
        """The policy for an API path: the most specific matching glob wins, else the default;
        never less strict than the admin policy's (``floor``) at that path. It applies to
        verified and likely findings."""
        own = _most_specific(path, self.overrides, self.default)
        return own if self.floor is None else strictest((own, self.floor.for_path(path)))

    def possible_for_path(self, path: str) -> Policy:
        """The policy for possible findings at ``path``: its own setting (most specific glob
        of ``possible_overrides``, else ``possible``), never stricter than ``for_path``."""
        own = _most_specific(path, self.possible_overrides, self.possible)
        if self.floor is not None:
            own = strictest((own, self.floor.possible_for_path(path)))
        return least_strict((own, self.for_path(path)))

    def default_for_paths(self) -> Policy:
        """The policy of a path no glob names: ``default``, held to the floor's."""
        if self.floor is None:
            return self.default
        return strictest((self.default, self.floor.default_for_paths()))

    def default_possible(self) -> Policy:
        """The possible policy of a path no glob names (as ``possible_for_path``)."""
        own = self.possible
        if self.floor is not None:
            own = strictest((own, self.floor.default_possible()))
        return least_strict((own, self.default_for_paths()))

    def actions(self, path: str | None = None) -> dict[str, Policy]:
        """Confidence level -> policy at ``path`` (without one: at a path no glob names,
        the admin's floor included, which is what the gate applies there)."""
        policy = self.for_path(path) if path is not None else self.default_for_paths()
        possible = self.possible_for_path(path) if path is not None else self.default_possible()
        return {level: possible if level == POSSIBLE else policy for level in reversed(LEVELS)}

    def is_scanned(self, path: str) -> bool:
        """True when files at ``path`` are scanned at all (by extension or dotfile name)."""
        return is_scanned_name(path, self.scanned_extensions)

    def to_json(self, path: str | None = None) -> dict[str, Any]:
        data: dict[str, Any] = {
            "policy": self.for_path(path) if path is not None else self.default_for_paths(),
            "default_policy": self.default_for_paths(),
            "fail_closed": self.fail_closed,
            "overrides": dict(self.overrides),
            "possible_policy": self.actions(path)["possible"],
            "default_possible_policy": self.possible,
            "possible_overrides": dict(self.possible_overrides),
            "confidence_actions": self.actions(path),
            "scanned_types": list(self.scanned_extensions),
            "limits": {
                "max_scan_bytes": self.max_scan_bytes,
                "scan_timeout_seconds": self.scan_timeout_seconds,
            },
            "writable_scopes": list(self.writable_scopes),
            "sources": dict(self.sources),
        }
        if path is not None:
            data["path"] = path.strip("/")
            data["scanned"] = self.is_scanned(path) and data["policy"] != "off"
        return data


def _most_specific(path: str, overrides: Mapping[str, Policy], default: Policy) -> Policy:
    clean = path.strip("/")
    best: tuple[int, Policy] | None = None
    for pattern, policy in overrides.items():
        if _matches(clean, pattern.strip("/")):
            specificity = len(pattern.replace("*", "").replace("?", ""))
            if best is None or specificity > best[0]:
                best = (specificity, policy)
    return best[1] if best else default


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


#: The gate settings an admin policy can set, and how a user's value combines with it.
FLOOR_SETTINGS = (
    "save_policy",
    "path_policies",
    "possible_policy",
    "possible_path_policies",
    "fail_closed",
    "scanned_extensions",
    "writable_scopes",
    "known_values",
)


def with_floor(
    own: GatePolicy, admin: Mapping[str, Any], user_set: Iterable[str], where: str
) -> tuple[GatePolicy, list[str]]:
    """``own`` (the user's and server's settings) held to the admin's: the stricter action
    path by path, fail closed if either says so, scanned types joined, writable scopes
    intersected. Returns the policy and what the user tried to weaken, one line each."""
    if not admin:
        return own, []
    explicit = set(user_set)
    floor = GatePolicy(
        default=admin.get("save_policy", "off"),
        overrides=dict(admin.get("path_policies", {})),
        possible=admin.get("possible_policy", "off"),
        possible_overrides=dict(admin.get("possible_path_policies", {})),
    )
    check_policies([floor.default, floor.possible, *floor.overrides.values(),
                    *floor.possible_overrides.values()], f"admin policy {where}")  # fmt: skip
    notes = []
    if (
        "save_policy" in admin
        and "save_policy" in explicit
        and strictest((own.default, floor.default)) != own.default
    ):
        notes.append(
            f"JupyterSecrets.save_policy {own.default!r} is less strict than the admin's {floor.default!r}"
        )
    for glob, policy in own.overrides.items():
        if "path_policies" in explicit and strictest((policy, floor.for_path(glob))) != policy:
            notes.append(
                f"JupyterSecrets.path_policies[{glob!r}] {policy!r} is less strict than the admin's"
            )
    fail_closed = own.fail_closed or bool(admin.get("fail_closed", False))
    if admin.get("fail_closed") and not own.fail_closed and "fail_closed" in explicit:
        notes.append("JupyterSecrets.fail_closed False: the admin keeps the gate failing closed")
    writable = own.writable_scopes
    if "writable_scopes" in admin:
        allowed = set(admin["writable_scopes"])
        if "writable_scopes" in explicit and set(writable) - allowed:
            notes.append(
                f"JupyterSecrets.writable_scopes {sorted(set(writable) - allowed)} are not writable by the admin's policy"
            )
        writable = tuple(s for s in writable if s in allowed)
    extensions = tuple(
        dict.fromkeys([*own.scanned_extensions, *admin.get("scanned_extensions", [])])
    )
    sources = {}
    for name in FLOOR_SETTINGS:
        if name in admin:
            sources[name] = f"admin policy {where}" + (
                " (the user's is stricter where it is)" if name in explicit else ""
            )
        else:
            sources[name] = "user configuration" if name in explicit else "default"
    combined = GatePolicy(
        default=own.default,
        overrides=own.overrides,
        possible=own.possible,
        possible_overrides=own.possible_overrides,
        fail_closed=fail_closed,
        scanned_extensions=extensions,
        max_scan_bytes=own.max_scan_bytes,
        scan_timeout_seconds=own.scan_timeout_seconds,
        writable_scopes=writable,
        floor=floor,
        sources=sources,
    )
    return combined, notes


def strictest(policies: Iterable[Policy]) -> Policy:
    """The strictest of ``policies`` (block > strip > warn > off); "off" for none.
    Where two names of one file disagree, this is the one that applies."""
    chosen = set(policies)
    return next((p for p in POLICIES if p in chosen), "off")


def least_strict(policies: Iterable[Policy]) -> Policy:
    """The least strict of ``policies`` (off < warn < strip < block); "off" for none."""
    chosen = set(policies)
    return next((p for p in reversed(POLICIES) if p in chosen), "off")


def policy_for_finding(confidence: str, policy: Policy, possible: Policy) -> Policy:
    """What a finding of ``confidence`` gets where the path's policy is ``policy`` and the
    possible policy ``possible`` (already capped by ``policy``)."""
    return possible if confidence == POSSIBLE else policy


def check_policies(values: Iterable[str], where: str) -> None:
    """Raise ValueError naming ``where`` for any value not in POLICIES."""
    for value in values:
        if value not in POLICIES:
            raise ValueError(
                f"{where}: unknown save policy {value!r}; use one of {', '.join(POLICIES)}"
            )
