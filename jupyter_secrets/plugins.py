"""One way to find plugins: entry points of a group, over built-ins (core).

Backends (``jupyter_secrets.backends``) and detectors
(``jupyter_secrets.detectors``) are both found here, as keyring finds its
backends. Built-ins are declared as entry points too (pyproject.toml), and
are found by name when the package metadata is missing (a source tree).

One rule for a broken plugin, whatever its group: it never breaks the others.
An entry point that fails to import, or names something that is not a subclass
of the group's base class, becomes a :class:`PluginFailure` with a one-line
reason; ``doctor`` lists it, and asking for it by name raises that reason.
"""

from __future__ import annotations

import threading
from collections.abc import Mapping
from dataclasses import dataclass, field
from importlib.metadata import EntryPoint, entry_points
from typing import Generic, TypeVar

T = TypeVar("T")


@dataclass(frozen=True)
class PluginFailure:
    """A plugin entry point that could not be loaded, and why (one line)."""

    name: str
    target: str
    reason: str

    def describe(self, kind: str) -> str:
        """``detector 'acme' (acme.detect:Acme) failed to load: ModuleNotFoundError: ...``"""
        return f"{kind} '{self.name}' ({self.target}) failed to load: {self.reason}"


@dataclass(frozen=True)
class Discovery(Generic[T]):
    """What one group holds: the loaded plugin classes and the failures, by name."""

    plugins: dict[str, type[T]] = field(default_factory=dict)
    failures: dict[str, PluginFailure] = field(default_factory=dict)


_CACHE: dict[tuple[str, type, tuple[tuple[str, str], ...]], Discovery[object]] = {}
_LOCK = threading.Lock()


def discover(group: str, base: type[T], builtins: Mapping[str, str]) -> Discovery[T]:
    """Every entry point of ``group`` that loads a subclass of ``base``, then the
    ``builtins`` ("name" -> "module:attr") not already found; cached until
    :func:`refresh`. The first of two entry points with one name wins, as imports do."""
    key = (group, base, tuple(sorted(builtins.items())))
    with _LOCK:
        cached = _CACHE.get(key)
    if cached is None:
        cached = _load(group, base, builtins)
        with _LOCK:
            _CACHE[key] = cached
    return cached  # type: ignore[return-value]


def refresh() -> None:
    """Forget what was discovered (after installing a plugin, or in tests)."""
    with _LOCK:
        _CACHE.clear()


def _load(group: str, base: type[T], builtins: Mapping[str, str]) -> Discovery[object]:
    found = Discovery[object]()
    points = list(entry_points(group=group))
    # Built-ins last: found even without package metadata, never shadowing a plugin.
    points += [EntryPoint(name, target, group) for name, target in builtins.items()]
    for point in points:
        name, target = point.name, point.value
        if name in found.plugins or name in found.failures:
            continue
        try:
            loaded = point.load()
        except Exception as exc:  # a broken plugin must not break the others
            found.failures[name] = PluginFailure(
                name, target, f"{type(exc).__name__}: {_first_line(exc)}"
            )
            continue
        if isinstance(loaded, type) and issubclass(loaded, base):
            found.plugins[name] = loaded
        else:
            where = f"{base.__module__}.{base.__qualname__}"
            found.failures[name] = PluginFailure(name, target, f"it is not a subclass of {where}")
    return found


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    return text[0][:200] if text else "(no message)"
