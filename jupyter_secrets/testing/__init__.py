"""Test kits for code that plugs into jupyter-secrets (needs pytest; never imported by
the package itself).

:class:`BackendContract` (in :mod:`jupyter_secrets.testing.backend`) is the contract
every secret backend must honour, as a pytest mixin: see that module for how a
third-party backend uses it.
"""

from __future__ import annotations

from .backend import (
    LARGE_VALUE_LENGTH,
    PATH_SHAPES,
    VALUE_KINDS,
    BackendContract,
    FakeSecrets,
    Seed,
    fake_value,
)

__all__ = [
    "LARGE_VALUE_LENGTH",
    "PATH_SHAPES",
    "VALUE_KINDS",
    "BackendContract",
    "FakeSecrets",
    "Seed",
    "fake_value",
]
