"""Store credentials a kernel inherits in its environment, made invisible to its cells.

A Jupyter server started with, say, ``JUPYTER_SECRETS_PASSPHRASE`` exported
passes it to every kernel. Backends declare such variables
(:attr:`~jupyter_secrets.backends.base.Backend.credential_env_vars`); at
extension load each one is:

* moved out of ``os.environ`` into process memory, where its backend still
  reads it (:func:`~jupyter_secrets.backends.base.credential_env`), so ``%env``
  and every subprocess (``!env``) no longer see it;
* overwritten in the process's initial environment block, which
  ``/proc/<pid>/environ`` shows (to this process and to its children through
  ``$PPID``) whatever ``os.environ`` says;
* registered with the redactor and announced to the save gate, like a
  fetched value, since code can still read it from memory.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable, Iterable, Mapping
from typing import Any

from .backends.base import take_credential_env
from .redaction import Redactor

# /proc/<pid>/stat fields 50 and 51 (1-based), counted from field 3, the first after "(comm)".
_ENV_START, _ENV_END = 50 - 3, 51 - 3


def credential_names(manager: Any) -> dict[str, str]:
    """Credential variable -> label, over every backend that loads here."""
    from .backends.registry import available_backends  # noqa: PLC0415 (discovery loads every backend plugin: only when asked)

    names: dict[str, str] = {}
    for name, cls in available_backends().items():
        names.update(cls.credential_env_vars)
        names.update(_instance_credentials(manager, name))
    return names


def _instance_credentials(manager: Any, name: str) -> Mapping[str, str]:
    # The instance knows variables renamed in backend_options.
    try:
        envs: Mapping[str, str] = manager.router.backend(name).credential_envs()
    except Exception:  # a broken plugin must not stop the others being protected
        return {}
    return envs


def protect_credentials(
    names: Mapping[str, str], redactor: Redactor, announce: Callable[[str, str], None]
) -> None:
    """Take each variable out of the environment, redact it and announce it."""
    for name, label in names.items():
        value = take_credential_env(name)
        if value:
            redactor.add(label, value)
            announce(label, value)
    scrub_initial_environ(names)


#: The server's own credentials, which kernels inherit from it. Hub-aware code in a
#: kernel may need them, so they stay in the environment; they are masked in every
#: output and announced to the gate, so printing the environment cannot save them.
SERVER_TOKENS = {
    "JUPYTER_TOKEN": "jupyter server token",
    "JUPYTERHUB_API_TOKEN": "jupyterhub api token",
    "JPY_API_TOKEN": "jupyterhub api token",
}


def mask_server_tokens(redactor: Redactor, announce: Callable[[str, str], None]) -> None:
    for name, label in SERVER_TOKENS.items():
        value = os.environ.get(name, "")
        if len(value) >= 8:  # a short or empty token is no credential worth masking
            redactor.add(label, value)
            announce(label, value)


def scrub_initial_environ(names: Iterable[str]) -> bool:
    """Overwrite ``NAME=value`` entries in this process's initial environment block.

    ``os.environ.pop`` (unsetenv) leaves that block alone, and it is what
    ``/proc/self/environ`` shows. Linux only, best effort: never raises;
    returns True when the block was rewritten.
    """
    wanted = [n.encode() + b"=" for n in names]
    if not sys.platform.startswith("linux") or not wanted:
        return False
    try:
        with open("/proc/self/stat", "rb") as stat:
            fields = stat.read().rpartition(b")")[2].split()
        start, end = int(fields[_ENV_START]), int(fields[_ENV_END])
        if not 0 < start < end:
            return False
        with open("/proc/self/mem", "r+b", buffering=0) as mem:
            mem.seek(start)
            values = _value_spans(mem.read(end - start), wanted)
            for offset, length in values:
                mem.seek(start + offset)
                mem.write(bytes(length))
        return bool(values)
    except Exception:  # no /proc, no ptrace access to itself: nothing more to do
        return False


def _value_spans(block: bytes, wanted: list[bytes]) -> list[tuple[int, int]]:
    """(offset, length) of the values of ``NAME=`` entries (an entry starts the block
    or follows a NUL)."""
    spans = []
    for prefix in wanted:
        at = block.find(prefix)
        while at != -1:
            if at == 0 or block[at - 1] == 0:
                value_start = at + len(prefix)
                value_end = block.find(b"\0", value_start)
                value_end = len(block) if value_end == -1 else value_end
                if value_end > value_start:
                    spans.append((value_start, value_end - value_start))
            at = block.find(prefix, at + 1)
    return spans
