"""Discovering backends through the entry-point group ``jupyter_secrets.backends``.

Built-ins are registered there too (pyproject.toml), as keyring does. When
the package metadata is missing (running from a source tree) the built-ins
are still found by name, so nothing breaks. A plugin that fails to import is
remembered and reported by ``doctor``; it never breaks the others.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from importlib.metadata import EntryPoint, entry_points
from typing import TYPE_CHECKING

from ..errors import BackendUnavailableError, ConfigError
from .base import Backend

if TYPE_CHECKING:
    from ..config import SecretsConfig

GROUP = "jupyter_secrets.backends"

BUILTINS: dict[str, str] = {
    "env": "jupyter_secrets.backends.env:EnvBackend",
    "keyring": "jupyter_secrets.backends.keyring:KeyringBackend",
    "file": "jupyter_secrets.backends.encrypted_file:EncryptedFileBackend",
}


@dataclass(frozen=True)
class PluginFailure:
    """A backend entry point that could not be loaded, and why (one line)."""

    name: str
    target: str
    reason: str


@dataclass(frozen=True)
class _Discovery:
    backends: dict[str, type[Backend]]
    failures: dict[str, PluginFailure]


def available_backends() -> dict[str, type[Backend]]:
    """Backend classes by name: every loadable entry point plus the built-ins."""
    return dict(_discover().backends)


def plugin_failures() -> dict[str, PluginFailure]:
    """Entry points that failed to load, by name (for ``doctor``)."""
    return dict(_discover().failures)


def refresh() -> None:
    """Forget what was discovered (after installing a plugin, or in tests)."""
    _discover.cache_clear()


def load_backend(name: str, settings: SecretsConfig) -> Backend:
    """Instantiate backend ``name`` with ``settings.backend_options[name]``."""
    found = _discover()
    cls = found.backends.get(name)
    if cls is None:
        failure = found.failures.get(name)
        if failure is not None:
            raise BackendUnavailableError(
                f"backend '{name}' ({failure.target}) failed to load: {failure.reason}; "
                "reinstall the plugin or route these refs to another backend"
            )
        raise ConfigError(
            f"unknown backend '{name}'; known backends: {', '.join(sorted(found.backends))} "
            "(install the plugin that provides it or fix the name in your config)"
        )
    options = settings.backend_options.get(name, {})
    if not isinstance(options, dict):
        raise ConfigError(
            f"SecretsConfig.backend_options['{name}'] must be a dict of options, "
            f"not {type(options).__name__}"
        )
    return cls(**options)


@lru_cache(maxsize=1)
def _discover() -> _Discovery:
    backends: dict[str, type[Backend]] = {}
    failures: dict[str, PluginFailure] = {}
    found = list(entry_points(group=GROUP))
    # Built-ins last: found even without package metadata, never shadowing a plugin.
    found += [EntryPoint(name, target, GROUP) for name, target in BUILTINS.items()]
    for entry_point in found:
        name, target = entry_point.name, entry_point.value
        if name in backends or name in failures:
            continue  # the same package seen twice on sys.path: first wins, like imports
        try:
            loaded = entry_point.load()
        except Exception as exc:  # a broken plugin must not break the others
            failures[name] = PluginFailure(
                name, target, f"{type(exc).__name__}: {_first_line(exc)}"
            )
            continue
        if isinstance(loaded, type) and issubclass(loaded, Backend):
            backends[name] = loaded
        else:
            failures[name] = PluginFailure(
                name, target, "it is not a subclass of jupyter_secrets.backends.base.Backend"
            )
    return _Discovery(backends, failures)


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    return text[0][:200] if text else "(no message)"
