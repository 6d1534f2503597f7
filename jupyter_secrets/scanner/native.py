"""The scanner's compiled parts (``native/``, Rust), or None where they are not built.

``scripts/build-native.sh`` builds them into ``_native``, offline, from Debian's
crates. Each compiled function has a Python twin that gives the same answers (a
property test holds them to it), used where ``_native`` is missing or
``JUPYTER_SECRETS_NATIVE=0`` is set. The cell walk needs Python objects given once
(``content`` does that); the text passes need nothing.
"""

from __future__ import annotations

import os
from typing import Any

ENV_NATIVE = "JUPYTER_SECRETS_NATIVE"


def _load() -> Any:
    if os.environ.get(ENV_NATIVE, "1") == "0":
        return None
    try:
        from . import _native as module  # type: ignore[attr-defined]  # noqa: PLC0415
    except ImportError:
        return None
    return module


MODULE: Any = _load()
