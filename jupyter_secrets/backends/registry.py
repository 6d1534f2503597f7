"""Discovering backends through the entry-point group ``jupyter_secrets.backends``.

Built-ins are registered there too (pyproject.toml), as keyring does, and found
by name without package metadata. Discovery and the rule for a broken plugin
(reported by ``doctor``, never breaking the others) are :mod:`..plugins`'.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ..errors import BackendUnavailableError, ConfigError
from ..plugins import Discovery, PluginFailure, discover, refresh
from .base import Backend

if TYPE_CHECKING:
    from ..config import SecretsConfig

GROUP = "jupyter_secrets.backends"

BUILTINS: dict[str, str] = {
    "env": "jupyter_secrets.backends.env:EnvBackend",
    "keyring": "jupyter_secrets.backends.keyring:KeyringBackend",
    "file": "jupyter_secrets.backends.encrypted_file:EncryptedFileBackend",
    "files": "jupyter_secrets.backends.files:MountedFilesBackend",
    "command": "jupyter_secrets.backends.command:CommandBackend",
    "aws": "jupyter_secrets.backends.aws:AWSSecretsManagerBackend",
    "vault": "jupyter_secrets.backends.vault:VaultBackend",
}

__all__ = ["BUILTINS", "GROUP", "PluginFailure", "available_backends", "load_backend",
           "plugin_failures", "refresh"]  # fmt: skip


def available_backends() -> dict[str, type[Backend]]:
    """Backend classes by name: every loadable entry point plus the built-ins."""
    return dict(_discover().plugins)


def plugin_failures() -> dict[str, PluginFailure]:
    """Entry points that failed to load, by name (for ``doctor``)."""
    return dict(_discover().failures)


def load_backend(name: str, settings: SecretsConfig) -> Backend:
    """Instantiate backend ``name`` with ``settings.backend_options[name]``."""
    found = _discover()
    cls = found.plugins.get(name)
    if cls is None:
        failure = found.failures.get(name)
        if failure is not None:
            raise BackendUnavailableError(
                f"{failure.describe('backend')}; reinstall the plugin or route these refs to "
                "another backend"
            )
        raise ConfigError(
            f"unknown backend '{name}'; known backends: {', '.join(sorted(found.plugins))} "
            "(install the plugin that provides it or fix the name in your config)"
        )
    options = settings.backend_options.get(name, {})
    if not isinstance(options, dict):
        raise ConfigError(
            f"SecretsConfig.backend_options['{name}'] must be a dict of options, "
            f"not {type(options).__name__}"
        )
    return cls(**options)


def _discover() -> Discovery[Backend]:
    # Backend is abstract: it is the class plugins are checked against, never built.
    return discover(GROUP, Backend, BUILTINS)  # type: ignore[type-abstract]
