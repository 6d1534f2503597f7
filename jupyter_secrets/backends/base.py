"""The small interface every secret store implements.

A backend stores whole secrets keyed by ``ref.path``; versions are optional
(``@previous`` and ``@N``), JSON fields (``#field``) are extracted by the
core, not by backends. Backends are discovered through the entry-point group
``jupyter_secrets.backends`` (see :mod:`jupyter_secrets.backends.registry`).
"""

from __future__ import annotations

import abc
import os
import threading
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from types import MappingProxyType
from typing import Any, ClassVar

from ..errors import (
    BackendLockedError,
    BackendReadOnlyError,
    ConfigError,
    SecretError,
    SecretNotFoundError,
)
from ..refs import SecretRef


@dataclass(frozen=True)
class Viability:
    """Whether a backend can serve requests on this machine, and why (not)."""

    ok: bool
    reason: str
    #: The store is here but locked right now. It stays the automatic default,
    #: so users get "unlock it" rather than a silent switch to another store.
    locked: bool = False

    def __bool__(self) -> bool:
        return self.ok


@dataclass(frozen=True)
class SecretRecord:
    """A fetched secret. ``repr`` never shows the value."""

    value: str = field(repr=False)
    version: str | None = None
    created: datetime | None = None


@dataclass(frozen=True)
class SecretInfo:
    """Metadata about a stored secret; never the value."""

    path: str
    backend: str
    version: str | None = None
    updated: datetime | None = None
    extra: dict[str, Any] = field(default_factory=dict)


class Backend(abc.ABC):
    """Base class of secret stores.

    Subclasses set ``name`` (the entry-point name users write in routing
    config), ``priority`` (higher wins when no route is configured and the
    backend is viable) and ``writable``.
    """

    name: ClassVar[str] = ""
    priority: ClassVar[float] = 0.0
    writable: ClassVar[bool] = False
    description: ClassVar[str] = ""

    #: ``set`` keeps the version it replaces readable as ``@previous``, so a rotation
    #: can roll back by setting it again (see :mod:`jupyter_secrets.rotation`).
    keeps_versions: ClassVar[bool] = False

    #: The store can hold a new version that is not current yet (AWS's AWSPENDING):
    #: :meth:`stage`, :meth:`promote` and :meth:`discard` work. Readers then never see a
    #: value before it has been validated.
    supports_staging: ClassVar[bool] = False

    #: Option names the backend accepts (``backend_options[name]``); ``None``: any.
    option_names: ClassVar[frozenset[str] | None] = None

    #: Environment variables holding a credential that unlocks this store (a
    #: passphrase, a token), mapped to what it is for redaction markers. A kernel
    #: takes them out of its environment at load (see :func:`take_credential_env`);
    #: read them with :func:`credential_env`.
    credential_env_vars: ClassVar[Mapping[str, str]] = MappingProxyType({})

    def __init__(self, **options: Any) -> None:
        if self.option_names is not None:
            unknown = sorted(set(options) - self.option_names)
            if unknown:
                raise ConfigError(
                    f"unknown option(s) {', '.join(unknown)} for backend '{self.name}' in "
                    f"SecretsConfig.backend_options; known: {', '.join(sorted(self.option_names))}"
                )
        self.options = options

    def credential_envs(self) -> Mapping[str, str]:
        """This instance's credential variables (options may rename them)."""
        return self.credential_env_vars

    @abc.abstractmethod
    def viable(self) -> Viability:
        """Cheap check that the backend can work here; never raises.

        Called often (routing, ``list``): no KDF, no prompt, at most one quick
        round trip. :meth:`check` is the thorough one.
        """

    def check(self) -> Viability:
        """Verify that the backend really works here, for ``jupyter-secrets doctor``.

        May be slow (a key derivation, a round trip to a service); never raises,
        never prompts, and its reason never holds a value. This default, which
        plugins inherit, asks :meth:`viable` and then lists the store: a store
        that lists its names is reachable and unlocked. Override it to verify
        more (decrypt, reach a collection) or to avoid an expensive ``list``.
        """
        try:
            viability = self.viable()
            if not viability.ok:
                return viability
            count = len(self.list())
        except SecretError as exc:
            return Viability(False, exc.message, locked=isinstance(exc, BackendLockedError))
        except Exception as exc:  # a plugin's bug must not break doctor
            return Viability(
                False,
                f"backend '{self.name}' failed while being checked ({type(exc).__name__}); "
                "reinstall or fix the plugin, or route its refs to another backend",
            )
        return Viability(True, f"{viability.reason}; verified: it lists {count_secrets(count)}")

    @abc.abstractmethod
    def get(self, ref: SecretRef) -> SecretRecord:
        """Return ``ref.base`` at ``ref.version``.

        Raises SecretNotFoundError, BackendUnavailableError.
        """

    def set(self, ref: SecretRef, value: str) -> str | None:
        """Store a new current version; return its version id if the store has one."""
        raise BackendReadOnlyError(
            f"backend '{self.name}' is read-only; store '{ref.path}' in a writable backend "
            "(e.g. --backend file or --backend keyring)"
        )

    def delete(self, ref: SecretRef) -> None:
        raise BackendReadOnlyError(
            f"backend '{self.name}' is read-only; cannot delete '{ref.path}'"
        )

    def stage(self, ref: SecretRef, value: str) -> str:
        """Store ``value`` as a new version that is not current; return its id, which
        ``get(ref@id)`` reads. The current version and ``@previous`` are unchanged."""
        raise self._cannot_stage(ref)

    def promote(self, ref: SecretRef, version: str) -> None:
        """Make staged ``version`` current; the version it replaces becomes ``@previous``."""
        raise self._cannot_stage(ref)

    def discard(self, ref: SecretRef, version: str) -> None:
        """Drop staged ``version`` (a failed rotation): it is no longer read as pending,
        the current version is unchanged. Stores that keep history may keep it, marked."""
        raise self._cannot_stage(ref)

    def _cannot_stage(self, ref: SecretRef) -> BackendReadOnlyError:
        return BackendReadOnlyError(
            f"backend '{self.name}' cannot stage a version of '{ref.path}' before it is current"
        )

    @abc.abstractmethod
    def list(self, scope: str | None = None) -> list[SecretInfo]:
        """Metadata of the secrets this backend holds, optionally for one scope."""

    def not_found(self, ref: SecretRef, hint: str = "") -> SecretNotFoundError:
        what = f"version '{ref.version}' of '{ref.path}'" if ref.version else f"'{ref.path}'"
        fix = hint or f"store it with: jupyter-secrets set {ref.path} --backend {self.name}"
        return SecretNotFoundError(f"secret {what} not found in backend '{self.name}'; {fix}")


def count_secrets(n: int) -> str:
    """'1 secret', '3 secrets': for check() reasons."""
    return f"{n} secret{'' if n == 1 else 's'}"


# Credentials moved out of os.environ, kept in this process's memory only.
_TAKEN: dict[str, str] = {}
_TAKEN_LOCK = threading.Lock()


def credential_env(name: str) -> str | None:
    """The credential in ``$name``: os.environ first (a value set later wins), else
    the copy :func:`take_credential_env` took out of it."""
    with _TAKEN_LOCK:
        return os.environ.get(name) or _TAKEN.get(name) or None


def take_credential_env(name: str) -> str | None:
    """Move ``$name`` out of os.environ (so no subprocess inherits it) into memory.

    Returns the value now held, or None.
    """
    with _TAKEN_LOCK:
        value = os.environ.pop(name, None)
        if value:
            _TAKEN[name] = value
        return _TAKEN.get(name)
