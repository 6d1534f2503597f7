"""A real kernel (jupyter_client) that has fetched one secret from the env backend."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from pathlib import Path

from tests.kernel.conftest import write_secrets_config
from tests.kernel.harness import Kernel
from tests.support.jupyter_env import isolated_env


@contextlib.contextmanager
def kernel_with(tmp_path: Path, ref: str, value: str) -> Iterator[Kernel]:
    """A kernel in an isolated HOME where ``pw = %secret REF`` has run (value from env)."""
    home = tmp_path / "home"
    home.mkdir()
    write_secrets_config(home, {"": "env"})
    variable = "SECRET_" + ref.upper().replace("/", "_")
    kernel = Kernel(home, isolated_env(home, {variable: value}))
    kernel.planted.append(value)
    try:
        kernel.ok(f"pw = %secret {ref}")
        yield kernel
    finally:
        kernel.shutdown()
