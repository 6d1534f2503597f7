"""An encrypted local secret file: the default on a headless machine.

The whole store is one AES-256-GCM ciphertext (``cryptography``), so not even
secret names are readable on disk. The key comes from a passphrase through
scrypt; the passphrase comes from ``$JUPYTER_SECRETS_PASSPHRASE`` (option
``passphrase_env``) or a masked prompt when a human can answer one (a
terminal, or a Jupyter kernel whose frontend shows a password box). The
derived key is kept in process memory so the KDF cost is paid once.

On disk (``path``, default ``<jupyter data dir>/jupyter_secrets/secrets.enc``)::

    {"format": "jupyter-secrets-file", "version": 1,
     "kdf": {"name": "scrypt", "n": ..., "r": ..., "p": ..., "salt": b64},
     "nonce": b64, "ciphertext": b64}

The header (format, version, kdf) is the AEAD associated data, so editing it
breaks decryption instead of weakening it. The plaintext is JSON
``{path: {"versions": [{"id": "1", "value": ..., "created": iso8601}]}}``
keeping the last ``max_versions`` versions. Writes take an exclusive lock on
``<path>.lock`` around read-modify-write (two processes setting at once lose
nothing; no lock on Windows) and replace the file atomically, mode 0600.
"""

from __future__ import annotations

import base64
import binascii
import getpass
import hashlib
import hmac
import json
import os
import secrets
import sys
import tempfile
import threading
from collections.abc import Iterator, Mapping
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from types import MappingProxyType
from typing import Any, ClassVar

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.scrypt import Scrypt

from ..errors import BackendLockedError, BackendUnavailableError, ConfigError, InputError
from ..prompting import can_prompt
from ..refs import SecretRef
from .base import Backend, SecretInfo, SecretRecord, Viability, count_secrets, credential_env

if sys.platform != "win32":
    import fcntl

FORMAT = "jupyter-secrets-file"
FORMAT_VERSION = 1
DEFAULT_PASSPHRASE_ENV = "JUPYTER_SECRETS_PASSPHRASE"  # noqa: S105 (a variable name)
DEFAULT_MAX_VERSIONS = 10
# scrypt cost for new files: 32 MiB, about 0.1 s. Files carry their own
# parameters; these bounds stop a tampered header from exhausting memory.
SCRYPT_N, SCRYPT_R, SCRYPT_P = 2**15, 8, 1
_MAX_SCRYPT_MEMORY = 256 * 1024 * 1024
_SALT_BYTES, _NONCE_BYTES, _KEY_BYTES = 16, 12, 32


def default_path() -> Path:
    from jupyter_core.paths import jupyter_data_dir  # noqa: PLC0415 (only when no store path is configured)

    return Path(jupyter_data_dir()) / "jupyter_secrets" / "secrets.enc"


@dataclass(frozen=True)
class _Kdf:
    n: int
    r: int
    p: int
    salt: bytes

    def header(self) -> dict[str, Any]:
        return {"name": "scrypt", "n": self.n, "r": self.r, "p": self.p, "salt": _b64(self.salt)}


@dataclass
class _State:
    kdf: _Kdf
    key: bytes
    store: dict[str, dict[str, Any]]


@dataclass(frozen=True)
class _CachedKey:
    key: bytes
    # SHA-256 of the env-var passphrase it came from (None: typed at a prompt),
    # so changing the env var is noticed instead of silently using the old key.
    env_fingerprint: bytes | None


_KEY_CACHE: dict[tuple[str, str, int, int, int], _CachedKey] = {}
_KEY_CACHE_LOCK = threading.Lock()


class _Corrupted(Exception):
    pass


class WrongPassphraseError(BackendUnavailableError):
    """The passphrase does not decrypt the store (or the file was altered)."""


class CorruptStoreError(BackendUnavailableError):
    """The file is not a readable jupyter-secrets store."""


class EncryptedFileBackend(Backend):
    name: ClassVar[str] = "file"
    priority: ClassVar[float] = 5.0
    writable: ClassVar[bool] = True
    keeps_versions: ClassVar[bool] = True
    description: ClassVar[str] = "an encrypted local file unlocked by a passphrase"
    option_names: ClassVar[frozenset[str] | None] = frozenset(
        {"path", "passphrase_env", "max_versions"}
    )
    credential_env_vars: ClassVar[Mapping[str, str]] = MappingProxyType(
        {DEFAULT_PASSPHRASE_ENV: "store passphrase"}
    )

    def __init__(self, **options: Any) -> None:
        super().__init__(**options)
        path = options.get("path")
        if path is not None and not isinstance(path, str | os.PathLike):
            raise ConfigError("backend 'file' option 'path' must be a file path")
        self.path = Path(path).expanduser() if path else default_path()
        self.passphrase_env = options.get("passphrase_env", DEFAULT_PASSPHRASE_ENV)
        if not isinstance(self.passphrase_env, str) or not self.passphrase_env:
            raise ConfigError("backend 'file' option 'passphrase_env' must be a variable name")
        max_versions = options.get("max_versions", DEFAULT_MAX_VERSIONS)
        if isinstance(max_versions, bool) or not isinstance(max_versions, int) or max_versions < 1:
            raise ConfigError("backend 'file' option 'max_versions' must be an integer >= 1")
        self.max_versions = max_versions

    # -- the Backend interface -----------------------------------------

    def credential_envs(self) -> Mapping[str, str]:
        return {**self.credential_env_vars, self.passphrase_env: "store passphrase"}

    def viable(self) -> Viability:
        if self.path.exists() and not self.path.is_file():
            return Viability(False, self._not_a_file())
        exists = "exists" if self.path.is_file() else "will be created on first set"
        if credential_env(self.passphrase_env):
            unlock = f"passphrase from ${self.passphrase_env}"
        elif can_prompt():
            unlock = f"${self.passphrase_env} not set, will prompt for the passphrase"
        else:
            unlock = f"${self.passphrase_env} not set and no terminal to prompt: set it to unlock"
        return Viability(True, f"encrypted store {self.path} ({exists}); {unlock}")

    def check(self) -> Viability:
        """Decrypt the store with the passphrase available now (never prompts)."""
        viability = self.viable()
        if not viability.ok:
            return viability
        env = f"${self.passphrase_env}"
        has_env = credential_env(self.passphrase_env) is not None
        try:
            state = self._read_state(prompt=False)
        except BackendLockedError:
            if can_prompt():
                return Viability(
                    True,
                    f"encrypted store {self.path}: {env} not set; commands will prompt for "
                    "the passphrase (not verified without it)",
                )
            return Viability(
                False,
                f"locked: set {env} to unlock {self.path} (or run in a terminal to be prompted)",
                locked=True,
            )
        except WrongPassphraseError:
            return Viability(
                False,
                f"wrong passphrase: {env} does not decrypt {self.path} (or the file was "
                "altered); set the passphrase the store was created with",
            )
        except CorruptStoreError as exc:
            return Viability(False, f"corrupt: {exc.message}")
        except BackendUnavailableError as exc:
            return Viability(False, f"unreadable: {exc.message}")
        if state is None:
            if has_env or can_prompt():
                how = f"passphrase from {env}" if has_env else "will prompt for a new passphrase"
                return Viability(True, f"no file yet: {self.path} is created on first set ({how})")
            return Viability(
                False,
                f"no file yet: {self.path} is created on first set, but it is locked: set {env} "
                "to choose its passphrase (or run in a terminal to be prompted)",
                locked=True,
            )
        source = f"the passphrase from {env}" if has_env else "the passphrase typed earlier"
        return Viability(
            True,
            f"encrypted store {self.path}: decrypted with {source} ({count_secrets(len(state.store))})",
        )

    def get(self, ref: SecretRef) -> SecretRecord:
        state = self._read_state()
        if state is None:
            raise self.not_found(
                ref,
                f"no encrypted store at {self.path} yet; store it with: "
                f"jupyter-secrets set {ref.path} --backend file",
            )
        entry = state.store.get(ref.path)
        if entry is None:
            raise self.not_found(ref)
        versions: list[dict[str, Any]] = entry["versions"]
        if ref.version is None:
            chosen = versions[-1]
        elif ref.version == "previous":
            if len(versions) < 2:
                raise self.not_found(ref, "it has only one version")
            chosen = versions[-2]
        else:
            match = [v for v in versions if v["id"] == ref.version]
            if not match:
                kept = ", ".join(v["id"] for v in versions)
                raise self.not_found(ref, f"versions kept: {kept}")
            chosen = match[0]
        return SecretRecord(
            value=chosen["value"], version=chosen["id"], created=_parse_time(chosen["created"])
        )

    def set(self, ref: SecretRef, value: str) -> str | None:
        self._read_state()  # may prompt for the passphrase: do it before taking the lock
        with self._write_lock():
            state = self._read_state() or self._new_state()
            versions = state.store.setdefault(ref.path, {"versions": []})["versions"]
            new_id = str(max((int(v["id"]) for v in versions), default=0) + 1)
            versions.append({"id": new_id, "value": value, "created": _now()})
            del versions[: -self.max_versions]
            self._write_state(state)
        return new_id

    def delete(self, ref: SecretRef) -> None:
        if not self.path.exists():  # no store yet: nothing to delete, nothing to create
            raise self.not_found(ref, "nothing to delete")
        self._read_state()  # may prompt for the passphrase: do it before taking the lock
        with self._write_lock():
            state = self._read_state()
            if state is None or state.store.pop(ref.path, None) is None:
                raise self.not_found(ref, "nothing to delete")
            self._write_state(state)

    def list(self, scope: str | None = None) -> list[SecretInfo]:
        state = self._read_state()
        if state is None:
            return []
        infos = []
        for path, entry in sorted(state.store.items()):
            if scope is not None and path.split("/", 1)[0] != scope:
                continue
            current = entry["versions"][-1]
            infos.append(
                SecretInfo(
                    path=path,
                    backend=self.name,
                    version=current["id"],
                    updated=_parse_time(current["created"]),
                    extra={"versions": len(entry["versions"])},
                )
            )
        return infos

    # -- reading and writing the store ---------------------------------

    def _read_state(self, prompt: bool = True) -> _State | None:
        try:
            raw = self.path.read_bytes()
        except (FileNotFoundError, NotADirectoryError):
            return None  # no store yet; a write says what is wrong with the path
        except IsADirectoryError:
            raise BackendUnavailableError(self._not_a_file()) from None
        except OSError as exc:
            raise BackendUnavailableError(
                f"cannot read the encrypted secret file {self.path} ({type(exc).__name__}); "
                "check its permissions"
            ) from None
        try:
            kdf, nonce, ciphertext = _parse_envelope(raw)
        except _Corrupted as exc:
            raise self._corrupted(str(exc)) from None
        key = self._key(kdf, creating=False, prompt=prompt)
        try:
            plaintext = AESGCM(key).decrypt(nonce, ciphertext, _associated_data(kdf))
        except InvalidTag:
            _forget_key(self.path, kdf)
            raise WrongPassphraseError(
                f"cannot decrypt {self.path}: the passphrase does not match the one the file "
                f"was created with (or the file was altered); set the right "
                f"${self.passphrase_env}"
            ) from None
        try:
            store = _parse_store(plaintext)
        except _Corrupted as exc:
            raise self._corrupted(str(exc)) from None
        return _State(kdf=kdf, key=key, store=store)

    def _new_state(self) -> _State:
        kdf = _Kdf(SCRYPT_N, SCRYPT_R, SCRYPT_P, secrets.token_bytes(_SALT_BYTES))
        return _State(kdf=kdf, key=self._key(kdf, creating=True), store={})

    def _write_state(self, state: _State) -> None:
        nonce = secrets.token_bytes(_NONCE_BYTES)  # fresh for every write
        plaintext = json.dumps(state.store, sort_keys=True).encode()
        ciphertext = AESGCM(state.key).encrypt(nonce, plaintext, _associated_data(state.kdf))
        envelope = {
            "format": FORMAT,
            "version": FORMAT_VERSION,
            "kdf": state.kdf.header(),
            "nonce": _b64(nonce),
            "ciphertext": _b64(ciphertext),
        }
        self._replace_atomically(json.dumps(envelope, indent=1).encode() + b"\n")

    def _replace_atomically(self, data: bytes) -> None:
        directory = self.path.parent
        try:
            fd, temp = tempfile.mkstemp(dir=directory, prefix=f".{self.path.name}.", suffix=".tmp")
        except OSError as exc:
            raise self._unwritable(exc) from None
        try:
            with os.fdopen(fd, "wb") as handle:  # mkstemp creates it 0600
                handle.write(data)
                handle.flush()
                os.fsync(handle.fileno())
            os.replace(temp, self.path)
        except OSError as exc:
            with suppress(OSError):
                os.unlink(temp)
            raise self._unwritable(exc) from None
        _fsync_directory(directory)

    @contextmanager
    def _write_lock(self) -> Iterator[None]:
        directory = self.path.parent
        try:
            if not directory.is_dir():
                directory.mkdir(parents=True, exist_ok=True)
                directory.chmod(0o700)
            fd = os.open(f"{self.path}.lock", os.O_RDWR | os.O_CREAT, 0o600)
        except OSError as exc:
            raise self._unwritable(exc) from None
        try:
            if sys.platform != "win32":
                fcntl.flock(fd, fcntl.LOCK_EX)
            yield
        finally:
            os.close(fd)  # releases the lock

    # -- the key and the passphrase ------------------------------------

    def _key(self, kdf: _Kdf, creating: bool, prompt: bool = True) -> bytes:
        cache_key = (str(self.path.resolve()), _b64(kdf.salt), kdf.n, kdf.r, kdf.p)
        from_env = credential_env(self.passphrase_env)
        fingerprint = hashlib.sha256(from_env.encode()).digest() if from_env else None
        with _KEY_CACHE_LOCK:
            cached = _KEY_CACHE.get(cache_key)
        if cached is not None and (
            fingerprint is None
            or (cached.env_fingerprint and hmac.compare_digest(cached.env_fingerprint, fingerprint))
        ):
            return cached.key
        passphrase = from_env or (self._prompt(creating) if prompt else None)
        if passphrase is None:
            raise self._locked()
        key = Scrypt(salt=kdf.salt, length=_KEY_BYTES, n=kdf.n, r=kdf.r, p=kdf.p).derive(
            passphrase.encode()
        )
        with _KEY_CACHE_LOCK:
            _KEY_CACHE[cache_key] = _CachedKey(key, fingerprint)
        return key

    def _locked(self) -> BackendLockedError:
        return BackendLockedError(
            f"the encrypted secret file {self.path} is locked; set {self.passphrase_env} "
            "or run in a terminal to be prompted"
        )

    def _prompt(self, creating: bool) -> str:
        locked = self._locked()
        if not can_prompt():
            raise locked
        action = "Choose a passphrase for the new" if creating else "Passphrase for the"
        try:
            passphrase = getpass.getpass(f"{action} encrypted secret file {self.path}: ")
            if creating and passphrase != getpass.getpass("Repeat the passphrase: "):
                raise InputError("the two passphrases differ; nothing was stored, try again")
        except (EOFError, OSError, RuntimeError):
            # RuntimeError covers a kernel whose frontend cannot answer input requests.
            raise locked from None
        if not passphrase:
            raise InputError(
                f"empty passphrase for {self.path}; type one or set {self.passphrase_env}"
            )
        return passphrase

    # -- errors --------------------------------------------------------

    def _not_a_file(self) -> str:
        return (
            f"the encrypted secret file {self.path} exists but is not a file; move it away "
            "or set backend_options['file']['path'] to a file path"
        )

    def _corrupted(self, detail: str) -> CorruptStoreError:
        return CorruptStoreError(
            f"the encrypted secret file {self.path} is corrupted ({detail}); it was left "
            "untouched: restore it from a backup, or move it away to start a new store"
        )

    def _unwritable(self, exc: OSError) -> BackendUnavailableError:
        return BackendUnavailableError(
            f"cannot write the encrypted secret file {self.path} ({type(exc).__name__}); "
            "check the directory permissions or set backend_options['file']['path']"
        )


def _parse_envelope(raw: bytes) -> tuple[_Kdf, bytes, bytes]:
    try:
        envelope = json.loads(raw)
    except ValueError:
        raise _Corrupted("not JSON") from None
    if not isinstance(envelope, dict) or envelope.get("format") != FORMAT:
        raise _Corrupted("not a jupyter-secrets file")
    if envelope.get("version") != FORMAT_VERSION:
        raise _Corrupted(f"unsupported format version {envelope.get('version')!r}")
    header = envelope.get("kdf")
    if not isinstance(header, dict) or header.get("name") != "scrypt":
        raise _Corrupted("unknown key derivation")
    n, r, p = header.get("n"), header.get("r"), header.get("p")
    if not (
        isinstance(n, int)
        and isinstance(r, int)
        and isinstance(p, int)
        and n > 1
        and n & (n - 1) == 0
        and 1 <= r <= 64
        and 1 <= p <= 16
        and 128 * n * r <= _MAX_SCRYPT_MEMORY
    ):
        raise _Corrupted("invalid scrypt parameters")
    try:
        salt = _unb64(header.get("salt"))
        nonce = _unb64(envelope.get("nonce"))
        ciphertext = _unb64(envelope.get("ciphertext"))
    except (TypeError, ValueError, binascii.Error):
        raise _Corrupted("bad base64 field") from None
    if len(nonce) != _NONCE_BYTES or not salt:
        raise _Corrupted("bad nonce or salt")
    return _Kdf(n, r, p, salt), nonce, ciphertext


def _parse_store(plaintext: bytes) -> dict[str, dict[str, Any]]:
    try:
        store = json.loads(plaintext)
    except ValueError:
        raise _Corrupted("decrypted content is not JSON") from None
    if not isinstance(store, dict):
        raise _Corrupted("decrypted content is not an object")
    for entry in store.values():
        versions = entry.get("versions") if isinstance(entry, dict) else None
        if not versions or not isinstance(versions, list):
            raise _Corrupted("a secret has no versions")
        for version in versions:
            if not (
                isinstance(version, dict)
                and isinstance(version.get("id"), str)
                and version["id"].isdigit()
                and isinstance(version.get("value"), str)
                and isinstance(version.get("created"), str)
            ):
                raise _Corrupted("a version entry is malformed")
    return store


def _associated_data(kdf: _Kdf) -> bytes:
    header = {"format": FORMAT, "version": FORMAT_VERSION, "kdf": kdf.header()}
    return json.dumps(header, sort_keys=True, separators=(",", ":")).encode()


def _forget_key(path: Path, kdf: _Kdf) -> None:
    with _KEY_CACHE_LOCK:
        _KEY_CACHE.pop((str(path.resolve()), _b64(kdf.salt), kdf.n, kdf.r, kdf.p), None)


def _fsync_directory(directory: Path) -> None:
    # Makes the rename durable on POSIX; directories cannot be opened on Windows.
    with suppress(OSError):
        fd = os.open(directory, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def _unb64(text: object) -> bytes:
    if not isinstance(text, str):
        raise TypeError("not a string")
    return base64.b64decode(text, validate=True)


def _now() -> str:
    return datetime.now(timezone.utc).isoformat()


def _parse_time(text: str) -> datetime | None:
    try:
        return datetime.fromisoformat(text)
    except ValueError:
        return None
