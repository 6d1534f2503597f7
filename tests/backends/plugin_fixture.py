"""Backend classes the registry and router tests install as plugins."""

from __future__ import annotations

from typing import Any, ClassVar

from jupyter_secrets.backends.base import Backend, SecretInfo, SecretRecord, Viability
from jupyter_secrets.refs import SecretRef


class MemoryBackend(Backend):
    """A writable in-memory plugin with a high priority (a stand-in third-party plugin)."""

    name: ClassVar[str] = "memory"
    priority: ClassVar[float] = 50.0
    writable: ClassVar[bool] = True

    def __init__(self, **options: Any) -> None:
        super().__init__(**options)
        self.values: dict[str, str] = {}

    def viable(self) -> Viability:
        ok = not self.options.get("broken", False)
        return Viability(ok, "in memory" if ok else "configured as broken")

    def get(self, ref: SecretRef) -> SecretRecord:
        if ref.path not in self.values:
            raise self.not_found(ref)
        return SecretRecord(self.values[ref.path])

    def set(self, ref: SecretRef, value: str) -> str | None:
        self.values[ref.path] = value
        return None

    def list(self, scope: str | None = None) -> list[SecretInfo]:
        return [SecretInfo(path=p, backend=self.name) for p in sorted(self.values)]


NOT_A_BACKEND = object()


class CheckRaisesBackend(MemoryBackend):
    """A plugin whose own check() override has a bug."""

    name: ClassVar[str] = "check-raises"
    priority: ClassVar[float] = 0.5

    def check(self) -> Viability:
        raise RuntimeError("fake-marker-in-a-plugin-bug")
