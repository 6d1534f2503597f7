"""The secret core: parse, check scope, route, cache, extract fields, audit.

Everything that fetches a secret (the ``%secret`` magic, ``secret()``,
``resolve()``, the CLI, the server) goes through :class:`SecretManager`, so
every access is checked and audited the same way.
"""

from __future__ import annotations

import json
import os
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from .audit import SINK_NAMES, AuditLog, AuditSink, HubAuditSink, UnknownSink
from .audit_events import EventsAuditSink
from .backends.base import Backend, SecretInfo, SecretRecord
from .config import SecretsConfig, default_settings
from .errors import (
    BackendLockedError,
    BackendUnavailableError,
    ConfigError,
    InvalidRefError,
    ScopeDeniedError,
    SecretError,
    SecretNotFoundError,
)
from .guardrails import Guardrails, parse_grants
from .identity import current_groups, current_user
from .refs import SecretRef, check_scope, parse_ref
from .value import SecretStr

FetchListener = Callable[[SecretRef, str], None]

#: ``{"prod/db/password": "<version id>"}``: reads of that ref without a version get
#: that version. A rotation's validation run pins the version it tests, so a
#: notebook reading ``%secret prod/db/password`` gets the new value before it is current.
PINS_ENV = "JUPYTER_SECRETS_PINS"


class TTLCache:
    """Fetched records in memory only, each for ``ttl`` seconds."""

    def __init__(self, ttl: float, clock: Callable[[], float] = time.monotonic) -> None:
        self.ttl = ttl
        self._clock = clock
        self._items: dict[tuple[str, str], tuple[float, SecretRecord]] = {}
        self._lock = threading.Lock()

    def get(self, key: tuple[str, str]) -> SecretRecord | None:
        if self.ttl <= 0:
            return None
        with self._lock:
            item = self._items.get(key)
            if item is None:
                return None
            expires, record = item
            if self._clock() >= expires:
                del self._items[key]
                return None
            return record

    def put(self, key: tuple[str, str], record: SecretRecord) -> None:
        if self.ttl > 0:
            with self._lock:
                self._items[key] = (self._clock() + self.ttl, record)

    def forget(self, path: str) -> None:
        with self._lock:
            for key in [k for k in self._items if k[1].split("@", 1)[0] == path]:
                del self._items[key]

    def clear(self) -> None:
        with self._lock:
            self._items.clear()


@dataclass(frozen=True)
class StoreFailure:
    """A backend that could not be listed: its name and the one-line error (no value)."""

    backend: str
    error: SecretError

    @property
    def message(self) -> str:
        return self.error.message


@dataclass(frozen=True)
class Listing:
    """What ``list`` found, and the stores it could not read (then it is incomplete)."""

    secrets: list[SecretInfo] = field(default_factory=list)
    failures: list[StoreFailure] = field(default_factory=list)


class SecretManager:
    """Fetch, store and list secrets for one user, with audit and cache."""

    def __init__(
        self,
        settings: SecretsConfig | None = None,
        user: str | None = None,
        audit: AuditLog | None = None,
    ) -> None:
        from .backends.router import Router  # noqa: PLC0415 (routing loads the backends on first use, not on import)

        self.settings = settings if settings is not None else default_settings()
        self.user = user or current_user()
        self.router = Router(self.settings)
        self.audit = audit or build_audit(self.settings)
        self.cache = TTLCache(self.settings.cache_ttl)
        #: Extra audit fields (kernel_id, notebook, source) set by integrations.
        self.context: dict[str, str | None] = {}
        self._listeners: list[FetchListener] = []
        self.pins = read_pins(os.environ.get(PINS_ENV))
        self._guardrails: Guardrails | None = None

    # -- reading ---------------------------------------------------------

    def parse(self, ref: str | SecretRef, action: str = "read") -> SecretRef:
        """Parse and scope-check ``ref`` for ``action``; denials are audited."""
        parsed = ref if isinstance(ref, SecretRef) else parse_ref(ref)
        try:
            self.check_access(parsed, action)
        except ScopeDeniedError as exc:
            self.audit_event(action, parsed, None, "denied", reason=exc.message)
            raise
        return parsed

    def check_access(self, ref: SecretRef, action: str = "read") -> None:
        """Raise ScopeDeniedError when this user may not ``action`` ("read", "write") ``ref``."""
        check_scope(ref, self.settings.allowed_scopes)
        guardrails = self.guardrails
        if guardrails.active:
            guardrails.check(ref, self.user, current_groups(self.user), action)

    @property
    def guardrails(self) -> Guardrails:
        if self._guardrails is None:
            self._guardrails = Guardrails(
                tuple(parse_grants(self.settings.grants)),
                tuple(self.settings.protected_prefixes),
                self.settings.access_contact,
            )
        return self._guardrails

    def get(self, ref: str | SecretRef, refresh: bool = False) -> SecretStr:
        """The value of ``ref`` as a :class:`SecretStr`; audited, cached for ``cache_ttl``."""
        parsed = self.parse(ref)
        if parsed.version is None and parsed.path in self.pins:
            parsed = SecretRef(parsed.path, self.pins[parsed.path], parsed.field)
        backend: Backend | None = None
        try:
            backend = self.router.backend_for(parsed)
            record = self._fetch(backend, parsed, refresh)
            value = extract_field(record.value, parsed)
        except SecretError as exc:
            self.audit_event("read", parsed, backend, outcome_of(exc), reason=type(exc).__name__)
            raise
        self.audit_event("read", parsed, backend, "allowed", version=record.version)
        for listener in list(self._listeners):
            try:
                listener(parsed, value)
            except Exception as exc:
                # Listeners register the value for output redaction: returning a
                # value that could not be registered would risk printing it.
                raise SecretError(
                    f"could not register '{parsed}' for output redaction ({type(exc).__name__}); "
                    "the value was not returned; restart the kernel and report this bug"
                ) from None
        return SecretStr(value, str(parsed))

    def _fetch(self, backend: Backend, ref: SecretRef, refresh: bool) -> SecretRecord:
        key = (backend.name, ref.path + (f"@{ref.version}" if ref.version else ""))
        if not refresh:
            cached = self.cache.get(key)
            if cached is not None:
                return cached
        record = backend.get(SecretRef(ref.path, ref.version))
        self.cache.put(key, record)
        return record

    def add_fetch_listener(self, listener: FetchListener) -> None:
        """Call ``listener(ref, value)`` after every successful fetch (redaction, known values)."""
        self._listeners.append(listener)

    # -- writing ---------------------------------------------------------

    def set(self, ref: str | SecretRef, value: str, backend: str | None = None) -> str | None:
        parsed = self._parse_for_write(ref)
        if not isinstance(value, str) or value == "":
            raise InvalidRefError(
                f"refusing to store an empty value for '{parsed}'; give a non-empty value"
            )
        target = self.router.writable_backend_for(parsed, backend)
        try:
            version = target.set(parsed, value)
        except SecretError as exc:
            self.audit_event("write", parsed, target, outcome_of(exc), reason=type(exc).__name__)
            raise
        self.cache.forget(parsed.path)
        self.audit_event("write", parsed, target, "stored", version=version)
        return version

    def delete(self, ref: str | SecretRef, backend: str | None = None) -> None:
        parsed = self._parse_for_write(ref)
        target = self.router.writable_backend_for(parsed, backend)
        target.delete(parsed)
        self.cache.forget(parsed.path)
        self.audit_event("delete", parsed, target, "deleted")

    def _parse_for_write(self, ref: str | SecretRef) -> SecretRef:
        parsed = self.parse(ref, "write")
        if parsed.version is not None or parsed.field is not None:
            raise InvalidRefError(
                f"'{parsed}' names a version or field; store the whole secret as '{parsed.path}'"
            )
        return parsed

    # -- listing ---------------------------------------------------------

    def list(self, scope: str | None = None) -> list[SecretInfo]:
        """Metadata of every secret found, in allowed scopes only.

        Raises the first failure when no store could be listed and one failed (a
        locked store is not an empty one); :meth:`listing` also returns the
        failures next to a partial result.
        """
        listing = self.listing(scope)
        if listing.failures and not listing.secrets:
            raise listing.failures[0].error
        return listing.secrets

    def listing(self, scope: str | None = None) -> Listing:
        """Every backend's secrets (metadata only), and each store that failed.

        A backend the configuration uses (see :meth:`Router.in_use`) that is not
        viable, and any viable backend whose ``list`` fails (locked, unreadable,
        wrong passphrase, corrupted), is a failure. A backend nothing routes to that
        is not viable here (an OS keyring without a D-Bus session) holds nothing
        reachable and is skipped; ``doctor`` says why.
        """
        if scope is not None and scope not in self.settings.allowed_scopes:
            raise ScopeDeniedError(
                f"scope '{scope}' is not allowed here; use one of {', '.join(self.settings.allowed_scopes)}"
            )
        from .backends.registry import available_backends  # noqa: PLC0415 (discovery loads every backend plugin: only when asked)

        in_use = self.router.in_use()
        found: list[SecretInfo] = []
        failures: list[StoreFailure] = []
        for name in sorted(set(available_backends()) | in_use):
            try:
                backend = self.router.backend(name)
            except SecretError as exc:  # unknown, broken or misconfigured
                if name in in_use:
                    failures.append(StoreFailure(name, exc))
                continue
            try:
                viability = backend.viable()
                if not viability.ok:
                    if name in in_use:
                        kind = BackendLockedError if viability.locked else BackendUnavailableError
                        failures.append(StoreFailure(name, kind(viability.reason)))
                    continue
                infos = backend.list(scope)
            except SecretError as exc:
                failures.append(StoreFailure(name, exc))
                continue
            except Exception as exc:  # a plugin's bug: say so, never its text
                failures.append(
                    StoreFailure(
                        name,
                        BackendUnavailableError(
                            f"backend '{name}' failed to list its secrets ({type(exc).__name__}); "
                            "fix or reinstall the plugin, or route its refs elsewhere"
                        ),
                    )
                )
                continue
            found.extend(i for i in infos if self._may_see(i.path))
        found.sort(key=lambda info: (info.path, info.backend))
        return Listing(found, failures)

    def _may_see(self, path: str) -> bool:
        """``list`` names only what this user may read."""
        if path.split("/", 1)[0] not in self.settings.allowed_scopes:
            return False
        guardrails = self.guardrails
        if not guardrails.active:
            return True
        groups = current_groups(self.user)
        return guardrails.allows(SecretRef(path), self.user, groups, "read") is not None

    # -- audit -----------------------------------------------------------

    def audit_event(
        self,
        action: str,
        ref: SecretRef,
        backend: Backend | None,
        outcome: str,
        version: str | None = None,
        reason: str | None = None,
        **extra: str | None,
    ) -> None:
        """Record one audit event (of the manager, or of an integration such as a rotation
        step): names and metadata only, never a value."""
        if not self.settings.audit_enabled:
            return
        self.audit.record(
            user=self.user,
            action=action,
            ref=str(ref),
            backend=backend.name if backend is not None else None,
            version=version,
            outcome=outcome,
            reason=reason,
            kernel_id=self.context.get("kernel_id"),
            notebook=self.context.get("notebook"),
            source=self.context.get("source"),
            **extra,
        )


def build_audit(settings: SecretsConfig) -> AuditLog:
    """The audit log file plus the sinks ``settings`` name."""
    sinks: list[AuditSink] = []
    if "hub" in settings.audit_sinks:
        sinks.append(
            HubAuditSink(settings.audit_service_url, os.environ.get("JUPYTERHUB_API_TOKEN"))
        )
    if "events" in settings.audit_sinks:
        sinks.append(EventsAuditSink(settings.event_target, settings.config))
    sinks.extend(UnknownSink(str(n)) for n in settings.audit_sinks if n not in SINK_NAMES)
    return AuditLog(
        settings.audit_log or None, tuple(sinks), tuple(settings.audit_fail_closed_prefixes)
    )


def read_pins(text: str | None) -> dict[str, str]:
    """The pins in ``$JUPYTER_SECRETS_PINS`` (see :data:`PINS_ENV`)."""
    if not text:
        return {}
    try:
        pins = json.loads(text)
    except ValueError:
        pins = None
    if not isinstance(pins, dict) or not all(
        isinstance(k, str) and isinstance(v, str) for k, v in pins.items()
    ):
        raise ConfigError(
            f"${PINS_ENV} must be a JSON object of ref paths to version ids; unset it"
        )
    for path, version in pins.items():
        parse_ref(f"{path}@{version}")
    return pins


def outcome_of(exc: SecretError) -> str:
    """The audit outcome of a failed access: a store's own refusal (a Vault policy, an
    IAM deny) is a denial like a scope rule's."""
    if isinstance(exc, SecretNotFoundError):
        return "not_found"
    if isinstance(exc, ScopeDeniedError):
        return "denied"
    return "error"


def extract_field(value: str, ref: SecretRef) -> str:
    """``value`` itself, or the ``#field`` of a JSON-object secret."""
    if ref.field is None:
        return value
    try:
        document: Any = json.loads(value)
    except ValueError:
        document = None
    if not isinstance(document, dict):
        raise SecretNotFoundError(
            f"secret '{ref.path}' is not a JSON object, so it has no field '{ref.field}'; "
            f"use '{ref.path}' without '#{ref.field}'"
        )
    if ref.field not in document:
        names = ", ".join(sorted(str(k) for k in document)[:20]) or "(none)"
        raise SecretNotFoundError(
            f"secret '{ref.path}' has no field '{ref.field}'; its fields are: {names}"
        )
    field_value = document[ref.field]
    if isinstance(field_value, str):
        return field_value
    return json.dumps(field_value)
