"""jupyter-secrets: keep credentials out of notebooks.

``secret("dev/db/password")`` and ``%secret dev/db/password`` fetch a
secret at run time into kernel memory only; ``resolve(config)`` resolves
``secret://`` references in configuration. Importing this package is cheap:
the server and kernel integrations load lazily.
"""

from __future__ import annotations

from typing import Any

# Registers a running IPython kernel as a host that answers passphrase prompts.
from . import kernel_prompt as _kernel_prompt  # noqa: F401
from ._labextension import _jupyter_labextension_paths as _jupyter_labextension_paths
from .errors import SecretError
from .value import SecretStr

try:
    from ._version import __version__
except ImportError:  # running from a source tree that was never built
    __version__ = "0.0.0+unknown"

__all__ = ["SecretError", "SecretStr", "__version__", "resolve", "secret"]


def secret(ref: str, refresh: bool = False) -> SecretStr:
    """The value of ``ref`` (e.g. ``"dev/db/password"``), fetched at run time."""
    from .session import get_manager

    return get_manager().get(ref, refresh=refresh)


def resolve(config: Any) -> Any:
    """``config`` (a dict, list or config file path) with every ``secret://`` ref resolved."""
    from .resolve import resolve as _resolve

    return _resolve(config)


def load_ipython_extension(shell: Any) -> None:
    from .kernel import load

    load(shell)


def unload_ipython_extension(shell: Any) -> None:
    from .kernel import unload

    unload(shell)


def _jupyter_server_extension_points() -> list[dict[str, Any]]:
    from .server import _jupyter_server_extension_points as points

    return points()
