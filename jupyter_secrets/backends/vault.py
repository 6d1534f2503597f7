"""Secrets in HashiCorp Vault's KV version 2 secrets engine, through hvac (extra ``[vault]``).

Where a ref goes: ``prod/db/password`` is the KV v2 secret ``<prefix>prod/db/password`` on
mount ``mount`` (default ``secret``), i.e. ``secret/data/prod/db/password``. With option
``mounts`` (``{"prod": "kv-prod", "dev": "kv-dev"}``) a scope has a mount of its own and
the rest of the ref is the path in it: ``prod/db/password`` is ``kv-prod/data/<prefix>db/password``.
A scope that is not in ``mounts`` uses ``mount`` when that is given too, else this backend
does not serve it.

A secret stored here is ``{"value": "<the value>"}``, what ``vault kv put secret/dev/x
value=...`` writes. A secret with other keys (written by others) reads as the text of its
JSON object, so ``prod/db#password`` picks one key (the core extracts fields). Versions are
Vault's: ``set`` returns the new version number, ``@3`` reads version 3, ``@previous`` the
newest version before the current one that is neither deleted nor destroyed. ``delete``
removes the secret's metadata and all its versions. KV v2 cannot hold a version that is not
current yet, so there is no staging.

Who you are: ``$VAULT_TOKEN`` (a kernel takes it out of its environment), else the token
file (option ``token_file``, default ``~/.vault-token``, which ``vault login`` writes), else
an AppRole login with option ``role_id`` and the secret id in ``$VAULT_SECRET_ID`` (never in
the config). Vault's policies are the access control: a denial is a ScopeDeniedError naming
the ref and the Vault path the policy must allow.

Options: ``url`` (else ``$VAULT_ADDR``), ``mount``, ``mounts``, ``prefix``, ``namespace``
(else ``$VAULT_NAMESPACE``), ``token_file``, ``role_id``, ``auth_mount`` (AppRole's mount,
default ``approle``), ``verify`` (a CA bundle path or a bool; by default hvac's:
``$VAULT_CACERT``, else on), ``timeout`` (seconds per request, default 10).

hvac is imported on first use, so this module imports without it. Nothing here logs;
requests and urllib3 log methods, URL paths and status codes at DEBUG, never a body.
"""

from __future__ import annotations

import builtins
import contextlib
import functools
import importlib
import json
import math
import os
import re
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from types import MappingProxyType
from typing import Any, ClassVar, TypeVar
from urllib.parse import urlsplit

from ..errors import (
    BackendLockedError,
    BackendUnavailableError,
    ConfigError,
    ScopeDeniedError,
    SecretError,
    SecretNotFoundError,
)
from ..refs import SecretRef, is_ref
from .base import Backend, SecretInfo, SecretRecord, Viability, count_secrets, credential_env

DEFAULT_MOUNT = "secret"
DEFAULT_AUTH_MOUNT = "approle"
DEFAULT_TIMEOUT = 10.0
DEFAULT_TOKEN_FILE = "~/.vault-token"  # noqa: S105 (a file name)
TOKEN_ENV = "VAULT_TOKEN"  # noqa: S105 (a variable name)
SECRET_ID_ENV = "VAULT_SECRET_ID"  # noqa: S105 (a variable name)
VALUE_KEY = "value"
_MOUNT = re.compile(r"[A-Za-z0-9_][A-Za-z0-9_.\-]*(?:/[A-Za-z0-9_][A-Za-z0-9_.\-]*)*")
_TIME = re.compile(r"(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d)(?:\.(\d+))?(Z|[+-]\d\d:\d\d)$")
_OPTIONS = "backend_options['vault']"
_LOGIN = "log in: vault login, or set VAULT_TOKEN"
T = TypeVar("T")


@dataclass(frozen=True)
class Location:
    """Where a secret (or a folder, ending in '/') is in Vault: a mount and a path in it."""

    mount: str
    path: str

    def api(self, kind: str) -> str:
        """The path a policy names: ``secret/data/prod/db/password``."""
        return f"{self.mount}/{kind}/{self.path}"


class _NotThere(Exception):
    """Vault answered 404 for a secret or version (``deleted``: a deleted version's number)."""

    def __init__(self, deleted: int | None = None) -> None:
        super().__init__()
        self.deleted = deleted


def parse_time(text: object) -> datetime | None:
    """Vault's RFC 3339 times (nanoseconds, ``Z``) as aware datetimes; None when unset."""
    match = _TIME.match(text) if isinstance(text, str) else None
    if match is None:
        return None
    fraction = (match.group(2) or "")[:6].ljust(6, "0")
    zone = "+00:00" if match.group(3) == "Z" else match.group(3)
    return datetime.fromisoformat(f"{match.group(1)}.{fraction}{zone}")


def value_of(data: object) -> str:
    """The value of a KV v2 secret's data: ``{"value": s}`` is ``s``, else its JSON text."""
    if not isinstance(data, dict):
        raise TypeError("KV v2 data is not an object")
    value = data.get(VALUE_KEY)
    if len(data) == 1 and isinstance(value, str):
        return value
    return json.dumps(data, ensure_ascii=False)


def _deleted_version(answer: object) -> int | None:
    """The number of the deleted version a 404 answer describes (Vault sends its metadata)."""
    data = answer.get("data") if isinstance(answer, dict) else None
    metadata = data.get("metadata") if isinstance(data, dict) else None
    if not isinstance(metadata, dict) or not metadata.get("deletion_time"):
        return None
    version = metadata.get("version")
    return version if isinstance(version, int) else None


def _list_keys(folder: Location, client: Any) -> list[str]:
    answer = client.secrets.kv.v2.list_secrets(path=folder.path, mount_point=folder.mount)
    return [str(key) for key in answer["data"]["keys"]]


def shown_url(url: str) -> str:
    """``url`` for a message: scheme, host and port only (no user info, no path)."""
    try:
        parts = urlsplit(url)
        port = f":{parts.port}" if parts.port else ""
    except ValueError:
        return "the configured address"
    return (
        f"{parts.scheme}://{parts.hostname}{port}" if parts.hostname else "the configured address"
    )


def _mount_option(options: Mapping[str, Any], name: str, default: str | None) -> str | None:
    mount = options.get(name, default)
    if mount is None:
        return None
    if not isinstance(mount, str) or not _MOUNT.fullmatch(mount.strip("/")):
        raise ConfigError(
            f"backend 'vault' option '{name}' must be a Vault mount path such as 'secret'"
        )
    return mount.strip("/")


class VaultBackend(Backend):
    name: ClassVar[str] = "vault"
    priority: ClassVar[float] = 1.0  # below the keyring and the file: chosen by routes
    writable: ClassVar[bool] = True
    keeps_versions: ClassVar[bool] = True
    supports_staging: ClassVar[bool] = False  # KV v2: a written version is current at once
    description: ClassVar[str] = "HashiCorp Vault's KV v2 secrets engine (via hvac)"
    option_names: ClassVar[frozenset[str] | None] = frozenset({
        "url", "mount", "mounts", "prefix", "namespace", "token_file", "role_id", "auth_mount",
        "verify", "timeout"})  # fmt: skip
    credential_env_vars: ClassVar[Mapping[str, str]] = MappingProxyType(
        {TOKEN_ENV: "Vault token", SECRET_ID_ENV: "Vault AppRole secret id"}
    )

    def __init__(self, **options: Any) -> None:
        for credential, variable in (("token", TOKEN_ENV), ("secret_id", SECRET_ID_ENV)):
            if credential in options:
                raise ConfigError(
                    f"backend 'vault' takes no '{credential}' option: a credential never goes "
                    f"in the config; set {variable} instead"
                )
        super().__init__(**options)
        self._url = self._str_option(options, "url")
        if self._url is not None and not self._url.startswith(("http://", "https://")):
            raise ConfigError("backend 'vault' option 'url' must start with http:// or https://")
        mounts = options.get("mounts", {})
        if not isinstance(mounts, Mapping) or not all(
            isinstance(s, str) and "/" not in s and is_ref(f"{s}/x")
            and isinstance(m, str) and _MOUNT.fullmatch(m.strip("/"))
            for s, m in mounts.items()
        ):  # fmt: skip
            raise ConfigError(
                "backend 'vault' option 'mounts' must map scopes to mounts, e.g. "
                '{"prod": "kv-prod", "dev": "kv-dev"}'
            )
        self.mounts: dict[str, str] = {s: m.strip("/") for s, m in mounts.items()}
        #: The mount of the scopes without one of their own; None: those are not served.
        self.mount = _mount_option(options, "mount", None if self.mounts else DEFAULT_MOUNT)
        prefix = options.get("prefix", "")
        if not isinstance(prefix, str) or (
            prefix.strip("/") and not _MOUNT.fullmatch(prefix.strip("/"))
        ):
            raise ConfigError(
                "backend 'vault' option 'prefix' must be a path such as 'teams/data-science/'"
            )
        self.prefix = prefix.strip("/") + "/" if prefix.strip("/") else ""
        self._namespace = self._str_option(options, "namespace")
        token_file = options.get("token_file", DEFAULT_TOKEN_FILE)
        if not isinstance(token_file, str | os.PathLike):
            raise ConfigError("backend 'vault' option 'token_file' must be a file path")
        self.token_file = Path(token_file).expanduser()
        self.role_id = self._str_option(options, "role_id")
        self.auth_mount = str(_mount_option(options, "auth_mount", DEFAULT_AUTH_MOUNT))
        self.verify = options.get("verify")
        if self.verify is not None and not isinstance(self.verify, bool | str):
            raise ConfigError(
                "backend 'vault' option 'verify' must be a CA bundle path, true or false"
            )
        timeout = options.get("timeout", DEFAULT_TIMEOUT)
        if isinstance(timeout, bool) or not isinstance(timeout, int | float) or timeout <= 0:
            raise ConfigError("backend 'vault' option 'timeout' must be a number of seconds > 0")
        self.timeout = float(timeout)
        self._lock = threading.Lock()
        self._clients: dict[tuple[str, str | None, str], Any] = {}
        self._approle: tuple[tuple[str, str], str, float] | None = None  # key, token, expiry

    @staticmethod
    def _str_option(options: Mapping[str, Any], name: str) -> str | None:
        value = options.get(name)
        if value is not None and (not isinstance(value, str) or not value.strip()):
            raise ConfigError(f"backend 'vault' option '{name}' must be a non-empty string")
        return value.strip() if value else None

    # -- where, and who ----------------------------------------------------

    @property
    def url(self) -> str | None:
        return self._url or os.environ.get("VAULT_ADDR") or None

    @property
    def namespace(self) -> str | None:
        return self._namespace or os.environ.get("VAULT_NAMESPACE") or None

    def _where(self) -> str:
        where = f"Vault at {shown_url(self.url or '')}"
        return f"{where} (namespace {self.namespace})" if self.namespace else where

    def locate(self, ref: SecretRef) -> Location | None:
        """Where ``ref`` is stored; None when no mount serves its scope."""
        if ref.scope in self.mounts:
            return Location(self.mounts[ref.scope], self.prefix + ref.name)
        if self.mount is not None:
            return Location(self.mount, self.prefix + ref.path)
        return None

    def _located(self, ref: SecretRef) -> Location:
        location = self.locate(ref)
        if location is None:
            raise self.not_found(
                ref,
                f"backend 'vault' has no mount for scope '{ref.scope}'; add it to "
                f"{_OPTIONS}['mounts'] or set {_OPTIONS}['mount']",
            )
        return location

    def _file_token(self) -> str | None:
        try:
            return self.token_file.read_text(encoding="utf-8").strip() or None
        except (OSError, UnicodeDecodeError):
            return None

    def _token_source(self) -> str | None:
        """Where the token will come from (no network), or None when nowhere."""
        if credential_env(TOKEN_ENV):
            return f"${TOKEN_ENV}"
        if self._file_token():
            return f"the token file {self.token_file}"
        if self.role_id and credential_env(SECRET_ID_ENV):
            return f"an AppRole login (auth/{self.auth_mount}, secret id from ${SECRET_ID_ENV})"
        return None

    def _no_token(self) -> str:
        approle = (
            f"; for AppRole, set {SECRET_ID_ENV}"
            if self.role_id
            else f" (or AppRole: {_OPTIONS}['role_id'] and {SECRET_ID_ENV})"
        )
        return f"no Vault token for {self._where()}: {_LOGIN}{approle}"

    def _hvac(self) -> Any:
        try:
            return importlib.import_module("hvac")
        except ImportError:
            raise BackendUnavailableError(
                "the vault backend needs hvac; install it: pip install 'jupyter-secrets[vault]'"
            ) from None

    def _client(self, token: str) -> Any:
        url = self.url
        if url is None:
            raise BackendUnavailableError(f"no Vault address: set VAULT_ADDR or {_OPTIONS}['url']")
        hvac = self._hvac()
        key = (url, self.namespace, token)
        with self._lock:
            client = self._clients.get(key)
            if client is None:
                for old in self._clients.values():  # one session at a time
                    old.adapter.close()
                # token="" (not None): hvac must not read VAULT_TOKEN or ~/.vault-token itself.
                client = hvac.Client(
                    url=url, token=token, namespace=self.namespace, verify=self.verify,
                    timeout=self.timeout,
                )  # fmt: skip
                self._clients = {key: client}
            return client

    def _token(self) -> str:
        token = credential_env(TOKEN_ENV) or self._file_token()
        if token:
            return token
        secret_id = credential_env(SECRET_ID_ENV)
        if self.role_id and secret_id:
            return self._approle_token(self.role_id, secret_id)
        raise BackendLockedError(self._no_token())

    def _approle_token(self, role_id: str, secret_id: str) -> str:
        key = (role_id, secret_id)
        with self._lock:
            if self._approle and self._approle[0] == key and time.monotonic() < self._approle[2]:
                return self._approle[1]
        refused = BackendLockedError(
            f"{self._where()} refused the AppRole login (auth/{self.auth_mount}); check "
            f"{_OPTIONS}['role_id'] and {SECRET_ID_ENV}, or ask your Vault admin for a new secret id"
        )

        def login(client: Any) -> tuple[str, float]:
            auth = client.auth.approle.login(
                role_id=role_id, secret_id=secret_id, use_token=False, mount_point=self.auth_mount
            )["auth"]
            lease = float(auth.get("lease_duration") or 0)
            return str(auth["client_token"]), lease

        token, lease = self._call(
            login,
            denied=refused,
            refused=refused,
            no_route=BackendUnavailableError(
                f"{self._where()} has no AppRole auth method at auth/{self.auth_mount}; fix "
                f"{_OPTIONS}['auth_mount'] or ask your Vault admin"
            ),
            token="",
        )
        expiry = time.monotonic() + 0.9 * lease if lease > 0 else math.inf
        with self._lock:
            self._approle = (key, token, expiry)
        return token

    # -- talking to Vault ------------------------------------------------

    def _call(
        self,
        call: Callable[[Any], T],
        *,
        denied: SecretError,
        refused: SecretError | None = None,
        no_route: SecretError | None = None,
        token: str | None = None,
    ) -> T:
        """``call(client)``, with hvac's and requests' failures turned into one-line errors
        that never hold their text. A 404 is :class:`_NotThere` for the caller."""
        self._hvac()
        client = self._client(self._token() if token is None else token)
        try:
            return call(client)
        except SecretError:
            raise
        except Exception as exc:
            failure = self._failure(exc, denied, refused, no_route)
        raise failure  # outside the handler: hvac's exception is not its context

    def _failure(
        self,
        exc: Exception,
        denied: SecretError,
        refused: SecretError | None,
        no_route: SecretError | None,
    ) -> Exception:
        hvac_errors: Any = self._hvac().exceptions
        requests_errors: Any = importlib.import_module("requests.exceptions")
        where = self._where()
        if isinstance(exc, hvac_errors.Forbidden):
            return denied
        if isinstance(exc, hvac_errors.Unauthorized):
            return BackendLockedError(f"{where} did not accept your token; {_LOGIN}")
        if isinstance(exc, hvac_errors.InvalidPath):
            if any("no handler for route" in str(e) for e in exc.errors or ()):
                return no_route or BackendUnavailableError(
                    f"{where} has no secrets engine at that mount; fix {_OPTIONS}['mount'] "
                    "(or 'mounts'), or ask your Vault admin to enable KV v2 there"
                )
            return _NotThere(_deleted_version(exc.json))
        if isinstance(exc, hvac_errors.InvalidRequest):
            return refused or BackendUnavailableError(
                f"{where} refused the request (HTTP 400); check that the mount is KV version 2"
            )
        if isinstance(exc, hvac_errors.VaultDown):
            return BackendUnavailableError(
                f"{where} is sealed or unavailable (HTTP 503); ask your Vault admin to unseal "
                "it, or try again later"
            )
        if isinstance(exc, hvac_errors.VaultError):
            return BackendUnavailableError(
                f"{where} answered with an error ({type(exc).__name__}); try again later, or "
                "check it with: vault status"
            )
        if isinstance(exc, requests_errors.Timeout):
            return BackendUnavailableError(
                f"{where} did not answer within {self.timeout:g} s; check the address and the "
                f"network, or raise {_OPTIONS}['timeout']"
            )
        if isinstance(exc, requests_errors.SSLError):
            return BackendUnavailableError(
                f"the TLS certificate of {where} could not be verified; set {_OPTIONS}['verify'] "
                "or VAULT_CACERT to your CA bundle"
            )
        if isinstance(exc, requests_errors.ConnectionError):
            return BackendUnavailableError(
                f"cannot reach {where} (connection failed); start Vault or fix VAULT_ADDR or "
                f"{_OPTIONS}['url']"
            )
        if isinstance(exc, requests_errors.RequestException | OSError):
            return BackendUnavailableError(
                f"cannot talk to {where} ({type(exc).__name__}); check the address and "
                f"{_OPTIONS}['verify']"
            )
        return BackendUnavailableError(
            f"{where} answered something that is not Vault's KV v2 API ({type(exc).__name__}); "
            "check the address and the mount"
        )

    def _denied(self, verb: str, what: str, location: Location, kind: str) -> ScopeDeniedError:
        return ScopeDeniedError(
            f"your Vault token may not {verb} {what} (Vault policy on "
            f"{location.api(kind)}); ask your Vault admin, or log in again if the token expired"
        )

    def _metadata(self, ref: SecretRef, location: Location) -> dict[str, Any]:
        try:
            return self._call(
                lambda c: dict(
                    c.secrets.kv.v2.read_secret_metadata(
                        path=location.path, mount_point=location.mount
                    )["data"]
                ),
                denied=self._denied("read", f"'{ref.path}'", location, "metadata"),
            )
        except _NotThere:
            raise self.not_found(ref) from None

    # -- the Backend interface -------------------------------------------

    def viable(self) -> Viability:
        try:
            self._hvac()
        except BackendUnavailableError as exc:
            return Viability(False, exc.message)
        if self.url is None:
            return Viability(False, f"no Vault address: set VAULT_ADDR or {_OPTIONS}['url']")
        if isinstance(self.verify, str) and not Path(self.verify).expanduser().is_file():
            return Viability(
                False,
                f"the CA bundle {self.verify} for Vault is not a file; fix {_OPTIONS}['verify']",
            )
        source = self._token_source()
        if source is None:
            return Viability(False, self._no_token(), locked=True)
        mounts = ", ".join(f"{s}: {m}" for s, m in sorted(self.mounts.items()))
        if self.mount is not None:
            mounts = f"{mounts}, others: {self.mount}" if mounts else self.mount
        prefix = f", prefix {self.prefix}" if self.prefix else ""
        return Viability(
            True, f"{self._where()}, KV v2 mount {mounts}{prefix}; token from {source}"
        )

    def check(self) -> Viability:
        """Look the token up (valid, which policies), then list what it may list."""
        viability = self.viable()
        if not viability.ok:
            return viability
        try:
            policies = self._call(
                lambda c: [str(p) for p in c.auth.token.lookup_self()["data"]["policies"]],
                denied=BackendLockedError(
                    f"{self._where()} does not accept your token (invalid or expired); {_LOGIN}"
                ),
            )
            try:
                listed = f"it lists {count_secrets(len(self._names(None)))}"
            except ScopeDeniedError:
                listed = "the token may not list secrets (Vault policy); reads may still work"
        except _NotThere:
            return Viability(False, f"{self._where()} has no token lookup; is it Vault?")
        except SecretError as exc:
            return Viability(False, exc.message, locked=isinstance(exc, BackendLockedError))
        named = ", ".join(policies) or "none"
        return Viability(
            True, f"{viability.reason}; verified: token valid (policies: {named}); {listed}"
        )

    def get(self, ref: SecretRef) -> SecretRecord:
        location = self._located(ref)
        version: int | None = None
        if ref.version == "previous":
            version = self._previous(self._metadata(ref, location))
            if version is None:
                raise self.not_found(
                    ref,
                    "Vault holds no earlier version that is neither deleted nor destroyed; "
                    f"see them with: vault kv metadata get -mount={location.mount} {location.path}",
                )
        elif ref.version is not None:
            if not ref.version.isdigit():
                raise self.not_found(ref, "Vault numbers versions 1, 2, 3...: use @N or @previous")
            version = int(ref.version)

        def read(client: Any) -> SecretRecord:
            data = client.secrets.kv.v2.read_secret_version(
                path=location.path, version=version, mount_point=location.mount,
                raise_on_deleted_version=True,
            )["data"]  # fmt: skip
            metadata = data["metadata"]
            return SecretRecord(
                value=value_of(data["data"]),
                version=str(int(metadata["version"])),
                created=parse_time(metadata.get("created_time")),
            )

        try:
            return self._call(read, denied=self._denied("read", f"'{ref.path}'", location, "data"))
        except _NotThere as gone:
            hint = ""
            if gone.deleted is not None:
                hint = (
                    f"version {gone.deleted} was deleted in Vault; undelete it with: vault kv "
                    f"undelete -mount={location.mount} -versions={gone.deleted} {location.path}, "
                    f"or store a new value: jupyter-secrets set {ref.path} --backend vault"
                )
            raise self.not_found(ref, hint) from None

    @staticmethod
    def _previous(metadata: Mapping[str, Any]) -> int | None:
        """The newest version before the current one that is not deleted or destroyed."""
        current = int(metadata.get("current_version") or 0)
        versions = metadata.get("versions") or {}
        for number in sorted((int(n) for n in versions), reverse=True):
            state = versions[str(number)] or {}
            if number < current and not state.get("deletion_time") and not state.get("destroyed"):
                return number
        return None

    def set(self, ref: SecretRef, value: str) -> str:
        location = self.locate(ref)
        if location is None:
            raise ConfigError(
                f"backend 'vault' has no mount for scope '{ref.scope}' of '{ref.path}'; add it "
                f"to {_OPTIONS}['mounts'] or set {_OPTIONS}['mount']"
            )

        def write(client: Any) -> str:
            answer = client.secrets.kv.v2.create_or_update_secret(
                path=location.path, secret={VALUE_KEY: value}, mount_point=location.mount
            )
            return str(int(answer["data"]["version"]))

        try:
            return self._call(
                write, denied=self._denied("write", f"'{ref.path}'", location, "data")
            )
        except _NotThere:  # a KV v1 mount, or a proxy in the way
            raise BackendUnavailableError(
                f"{self._where()} did not store '{ref.path}' (HTTP 404); check that "
                f"'{location.mount}' is a KV version 2 mount"
            ) from None

    def delete(self, ref: SecretRef) -> None:
        location = self._located(ref)
        # Vault deletes what is not there without a word; a token that may delete but
        # not read metadata is left to Vault.
        with contextlib.suppress(ScopeDeniedError):
            self._metadata(ref, location)
        try:
            self._call(
                lambda c: c.secrets.kv.v2.delete_metadata_and_all_versions(
                    path=location.path, mount_point=location.mount
                ),
                denied=self._denied("delete", f"'{ref.path}'", location, "metadata"),
            )
        except _NotThere:
            raise self.not_found(ref) from None

    def list(self, scope: str | None = None) -> builtins.list[SecretInfo]:
        """Every secret under the scope's folder (or every scope's), with its metadata."""
        infos = (self._info(path, location) for path, location in self._names(scope))
        return [info for info in infos if info is not None]

    def _names(self, scope: str | None) -> builtins.list[tuple[str, Location]]:
        """(ref path, location) of every secret under the scope's folders, read recursively
        (LIST on the metadata), names that are not refs left out.

        A folder the token may not list is left out; the one listing starts at is a
        ScopeDeniedError (for all scopes: only when no mount could be listed at all).
        """
        roots = self._roots(scope)
        found: dict[str, Location] = {}
        denials: builtins.list[ScopeDeniedError] = []
        for named_scope, root in roots:
            try:
                walked = self._walk(root)
            except ScopeDeniedError as exc:
                if scope is not None:
                    raise
                denials.append(exc)
                continue
            for path, location in walked:
                ref_path = f"{named_scope}/{path}" if named_scope else path
                shadowed = named_scope is None and ref_path.split("/")[0] in self.mounts
                if is_ref(ref_path) and not shadowed:
                    found[ref_path] = location
        if denials and len(denials) == len(roots):
            raise denials[0]
        return sorted(found.items())

    def _roots(self, scope: str | None) -> builtins.list[tuple[str | None, Location]]:
        """(scope named by the mount or None, folder to list) for ``list(scope)``."""
        if scope is None:
            roots: builtins.list[tuple[str | None, Location]] = [
                (s, Location(m, self.prefix)) for s, m in sorted(self.mounts.items())
            ]
            if self.mount is not None:
                roots.append((None, Location(self.mount, self.prefix)))
            return roots
        if scope in self.mounts:
            return [(scope, Location(self.mounts[scope], self.prefix))]
        if self.mount is not None and is_ref(f"{scope}/x"):
            return [(None, Location(self.mount, f"{self.prefix}{scope}/"))]
        return []

    def _walk(self, folder: Location) -> builtins.list[tuple[str, Location]]:
        """(path below the prefix, location) of every secret under ``folder``."""
        found: builtins.list[tuple[str, Location]] = []
        pending = [folder]
        while pending:
            current = pending.pop()
            what = f"secrets under '{current.mount}/{current.path}'"
            try:
                keys = self._call(
                    functools.partial(_list_keys, current),
                    denied=self._denied("list", what, current, "metadata"),
                )
            except _NotThere:
                continue
            except ScopeDeniedError:
                if current is folder:
                    raise
                continue
            for key in keys:
                child = Location(current.mount, current.path + key)
                if key.endswith("/"):
                    pending.append(child)
                else:
                    found.append((child.path[len(self.prefix) :], child))
        return found

    def _info(self, ref_path: str, location: Location) -> SecretInfo | None:
        try:
            metadata = self._metadata(SecretRef(ref_path), location)
        except ScopeDeniedError:  # listed, but its metadata is not readable
            return SecretInfo(path=ref_path, backend=self.name)
        except SecretNotFoundError:  # deleted while listing
            return None
        custom = metadata.get("custom_metadata") or {}
        current = metadata.get("current_version")
        return SecretInfo(
            path=ref_path,
            backend=self.name,
            version=str(current) if current else None,
            updated=parse_time(metadata.get("updated_time")),
            extra={
                "custom_metadata": dict(custom),
                "owner": custom.get("owner"),
                "versions": len(metadata.get("versions") or {}),
            },
        )
