"""New secret values: ``--generate`` with a length and an alphabet, or a named policy.

Values come from :mod:`secrets` (the OS's CSPRNG). Named policies avoid characters
that break the places a value usually goes: quotes and backslashes (SQL, shell,
JSON), ``@ : / ? #`` (URIs), ``$`` and ``%`` (interpolation).
"""

from __future__ import annotations

import secrets
import string
from dataclasses import dataclass

from ..errors import ConfigError

ALPHABETS: dict[str, str] = {
    "alnum": string.ascii_letters + string.digits,
    "hex": "0123456789abcdef",
    "urlsafe": string.ascii_letters + string.digits + "-_",
    # Printable punctuation that survives SQL literals, URIs, shells and .env files.
    "alnum-symbols": string.ascii_letters + string.digits + "-_.,+=^~!*",
}


@dataclass(frozen=True)
class Policy:
    length: int
    alphabet: str
    #: Each of these character classes appears at least once (password rules).
    require: tuple[str, ...] = ()


POLICIES: dict[str, Policy] = {
    "db-password": Policy(
        32,
        "alnum-symbols",
        (string.ascii_lowercase, string.ascii_uppercase, string.digits, "-_.,+=^~!*"),
    ),
    "api-token": Policy(43, "urlsafe"),
    "hex-key": Policy(64, "hex"),
    "alnum": Policy(32, "alnum"),
}
MIN_LENGTH = 16
MAX_LENGTH = 4096


def resolve_policy(name: str | None, length: int | None, alphabet: str | None) -> Policy:
    """The policy ``name`` (default ``db-password``) with ``length``/``alphabet`` overriding."""
    key = name or "db-password"
    if key not in POLICIES:
        raise ConfigError(
            f"unknown generate policy '{key}'; use one of {', '.join(sorted(POLICIES))}"
        )
    base = POLICIES[key]
    chosen = alphabet or base.alphabet
    if chosen not in ALPHABETS:
        raise ConfigError(f"unknown alphabet '{chosen}'; use one of {', '.join(sorted(ALPHABETS))}")
    size = base.length if length is None else length
    if isinstance(size, bool) or not isinstance(size, int) or not MIN_LENGTH <= size <= MAX_LENGTH:
        raise ConfigError(
            f"a generated secret's length must be a number from {MIN_LENGTH} to {MAX_LENGTH}"
        )
    require = base.require if chosen == base.alphabet else ()
    return Policy(size, chosen, require)


def generate(policy: Policy) -> str:
    """A fresh value of ``policy``; never logged, never shown."""
    pool = ALPHABETS[policy.alphabet]
    while True:
        value = "".join(secrets.choice(pool) for _ in range(policy.length))
        if all(any(c in group for c in value) for group in policy.require):
            return value
