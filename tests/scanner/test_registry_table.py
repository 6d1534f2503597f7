"""The built-in detector table is the package's entry-point table, name for name."""

from __future__ import annotations

import sys
from pathlib import Path

from jupyter_secrets.scanner.registry import BUILTIN

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - 3.10
    import tomli as tomllib

PYPROJECT = Path(__file__).resolve().parents[2] / "pyproject.toml"


def test_builtin_detectors_equal_the_entry_points_in_pyproject() -> None:
    with PYPROJECT.open("rb") as file:
        declared = tomllib.load(file)["project"]["entry-points"]["jupyter_secrets.detectors"]
    assert declared == BUILTIN, (
        "registry.BUILTIN and pyproject's jupyter_secrets.detectors differ: "
        f"only built in {sorted(set(BUILTIN) - set(declared))}, "
        f"only declared {sorted(set(declared) - set(BUILTIN))}"
    )
