"""Read-only secrets from environment variables and ``.env`` files.

``dev/db/password`` is read from ``SECRET_DEV_DB_PASSWORD``: the prefix
(option ``prefix``) plus the path upper-cased, every character other than a
letter or digit turned into ``_``. ``os.environ`` wins over ``.env`` files;
``.env`` files are parsed with python-dotenv's ``dotenv_values`` and never
loaded into ``os.environ`` (child processes must not inherit them); a value is
read as written, ``${VAR}`` included (no interpolation: a stored secret never
takes in another variable of the reading process).

Options: ``prefix`` (default ``SECRET_``), ``dotenv_paths`` (default: the
nearest ``.env`` from the current directory upward; earlier files win).

The mapping is lossy, so ``list`` guesses refs back from variable names:
lower-case, and the first ``_`` becomes ``/`` (``SECRET_DEV_DB_PASSWORD``
lists as ``dev/db_password``). Fetch by the ref you mean; both spell the
same variable.
"""

from __future__ import annotations

import builtins
import os
import re
from pathlib import Path
from typing import Any, ClassVar

from dotenv import dotenv_values, find_dotenv

from ..errors import BackendUnavailableError, ConfigError
from ..refs import SecretRef, is_ref
from .base import Backend, SecretInfo, SecretRecord, Viability

DEFAULT_PREFIX = "SECRET_"
_NOT_ALNUM = re.compile(r"[^A-Za-z0-9]")


def variable_name(path: str, prefix: str = DEFAULT_PREFIX) -> str:
    """The variable holding ``path``: ``dev/db/password`` -> ``SECRET_DEV_DB_PASSWORD``."""
    return prefix + _NOT_ALNUM.sub("_", path).upper()


def guess_path(variable: str, prefix: str = DEFAULT_PREFIX) -> str | None:
    """Best-effort inverse of :func:`variable_name`; None when it cannot be a ref."""
    if not variable.startswith(prefix):
        return None
    path = variable[len(prefix) :].lower().replace("_", "/", 1)
    return path if is_ref(path) else None


class EnvBackend(Backend):
    name: ClassVar[str] = "env"
    priority: ClassVar[float] = 1.0
    writable: ClassVar[bool] = False
    description: ClassVar[str] = "environment variables and .env files (read-only)"
    option_names: ClassVar[frozenset[str] | None] = frozenset({"prefix", "dotenv_paths"})

    def __init__(self, **options: Any) -> None:
        super().__init__(**options)
        prefix = options.get("prefix", DEFAULT_PREFIX)
        if not isinstance(prefix, str) or not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", prefix):
            raise ConfigError(
                "backend 'env' option 'prefix' must be a variable-name prefix such as 'SECRET_'"
            )
        self.prefix = prefix
        paths = options.get("dotenv_paths")
        if paths is not None and (
            isinstance(paths, str) or not all(isinstance(p, str | os.PathLike) for p in paths)
        ):
            raise ConfigError("backend 'env' option 'dotenv_paths' must be a list of file paths")
        self._configured_paths = None if paths is None else [Path(p).expanduser() for p in paths]

    def variable_name(self, ref: SecretRef) -> str:
        return variable_name(ref.path, self.prefix)

    def dotenv_paths(self) -> builtins.list[Path]:
        """The .env files read, in priority order (looked up now: the cwd may change)."""
        if self._configured_paths is not None:
            return list(self._configured_paths)
        found = find_dotenv(usecwd=True)
        return [Path(found)] if found else []

    def viable(self) -> Viability:
        files = [str(p) for p in self.dotenv_paths() if p.is_file()]
        count = sum(1 for key in os.environ if key.startswith(self.prefix))
        where = f" and {', '.join(files)}" if files else " (no .env file found)"
        return Viability(True, f"reads {self.prefix}* variables ({count} set){where}")

    def get(self, ref: SecretRef) -> SecretRecord:
        variable = self.variable_name(ref)
        if ref.version is not None:
            raise self.not_found(
                ref, f"the env backend keeps one version only; fetch '{ref.path}' without @version"
            )
        value = os.environ.get(variable)
        if value is None:
            for values in self._dotenv_values():
                value = values.get(variable)
                if value is not None:
                    break
        if value is None:
            raise self.not_found(ref, f"export {variable}=... or add {variable}=... to a .env file")
        if value == "":
            raise self.not_found(ref, f"{variable} is set but empty; give it a value")
        return SecretRecord(value=value)

    def list(self, scope: str | None = None) -> list[SecretInfo]:
        names = {key for key in os.environ if key.startswith(self.prefix)}
        for values in self._dotenv_values():
            names.update(key for key, value in values.items() if value is not None)
        infos = []
        for variable in sorted(names):
            path = guess_path(variable, self.prefix)
            if path is None or (scope is not None and path.split("/", 1)[0] != scope):
                continue
            infos.append(SecretInfo(path=path, backend=self.name, extra={"variable": variable}))
        return infos

    def _dotenv_values(self) -> builtins.list[dict[str, str | None]]:
        result = []
        for path in self.dotenv_paths():
            if not path.is_file():
                continue
            try:
                result.append(dict(dotenv_values(path, interpolate=False)))
            except (OSError, UnicodeDecodeError) as exc:
                raise BackendUnavailableError(
                    f"cannot read {path} ({type(exc).__name__}); fix its permissions or "
                    "encoding, or remove it from backend_options['env']['dotenv_paths']"
                ) from None
        return result
