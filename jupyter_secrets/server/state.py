"""Everything the extension keeps for the life of one server, in one object.

Handlers reach it through ``self.settings["jupyter_secrets"]``.
"""

from __future__ import annotations

import logging
import os
import threading
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from .policy import GatePolicy

if TYPE_CHECKING:
    from ..config import SecretsConfig
    from ..manager import SecretManager
    from .app import JupyterSecrets


@dataclass
class ServerState:
    policy: GatePolicy
    secrets_settings: SecretsConfig
    log: logging.Logger
    baseline_path: str = ""
    known_values_enabled: bool = True
    _managers: dict[str, SecretManager] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    @classmethod
    def create(cls, app: JupyterSecrets) -> ServerState:
        from ..config import SecretsConfig

        settings = SecretsConfig(parent=app, config=app.secrets_config_source())
        return cls(
            policy=app.gate_policy(),
            secrets_settings=settings,
            log=app.log,
            baseline_path=app.baseline_path,
            known_values_enabled=app.known_values,
        )

    def install(self, serverapp: Any) -> None:
        """Hook the gate into the server's contents manager (filled in by the gate module)."""

    def manager_for(self, user: str) -> SecretManager:
        """One SecretManager per user: its audit events carry that user's name."""
        from ..manager import SecretManager

        with self._lock:
            manager = self._managers.get(user)
            if manager is None:
                manager = SecretManager(self.secrets_settings, user=user)
                self._managers[user] = manager
            return manager


def on_jupyterhub() -> bool:
    """True in a JupyterHub single-user server (the hub sets these for it)."""
    return bool(os.environ.get("JUPYTERHUB_USER") and os.environ.get("JUPYTERHUB_API_TOKEN"))
