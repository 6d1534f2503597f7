"""The errors jupyter-secrets raises.

Every message is one line, says what went wrong and what to do next, and
never contains a secret value: messages are built only from refs, backend
names and fixed text. Callers may show ``str(error)`` to users as it is.
"""

from __future__ import annotations


class SecretError(Exception):
    """Base class: a one-line, value-free, actionable message."""

    #: Process exit code the CLI uses for this kind of error.
    exit_code = 1

    def __init__(self, message: str) -> None:
        # Force one line: a multi-line message is a bug, not a feature.
        super().__init__(" ".join(message.split()))

    @property
    def message(self) -> str:
        return str(self.args[0])


class InvalidRefError(SecretError, ValueError):
    """The text is not a valid secret reference."""

    exit_code = 2


class ScopeDeniedError(SecretError, PermissionError):
    """The ref's scope is not allowed here (unknown environment or no access)."""

    exit_code = 3


class SecretNotFoundError(SecretError, KeyError):
    """No backend holds the requested secret (or the requested version/field)."""

    exit_code = 4

    def __str__(self) -> str:  # KeyError would quote the message
        return str(self.args[0])


class BackendUnavailableError(SecretError):
    """The backend cannot serve requests here (not installed, locked, unreachable)."""

    exit_code = 5


class BackendLockedError(BackendUnavailableError):
    """The store is here but locked: it needs a passphrase, a login or an unlock."""


class BackendReadOnlyError(SecretError):
    """The backend cannot store or delete secrets."""

    exit_code = 6


class ConfigError(SecretError):
    """The jupyter-secrets configuration is invalid."""

    exit_code = 2


class InputError(SecretError):
    """What the user typed or piped in cannot be used (two entries differ, not text)."""

    exit_code = 2


class RotationError(SecretError):
    """A rotation step failed; what was changed has been put back (the message says so)."""

    exit_code = 7
