"""The ``jupyter-secrets`` CLI as users run it: a subprocess of this Python, text in and
out, its exit code kept (never raised on)."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Mapping


def run_cli(
    env: Mapping[str, str],
    *args: str,
    stdin: str = "",
    cwd: str | os.PathLike[str] | None = None,
    timeout: float = 120,
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "jupyter_secrets", *args],
        input=stdin, capture_output=True, text=True, env=dict(env), cwd=cwd, timeout=timeout,
        check=False,
    )  # fmt: skip
