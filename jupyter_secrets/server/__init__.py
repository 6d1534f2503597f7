"""The jupyter_server extension: the save-time gate and the ``/jupyter-secrets/`` REST API.

Enabled by ``jpserver_extensions = {"jupyter_secrets": True}`` (the
package re-exports :func:`_jupyter_server_extension_points`) or by naming
``jupyter_secrets.server`` directly. Importing this package is cheap; the
extension app (and jupyter_server) is imported only when the server asks.
"""

from __future__ import annotations

from typing import Any


def _jupyter_server_extension_points() -> list[dict[str, Any]]:
    from .app import JupyterSecrets  # noqa: PLC0415 (the extension point is listed without loading the server)

    return [{"module": "jupyter_secrets.server.app", "app": JupyterSecrets}]
