"""Everything the extension keeps for the life of one server, in one object.

Handlers reach it through ``self.settings["jupyter_secrets"]``.
"""

from __future__ import annotations

import logging
import os
import threading
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from jupyter_server.base.handlers import JupyterHandler

from ..admin_policy import apply_to_secrets
from ..config import SecretsConfig
from ..manager import SecretManager, build_audit
from ..scanner import Baseline, KnownValues, Scanner
from ..scanner.registry import detector_failures
from .acting import acting_or_owner
from .acting import install as install_acting_user
from .gate import Gate
from .gate_report import GateReport, ReportRegistry, ReportTransform
from .guards import DiskGuards
from .known_link import KnownValuesLink
from .logfilter import install as install_log_filter
from .logfilter import server_tokens
from .policy import GatePolicy

if TYPE_CHECKING:
    from .app import JupyterSecrets


@dataclass
class ServerState:
    policy: GatePolicy
    secrets_settings: SecretsConfig
    log: logging.Logger
    baseline_path: str = ""
    known_values_enabled: bool = True
    known: KnownValues | None = None
    link: KnownValuesLink | None = None
    gate: Gate | None = None
    registry: ReportRegistry | None = None
    _scanner: Scanner | None = None
    _managers: dict[str, SecretManager] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    @classmethod
    def create(cls, app: JupyterSecrets) -> ServerState:
        settings = SecretsConfig(parent=app, config=app.secrets_config_source())
        admin = app.admin_policy()
        for line in apply_to_secrets(settings, admin):
            app.log.warning("jupyter-secrets: ignored: %s", line)
        return cls(
            policy=app.gate_policy(),
            secrets_settings=settings,
            log=app.log,
            baseline_path=app.baseline_path,
            known_values_enabled=app.known_values or bool(admin.server.get("known_values")),
        )

    def install(self, serverapp: Any) -> None:
        """Put the gate in front of every way the server writes files; link kernels."""
        self.known = KnownValues()
        self.registry = ReportRegistry()
        self.gate = Gate(self.policy, self.scanner, self.registry, self.log, self._audit_refusal)
        contents_manager = serverapp.contents_manager
        contents_manager.register_pre_save_hook(self.gate.hook)
        if on_jupyterhub():
            install_acting_user(JupyterHandler)
        DiskGuards.install(contents_manager, self.gate)
        install_log_filter(serverapp.log, self.scanner, lambda: server_tokens(serverapp))
        # First, so a compressing transform (if any) sees our final body.
        serverapp.web_app.transforms.insert(0, ReportTransform)
        if self.known_values_enabled:
            self.link = KnownValuesLink(self.known)
            self.link.install(serverapp)

    def scanner(self) -> Scanner:
        """The one scanner of this server (built on first use: loading detectors takes time)."""
        with self._lock:
            if self._scanner is None:
                for failure in detector_failures().values():
                    self.log.warning(
                        "jupyter-secrets: %s; the gate scans without it (reinstall the package "
                        "that provides it)",
                        failure.describe("detector"),
                    )
                baseline = Baseline.load(self.baseline_path) if self.baseline_path else None
                self._scanner = Scanner(
                    known=self.known,
                    baseline=baseline,
                    max_bytes=self.policy.max_scan_bytes or None,
                )
            return self._scanner

    def _audit_refusal(self, report: GateReport) -> None:
        if not self.secrets_settings.audit_enabled:
            return
        types = sorted({g.finding.type for g in report.findings})
        build_audit(self.secrets_settings).record(
            user=acting_or_owner(on_jupyterhub()),
            action=f"save-{report.action}",
            outcome="denied",
            reason=", ".join(types) or report.message[:200],
            notebook=report.path,
            source="save-gate",
        )

    def manager_for(self, user: str) -> SecretManager:
        """One SecretManager per user: its audit events carry that user's name."""
        with self._lock:
            manager = self._managers.get(user)
            if manager is None:
                manager = SecretManager(self.secrets_settings, user=user)
                self._managers[user] = manager
            return manager


def on_jupyterhub() -> bool:
    """True in a JupyterHub single-user server (the hub sets these for it)."""
    return bool(os.environ.get("JUPYTERHUB_USER") and os.environ.get("JUPYTERHUB_API_TOKEN"))
