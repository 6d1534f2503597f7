"""The process-wide :class:`SecretManager` shared by ``secret()``, ``resolve()`` and ``%secret``.

One manager per process means one cache, and one set of fetch listeners:
a value fetched through any entry point is registered with the kernel's
redactor.
"""

from __future__ import annotations

import threading

from .manager import SecretManager

_manager: SecretManager | None = None
_lock = threading.Lock()


def get_manager() -> SecretManager:
    global _manager
    with _lock:
        if _manager is None:
            _manager = SecretManager()
        return _manager
