"""The environment of a Jupyter process under test (kernel, server, lab, hub, demo script).

Every per-user file it writes lands under one private HOME: Jupyter's config, data and
runtime dirs, IPython's, matplotlib's and the XDG base dirs sit where they would in a real
HOME, so a sweep of HOME sees everything. Nothing Jupyter-, JupyterHub- or secret-related
is inherited from the developer's shell; what the test passes in ``extra`` is.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from .strict import STRICT_VARIABLE

# Inherited variables dropped: Jupyter's and JupyterHub's own settings (a token, a config
# or runtime dir, JUPYTER_SECRETS_* passphrases and routes) and the env backend's values.
DROPPED_PREFIXES = ("JUPYTER", "JPY_", "SECRET_")
# ...except these, which say how the tests run rather than what the process does.
PASSED_THROUGH = frozenset({STRICT_VARIABLE})
# Kept as inherited (not in a prefix above): PATH, the D-Bus session bus and keyring
# backend of scripts/with-secret-service (DBUS_SESSION_BUS_ADDRESS, PYTHON_KEYRING_BACKEND,
# XDG_RUNTIME_DIR, where the bus and keyring sockets live), locale, TMPDIR.


@dataclass(frozen=True)
class JupyterDirs:
    """Where a process with ``isolated_env(home)`` keeps its files (the Linux defaults)."""

    home: Path

    @property
    def config(self) -> Path:
        return self.home / ".jupyter"

    @property
    def data(self) -> Path:
        return self.home / ".local/share/jupyter"

    @property
    def runtime(self) -> Path:
        return self.data / "runtime"

    @property
    def ipython(self) -> Path:
        return self.home / ".ipython"

    def variables(self) -> dict[str, Path]:
        """The environment variables that point a process at these dirs."""
        return {
            "HOME": self.home,
            "JUPYTER_CONFIG_DIR": self.config,
            "JUPYTER_DATA_DIR": self.data,
            "JUPYTER_RUNTIME_DIR": self.runtime,
            "IPYTHONDIR": self.ipython,
            "MPLCONFIGDIR": self.home / ".mpl",
            "XDG_CONFIG_HOME": self.home / ".config",
            "XDG_DATA_HOME": self.home / ".local/share",
            "XDG_STATE_HOME": self.home / ".local/state",
            "XDG_CACHE_HOME": self.home / ".cache",
        }


def isolated_env(home: Path, extra: Mapping[str, str] | None = None) -> dict[str, str]:
    """Environment for a process whose every per-user file lands under ``home`` (created).

    ``extra`` comes last: a test passes a kernel's secrets, a passphrase, a backend choice
    (or overrides one of the dirs) there.
    """
    env = {
        name: value
        for name, value in os.environ.items()
        if name in PASSED_THROUGH or not name.startswith(DROPPED_PREFIXES)
    }
    for name, path in JupyterDirs(home).variables().items():
        path.mkdir(parents=True, exist_ok=True)
        env[name] = str(path)
    # ipykernel stops capturing fd-level output (subprocesses, os.write) when it sees this
    # variable; a kernel under a real server never has it, so neither do ours.
    env.pop("PYTEST_CURRENT_TEST", None)
    env["PYTHONUNBUFFERED"] = "1"
    env.update(extra or {})
    return env
