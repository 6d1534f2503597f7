"""Scope guardrails: which users and groups may read and write which refs.

Configured by the admin in ``SecretsConfig.grants``::

    c.SecretsConfig.grants = [
        {"group": "analysts", "read": ["dev/", "stg/"], "write": ["dev/"]},
        {"group": "etl", "read": ["prod/", "stg/"]},
        {"user": "alice", "read": ["stg/partner/"]},
    ]
    c.SecretsConfig.access_contact = "#data-platform on Slack"

With no grants, nothing here applies (a laptop: ``allowed_scopes`` is the only rule).
With grants, a ref needs a grant of the user, one of the user's groups or ``"*"``
(everyone) whose prefix it starts with, for the action asked (``write`` implies
``read`` only where both are listed). A prefix under ``protected_prefixes`` (default
``prod/``) is only granted by a grant that names it or something inside it: a broad
grant (``""`` or ``"p"``) never opens production.

This is enforced wherever a secret is fetched or stored through the manager: the
kernel, the REST API and the CLI. It is a guardrail for honest users, not a wall:
code in a user's kernel runs as that user, so hard isolation comes from the store's
own access control bound to the user's identity (see the README).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from .errors import ConfigError, ScopeDeniedError
from .refs import SecretRef

ACTIONS = ("read", "write")
DEFAULT_PROTECTED = ("prod/",)


@dataclass(frozen=True)
class Grant:
    """One rule: ``who`` is ``user:NAME``, ``group:NAME`` or ``*``."""

    who: str
    read: tuple[str, ...] = ()
    write: tuple[str, ...] = ()

    def applies_to(self, user: str, groups: Iterable[str]) -> bool:
        if self.who == "*":
            return True
        kind, _, name = self.who.partition(":")
        return (kind == "user" and name == user) or (kind == "group" and name in set(groups))

    def prefixes(self, action: str) -> tuple[str, ...]:
        return self.write if action == "write" else self.read


def parse_grants(raw: Sequence[object]) -> list[Grant]:
    """``SecretsConfig.grants`` as :class:`Grant` objects; a bad entry is a one-line ConfigError."""
    grants = []
    for index, entry in enumerate(raw, start=1):
        where = f"SecretsConfig.grants entry {index}"
        if not isinstance(entry, dict):
            raise ConfigError(
                f"{where} must be a mapping such as {{'group': 'etl', 'read': ['prod/']}}"
            )
        unknown = sorted(set(entry) - {"user", "group", "read", "write"})
        if unknown:
            raise ConfigError(
                f"{where} has unknown key(s) {', '.join(unknown)}; use user or group, read, write"
            )
        named = [k for k in ("user", "group") if k in entry]
        if len(named) != 1 or not isinstance(entry[named[0]], str) or not entry[named[0]]:
            raise ConfigError(f"{where} must name exactly one 'user' or 'group' ('*' for everyone)")
        who = "*" if entry[named[0]] == "*" else f"{named[0]}:{entry[named[0]]}"
        lists = {}
        for action in ACTIONS:
            value = entry.get(action, [])
            if isinstance(value, str):
                value = [value]
            if not isinstance(value, list) or not all(isinstance(p, str) for p in value):
                raise ConfigError(
                    f"{where}: '{action}' must be a list of ref prefixes such as 'dev/'"
                )
            lists[action] = tuple(value)
        grants.append(Grant(who, lists["read"], lists["write"]))
    return grants


@dataclass(frozen=True)
class Guardrails:
    grants: tuple[Grant, ...]
    protected: tuple[str, ...] = DEFAULT_PROTECTED
    contact: str = ""

    @property
    def active(self) -> bool:
        return bool(self.grants)

    def allows(self, ref: SecretRef, user: str, groups: Iterable[str], action: str) -> Grant | None:
        """The grant that lets ``user`` do ``action`` on ``ref``, or None."""
        path = ref.path
        guard = next((p for p in self.protected if path.startswith(p)), None)
        members = list(groups)
        for grant in self.grants:
            if not grant.applies_to(user, members):
                continue
            for prefix in grant.prefixes(action):
                if not path.startswith(prefix):
                    continue
                if guard is not None and not prefix.startswith(guard):
                    continue  # a broad prefix does not open a protected one
                return grant
        return None

    def check(self, ref: SecretRef, user: str, groups: Iterable[str], action: str = "read") -> None:
        """Raise ScopeDeniedError (one line, naming the rule and who to ask) unless allowed."""
        if not self.active:
            return
        members = sorted(set(groups))
        if self.allows(ref, user, members, action) is not None:
            return
        guard = next((p for p in self.protected if ref.path.startswith(p)), None)
        why = (
            f"{guard} is protected and needs a grant that names it"
            if guard is not None
            else "no grant covers it"
        )
        of_groups = f" (groups: {', '.join(members)})" if members else " (no groups)"
        ask = (
            f"; ask {self.contact} for access"
            if self.contact
            else "; ask your JupyterHub admin for access"
        )
        raise ScopeDeniedError(
            f"{user}{of_groups} may not {action} '{ref.path}': {why} in SecretsConfig.grants{ask}"
        )
