"""Read-only secrets from a directory of one file per secret, as orchestrators mount them.

Kubernetes Secret volumes, Docker and Compose secrets (``/run/secrets``), the Vault
Agent and the Secrets Store CSI driver (``/mnt/secrets-store``) all write one file
per secret into a directory the pod or container sees. ``dev/db/password`` is read
from ``<path>/dev/db/password``; with ``separator: "."`` from ``<path>/dev.db.password``
(a Kubernetes Secret's keys cannot hold ``/``); ``mounts`` gives a scope its own
directory (``{"prod": "/mnt/secrets-store"}``: ``prod/db/password`` is then
``/mnt/secrets-store/db/password``).

Each read opens the file again, so an update is seen at once (the manager's cache
aside). Kubernetes updates a mounted Secret by writing a new timestamped directory
and renaming the ``..data`` symlink over the old one, so a read sees the old file
or the new one, never a mix. Names starting with ``.`` (``..data``, the
timestamped directories) are never secrets. A file whose real path leaves the
mount (a symlink to elsewhere) is refused, so a mount cannot be used to read
arbitrary files through a ref.

Options: ``path`` (default ``/var/run/secrets/jupyter-secrets``), ``mounts``,
``separator`` (``/`` or one of ``.``, ``_``, ``__``, ``-``), ``strip_newline``
(default true: one trailing newline, which ``echo`` and editors add, is not part
of the value).
"""

from __future__ import annotations

import os
import stat
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, ClassVar

from ..errors import BackendUnavailableError, ConfigError, ScopeDeniedError
from ..refs import SecretRef, is_ref
from .base import Backend, SecretInfo, SecretRecord, Viability

DEFAULT_PATH = "/var/run/secrets/jupyter-secrets"
SEPARATORS = ("/", ".", "_", "__", "-")
#: A mounted secret bigger than this is not a credential (a misconfigured mount).
MAX_FILE_BYTES = 1024 * 1024


class MountedFilesBackend(Backend):
    name: ClassVar[str] = "files"
    priority: ClassVar[float] = 1.0
    writable: ClassVar[bool] = False
    description: ClassVar[str] = (
        "a directory of one file per secret: Kubernetes, Docker or CSI mounts (read-only)"
    )
    option_names: ClassVar[frozenset[str] | None] = frozenset(
        {"path", "mounts", "separator", "strip_newline"}
    )

    def __init__(self, **options: Any) -> None:
        super().__init__(**options)
        self.root = Path(os.path.expanduser(str(options.get("path") or DEFAULT_PATH)))
        mounts = options.get("mounts", {})
        if not isinstance(mounts, dict) or not all(
            isinstance(k, str) and isinstance(v, str) for k, v in mounts.items()
        ):
            raise ConfigError(
                "backend 'files' option 'mounts' must map scopes to directories, e.g. "
                '{"prod": "/mnt/secrets-store"}'
            )
        self.mounts = {scope: Path(os.path.expanduser(d)) for scope, d in mounts.items()}
        self.separator = options.get("separator", "/")
        if self.separator not in SEPARATORS:
            raise ConfigError(
                f"backend 'files' option 'separator' must be one of {', '.join(SEPARATORS)}"
            )
        self.strip_newline = bool(options.get("strip_newline", True))

    # -- where a ref lives -------------------------------------------------

    def directory_for(self, scope: str) -> Path:
        return self.mounts.get(scope, self.root)

    def file_for(self, ref: SecretRef) -> Path:
        """The file holding ``ref`` (it may not exist)."""
        directory = self.directory_for(ref.scope)
        rest = ref.name if ref.scope in self.mounts else ref.path
        if self.separator == "/":
            return directory.joinpath(*rest.split("/"))
        return directory / rest.replace("/", self.separator)

    def _ref_of(self, scope: str | None, relative: str) -> str | None:
        """The ref a file at ``relative`` (to its directory) stands for, if any."""
        if self.separator != "/":
            if "/" in relative:
                return None
            relative = relative.replace(self.separator, "/")
        path = f"{scope}/{relative}" if scope is not None else relative
        return path if is_ref(path) else None

    # -- the interface -----------------------------------------------------

    def viable(self) -> Viability:
        directories = sorted({self.root, *self.mounts.values()}, key=str)
        present = [d for d in directories if d.is_dir()]
        if not present:
            where = ", ".join(str(d) for d in directories)
            return Viability(
                False,
                f"no secrets directory at {where}; mount one there or set "
                "backend_options['files']['path']",
            )
        return Viability(True, f"reads files under {', '.join(str(d) for d in present)}")

    def get(self, ref: SecretRef) -> SecretRecord:
        if ref.version is not None:
            raise self.not_found(
                ref,
                "mounted files hold the current version only; rotate in the store behind the mount",
            )
        directory = self.directory_for(ref.scope)
        if not directory.is_dir():
            raise BackendUnavailableError(
                f"no secrets directory at {directory} for '{ref.path}'; mount it there or fix "
                "backend_options['files']"
            )
        path = self.file_for(ref)
        data = self._read(ref, path, directory)
        try:
            value = data.decode("utf-8")
        except UnicodeDecodeError:
            raise BackendUnavailableError(
                f"the file for '{ref.path}' ({path}) is not UTF-8 text; mount the secret "
                "base64-encoded or as text"
            ) from None
        if self.strip_newline:
            value = _without_final_newline(value)
        return SecretRecord(value, created=_mtime(path))

    def _read(self, ref: SecretRef, path: Path, directory: Path) -> bytes:
        # Open first, then ask the open file where it is: a kubelet update between a
        # resolve() and an open() would remove the generation resolved to.
        try:
            fd = os.open(
                path, os.O_RDONLY | getattr(os, "O_CLOEXEC", 0) | getattr(os, "O_NOCTTY", 0)
            )
        except (FileNotFoundError, NotADirectoryError):
            raise self.not_found(
                ref, f"no file {path}; check the mount and the ref's spelling"
            ) from None
        except PermissionError:
            raise ScopeDeniedError(
                f"this user may not read the file for '{ref.path}' ({path}); ask the admin "
                "who mounts it for read access (fsGroup or mode)"
            ) from None
        except IsADirectoryError:
            raise self.not_found(ref, f"{path} is a directory; name a file inside it") from None
        except OSError:
            raise BackendUnavailableError(
                f"cannot open the file for '{ref.path}' ({path}); check the mount"
            ) from None
        if stat.S_ISDIR(os.fstat(fd).st_mode):
            os.close(fd)
            raise self.not_found(ref, f"{path} is a directory; name a file inside it")
        with os.fdopen(fd, "rb") as handle:
            if not _opened_path(fd, path).is_relative_to(directory.resolve()):
                raise ScopeDeniedError(
                    f"the file for '{ref.path}' ({path}) links outside {directory}; a mounted "
                    "secret must live inside its mount"
                )
            try:
                data = handle.read(MAX_FILE_BYTES + 1)
            except OSError:
                raise BackendUnavailableError(
                    f"cannot read the file for '{ref.path}' ({path}); check the mount"
                ) from None
        if len(data) > MAX_FILE_BYTES:
            raise BackendUnavailableError(
                f"the file for '{ref.path}' ({path}) is over {MAX_FILE_BYTES // 1024} KiB, "
                "too big to be a credential; check the mount"
            )
        return data

    def list(self, scope: str | None = None) -> list[SecretInfo]:
        infos: dict[str, SecretInfo] = {}
        roots: list[tuple[str | None, Path]] = [(None, self.root)]
        roots += [(s, d) for s, d in self.mounts.items()]
        if scope is not None:
            roots = [(s, d) for s, d in roots if s == scope] or [(None, self.root)]
        present = [(s, d) for s, d in roots if d.is_dir()]
        if not present:
            where = ", ".join(str(d) for _, d in roots)
            raise BackendUnavailableError(
                f"no secrets directory at {where}; mount one there or set "
                "backend_options['files']['path']"
            )
        for mount_scope, directory in present:
            for relative, file in _files_under(directory):
                path = self._ref_of(mount_scope, relative)
                if path is None or (scope is not None and path.split("/", 1)[0] != scope):
                    continue
                if mount_scope is None and path.split("/", 1)[0] in self.mounts:
                    continue  # that scope is read from its own mount
                if self.file_for(SecretRef(path)) != directory / relative:
                    continue
                infos[path] = SecretInfo(path, self.name, updated=_mtime(file))
        return [infos[p] for p in sorted(infos)]


def _files_under(directory: Path) -> list[tuple[str, Path]]:
    """Files under ``directory`` as (relative path with ``/``, path). Names starting
    with ``.`` (Kubernetes' ``..data`` and timestamped dirs) are skipped; links are
    followed while they stay inside ``directory`` (a projected volume links ``dev ->
    ..data/dev``), each real directory once."""
    top = directory.resolve()
    seen: set[Path] = set()
    found: list[tuple[str, Path]] = []
    for current, dirs, files in os.walk(directory, followlinks=True):
        real = Path(current).resolve()
        if real in seen or not real.is_relative_to(top):
            dirs[:] = []
            continue
        seen.add(real)
        dirs[:] = sorted(d for d in dirs if not d.startswith("."))
        base = Path(current)
        for name in sorted(files):
            file = base / name
            if name.startswith(".") or not file.is_file():
                continue
            if file.resolve().is_relative_to(top):  # get() refuses the others
                found.append((file.relative_to(directory).as_posix(), file))
    return found


def _opened_path(fd: int, path: Path) -> Path:
    """Where the open file ``fd`` really is (Linux: its /proc link; else the path's
    real path, which is what a resolve would say)."""
    try:
        return Path(os.readlink(f"/proc/self/fd/{fd}").removesuffix(" (deleted)"))
    except OSError:
        return path.resolve()


def _mtime(path: Path) -> datetime | None:
    try:
        return datetime.fromtimestamp(path.stat().st_mtime, timezone.utc)
    except OSError:
        return None


def _without_final_newline(value: str) -> str:
    if value.endswith("\r\n"):
        return value[:-2]
    if value.endswith("\n"):
        return value[:-1]
    return value
