"""The admin policy: settings a user cannot weaken.

An admin writes ``jupyter_secrets_policy.json`` in ``/etc/jupyter/`` or in the
environment's ``{sys.prefix}/etc/jupyter/`` (``$JUPYTER_SECRETS_ADMIN_POLICY`` may name
one more file)::

    {"SecretsConfig": {"allowed_scopes": ["dev", "stg", "prod"],
                       "grants": [{"group": "etl", "read": ["prod/"]}],
                       "routes": {"prod/": "vault"}, "audit_enabled": true},
     "JupyterSecrets": {"save_policy": "block", "fail_closed": true}}

A file is read only when it is trusted: owned by root and writable by no one else,
in a directory that is too; any other file is ignored with a warning, so a user
cannot name a file of their own. Several trusted files combine the same way a user's
settings do with them: only ever tighter.

What "tighter" means, setting by setting (:func:`apply_to_secrets`, and for the save
gate ``jupyter_secrets.server.policy.with_floor``): scopes are intersected; grants,
the audit log path, the access contact and the default backend are the admin's;
protected prefixes are joined; admin routes are pinned (a user route at or under an
admin prefix is dropped, and ``$JUPYTER_SECRETS_BACKEND`` does not apply to those
refs); auditing and encoding redaction stay on when the admin turns them on; the cache
TTL and redaction lengths take the lower value. The save policy and its path
overrides take the stricter action, path by path. Each setting the user tried to
weaken is logged and ignored.
"""

from __future__ import annotations

import json
import os
import stat
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .errors import ConfigError

BASENAME = "jupyter_secrets_policy.json"
ENV_ADMIN_POLICY = "JUPYTER_SECRETS_ADMIN_POLICY"
SECTIONS = ("SecretsConfig", "JupyterSecrets")


@dataclass
class AdminPolicy:
    """The trusted admin files' settings, merged tightest-first, and where each came from."""

    secrets: dict[str, Any] = field(default_factory=dict)
    server: dict[str, Any] = field(default_factory=dict)
    sources: dict[str, str] = field(default_factory=dict)  # "SecretsConfig.grants" -> path
    files: list[str] = field(default_factory=list)
    ignored_files: list[str] = field(default_factory=list)  # one-line reasons

    def __bool__(self) -> bool:
        return bool(self.files)


def candidate_paths() -> list[Path]:
    paths = [Path("/etc/jupyter") / BASENAME, Path(sys.prefix) / "etc" / "jupyter" / BASENAME]
    extra = os.environ.get(ENV_ADMIN_POLICY)
    if extra:
        paths.append(Path(extra).expanduser())
    unique: list[Path] = []
    for path in paths:
        if path not in unique:
            unique.append(path)
    return unique


def untrusted_reason(path: Path) -> str | None:
    """Why ``path`` may not hold an admin policy, or None when it may."""
    for item, what in ((path, "file"), (path.parent, "directory")):
        try:
            info = item.stat()
        except OSError:
            return f"cannot stat the {what} {item}"
        if info.st_uid != 0:
            return f"the {what} {item} is not owned by root"
        if info.st_mode & (stat.S_IWGRP | stat.S_IWOTH):
            return f"the {what} {item} is writable by others than root"
    return None


def load_admin_policy(paths: list[Path] | None = None) -> AdminPolicy:
    """Every trusted admin policy file, merged (an unreadable trusted file is a ConfigError:
    failing open would drop the admin's rules)."""
    policy = AdminPolicy()
    for path in paths if paths is not None else candidate_paths():
        if not path.exists():
            continue
        reason = untrusted_reason(path)
        if reason is not None:
            policy.ignored_files.append(f"{path}: {reason}")
            continue
        document = _read(path)
        for section in SECTIONS:
            values = document.get(section, {})
            if not isinstance(values, dict):
                raise ConfigError(f"admin policy {path}: '{section}' must be an object")
            target = policy.secrets if section == "SecretsConfig" else policy.server
            for name, value in values.items():
                target[name] = tighter(name, target[name], value) if name in target else value
                policy.sources[f"{section}.{name}"] = str(path)
        policy.files.append(str(path))
    return policy


def _read(path: Path) -> dict[str, Any]:
    try:
        document = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, ValueError) as exc:
        raise ConfigError(
            f"cannot read the admin policy {path} ({type(exc).__name__}); an admin must fix it"
        ) from None
    unknown = sorted(set(document) - set(SECTIONS)) if isinstance(document, dict) else None
    if unknown is None or unknown:
        raise ConfigError(
            f"admin policy {path} must be an object with 'SecretsConfig' and/or 'JupyterSecrets'"
        )
    checked: dict[str, Any] = document
    return checked


_ORDER = {"off": 0, "warn": 1, "strip": 2, "block": 3}


def tighter(name: str, first: Any, second: Any) -> Any:
    """The tighter of two admin files' values of setting ``name``; the first file (the
    system's) plays the admin to the later one, by the same rules a user's setting meets."""
    if name in ("save_policy", "possible_policy"):
        return max(first, second, key=lambda p: _ORDER.get(p, 3))
    if name in ("allowed_scopes", "writable_scopes"):
        return [s for s in first if s in second]
    if name in ("fail_closed", "known_values"):
        return bool(first) or bool(second)
    rule = _RULES.get(name)
    if rule is not None:
        return rule(second, first)[0]
    if isinstance(first, dict) and isinstance(second, dict):
        return {**second, **first}  # the first file's keys win
    return first


Tightened = tuple[Any, str | None]  # the effective value, and what was weakened (or None)


def _scopes(mine: Any, admin: Any) -> Tightened:
    extra = sorted(set(mine) - set(admin))
    kept = [s for s in mine if s in admin]
    return kept, (f"scope(s) {', '.join(extra)} are not allowed" if extra else None)


def _joined(mine: Any, admin: Any) -> Tightened:
    return sorted(set(mine) | set(admin)), None


def _routes(mine: Any, admin: Any) -> Tightened:
    dropped = sorted(
        p for p, b in mine.items() if any(p.startswith(a) for a in admin) and admin.get(p) != b
    )
    kept = {p: b for p, b in mine.items() if p not in dropped}
    why = f"route(s) {', '.join(dropped)} under the admin's routes are ignored" if dropped else None
    return {**kept, **admin}, why


def _options(mine: Any, admin: Any) -> Tightened:
    merged = dict(mine)
    for backend, options in admin.items():
        merged[backend] = {**mine.get(backend, {}), **options}
    return merged, None


def _kept_on(mine: Any, admin: Any) -> Tightened:
    weakened = bool(admin) and not mine
    return bool(admin) or bool(mine), ("turning it off is not allowed" if weakened else None)


def _lower(mine: Any, admin: Any) -> Tightened:
    return min(mine, admin), (f"{mine} is above the admin's {admin}" if mine > admin else None)


def _substring(mine: Any, admin: Any) -> Tightened:
    if admin <= 0:  # the admin does not ask for substring matching
        return mine, None
    if 0 < mine <= admin:
        return mine, None
    return admin, "a longer (or no) substring match is not allowed"


def _admins(mine: Any, admin: Any) -> Tightened:
    return admin, ("it is set by the admin" if mine != admin else None)


_RULES = {
    "allowed_scopes": _scopes,
    "protected_prefixes": _joined,
    "audit_sinks": _joined,
    "audit_fail_closed_prefixes": _joined,
    "routes": _routes,
    "backend_options": _options,
    "audit_enabled": _kept_on,
    "redact_encodings": _kept_on,
    "cache_ttl": _lower,
    "redact_min_length": _lower,
    "redact_substring_length": _substring,
}


def apply_to_secrets(settings: Any, policy: AdminPolicy) -> list[str]:
    """Tighten ``settings`` (a SecretsConfig) to ``policy``; return what the user tried to
    weaken, one line each, for the caller to log. Grants, the audit log, the access contact, the
    default backend and any other setting are simply the admin's."""
    explicit = set(settings.config.get("SecretsConfig", {}))
    notes: list[str] = []
    for name, value in policy.secrets.items():
        if not settings.has_trait(name):
            raise ConfigError(
                f"admin policy {policy.sources[f'SecretsConfig.{name}']}: unknown setting SecretsConfig.{name}"
            )
        effective, weakened = _RULES.get(name, _admins)(getattr(settings, name), value)
        setattr(settings, name, effective)
        if name == "routes":
            settings.pinned_routes = dict(value)
        if weakened and name in explicit:
            where = policy.sources[f"SecretsConfig.{name}"]
            notes.append(f"SecretsConfig.{name}: {weakened}; the admin policy ({where}) wins")
    return notes


def secrets_sources(settings: Any, policy: AdminPolicy) -> dict[str, str]:
    """Where each SecretsConfig setting comes from: the admin policy, the user's config, default."""
    explicit = set(settings.config.get("SecretsConfig", {}))
    sources = {}
    for name in settings.trait_names(config=True):
        key = f"SecretsConfig.{name}"
        if key in policy.sources:
            sources[name] = f"admin policy {policy.sources[key]}"
        elif name in explicit:
            sources[name] = "user configuration"
        else:
            sources[name] = "default"
    return sources
