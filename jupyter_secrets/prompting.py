"""Whether a human can answer a passphrase prompt here (core: imports no integration).

A terminal can. So can a host that routes ``getpass`` to its user, such as an
IPython kernel, which forwards it to the frontend's password box; the layer
that knows such a host registers a check for it with :func:`register_host`
(see :mod:`.kernel_prompt`), so the core never names or imports it.
"""

from __future__ import annotations

import sys
import threading
from collections.abc import Callable

_HOSTS: list[Callable[[], bool]] = []
_LOCK = threading.Lock()


def register_host(check: Callable[[], bool]) -> None:
    """Add ``check``: True while a host this process runs in answers getpass."""
    with _LOCK:
        if check not in _HOSTS:
            _HOSTS.append(check)


def can_prompt() -> bool:
    """A human can answer getpass: a terminal, or a registered host."""
    if any(check() for check in list(_HOSTS)):
        return True
    try:
        return sys.stdin is not None and sys.stdin.isatty()
    except ValueError:  # closed stdin
        return False
