"""Secrets in the OS keyring (Secret Service, macOS Keychain, Windows) via ``keyring``.

Each secret is one keyring item: service ``jupyter-secrets`` (option
``service``), username the ref path, so ``secret-tool store --label=x service
jupyter-secrets username dev/db/password`` seeds a value this backend reads.
``set`` keeps the value it replaces as ``<path>@previous``. Keyring has no
way to enumerate items, so an index item (username
``__jupyter_secrets_index__``, JSON of names and update times, never values)
makes ``list`` work for secrets stored through jupyter-secrets.

Which keyring: option ``keyring_backend`` (a keyring class name), else the
one ``keyring`` picks (``PYTHON_KEYRING_BACKEND``, keyringrc.cfg, or its
automatic choice). From an automatic chain only the OS keyrings shipped with
``keyring`` are used: installed plugins (e.g. an encrypted-file keyring that
prompts for its own password) are not silently written to.
"""

from __future__ import annotations

import json
import os
import shutil
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from datetime import datetime, timezone
from typing import Any, ClassVar, TypeVar

import keyring
import keyring.core
import keyring.errors
from keyring.backend import KeyringBackend as OSKeyring

from ..errors import BackendLockedError, BackendUnavailableError, ConfigError, SecretNotFoundError
from ..refs import SecretRef
from .base import Backend, SecretInfo, SecretRecord, Viability, count_secrets

DEFAULT_SERVICE = "jupyter-secrets"
INDEX_USERNAME = "__jupyter_secrets_index__"
PREVIOUS_SUFFIX = "@previous"
_OS_KEYRING_MODULE = "keyring.backends."
_UNUSABLE = ("keyring.backends.fail", "keyring.backends.null")

T = TypeVar("T")


def keyring_name(kr: object) -> str:
    cls = type(kr)
    return f"{cls.__module__}.{cls.__qualname__}"


def _is_unusable(kr: object) -> bool:
    # fail/null store nothing; a plaintext keyring would put secrets on disk in clear.
    cls = type(kr)
    return cls.__module__ in _UNUSABLE or "plaintext" in cls.__qualname__.lower()


class KeyringBackend(Backend):
    name: ClassVar[str] = "keyring"
    priority: ClassVar[float] = 10.0
    writable: ClassVar[bool] = True
    keeps_versions: ClassVar[bool] = True
    description: ClassVar[str] = "the OS keyring (Secret Service, macOS Keychain, Windows)"
    option_names: ClassVar[frozenset[str] | None] = frozenset({"service", "keyring_backend"})

    def __init__(self, **options: Any) -> None:
        super().__init__(**options)
        service = options.get("service", DEFAULT_SERVICE)
        if not isinstance(service, str) or not service:
            raise ConfigError("backend 'keyring' option 'service' must be a non-empty string")
        self.service = service
        chosen = options.get("keyring_backend")
        if chosen is not None and not isinstance(chosen, str):
            raise ConfigError(
                "backend 'keyring' option 'keyring_backend' must be a keyring class name "
                "such as 'keyring.backends.SecretService.Keyring'"
            )
        self._chosen: str | None = chosen
        self._keyring: OSKeyring | None = None

    # -- which keyring -------------------------------------------------

    def os_keyring(self) -> OSKeyring:
        """The keyring items go to; BackendUnavailableError when none is usable."""
        if self._keyring is None:
            self._keyring = self._resolve()
        return self._keyring

    def _resolve(self) -> OSKeyring:
        try:
            if self._chosen:
                kr: OSKeyring = keyring.core.load_keyring(self._chosen)
            else:
                kr = keyring.get_keyring()
        except Exception as exc:
            source = f"'{self._chosen}'" if self._chosen else "the configured keyring"
            raise BackendUnavailableError(
                f"cannot load {source} ({type(exc).__name__}: {_first_line(exc)}); fix "
                "PYTHON_KEYRING_BACKEND or route these refs elsewhere, e.g. "
                "JUPYTER_SECRETS_BACKEND=file"
            ) from None
        members = getattr(kr, "backends", None)
        if members is not None and not self._chosen:  # keyring's automatic chain
            native: list[OSKeyring] = [m for m in members if _is_native(m)]
            if not native:
                found = ", ".join(keyring_name(m) for m in members) or "none"
                raise BackendUnavailableError(
                    f"no OS keyring is available here (keyring found: {found}); use the "
                    "'file' backend, or set PYTHON_KEYRING_BACKEND to use a keyring plugin"
                )
            return native[0]  # chains are sorted by priority, best first
        if (
            type(kr).__module__ == "keyring.backends.fail"
            and not self._chosen
            and not os.environ.get("PYTHON_KEYRING_BACKEND")
        ):  # keyring's own choice: none of its keyrings works here
            raise BackendUnavailableError(
                "no OS keyring works here (keyring found none); use the 'file' backend, or "
                "run jupyter-secrets doctor to see why"
            )
        if _is_unusable(kr):
            raise BackendUnavailableError(
                f"keyring backend {keyring_name(kr)} cannot store secrets safely here; "
                "use the 'file' backend or set PYTHON_KEYRING_BACKEND to an OS keyring"
            )
        return kr

    def viable(self) -> Viability:
        try:
            kr = self.os_keyring()
            # Reading the index is cheap and tells a locked keyring from a working one.
            self._call(kr.get_password, self.service, INDEX_USERNAME)
        except BackendUnavailableError as exc:
            return Viability(False, exc.message, locked=isinstance(exc, BackendLockedError))
        return Viability(True, f"uses {keyring_name(kr)} (service '{self.service}')")

    def check(self) -> Viability:
        """Reach the keyring (for the Secret Service: its collection) and read the index.

        When the OS keyring is not usable, say why and how to use it.
        """
        viability = self.viable()
        if not viability.ok:
            # The hint says more than keyring's fallback ("fail.Keyring cannot store...").
            hint = None if viability.locked else self.secret_service_hint()
            return Viability(False, hint or viability.reason, locked=viability.locked)
        try:
            kr = self.os_keyring()
            where = self._collection(kr)
            count = len(self.list())
        except BackendUnavailableError as exc:
            return Viability(False, exc.message, locked=isinstance(exc, BackendLockedError))
        return Viability(
            True,
            f"uses {keyring_name(kr)} (service '{self.service}'){where}: reached, "
            f"{count_secrets(count)} indexed",
        )

    def _collection(self, kr: OSKeyring) -> str:
        """For the Secret Service, reach (and unlock) its collection: ", collection 'Login'"."""
        get_collection = getattr(kr, "get_preferred_collection", None)
        if get_collection is None:
            return ""
        with _translated_errors(kr):
            collection = get_collection()
            try:
                label = collection.get_label()
            finally:
                with suppress(Exception):  # keyring opens a connection per call
                    collection.connection.close()
        return f", collection '{label}'"

    def secret_service_hint(self) -> str | None:
        """Why the Secret Service is not used on this Linux machine and how to use it;
        None when another keyring was chosen, or there is nothing to say."""
        chosen = self._chosen or os.environ.get("PYTHON_KEYRING_BACKEND")
        if chosen and "SecretService" not in chosen and "libsecret" not in chosen:
            return None
        return secret_service_hint()

    # -- the Backend interface -----------------------------------------

    def get(self, ref: SecretRef) -> SecretRecord:
        if ref.version is not None and ref.version != "previous":
            raise self.not_found(
                ref,
                f"the keyring backend keeps the current and previous versions only; "
                f"use '{ref.path}' or '{ref.path}@previous'",
            )
        username = ref.path + (PREVIOUS_SUFFIX if ref.version == "previous" else "")
        value = self._call(self.os_keyring().get_password, self.service, username)
        if value is None:
            if ref.version == "previous":
                raise self.not_found(ref, "it has no previous version in the keyring")
            raise self.not_found(
                ref,
                f"store it with: jupyter-secrets set {ref.path} --backend keyring "
                f"(or secret-tool store --label={ref.path} service {self.service} "
                f"username {ref.path})",
            )
        return SecretRecord(value=value, version=ref.version)

    def set(self, ref: SecretRef, value: str) -> str | None:
        kr = self.os_keyring()
        index = self._read_index(tolerate_corruption=True)
        current = self._call(kr.get_password, self.service, ref.path)
        if current is not None:
            self._call(kr.set_password, self.service, ref.path + PREVIOUS_SUFFIX, current)
        self._call(kr.set_password, self.service, ref.path, value)
        index[ref.path] = {"updated": datetime.now(timezone.utc).isoformat()}
        self._write_index(index)
        return None

    def delete(self, ref: SecretRef) -> None:
        kr = self.os_keyring()
        index = self._read_index(tolerate_corruption=True)
        removed = False
        for username in (ref.path, ref.path + PREVIOUS_SUFFIX):
            try:
                self._call(kr.delete_password, self.service, username)
                removed = True
            except _Missing:
                pass
        if index.pop(ref.path, None) is not None:
            self._write_index(index)
            removed = True
        if not removed:
            raise self.not_found(ref, "nothing to delete")

    def list(self, scope: str | None = None) -> list[SecretInfo]:
        infos = []
        for path, meta in sorted(self._read_index(tolerate_corruption=False).items()):
            if scope is not None and path.split("/", 1)[0] != scope:
                continue
            infos.append(
                SecretInfo(path=path, backend=self.name, updated=_parse_time(meta.get("updated")))
            )
        return infos

    # -- helpers -------------------------------------------------------

    def _read_index(self, tolerate_corruption: bool) -> dict[str, dict[str, Any]]:
        raw = self._call(self.os_keyring().get_password, self.service, INDEX_USERNAME)
        if raw is None:
            return {}
        try:
            data = json.loads(raw)
            if not isinstance(data, dict) or not all(isinstance(v, dict) for v in data.values()):
                raise ValueError("not an object of objects")
        except ValueError:
            if tolerate_corruption:
                return {}  # rebuilt from this write on: names only, no value is lost
            raise BackendUnavailableError(
                f"the keyring index item (service '{self.service}', username "
                f"'{INDEX_USERNAME}') is corrupted; delete it (secret-tool clear service "
                f"{self.service} username {INDEX_USERNAME}); secrets are not affected"
            ) from None
        return data

    def _write_index(self, index: dict[str, dict[str, Any]]) -> None:
        self._call(
            self.os_keyring().set_password,
            self.service,
            INDEX_USERNAME,
            json.dumps(index, sort_keys=True),
        )

    def _call(self, method: Callable[..., T], *args: str) -> T:
        with _translated_errors(self.os_keyring()):
            return method(*args)


class KeyringLockedError(BackendLockedError):
    """The OS keyring is there but locked."""


class _Missing(SecretNotFoundError):
    """keyring's PasswordDeleteError: the item does not exist."""


@contextmanager
def _translated_errors(kr: OSKeyring) -> Iterator[None]:
    """Map keyring/D-Bus failures to one-line errors; exception texts never reach users
    (a backend could echo what it was given)."""
    which = keyring_name(kr)
    try:
        yield
    except keyring.errors.PasswordDeleteError:
        raise _Missing("no such keyring item") from None
    except keyring.errors.KeyringLocked:
        raise KeyringLockedError(_locked_message(which)) from None
    except keyring.errors.InitError as exc:
        raise BackendUnavailableError(
            f"cannot open the OS keyring ({which}: {type(exc).__name__}); start or unlock it "
            "(e.g. log in to the desktop session) or route these refs elsewhere with "
            "JUPYTER_SECRETS_BACKEND=file"
        ) from None
    except Exception as exc:
        raise BackendUnavailableError(
            f"the OS keyring ({which}) failed: {type(exc).__name__}; check that it is running "
            "and unlocked, or route these refs elsewhere with JUPYTER_SECRETS_BACKEND=file"
        ) from None


def _locked_message(which: str) -> str:
    if "SecretService" in which or "libsecret" in which:
        return (
            "the Secret Service keyring is locked; unlock it (e.g. log in to the desktop "
            "session or run gnome-keyring-daemon --unlock) or route this ref to another "
            "backend with JUPYTER_SECRETS_BACKEND=file"
        )
    return (
        f"the OS keyring ({which}) is locked; unlock it or route this ref to another "
        "backend with JUPYTER_SECRETS_BACKEND=file"
    )


#: Start Jupyter in a D-Bus session of its own with gnome-keyring unlocked.
UNLOCK_COMMAND = (
    'dbus-run-session -- bash -c \'read -rsp "keyring password: " pw; printf %s "$pw" '
    "| gnome-keyring-daemon --unlock --components=secrets >/dev/null; exec jupyter lab'"
)


def secret_service_hint() -> str | None:
    """One line: why the Secret Service (gnome-keyring) is not reachable here, and how
    to reach it; None off Linux or when it is reachable. It looks, never starts anything."""
    if not sys.platform.startswith("linux"):
        return None
    daemon = shutil.which("gnome-keyring-daemon")
    if not os.environ.get("DBUS_SESSION_BUS_ADDRESS"):
        if daemon:
            return (
                "the OS keyring is not used: gnome-keyring is installed but there is no D-Bus "
                "session ($DBUS_SESSION_BUS_ADDRESS is unset, as over ssh, in a container or "
                "a service); to use it, start Jupyter inside one with the keyring unlocked: "
                f"{UNLOCK_COMMAND}"
            )
        return (
            "the OS keyring is not used: there is no D-Bus session and no gnome-keyring "
            "here; keep the 'file' backend, or install gnome-keyring and dbus and start "
            "Jupyter under dbus-run-session"
        )
    try:
        import secretstorage  # noqa: PLC0415 (only on the Secret Service, and optional)

        connection = secretstorage.dbus_init()
        try:
            if secretstorage.check_service_availability(connection):
                return None
        finally:
            connection.close()
    except Exception as exc:
        return (
            "the OS keyring is not used: the D-Bus session in $DBUS_SESSION_BUS_ADDRESS "
            f"cannot be reached ({type(exc).__name__}); log in to the desktop session again, "
            f"or start Jupyter in a session of its own: {UNLOCK_COMMAND}"
        )
    if daemon:
        return (
            "the OS keyring is not used: there is a D-Bus session but no Secret Service on "
            "it; start gnome-keyring in it with the keyring unlocked: read -rs pw; printf %s "
            '"$pw" | gnome-keyring-daemon --unlock --components=secrets (or log in to the '
            "desktop session)"
        )
    return (
        "the OS keyring is not used: there is a D-Bus session but no Secret Service on it; "
        "install gnome-keyring (or enable the Secret Service of KeePassXC), or keep the "
        "'file' backend"
    )


def _is_native(kr: object) -> bool:
    return type(kr).__module__.startswith(_OS_KEYRING_MODULE) and not _is_unusable(kr)


def _parse_time(text: object) -> datetime | None:
    if not isinstance(text, str):
        return None
    try:
        return datetime.fromisoformat(text)
    except ValueError:
        return None


def _first_line(exc: BaseException) -> str:
    lines = str(exc).strip().splitlines()
    return lines[0][:200] if lines else "(no message)"
