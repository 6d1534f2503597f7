"""Which backend serves which ref, and ``doctor``'s view of all of them.

Order for a ref: ``$JUPYTER_SECRETS_BACKEND`` > the longest prefix in
``SecretsConfig.routes`` that ``ref.path`` starts with > ``default_backend``
> the viable writable backend with the highest priority (the OS keyring
where one works, else the encrypted file). A Router holds one instance per
backend name, so caches and derived keys are reused.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field

from ..config import ENV_BACKEND, SecretsConfig
from ..errors import BackendReadOnlyError, BackendUnavailableError, ConfigError, SecretError
from ..refs import SecretRef
from .base import Backend
from .registry import available_backends, load_backend, plugin_failures


@dataclass(frozen=True)
class DoctorRow:
    """One backend as ``jupyter-secrets doctor`` shows it; never a value."""

    name: str
    viable: bool
    reason: str
    priority: float | None
    writable: bool | None
    routed_prefixes: list[str] = field(default_factory=list)
    is_default: bool = False
    #: True when ``$JUPYTER_SECRETS_BACKEND`` names it: it serves every ref.
    forced: bool = False
    #: The store is here but locked (a passphrase or an unlock is missing).
    locked: bool = False


class Router:
    def __init__(self, settings: SecretsConfig) -> None:
        self.settings = settings
        self._instances: dict[str, Backend] = {}

    # -- instances -----------------------------------------------------

    def backend(self, name: str) -> Backend:
        """The instance for ``name`` (created once per Router)."""
        instance = self._instances.get(name)
        if instance is None:
            instance = self._instances[name] = load_backend(name, self.settings)
        return instance

    def backends(self) -> dict[str, Backend]:
        """Every backend that loads with the current options, by name."""
        loaded = {}
        for name in sorted(available_backends()):
            try:
                loaded[name] = self.backend(name)
            except SecretError:
                continue  # bad options: doctor reports them
        return loaded

    # -- routing -------------------------------------------------------

    def backend_for(self, ref: SecretRef) -> Backend:
        return self.backend(self._route(ref)[0])

    def writable_backend_for(self, ref: SecretRef, explicit: str | None = None) -> Backend:
        if explicit:
            name, why = explicit, "was asked for"
        else:
            name, why = self._route(ref)
        backend = self.backend(name)
        if not backend.writable:
            writable = [n for n, b in self.backends().items() if b.writable]
            choices = " or ".join(f"--backend {n}" for n in writable) or "a writable backend"
            raise BackendReadOnlyError(
                f"'{ref.path}' goes to backend '{name}' ({why}), which is read-only; "
                f"pass {choices}, or route '{ref.scope}/' to a writable backend in "
                "SecretsConfig.routes"
            )
        return backend

    def _route(self, ref: SecretRef) -> tuple[str, str]:
        pins = [p for p in self.settings.pinned_routes if ref.path.startswith(p)]
        if pins:  # the admin policy's: no user route and no $JUPYTER_SECRETS_BACKEND applies
            pin = max(pins, key=len)
            return self.settings.pinned_routes[pin], f"the admin policy's route '{pin}'"
        forced = os.environ.get(ENV_BACKEND, "").strip()
        if forced:
            if forced not in available_backends() and forced not in plugin_failures():
                raise ConfigError(
                    f"${ENV_BACKEND} names unknown backend '{forced}'; known backends: "
                    f"{', '.join(sorted(available_backends()))}"
                )
            return forced, f"${ENV_BACKEND}"
        prefix = self._matching_prefix(ref)
        if prefix is not None:
            return self.settings.routes[prefix], f"route '{prefix}'"
        if self.settings.default_backend:
            return self.settings.default_backend, "SecretsConfig.default_backend"
        return self._automatic()[0], "the automatic default"

    def _matching_prefix(self, ref: SecretRef) -> str | None:
        matches = [p for p in self.settings.routes if ref.path.startswith(p)]
        return max(matches, key=len) if matches else None

    def in_use(self) -> set[str]:
        """Backends the configuration sends refs to: the forced one, every route and
        ``default_backend`` (else the automatic default). When one of them fails,
        ``list`` says so; other backends that are not viable here hold nothing
        reachable and are skipped."""
        names = set(self.settings.routes.values())
        forced = os.environ.get(ENV_BACKEND, "").strip()
        if forced:
            names.add(forced)
        if self.settings.default_backend:
            names.add(str(self.settings.default_backend))
        elif not forced:
            try:
                names.add(self._automatic()[0])
            except SecretError:  # none works: each writable one is a candidate that failed
                names.update(n for n, b in self.backends().items() if b.writable)
        return names

    def _automatic(self) -> tuple[str, Backend]:
        reasons = []
        candidates = sorted(
            ((b.priority, n, b) for n, b in self.backends().items() if b.writable),
            key=lambda item: (-item[0], item[1]),
        )
        for _, name, backend in candidates:
            viability = backend.viable()
            if viability.ok or viability.locked:
                return name, backend
            reasons.append(f"{name}: {viability.reason}")
        raise BackendUnavailableError(
            "no writable backend works here ("
            + ("; ".join(reasons) or "none installed")
            + "); run jupyter-secrets doctor, or set SecretsConfig.default_backend"
        )

    # -- doctor --------------------------------------------------------

    def doctor(self) -> list[DoctorRow]:
        forced = os.environ.get(ENV_BACKEND, "").strip()
        default = self._default_name()
        prefixes: dict[str, list[str]] = {}
        for prefix, name in sorted(self.settings.routes.items()):
            prefixes.setdefault(name, []).append(prefix)
        rows = []
        for name, cls in sorted(available_backends().items()):
            try:
                viability = self.backend(name).check()  # verified, not just viable()
                viable, reason, locked = viability.ok, viability.reason, viability.locked
            except SecretError as exc:  # e.g. bad backend_options
                viable, reason, locked = False, exc.message, False
            except Exception as exc:  # a plugin's check() that raises: its bug, not its text
                viable, locked = False, False
                reason = f"check() failed ({type(exc).__name__}); fix or reinstall the plugin"
            rows.append(
                DoctorRow(
                    name=name,
                    viable=viable,
                    reason=reason,
                    priority=cls.priority,
                    writable=cls.writable,
                    routed_prefixes=prefixes.pop(name, []),
                    is_default=name == default,
                    forced=name == forced,
                    locked=locked,
                )
            )
        for name, failure in sorted(plugin_failures().items()):
            rows.append(
                DoctorRow(
                    name=name,
                    viable=False,
                    reason=f"failed to load {failure.target}: {failure.reason}",
                    priority=None,
                    writable=None,
                    routed_prefixes=prefixes.pop(name, []),
                    is_default=name == default,
                    forced=name == forced,
                )
            )
        for name, routed in sorted(prefixes.items()):  # routes naming nothing installed
            rows.append(
                DoctorRow(
                    name=name,
                    viable=False,
                    reason="named in SecretsConfig.routes but no such backend is installed",
                    priority=None,
                    writable=None,
                    routed_prefixes=routed,
                    is_default=name == default,
                    forced=name == forced,
                )
            )
        return rows

    def _default_name(self) -> str | None:
        """The backend for refs no route matches, or None when none works."""
        if self.settings.default_backend:
            return str(self.settings.default_backend)
        try:
            return self._automatic()[0]
        except SecretError:
            return None


def format_doctor(rows: list[DoctorRow]) -> str:
    """A plain-text table for ``jupyter-secrets doctor``."""
    lines = []
    for row in rows:
        status = "ok " if row.viable else "no "
        notes = []
        if row.forced:
            notes.append(f"forced by ${ENV_BACKEND}")
        if row.is_default:
            notes.append("default")
        if row.routed_prefixes:
            notes.append("routes " + ", ".join(repr(p) for p in row.routed_prefixes))
        if row.writable is not None:
            notes.append("writable" if row.writable else "read-only")
        suffix = f" [{'; '.join(notes)}]" if notes else ""
        lines.append(f"{status} {row.name:<10} {row.reason}{suffix}")
    return "\n".join(lines)
