"""Secret references: ``[secret://]scope/path/name[@version][#field]``.

Pure functions only; no I/O. Examples of valid refs::

    prod/db/password
    secret://prod/db/password
    prod/db/password@3          a numbered version
    prod/db/password@previous   the version before the current one
    prod/db/password@8c1a0f7e-3b2d-4c5e-9f10-2a3b4c5d6e7f   a store's version id (AWS)
    prod/db#password            the "password" field of a JSON secret

The first path segment is the scope (the environment: ``dev``, ``stg``,
``prod``...). Segments use letters, digits, ``_``, ``-`` and ``.``.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

from .errors import InvalidRefError, ScopeDeniedError

SCHEME = "secret://"
DEFAULT_SCOPES: tuple[str, ...] = ("dev", "stg", "prod")
MAX_REF_LENGTH = 256

_SEGMENT = r"[A-Za-z0-9_][A-Za-z0-9_.\-]*"
# A store's own version id: AWS Secrets Manager's are UUIDs.
_VERSION_ID = r"[0-9a-fA-F]{8}(?:-[0-9a-fA-F]{4}){3}-[0-9a-fA-F]{12}"
_VERSION = rf"[1-9][0-9]{{0,8}}|latest|previous|{_VERSION_ID}"
_REF_RE = re.compile(
    rf"""^
    (?P<path>{_SEGMENT}(?:/{_SEGMENT})+)
    (?:@(?P<version>{_VERSION}))?
    (?:\#(?P<field>{_SEGMENT}))?
    $""",
    re.VERBOSE,
)
_EXAMPLE = "a valid ref looks like 'prod/db/password', 'secret://prod/db/password@previous' or 'prod/db#password'"


@dataclass(frozen=True, order=True)
class SecretRef:
    """A parsed reference. ``version`` is None (current), ``"previous"``, a number
    string or a store's version id (a UUID)."""

    path: str
    version: str | None = None
    field: str | None = None

    @property
    def scope(self) -> str:
        return self.path.split("/", 1)[0]

    @property
    def name(self) -> str:
        """The path without its scope: ``db/password`` for ``prod/db/password``."""
        return self.path.split("/", 1)[1]

    @property
    def base(self) -> SecretRef:
        """The same secret without version or field: what a backend stores."""
        return SecretRef(self.path)

    def __str__(self) -> str:
        text = self.path
        if self.version is not None:
            text += f"@{self.version}"
        if self.field is not None:
            text += f"#{self.field}"
        return text

    @property
    def uri(self) -> str:
        return SCHEME + str(self)


def parse_ref(text: object, allowed_scopes: Iterable[str] | None = None) -> SecretRef:
    """Parse ``text`` into a :class:`SecretRef`.

    Raises :class:`InvalidRefError` for malformed text and
    :class:`ScopeDeniedError` when ``allowed_scopes`` is given and the ref's
    scope is not in it.
    """
    if not isinstance(text, str):
        raise InvalidRefError(
            f"a secret ref must be a string, not {type(text).__name__}; {_EXAMPLE}"
        )
    raw = text.strip()
    if raw.startswith(SCHEME):
        raw = raw[len(SCHEME) :]
    if not raw:
        raise InvalidRefError(f"empty secret ref; {_EXAMPLE}")
    if len(raw) > MAX_REF_LENGTH:
        raise InvalidRefError(f"secret ref longer than {MAX_REF_LENGTH} characters; {_EXAMPLE}")
    match = _REF_RE.match(raw)
    if match is None:
        raise InvalidRefError(f"invalid secret ref {_quote(raw)}: {_why_invalid(raw)}; {_EXAMPLE}")
    version = match.group("version")
    ref = SecretRef(
        path=match.group("path"),
        version=None if version in (None, "latest") else version,
        field=match.group("field"),
    )
    if allowed_scopes is not None:
        check_scope(ref, allowed_scopes)
    return ref


def check_scope(ref: SecretRef, allowed_scopes: Iterable[str]) -> None:
    scopes = list(allowed_scopes)
    if ref.scope not in scopes:
        raise ScopeDeniedError(
            f"scope '{ref.scope}' of '{ref}' is not allowed here; use one of "
            f"{', '.join(scopes) or '(none configured)'} "
            "or add it to SecretsConfig.allowed_scopes"
        )


def is_ref(text: str) -> bool:
    """True when ``text`` parses as a ref (scope not checked)."""
    try:
        parse_ref(text)
    except InvalidRefError:
        return False
    return True


def _quote(raw: str) -> str:
    # Refs are names, not values, but a user may paste a value by mistake:
    # never echo more than a short prefix of unparseable input.
    shown = raw if len(raw) <= 40 else raw[:20] + "..."
    return repr(shown)


def _why_invalid(raw: str) -> str:
    path = re.split(r"[@#]", raw, maxsplit=1)[0]
    segments = path.split("/")
    if len(segments) < 2:
        return "it needs a scope and a name separated by '/'"
    if any(segment == "" for segment in segments):
        return "it has an empty path segment"
    if any(not re.fullmatch(_SEGMENT, s) for s in segments):
        return "path segments may only use letters, digits, '_', '-' and '.'"
    if "@" in raw and not re.search(rf"@({_VERSION})(#|$)", raw):
        return "a version is a positive number, 'latest', 'previous' or a store's version id"
    return "unexpected characters after the name"
