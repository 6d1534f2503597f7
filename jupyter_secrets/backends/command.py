"""Read-only secrets from any program that prints one: 1Password's ``op``, ``pass``,
``gopass``, a corporate CLI.

The command is an argument list, never a shell string, so nothing in a ref can
inject a command; placeholders are filled inside single arguments::

    c.SecretsConfig.backend_options = {"command": {"command": ["op", "read", "op://{path}"]}}
    c.SecretsConfig.backend_options = {"command": {"preset": "pass"}}

Placeholders: ``{ref}`` and ``{path}`` (``prod/db/password``), ``{scope}`` (``prod``),
``{name}`` (``db/password``), ``{version}`` (only refs that name one; without it
in the command, a versioned ref is not found).

What the program prints on stdout is the value (one trailing newline removed,
option ``strip_newline``). Its exit status and stderr say what went wrong:
``not_found_codes`` / ``denied_codes`` (lists of exit codes) and a few common
phrases (``not found``, ``is not in the password store``, ``permission denied``)
map to not-found and denied; anything else is "unavailable", with the first line
of stderr shown, long token-like runs in it masked. A program that runs longer
than ``timeout`` seconds (default 10) is killed with its process group. stdin is
closed, so a program that would prompt fails instead of hanging.

Options: ``command`` or ``preset`` (``op``, ``pass``, ``gopass``), ``list_command``
(prints one ref per line; ``list_suffix`` is cut off each, ``.gpg`` for a
password-store directory), ``env`` (extra variables), ``timeout``,
``strip_newline``, ``not_found_codes``, ``denied_codes``.
"""

from __future__ import annotations

import builtins
import contextlib
import os
import re
import shutil
import signal
import subprocess
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any, ClassVar

from ..errors import (
    BackendUnavailableError,
    ConfigError,
    ScopeDeniedError,
    SecretError,
)
from ..refs import SecretRef, is_ref
from .base import Backend, SecretInfo, SecretRecord, Viability

PRESETS: dict[str, list[str]] = {
    "op": ["op", "read", "--no-newline", "op://{path}"],
    "pass": ["pass", "show", "{path}"],
    "gopass": ["gopass", "show", "--password", "{path}"],
}
PLACEHOLDERS = ("ref", "path", "scope", "name", "version")
DEFAULT_TIMEOUT = 10.0
#: More than this on stdout is not a credential (a program printing a whole vault).
MAX_OUTPUT_BYTES = 1024 * 1024
_NOT_FOUND = re.compile(
    r"not found|not in the password store|no such (file|secret|item|entry)|does not exist|"
    r"isn't an item|could not find",
    re.IGNORECASE,
)
_DENIED = re.compile(
    r"permission denied|access denied|forbidden|unauthori[sz]ed|not authori[sz]ed",
    re.IGNORECASE,
)
# A run of token-like characters in stderr may be (part of) a value: never shown.
# Words and identifiers (``PermissionError``, ``--no-newline``) have no digit; a
# generated value almost always has one, and a very long run is masked anyway.
_TOKEN_LIKE = re.compile(r"[A-Za-z0-9+/=_\-.]{16,}")
_LONG_RUN = 28
_CONFIGURE = 'set backend_options[\'command\'][\'command\'], e.g. ["op", "read", "op://{path}"]'


class CommandBackend(Backend):
    name: ClassVar[str] = "command"
    priority: ClassVar[float] = 1.0
    writable: ClassVar[bool] = False
    description: ClassVar[str] = "any program that prints a secret (op, pass, gopass; read-only)"
    option_names: ClassVar[frozenset[str] | None] = frozenset(
        {
            "command",
            "preset",
            "list_command",
            "list_suffix",
            "env",
            "timeout",
            "strip_newline",
            "not_found_codes",
            "denied_codes",
        }
    )

    def __init__(self, **options: Any) -> None:
        super().__init__(**options)
        preset = options.get("preset")
        if preset is not None and preset not in PRESETS:
            raise ConfigError(
                f"backend 'command' preset {preset!r} is unknown; use one of "
                f"{', '.join(sorted(PRESETS))} or give 'command' as an argument list"
            )
        command = options.get("command", PRESETS[preset] if preset else None)
        self.command = _argument_list(command, "command") if command is not None else None
        self.preset = preset
        listing = options.get("list_command")
        self.list_command = _argument_list(listing, "list_command") if listing else None
        self.list_suffix = str(options.get("list_suffix", ""))
        extra_env = options.get("env", {})
        if not isinstance(extra_env, dict) or not all(
            isinstance(k, str) and isinstance(v, str) for k, v in extra_env.items()
        ):
            raise ConfigError("backend 'command' option 'env' must map names to strings")
        self.extra_env: dict[str, str] = extra_env
        timeout = options.get("timeout", DEFAULT_TIMEOUT)
        if isinstance(timeout, bool) or not isinstance(timeout, int | float) or timeout <= 0:
            raise ConfigError("backend 'command' option 'timeout' must be a positive number")
        self.timeout = float(timeout)
        self.strip_newline = bool(options.get("strip_newline", True))
        self.not_found_codes = _codes(options.get("not_found_codes", []), "not_found_codes")
        self.denied_codes = _codes(options.get("denied_codes", []), "denied_codes")

    @property
    def program(self) -> str:
        return os.path.basename(self.command[0]) if self.command else "(none)"

    def viable(self) -> Viability:
        if self.command is None:
            return Viability(False, f"no command configured: {_CONFIGURE}")
        if shutil.which(self.command[0]) is None:
            return Viability(
                False,
                f"command '{self.command[0]}' is not on PATH; install it or fix "
                "backend_options['command']['command']",
            )
        return Viability(True, f"runs {self.program} for each secret")

    def check(self) -> Viability:
        viability = self.viable()
        if not viability.ok or self.list_command is None:
            return viability  # running the command needs a ref: nothing cheap to verify
        return super().check()

    def get(self, ref: SecretRef) -> SecretRecord:
        command = self._require_command()
        if ref.version is not None and not any("{version}" in a for a in command):
            raise self.not_found(
                ref, f"the command backend ({self.program}) reads current versions only"
            )
        if self.preset == "pass":
            self._require_pass_entry(ref)
        argv = [_fill(arg, ref) for arg in command]
        out = self._run(argv, what=f"'{ref.path}'", ref=ref)
        try:
            value = out.decode("utf-8")
        except UnicodeDecodeError:
            raise BackendUnavailableError(
                f"{self.program} printed bytes that are not UTF-8 for '{ref.path}'; store the "
                "secret as text"
            ) from None
        if self.strip_newline:
            value = value[:-2] if value.endswith("\r\n") else value.removesuffix("\n")
        return SecretRecord(value, version=ref.version)

    def list(self, scope: str | None = None) -> list[SecretInfo]:
        if self.list_command is None:
            return []
        out = self._run(list(self.list_command), what="the list of secrets", ref=None)
        paths = set()
        for line in out.decode("utf-8", "replace").splitlines():
            path = line.strip()
            if self.list_suffix:
                path = path.removesuffix(self.list_suffix)
            in_scope = scope is None or path.split("/", 1)[0] == scope
            if in_scope and is_ref(path) and "@" not in path and "#" not in path:
                paths.add(path)
        return [SecretInfo(p, self.name) for p in sorted(paths)]

    def _require_pass_entry(self, ref: SecretRef) -> None:
        """``pass show FOLDER`` prints the folder's tree and succeeds: that listing must
        never be taken for a value, so the entry's file must exist first."""
        env = {**os.environ, **self.extra_env}
        store = Path(
            env.get("PASSWORD_STORE_DIR") or Path(env.get("HOME", "~")) / ".password-store"
        )
        entry = store.expanduser() / f"{ref.path}.gpg"
        if not entry.is_file():
            raise self.not_found(
                ref,
                f"the password store has no entry {ref.path} (a folder or nothing); "
                f"add it with: pass insert {ref.path}",
            )

    # -- running the program ------------------------------------------------

    def _require_command(self) -> builtins.list[str]:
        if self.command is None:
            raise BackendUnavailableError(f"backend 'command' has no command; {_CONFIGURE}")
        return self.command

    def _run(self, argv: builtins.list[str], what: str, ref: SecretRef | None) -> bytes:
        program = os.path.basename(argv[0])
        env = {**os.environ, **self.extra_env}
        try:
            done = run_bounded(argv, env, self.timeout)
        except FileNotFoundError:
            raise BackendUnavailableError(
                f"command '{argv[0]}' is not on PATH; install it or fix backend_options['command']"
            ) from None
        except OSError as exc:
            raise BackendUnavailableError(
                f"cannot run {program} ({type(exc).__name__}); check backend_options['command']"
            ) from None
        except subprocess.TimeoutExpired:
            raise BackendUnavailableError(
                f"{program} did not answer for {what} within {self.timeout:g} s and was "
                "stopped; sign in to it (it may be waiting for a prompt) or raise "
                "backend_options['command']['timeout']"
            ) from None
        out, err = done.stdout, done.stderr
        if done.returncode != 0:
            raise self._failure(program, done.returncode, err, what, ref)
        if len(out) > MAX_OUTPUT_BYTES:
            raise BackendUnavailableError(
                f"{program} printed over {MAX_OUTPUT_BYTES // 1024} KiB for {what}; that is "
                "not one secret, check the command"
            )
        return out

    def _failure(
        self, program: str, code: int, err: bytes, what: str, ref: SecretRef | None
    ) -> SecretError:
        said = shown_stderr(err)
        detail = f"{program} exited with {code}" + (f": {said}" if said else "")
        if ref is not None and (code in self.not_found_codes or _NOT_FOUND.search(said)):
            return self.not_found(ref, f"{detail}; check the ref or add it in {program}")
        if code in self.denied_codes or _DENIED.search(said):
            return ScopeDeniedError(
                f"{detail} for {what}; ask whoever manages {program}'s store for access"
            )
        return BackendUnavailableError(
            f"{detail} for {what}; sign in to {program} or check backend_options['command']"
        )


def shown_stderr(err: bytes, limit: int = 160) -> str:
    """The first non-empty line of a program's stderr, short, token-like runs masked:
    a failing program may still have echoed (part of) a value."""
    text = err.decode("utf-8", "replace")
    line = next((ln.strip() for ln in text.splitlines() if ln.strip()), "")
    line = _TOKEN_LIKE.sub(_mask_token, line)
    return line if len(line) <= limit else line[: limit - 1] + "…"


def _mask_token(match: re.Match[str]) -> str:
    run = match.group(0)
    return "…" if len(run) >= _LONG_RUN or any(c.isdigit() for c in run) else run


def _fill(argument: str, ref: SecretRef) -> str:
    values = {
        "ref": ref.path,
        "path": ref.path,
        "scope": ref.scope,
        "name": ref.name,
        "version": ref.version or "",
    }
    for key, value in values.items():
        argument = argument.replace("{" + key + "}", value)
    return argument


def _argument_list(value: object, option: str) -> list[str]:
    if isinstance(value, str):
        raise ConfigError(
            f"backend 'command' option '{option}' must be an argument list such as "
            '["pass", "show", "{path}"], not a shell string (refs are never given to a shell)'
        )
    if (
        not isinstance(value, Sequence)
        or not value
        or not all(isinstance(a, str) and a for a in value)
    ):
        raise ConfigError(
            f"backend 'command' option '{option}' must be a non-empty list of strings, e.g. "
            '["pass", "show", "{path}"]'
        )
    unknown = sorted(set(re.findall(r"\{([a-z_]+)\}", " ".join(value))) - set(PLACEHOLDERS))
    if unknown:
        raise ConfigError(
            f"backend 'command' option '{option}' uses unknown placeholder(s) "
            f"{', '.join('{' + u + '}' for u in unknown)}; known: "
            f"{', '.join('{' + p + '}' for p in PLACEHOLDERS)}"
        )
    return list(value)


def _codes(value: object, option: str) -> frozenset[int]:
    if not isinstance(value, list | tuple) or not all(
        isinstance(c, int) and not isinstance(c, bool) for c in value
    ):
        raise ConfigError(f"backend 'command' option '{option}' must be a list of exit codes")
    return frozenset(value)


def run_bounded(
    argv: Sequence[str],
    env: Mapping[str, str],
    timeout: float,
    stdin: bytes | None = None,
    cwd: str | os.PathLike[str] | None = None,
) -> subprocess.CompletedProcess[bytes]:
    """Run ``argv`` (never through a shell) in a session of its own, stdin closed unless
    given. After ``timeout`` seconds the program and everything it started are killed and
    TimeoutExpired is raised (``subprocess.run`` would kill the program only); an OSError
    from starting it propagates."""
    process = subprocess.Popen(
        list(argv),
        stdin=subprocess.PIPE if stdin is not None else subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env=dict(env),
        cwd=cwd,
        start_new_session=True,  # so a timeout kills what it started too
    )
    try:
        out, err = process.communicate(stdin, timeout=timeout)
    except subprocess.TimeoutExpired:
        stop_process_group(process)
        raise
    return subprocess.CompletedProcess(process.args, process.returncode, out, err)


def stop_process_group(process: subprocess.Popen[bytes]) -> None:
    """Kill a process started with ``start_new_session`` and everything it started."""
    try:
        os.killpg(process.pid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        process.kill()
    # A grandchild that left the group may still hold the pipes: do not wait on it.
    with contextlib.suppress(subprocess.TimeoutExpired):
        process.communicate(timeout=2)
